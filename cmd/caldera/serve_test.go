package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/caldera-srp/caldera/challenge"
)

// TestServe starts `caldera serve` with the idp test seed and a database,
// signs in with USER_PASSWORD_AUTH over HTTP, and stops it with a signal.
func TestServe(t *testing.T) {
	pr, pw := io.Pipe()
	stop := make(chan os.Signal, 1)
	done := make(chan int, 1)
	var stderr bytes.Buffer
	db := filepath.Join(t.TempDir(), "state.db")
	go func() {
		done <- serveMain([]string{"--addr", "127.0.0.1:0", "--seed", "../../idp/testdata/seed.json", "--data", db}, pw, &stderr, stop)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v; stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	var started struct {
		Endpoint string
		Pools    []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(line), &started); err != nil || len(started.Pools) != 1 || started.Pools[0].ID != "us-east-1_Local" {
		t.Fatalf("startup line %q: %v", line, err)
	}
	body := `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"localsecretclient","AuthParameters":{"USERNAME":"alice","PASSWORD":"Correct-Horse-1","SECRET_HASH":"` +
		challenge.SecretHash("local-client-secret", "alice", "localsecretclient") + `"}}`
	req, _ := http.NewRequest(http.MethodPost, started.Endpoint+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"AccessToken"`)) {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, b)
	}
	stop <- syscall.SIGTERM
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, stderr.String())
	}
	// Restart on the same data and seed: the seed finds what exists.
	stop2 := make(chan os.Signal, 1)
	stop2 <- syscall.SIGTERM
	var out, errb bytes.Buffer
	if code := serveMain([]string{"--addr", "127.0.0.1:0", "--seed", "../../idp/testdata/seed.json", "--data", db}, &out, &errb, stop2); code != 0 {
		t.Fatalf("restart exit %d: %s", code, errb.String())
	}
}
