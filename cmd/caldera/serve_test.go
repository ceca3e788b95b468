package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp"
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

// startServeMain runs serveMain with args and returns its startup JSON,
// its stderr so far and a function that stops it.
func startServeMain(t *testing.T, args ...string) (map[string]any, *syncBuffer, func()) {
	t.Helper()
	pr, pw := io.Pipe()
	stop := make(chan os.Signal, 1)
	done := make(chan int, 1)
	stderr := new(syncBuffer)
	go func() {
		done <- serveMain(args, pw, stderr, stop)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v; stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	var started map[string]any
	if err := json.Unmarshal([]byte(line), &started); err != nil {
		t.Fatalf("startup line %q: %v", line, err)
	}
	return started, stderr, func() {
		stop <- syscall.SIGTERM
		if code := <-done; code != 0 {
			t.Errorf("exit %d; stderr: %s", code, stderr.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeAdminCredentials: --admin-credentials is the key of the control
// plane; without it a random key is drawn and printed (stderr and the
// startup JSON); unsigned admin calls and the outbox without the bearer
// secret are refused; --insecure-admin opens both, with a warning.
func TestServeAdminCredentials(t *testing.T) {
	post := func(endpoint, op, body string, creds *idp.AdminCredentials) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		if creds != nil {
			if err := creds.SignRequest(req, []byte(body), "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const describe = `{"UserPoolId":"us-east-1_Local","ClientId":"localsecretclient"}`

	given := idp.AdminCredentials{AccessKeyID: "AKIASERVETEST0000001", SecretAccessKey: "serve-test-secret"}
	started, stderr, stop := startServeMain(t, "--addr", "127.0.0.1:0", "--seed", "../../idp/testdata/seed.json",
		"--admin-credentials", given.AccessKeyID+":"+given.SecretAccessKey)
	ep := started["endpoint"].(string)
	if got := started["adminCredentials"]; !reflect.DeepEqual(got, map[string]any{"accessKeyId": given.AccessKeyID, "secretAccessKey": given.SecretAccessKey}) {
		t.Errorf("startup JSON adminCredentials = %v", got)
	}
	if st, b := post(ep, "DescribeUserPoolClient", describe, nil); st != 400 || !strings.Contains(b, "MissingAuthenticationTokenException") || strings.Contains(b, "local-client-secret") {
		t.Errorf("unsigned DescribeUserPoolClient: %d %s", st, b)
	}
	if st, b := post(ep, "DescribeUserPoolClient", describe, &given); st != 200 || !strings.Contains(b, "local-client-secret") {
		t.Errorf("signed DescribeUserPoolClient: %d %s", st, b)
	}
	outbox := func(auth string) int {
		req, _ := http.NewRequest(http.MethodGet, ep+"/_caldera/outbox", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := outbox(""); st != http.StatusUnauthorized {
		t.Errorf("outbox without token: %d", st)
	}
	if st := outbox("Bearer " + given.SecretAccessKey); st != http.StatusOK {
		t.Errorf("outbox with the secret: %d", st)
	}
	if !strings.Contains(stderr.String(), "AWS_SECRET_ACCESS_KEY="+given.SecretAccessKey) || strings.Contains(stderr.String(), "WARNING") {
		t.Errorf("stderr: %s", stderr.String())
	}
	stop()

	// Drawn at random, printed in both places.
	started, stderr, stop = startServeMain(t, "--addr", "127.0.0.1:0")
	ac, _ := started["adminCredentials"].(map[string]any)
	drawn := idp.AdminCredentials{AccessKeyID: fmt.Sprint(ac["accessKeyId"]), SecretAccessKey: fmt.Sprint(ac["secretAccessKey"])}
	if len(drawn.AccessKeyID) != 20 || len(drawn.SecretAccessKey) != 40 || !strings.Contains(stderr.String(), drawn.SecretAccessKey) {
		t.Errorf("drawn credentials %v; stderr %s", drawn, stderr.String())
	}
	if st, b := post(started["endpoint"].(string), "CreateUserPool", `{"PoolName":"x"}`, &drawn); st != 200 {
		t.Errorf("CreateUserPool signed with the drawn key: %d %s", st, b)
	}
	stop()

	started, stderr, stop = startServeMain(t, "--addr", "127.0.0.1:0", "--insecure-admin")
	if st, b := post(started["endpoint"].(string), "CreateUserPool", `{"PoolName":"x"}`, nil); st != 200 {
		t.Errorf("--insecure-admin CreateUserPool: %d %s", st, b)
	}
	if _, ok := started["adminCredentials"]; ok || !strings.Contains(stderr.String(), "WARNING: --insecure-admin") {
		t.Errorf("--insecure-admin: %v; stderr %s", started, stderr.String())
	}
	stop()

	var out, errb bytes.Buffer
	if code := serveMain([]string{"--admin-credentials", "nocolon"}, &out, &errb, nil); code != 2 {
		t.Errorf("bad --admin-credentials: exit %d", code)
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:9229": true, "[::1]:9229": true, "0.0.0.0:9229": false, "[::]:9229": false,
		"192.168.1.4:9229": false, "localhost:9229": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
