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
	srv, err := idp.New(idp.Options{CustomAuth: quizHook{}})
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
	// A pool for USER_AUTH: password or e-mail code as the first factor.
	if _, err := srv.CreatePool(idp.PoolConfig{ID: "us-east-1_Choice", Name: "choice", FirstAuthFactors: []string{"PASSWORD", "EMAIL_OTP"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreateClient("us-east-1_Choice", idp.ClientConfig{ID: "choiceclient", Name: "choice",
		ExplicitAuthFlows: []string{"ALLOW_USER_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreateUser("us-east-1_Choice", idp.UserConfig{Username: "dave", Password: "Dave-Pass-1!",
		Attributes: map[string]string{"email": "dave@example.com", "email_verified": "true"}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return srv, srv.Endpoint()
}

// quizHook is the CUSTOM_AUTH triggers: after an optional SRP step, one
// question ("2+2"), three tries.
type quizHook struct{}

func (quizHook) DefineAuthChallenge(_ context.Context, in idp.DefineAuthChallengeInput) (idp.DefineAuthChallengeOutput, error) {
	s := in.Session
	switch {
	case len(s) == 1 && s[0].ChallengeName == "SRP_A":
		return idp.DefineAuthChallengeOutput{ChallengeName: "PASSWORD_VERIFIER"}, nil
	case len(s) > 0 && s[len(s)-1].ChallengeName == "CUSTOM_CHALLENGE" && s[len(s)-1].ChallengeResult:
		return idp.DefineAuthChallengeOutput{IssueTokens: true}, nil
	case len(s) >= 3 && !s[len(s)-1].ChallengeResult:
		return idp.DefineAuthChallengeOutput{FailAuthentication: true}, nil
	}
	return idp.DefineAuthChallengeOutput{ChallengeName: "CUSTOM_CHALLENGE"}, nil
}

func (quizHook) CreateAuthChallenge(context.Context, idp.CreateAuthChallengeInput) (idp.CreateAuthChallengeOutput, error) {
	return idp.CreateAuthChallengeOutput{
		PublicChallengeParameters:  map[string]string{"question": "2+2"},
		PrivateChallengeParameters: map[string]string{"answer": "4"},
	}, nil
}

func (quizHook) VerifyAuthChallenge(_ context.Context, in idp.VerifyAuthChallengeInput) (idp.VerifyAuthChallengeOutput, error) {
	return idp.VerifyAuthChallengeOutput{AnswerCorrect: in.ChallengeAnswer == in.PrivateChallengeParameters["answer"]}, nil
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
		{[]string{"--pool-id", "a_b", "--client-id", "x", "--flow", "admin"}, 2, "--flow \"admin\" is not one of"},
		{[]string{"--pool-id", "a_b", "--client-id", "x", "--preferred-challenge", "PASSWORD"}, 2, "--preferred-challenge goes with --flow user-auth"},
		{[]string{"--pool-id", "a_b", "--client-id", "x", "--issuer", "http://x", "--no-verify"}, 2, "not both"},
		{[]string{"--pool-id", "us-east-1_b", "--client-id", "x", "--flow", "refresh", "--device-file", filepath.Join(t.TempDir(), "d")}, 2, "no refresh token given"},
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

// loginTokens parses the JSON printed by caldera login.
func loginTokens(t *testing.T, stdout string) (id, access, refresh string) {
	t.Helper()
	var toks struct{ IdToken, AccessToken, RefreshToken string }
	if err := json.Unmarshal([]byte(stdout), &toks); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	return toks.IdToken, toks.AccessToken, toks.RefreshToken
}

// lazyLines is a standard input whose lines are computed when read (a code
// that exists only after the previous answer was sent).
type lazyLines []func() string

func (l *lazyLines) Read(p []byte) (int, error) {
	if len(*l) == 0 {
		return 0, io.EOF
	}
	line := (*l)[0]() + "\n"
	*l = (*l)[1:]
	return copy(p, line), nil // lines are short: p (bufio's 4 KiB) holds one
}

// TestLoginFlows: every --flow against idp; the tokens printed are the
// user's and verify (caldera login verified them before printing).
func TestLoginFlows(t *testing.T) {
	srv, ep := startLoginServer(t)
	base := func(pool, client string, extra ...string) []string {
		return append([]string{"--pool-id", pool, "--client-id", client, "--endpoint", ep,
			"--device-file", filepath.Join(t.TempDir(), "d.json"), "-v"}, extra...)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin io.Reader
		user  string
		log   []string // in -v's log or the prompts
	}{
		{"user-srp", base("us-east-1_Local", "localpublicclient", "--username", "alice"),
			strings.NewReader("Correct-Horse-1\n"), "alice", []string{`AuthFlow\":\"USER_SRP_AUTH\"`, "PASSWORD_VERIFIER"}},
		{"user-password", base("us-east-1_Local", "localsecretclient", "--client-secret", "local-client-secret", "--flow", "user-password", "--username", "alice"),
			strings.NewReader("Correct-Horse-1\n"), "alice", []string{`AuthFlow\":\"USER_PASSWORD_AUTH\"`}},
		{"custom", base("us-east-1_Choice", "choiceclient", "--flow", "custom", "--username", "dave"),
			strings.NewReader("5\n4\n"), "dave", []string{`AuthFlow\":\"CUSTOM_AUTH\"`, "question: 2+2", "challenge=CUSTOM_CHALLENGE"}},
		{"custom-srp", base("us-east-1_Choice", "choiceclient", "--flow", "custom-srp", "--username", "dave"),
			strings.NewReader("Dave-Pass-1!\n4\n"), "dave", []string{`AuthFlow\":\"CUSTOM_AUTH\"`, "PASSWORD_VERIFIER", "question: 2+2"}},
		{"user-auth preferring PASSWORD_SRP", base("us-east-1_Choice", "choiceclient", "--flow", "user-auth", "--preferred-challenge", "PASSWORD_SRP", "--username", "dave"),
			strings.NewReader("Dave-Pass-1!\n"), "dave", []string{`AuthFlow\":\"USER_AUTH\"`, "PASSWORD_VERIFIER"}},
		{"user-auth choosing PASSWORD", base("us-east-1_Choice", "choiceclient", "--flow", "user-auth", "--username", "dave"),
			strings.NewReader("PASSWORD\nDave-Pass-1!\n"), "dave", []string{`AuthFlow\":\"USER_AUTH\"`, "next=SELECT_CHALLENGE", "3. EMAIL_OTP", "Password: ", `\"ANSWER\":\"PASSWORD\"`}},
		{"user-auth choosing EMAIL_OTP", base("us-east-1_Choice", "choiceclient", "--flow", "user-auth", "--username", "dave"),
			&lazyLines{func() string { return "3" }, func() string { return srv.LastCode("us-east-1_Choice", "dave") }},
			"dave", []string{"next=SELECT_CHALLENGE", "EMAIL_OTP code (from email to d***@example.com): "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := loginMain(context.Background(), tc.args, tc.stdin, &out, &errOut)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			for _, want := range append(tc.log, "tokens verified against the JWKS of "+ep+"/") {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
				}
			}
			id, access, refresh := loginTokens(t, out.String())
			for _, secret := range []string{"Correct-Horse-1", "Dave-Pass-1!", id, access, refresh} {
				if secret != "" && strings.Contains(errOut.String(), secret) {
					t.Errorf("a secret (%d chars) is in the log", len(secret))
				}
			}
			c, err := srv.VerifyToken(id)
			if err != nil || c.String("cognito:username") != tc.user || c.String("token_use") != "id" {
				t.Errorf("ID token: %v %v", c, err)
			}
			if c, err := srv.VerifyToken(access); err != nil || c.String("username") != tc.user {
				t.Errorf("access token: %v %v", c, err)
			}
		})
	}
}

// TestLoginRefresh: --flow refresh reads a refresh token and prints new,
// verified tokens; a wrong refresh token is refused with the pool's message.
func TestLoginRefresh(t *testing.T) {
	srv, ep := startLoginServer(t)
	args := []string{"--pool-id", "us-east-1_Local", "--client-id", "localpublicclient", "--endpoint", ep,
		"--username", "alice", "--device-file", filepath.Join(t.TempDir(), "d.json")}
	code, stdout, stderr := runLogin(t, "Correct-Horse-1\n", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, _, refresh := loginTokens(t, stdout)
	code, stdout, stderr = runLogin(t, refresh+"\n", append(args, "--flow", "refresh", "--format", "export")...)
	if code != 0 {
		t.Fatalf("refresh: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "Refresh token: ") || strings.Contains(stderr, refresh) {
		t.Errorf("stderr: %s", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "export COGNITO_ID_TOKEN='ey") {
		t.Fatalf("export lines:\n%s", stdout)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(lines[0], "export COGNITO_ID_TOKEN='"), "'")
	if c, err := srv.VerifyToken(id); err != nil || c.String("cognito:username") != "alice" {
		t.Errorf("refreshed ID token: %v %v", c, err)
	}
	code, stdout, stderr = runLogin(t, "not-a-refresh-token\n", append(args, "--flow", "refresh")...)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "NotAuthorizedException") {
		t.Errorf("bad refresh token: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestLoginVerifyFails: tokens that do not verify against the expected
// issuer are not printed; --no-verify prints them anyway.
func TestLoginVerifyFails(t *testing.T) {
	_, ep := startLoginServer(t)
	args := []string{"--pool-id", "us-east-1_Local", "--client-id", "localpublicclient", "--endpoint", ep,
		"--username", "alice", "--device-file", filepath.Join(t.TempDir(), "d.json")}
	// The issuer of the real Cognito pool of that id: idp's tokens name
	// their endpoint instead.
	code, stdout, stderr := runLogin(t, "Correct-Horse-1\n", append(args, "--issuer", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local")...)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "the tokens do not verify (not printed): ID token: token: wrong issuer") {
		t.Errorf("wrong issuer: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = runLogin(t, "Correct-Horse-1\n", append(args, "--no-verify")...)
	if code != 0 || !strings.Contains(stdout, `"IdToken": "ey`) {
		t.Errorf("--no-verify: exit %d, stdout %q, stderr %q", code, stdout, stderr)
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
