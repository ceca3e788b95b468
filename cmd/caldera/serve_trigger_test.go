package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/caldera-srp/caldera/challenge"
)

// TestServeTrigger: --trigger PreTokenGeneration=URL forwards the event
// to an HTTP endpoint and its answer adds a claim to the ID token; a bad
// --trigger is a usage error.
func TestServeTrigger(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		json.NewDecoder(r.Body).Decode(&ev)
		ev["response"] = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"source": ev["triggerSource"]}}}}
		json.NewEncoder(w).Encode(ev)
	}))
	defer hook.Close()

	var errb bytes.Buffer
	if code := serveMain([]string{"--trigger", "PostAuthentication=" + hook.URL}, io.Discard, &errb, nil); code != 2 || !strings.Contains(errb.String(), "unsupported trigger") {
		t.Fatalf("bad --trigger: exit %d, %s", code, errb.String())
	}

	pr, pw := io.Pipe()
	stop := make(chan os.Signal, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- serveMain([]string{"--addr", "127.0.0.1:0", "--seed", "../../idp/testdata/seed.json", "--trigger", "PreTokenGeneration=" + hook.URL}, pw, &stderr, stop)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v; stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	var started struct{ Endpoint string }
	json.Unmarshal([]byte(line), &started)
	body := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"localsecretclient","AuthParameters":{"USERNAME":"alice","PASSWORD":"Correct-Horse-1","SECRET_HASH":"` +
		challenge.SecretHash("local-client-secret", "alice", "localsecretclient") + `"}}`
	req, _ := http.NewRequest(http.MethodPost, started.Endpoint+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ AuthenticationResult struct{ IdToken string } }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	parts := strings.Split(out.AuthenticationResult.IdToken, ".")
	if len(parts) != 3 {
		t.Fatalf("no ID token (%d); stderr: %s", resp.StatusCode, stderr.String())
	}
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(pb, &claims)
	if claims["source"] != "TokenGeneration_Authentication" {
		t.Fatalf("claims %v", claims)
	}
	stop <- syscall.SIGTERM
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, stderr.String())
	}
}
