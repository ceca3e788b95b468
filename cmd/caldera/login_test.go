package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/idp"
	"github.com/caldera-srp/caldera/totp"
)

// startLoginServer starts an in-process idp with the seed of
// idp/testdata/seed.json (pool us-east-1_Local, users alice and bob) and a
// second pool with TOTP MFA required.
func startLoginServer(t *testing.T) (*idp.Server, string) {
	t.Helper()
	srv, err := idp.New(idp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	sd, err := idp.ReadSeedFile(filepath.Join("..", "..", "idp", "testdata", "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ApplySeed(sd); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreatePool(idp.PoolConfig{ID: "us-east-1_Mfa", Name: "mfa", MFA: "ON", SoftwareTokenMFA: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreateClient("us-east-1_Mfa", idp.ClientConfig{ID: "mfaclient", Name: "mfa"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreateUser("us-east-1_Mfa", idp.UserConfig{Username: "carol", Password: "Carol-Pass-1!", TOTPSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return srv, srv.Endpoint()
}

func runLogin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = loginMain(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLoginDeviceAndVerbose(t *testing.T) {
	srv, ep := startLoginServer(t)
	devFile := filepath.Join(t.TempDir(), "sub", "devices.json")
	args := []string{"--pool-id", "us-east-1_Local", "--client-id", "localpublicclient", "--endpoint", ep,
		"--username", "alice", "--device-file", devFile}

	code, stdout, stderr := runLogin(t, "Correct-Horse-1\n", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var toks struct{ IdToken, AccessToken, RefreshToken, TokenType, Username string }
	if err := json.Unmarshal([]byte(stdout), &toks); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	c, err := srv.VerifyToken(toks.IdToken)
	if err != nil || c.String("cognito:username") != "alice" || c.String("token_use") != "id" {
		t.Fatalf("ID token: %v %v", c, err)
	}
	if toks.RefreshToken == "" || toks.TokenType != "Bearer" || toks.Username != "alice" {
		t.Errorf("tokens: %+v", toks)
	}
	if !strings.Contains(stderr, "device us-east-1_") || !strings.Contains(stderr, "remembered in "+devFile) {
		t.Errorf("stderr: %s", stderr)
	}
	fi, err := os.Stat(devFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("device file mode %v, want 0600", fi.Mode().Perm())
	}

	// Second sign-in: the remembered device answers DEVICE_SRP_AUTH; -v
	// logs the redacted exchange.
	code, stdout, stderr = runLogin(t, "Correct-Horse-1\n", append(args, "-v", "--format", "export")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"next=DEVICE_SRP_AUTH", "challenge=DEVICE_PASSWORD_VERIFIER", "op=InitiateAuth", "status=ok"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-v log lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "Correct-Horse-1") {
		t.Errorf("the password is in the log")
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "export COGNITO_ID_TOKEN='ey") ||
		!strings.HasPrefix(lines[1], "export COGNITO_ACCESS_TOKEN='") || !strings.HasPrefix(lines[2], "export COGNITO_REFRESH_TOKEN='") {
		t.Fatalf("export lines:\n%s", stdout)
	}
	access := strings.TrimSuffix(strings.TrimPrefix(lines[1], "export COGNITO_ACCESS_TOKEN='"), "'")
	for _, tok := range []string{access, toks.AccessToken} {
		if strings.Contains(stderr, tok) {
			t.Errorf("a token is in the log")
		}
	}
	c, err = srv.VerifyToken(access)
	if err != nil || !strings.HasPrefix(c.String("device_key"), "us-east-1_") {
		t.Errorf("access token after device sign-in: %v %v", c, err)
	}
}

func TestLoginNewPasswordWithSecret(t *testing.T) {
	_, ep := startLoginServer(t)
	args := []string{"--pool-id", "us-east-1_Local", "--client-id", "localsecretclient", "--client-secret", "local-client-secret",
		"--endpoint", ep, "--device-file", filepath.Join(t.TempDir(), "d.json")}
	// Username, temporary password, then the new password.
	code, stdout, stderr := runLogin(t, "bob\nTemporary-Pass-1\nBrand-New-Pass-7!\n", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "requires a new password for bob") || !strings.Contains(stdout, `"IdToken": "ey`) {
		t.Errorf("stdout %s\nstderr %s", stdout, stderr)
	}
	// The new password works; the old one is refused with the service's message.
	if code, _, stderr := runLogin(t, "Brand-New-Pass-7!\n", append(args, "--username", "bob")...); code != 0 {
		t.Fatalf("new password: exit %d: %s", code, stderr)
	}
	code, stdout, stderr = runLogin(t, "Temporary-Pass-1\n", append(args, "--username", "bob")...)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "Incorrect username or password. (NotAuthorizedException)") {
		t.Errorf("old password: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestLoginTOTP(t *testing.T) {
	_, ep := startLoginServer(t)
	secret, err := totp.DecodeSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.Code(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	exit, stdout, stderr := runLogin(t, "Carol-Pass-1!\n"+code+"\n", "--pool-id", "us-east-1_Mfa", "--client-id", "mfaclient",
		"--endpoint", ep, "--username", "carol", "--device-file", filepath.Join(t.TempDir(), "d.json"))
	if exit != 0 {
		t.Fatalf("exit %d: %s", exit, stderr)
	}
	if !strings.Contains(stderr, "SOFTWARE_TOKEN_MFA code (from your authenticator app): ") || !strings.Contains(stdout, `"AccessToken": "ey`) {
		t.Errorf("stdout %s\nstderr %s", stdout, stderr)
	}
}

func TestLoginUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-h"}, 0, "Usage: caldera login"},
		{[]string{"--client-id", "x"}, 2, "--pool-id and --client-id are required"},
		{[]string{"--pool-id", "nounderscore", "--client-id", "x"}, 2, "cannot tell the region"},
		{[]string{"--pool-id", "a_b", "--client-id", "x", "--format", "yaml"}, 2, "--format"},
		{[]string{"--pool-id", "a_b", "--client-id", "x", "--region", "us-east-1", "--endpoint", "http://x"}, 2, "not both"},
		{[]string{"--pool-id", "us-east-1_b", "--client-id", "x", "--username", "u", "--device-file", filepath.Join(t.TempDir(), "d")}, 2, "no password given"},
		// Plain http only to loopback, unless asked (issue 11 item 12).
		{[]string{"--pool-id", "us-east-1_b", "--client-id", "x", "--endpoint", "http://192.0.2.7:9229"}, 2, "not loopback"},
		{[]string{"--pool-id", "us-east-1_b", "--client-id", "x", "--endpoint", "http://192.0.2.7:9229", "--insecure-http",
			"--username", "u", "--device-file", filepath.Join(t.TempDir(), "d")}, 2, "no password given"},
	} {
		code, _, stderr := runLogin(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}

// TestLoginRefusesPasswordDowngrade: a server that answers USER_SRP_AUTH
// with a SELECT_CHALLENGE offering only PASSWORD (to read the password)
// never gets it: flow refuses the choice, caldera login says why and asks
// again, and with no other answer the sign-in ends (issue 11 item 12).
func TestLoginRefusesPasswordDowngrade(t *testing.T) {
	const password = "Downgrade-Me-1"
	var mu sync.Mutex
	var bodies []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"ChallengeName":"SELECT_CHALLENGE","Session":"s1","AvailableChallenges":["PASSWORD"],"ChallengeParameters":{}}`)
	}))
	defer ts.Close()
	code, _, stderr := runLogin(t, password+"\nPASSWORD\n", "--pool-id", "us-east-1_Evil", "--client-id", "c",
		"--endpoint", ts.URL, "--username", "alice", "--device-file", filepath.Join(t.TempDir(), "d.json"))
	if code == 0 {
		t.Fatalf("signed in? stderr %q", stderr)
	}
	if !strings.Contains(stderr, "never sends the password itself") {
		t.Errorf("stderr does not explain the refusal: %q", stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"USER_SRP_AUTH"`) {
		t.Errorf("requests: %q", bodies)
	}
	for _, b := range bodies {
		if strings.Contains(b, password) {
			t.Fatalf("the password reached the server: %s", b)
		}
	}
}
