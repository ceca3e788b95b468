package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/idp"
	"github.com/caldera-srp/caldera/token"
	"github.com/caldera-srp/caldera/totp"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

const demoUsage = `Usage: caldera demo [--random]

Starts a local Cognito-compatible server (package idp) in this process on a
loopback port, creates a user pool with MFA on and device tracking, an app
client with a secret and a user with a temporary password, then signs in with
Caldera's state machine (package flow) over plain HTTP (transport/awsjson):

  1. USER_SRP_AUTH -> PASSWORD_VERIFIER -> NEW_PASSWORD_REQUIRED -> MFA_SETUP
     (AssociateSoftwareToken, VerifySoftwareToken with a TOTP code computed by
     package totp) -> tokens -> ConfirmDevice and UpdateDeviceStatus;
  2. USER_SRP_AUTH with the new password and the remembered device ->
     PASSWORD_VERIFIER -> DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER -> tokens;

and prints every request and answer with secrets redacted, then the ID token's
claims after verifying both tokens with package token against the pool's JWKS. Nothing
but Go is needed: no account, no network beyond loopback.

By default the clock and the randomness are fixed, so the transcript is the
same on every run (except the port, the issuer URL and the token signing
key). That is for a demo only: --random uses the real clock and crypto/rand.

Flags:
`

// demoPoolID and demoClientID are fixed so that the transcript is stable.
const (
	demoPoolID   = "us-east-1_CalderaDemo"
	demoClientID = "calderademoclient"
	demoUser     = "demo-user"
	demoEmail    = "demo@example.com"
)

// demoStart is the fixed clock of a deterministic demo run.
var demoStart = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func demoCommand(args []string) int {
	return demoMain(args, os.Stdout, os.Stderr)
}

func demoMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	random := fs.Bool("random", false, "use the real clock and crypto/rand instead of fixed ones")
	if code, done := parseFlags(fs, args, stderr, demoUsage, false); done {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := runDemo(ctx, stdout, demoConfig{Random: *random}); err != nil {
		fmt.Fprintf(stderr, "caldera demo: %v\n", err)
		return 1
	}
	return 0
}

// demoConfig configures runDemo.
type demoConfig struct {
	// Random uses the real clock and crypto/rand.
	Random bool
	// Wire, when set, sees every call unredacted (tests use it to collect
	// the secrets that must not appear in the transcript).
	Wire func(op flow.Operation, in, out json.RawMessage)
}

// demoResult is what a demo run produced, for tests.
type demoResult struct {
	// Secrets are every password, code and secret the demo chose or
	// computed.
	Secrets []string
	// Claims are the verified claims of the last ID token.
	Claims map[string]any
	// AccessClaims are the verified claims of the last access token.
	AccessClaims map[string]any
	Endpoint     string
}

// lockedReader makes a seeded generator safe for the server's goroutines.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// demoClock is a clock that moves only when the demo advances it.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *demoClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// runDemo runs the whole demo, writing the transcript to w.
func runDemo(ctx context.Context, w io.Writer, cfg demoConfig) (*demoResult, error) {
	now := time.Now
	var clock *demoClock
	var serverRand, clientRand io.Reader // nil: crypto/rand
	if !cfg.Random {
		clock = &demoClock{t: demoStart}
		now = clock.Now
		// Fixed seeds: a deterministic transcript for a demo. Never
		// give a flow.Config or an idp.Options a seeded source elsewhere.
		serverRand = &lockedReader{r: rand.NewChaCha8([32]byte{'c', 'a', 'l', 'd', 'e', 'r', 'a', '-', 's', 'e', 'r', 'v', 'e', 'r'})}
		clientRand = &lockedReader{r: rand.NewChaCha8([32]byte{'c', 'a', 'l', 'd', 'e', 'r', 'a', '-', 'c', 'l', 'i', 'e', 'n', 't'})}
	}
	res := &demoResult{}
	p := &demoPrinter{w: w}

	srv, err := idp.New(idp.Options{Clock: now, Rand: serverRand})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	res.Endpoint = srv.Endpoint()

	p.line("Caldera demo: a Cognito sign-in with SRP, a new password, TOTP set-up and a remembered")
	p.line("device, against a local Cognito-compatible server (package idp) started in this process")
	p.line("at %s. The client is package flow over plain HTTP (transport/awsjson).", srv.Endpoint())
	if cfg.Random {
		p.line("Clock and randomness are real (--random).")
	} else {
		p.line("Clock (%s) and randomness are fixed so that the transcript repeats; --random uses real ones.", demoStart.Format(time.RFC3339))
	}
	p.line("Secrets (passwords, codes, tokens, Sessions, SECRET_HASH, PASSWORD_CLAIM_SIGNATURE, TOTP and")
	p.line("device secrets) are shown as %s; long public values are shortened.", flow.Redacted)

	// Set-up through the server's Go API (what an administrator does).
	pool, err := srv.CreatePool(idp.PoolConfig{
		ID: demoPoolID, Name: "caldera-demo", MFA: "ON", SoftwareTokenMFA: true,
		DeviceConfiguration: &idp.DeviceConfiguration{ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true},
	})
	if err != nil {
		return nil, err
	}
	client, err := srv.CreateClient(pool.ID, idp.ClientConfig{ID: demoClientID, Name: "demo", GenerateSecret: true})
	if err != nil {
		return nil, err
	}
	tempPassword, err := demoPassword(clientRand, "Tmp")
	if err != nil {
		return nil, err
	}
	newPassword, err := demoPassword(clientRand, "New")
	if err != nil {
		return nil, err
	}
	if _, err := srv.CreateUser(pool.ID, idp.UserConfig{
		Username: demoUser, Password: tempPassword, Temporary: true,
		Attributes: map[string]string{"email": demoEmail, "email_verified": "true"},
	}); err != nil {
		return nil, err
	}
	res.Secrets = append(res.Secrets, client.Secret, tempPassword, newPassword)

	p.section("Set-up (the server's Go API, as an administrator would)")
	p.line("user pool %s: MFA required (TOTP), device tracking (devices remembered on user prompt)", pool.ID)
	p.line("app client %s with a client secret %s: every call carries SECRET_HASH", client.ID, flow.Redacted)
	p.line("user %s <%s> with a temporary password %s", demoUser, demoEmail, flow.Redacted)
	admin := srv.AdminCredentials()
	res.Secrets = append(res.Secrets, admin.SecretAccessKey)
	p.line("over HTTP these would be control-plane calls (CreateUserPool, AdminCreateUser, …), signed with")
	p.line("AWS Signature V4 by the server's admin key %s (secret %s); sign-in is public", admin.AccessKeyID, flow.Redacted)

	tr, err := awsjson.New(awsjson.Options{Endpoint: srv.Endpoint() + "/"})
	if err != nil {
		return nil, err
	}
	var t flow.Transport = tr
	if cfg.Wire != nil {
		t = &tapTransport{t: tr, tap: cfg.Wire}
	}
	logged := flow.LoggingTransport(t, slog.New(&transcriptHandler{p: p}))

	var totpSecret []byte
	var lastStep int64 = -1
	prompter := flow.PrompterFunc(func(ctx context.Context, pr *flow.Prompt) (flow.Answer, error) {
		switch pr.Kind {
		case flow.PromptNewPassword:
			p.line("? %s: the password was temporary; the user chooses a new one: %s", pr.Challenge, flow.Redacted)
			return flow.Answer{NewPassword: newPassword}, nil
		case flow.PromptTOTPSetup:
			s, err := totp.DecodeSecret(pr.SecretCode)
			if err != nil {
				return flow.Answer{}, err
			}
			totpSecret = s
			res.Secrets = append(res.Secrets, pr.SecretCode, pr.OTPAuthURI)
			p.line("? %s: enrol the TOTP secret %s (otpauth URI %s) in an authenticator;", pr.Challenge, flow.Redacted, flow.Redacted)
			p.line("  the demo is the authenticator: package totp computes the first code %s", flow.Redacted)
		case flow.PromptMFACode:
			if pr.Challenge != challenge.SoftwareTokenMFA || totpSecret == nil {
				return flow.Answer{}, fmt.Errorf("caldera: unexpected %s prompt", pr.Challenge)
			}
			p.line("? %s: the authenticator's current code %s", pr.Challenge, flow.Redacted)
		default:
			return flow.Answer{}, fmt.Errorf("caldera: unexpected %s prompt", pr.Kind)
		}
		// A TOTP code is good once: wait for the next 30-second step if
		// this one was used already (the fixed clock just moves on).
		for now().Unix()/30 == lastStep {
			if clock != nil {
				clock.Advance(30 * time.Second)
				continue
			}
			select {
			case <-ctx.Done():
				return flow.Answer{}, ctx.Err()
			case <-time.After(time.Second):
			}
		}
		lastStep = now().Unix() / 30
		code, err := totp.Code(totpSecret, now())
		if err != nil {
			return flow.Answer{}, err
		}
		res.Secrets = append(res.Secrets, code)
		return flow.Answer{Code: code}, nil
	})

	base := flow.Config{
		UserPoolID: pool.ID, ClientID: client.ID, ClientSecret: client.Secret,
		Username: demoUser, Flow: flow.UserSRPAuth, Rand: clientRand, Now: now,
		DeviceName: "caldera-demo", DevicePolicy: flow.RememberDevice, FriendlyDeviceName: "caldera-demo",
	}

	p.section("Sign-in 1: USER_SRP_AUTH with the temporary password, no device yet")
	c1 := base
	c1.Password = tempPassword
	r1, err := demoSignIn(ctx, c1, logged, prompter)
	if err != nil {
		return nil, err
	}
	res.Secrets = append(res.Secrets, tokenSecrets(r1)...)
	p.tokens(r1)
	if r1.Device == nil || !r1.NewDevice || r1.DeviceErr != nil {
		return nil, fmt.Errorf("caldera: the device was not confirmed (%v)", r1.DeviceErr)
	}
	res.Secrets = append(res.Secrets, r1.Device.DevicePassword)
	p.line("device remembered: DeviceKey %s, DeviceGroupKey %s, device password %s", r1.Device.DeviceKey, r1.Device.DeviceGroupKey, flow.Redacted)
	p.line("(ConfirmDevice uploaded only the device's SRP verifier; the device password stays here)")

	if clock != nil {
		clock.Advance(time.Minute)
	}
	p.section("Sign-in 2: USER_SRP_AUTH with the new password and the remembered device")
	c2 := base
	c2.Password = newPassword
	c2.Device = r1.Device
	r2, err := demoSignIn(ctx, c2, logged, prompter)
	if err != nil {
		return nil, err
	}
	res.Secrets = append(res.Secrets, tokenSecrets(r2)...)
	p.tokens(r2)

	// Verify both tokens as a resource server would: package token fetches
	// the pool's JWKS over HTTP and checks the signature, iss, token_use,
	// the client (aud, client_id), exp and iat against the demo's clock.
	keysURL := srv.Issuer(pool.ID) + "/.well-known/jwks.json"
	verifier, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{Issuer: srv.Issuer(pool.ID), Use: token.EitherToken, ClientIDs: []string{client.ID}}},
		Now:   now,
	})
	if err != nil {
		return nil, err
	}
	id, err := verifier.Verify(ctx, r2.Tokens.IDToken)
	if err != nil {
		return nil, err
	}
	access, err := verifier.Verify(ctx, r2.Tokens.AccessToken)
	if err != nil {
		return nil, err
	}
	if id.Use != token.IDToken || access.Use != token.AccessToken {
		return nil, fmt.Errorf("caldera: token_use %s and %s, want id and access", id.Use, access.Use)
	}
	if dk := access.String("device_key"); dk != r1.Device.DeviceKey {
		return nil, fmt.Errorf("caldera: access token device_key %q, want %q", dk, r1.Device.DeviceKey)
	}
	res.Claims, res.AccessClaims = id.Raw, access.Raw
	p.section("ID token claims")
	p.line("RS256 signature verified with key %s of %s;", id.KeyID, keysURL)
	p.line("iss, aud, token_use, exp and iat checked (package token). The access token verified too (device_key %s).", r1.Device.DeviceKey)
	p.claims(id.Raw)
	p.section("Done: two verified SRP sign-ins, one with the remembered device")
	return res, nil
}

// demoSignIn runs one sign-in.
func demoSignIn(ctx context.Context, cfg flow.Config, t flow.Transport, pr flow.Prompter) (*flow.Result, error) {
	m, err := flow.New(cfg)
	if err != nil {
		return nil, err
	}
	return flow.Run(ctx, m, t, pr)
}

// demoPassword draws a password that meets Cognito's default policy.
func demoPassword(r io.Reader, prefix string) (string, error) {
	if r == nil {
		r = crand.Reader
	}
	b := make([]byte, 8)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return prefix + "-" + hex.EncodeToString(b) + "-Aa1!", nil
}

func tokenSecrets(r *flow.Result) []string {
	return []string{r.Tokens.AccessToken, r.Tokens.IDToken, r.Tokens.RefreshToken}
}

// tapTransport shows every call, unredacted, to a test.
type tapTransport struct {
	t   flow.Transport
	tap func(op flow.Operation, in, out json.RawMessage)
}

func (t *tapTransport) Call(ctx context.Context, op flow.Operation, in json.RawMessage) (json.RawMessage, error) {
	out, err := t.t.Call(ctx, op, in)
	t.tap(op, in, out)
	return out, err
}

// demoPrinter writes the transcript.
type demoPrinter struct {
	w io.Writer
}

func (p *demoPrinter) line(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *demoPrinter) section(title string) {
	fmt.Fprintf(p.w, "\n== %s\n", title)
}

func (p *demoPrinter) tokens(r *flow.Result) {
	p.line("tokens: AccessToken %s, IdToken %s, RefreshToken %s, %s, expires in %ds",
		flow.Redacted, flow.Redacted, flow.Redacted, r.Tokens.TokenType, r.Tokens.ExpiresIn)
}

func (p *demoPrinter) claims(c map[string]any) {
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := fmt.Sprint(c[k])
		if n, ok := c[k].(json.Number); ok && (k == "exp" || k == "iat" || k == "auth_time") {
			if s, err := n.Int64(); err == nil {
				v += " (" + time.Unix(s, 0).UTC().Format(time.RFC3339) + ")"
			}
		}
		p.line("  %-18s %s", k, v)
	}
}

// body prints a redacted JSON body indented, with long public values
// (SRP_A, SRP_B, SECRET_BLOCK) shortened.
func (p *demoPrinter) body(redacted string) {
	var v any
	dec := json.NewDecoder(strings.NewReader(redacted))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		p.line("    %s", redacted)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	if enc.Encode(shorten(v)) != nil {
		return
	}
	fmt.Fprintf(p.w, "    %s", buf.String())
}

func shorten(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = shorten(e)
		}
	case []any:
		for i, e := range x {
			x[i] = shorten(e)
		}
	case string:
		if len(x) > 56 {
			return fmt.Sprintf("%s…(%d chars)", x[:24], len(x))
		}
	}
	return v
}

// transcriptHandler is a slog.Handler that prints the records of
// flow.LoggingTransport (already redacted by flow.RedactJSON) as a
// readable transcript: request -> answer.
type transcriptHandler struct {
	p *demoPrinter
}

func (h *transcriptHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *transcriptHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *transcriptHandler) WithGroup(string) slog.Handler            { return h }

func (h *transcriptHandler) Handle(_ context.Context, r slog.Record) error {
	a := map[string]string{}
	r.Attrs(func(at slog.Attr) bool {
		a[at.Key] = at.Value.String()
		return true
	})
	head := "-> " + a["op"]
	if a["challenge"] != "" {
		head += " answering " + a["challenge"]
	}
	h.p.line("%s", head)
	h.p.body(a["request"])
	switch {
	case a["status"] != "ok":
		h.p.line("<- %s: %s", a["status"], a["message"])
	case a["next"] != "":
		h.p.line("<- challenge %s", a["next"])
		h.p.body(a["response"])
	default:
		h.p.line("<- ok")
		h.p.body(a["response"])
	}
	return nil
}
