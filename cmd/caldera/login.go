package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/token"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

const loginUsage = `Usage: caldera login --pool-id ID --client-id ID [--client-secret S]
                     [--endpoint URL [--insecure-http] | --region R] [--username NAME] [-v]
                     [--flow FLOW] [--preferred-challenge NAME]
                     [--format json|export] [--device-file FILE]
                     [--issuer URL | --no-verify]
       caldera login --browser --pool-id ID --client-id ID [--client-secret S]
                     [--domain URL | --endpoint URL] [--scopes "openid email"]
                     [--callback http://127.0.0.1:PORT/PATH] [--no-open]

Signs in to an Amazon Cognito user pool, or to a local server (caldera serve).
--flow chooses how the sign-in starts:
  user-srp       USER_SRP_AUTH (default): the password never leaves this machine
  custom         CUSTOM_AUTH: the pool's triggers ask their own challenges
  custom-srp     CUSTOM_AUTH that starts with SRP (CHALLENGE_NAME=SRP_A)
  user-auth      USER_AUTH: choice-based; --preferred-challenge PASSWORD_SRP,
                 PASSWORD, EMAIL_OTP or SMS_OTP, else the pool offers a choice
  user-password  USER_PASSWORD_AUTH: the password is sent to the pool (over TLS)
  refresh        REFRESH_TOKEN_AUTH: new tokens for a refresh token (asked for)
Each challenge the pool sends (new password, MFA code, TOTP set-up, MFA or
first-factor choice, custom challenge) is asked for on the terminal. The device
the pool tracks is remembered in --device-file (mode 0600), so later sign-ins
use DEVICE_SRP_AUTH.

The tokens received are verified before they are printed (package token): the
RS256 signature against the pool's JWKS, iss, token_use, the client and the
times. The issuer is https://cognito-idp.REGION.amazonaws.com/POOL_ID, or
ENDPOINT/POOL_ID with --endpoint (as caldera serve issues them); --issuer
names another, --no-verify skips the check.

The password and other secrets are read without echo when standard input is a
terminal, and one per line from standard input otherwise (for scripts). The
client secret may be given in CALDERA_CLIENT_SECRET instead of the flag, which
other users of the machine can see in the process list.

Tokens go to standard output: JSON (default), or "export" lines for a shell:
  eval "$(caldera login --format export ...)"
-v logs each request and answer to standard error with secrets redacted.
An http:// --endpoint must be loopback (127.0.0.0/8, ::1, localhost) unless
--insecure-http is given.

--browser signs in at the pool's hosted pages instead (OAuth 2.0
authorization code with PKCE, RFC 8252): it listens on 127.0.0.1 on a port
the system picks (or the --callback one), opens the system browser at the
pool's /oauth2/authorize (--no-open: only prints the URL), checks the state,
exchanges the code and verifies the tokens and the ID token's nonce. --domain
is the pool's domain (https://PREFIX.auth.REGION.amazoncognito.com); with
--endpoint it is ENDPOINT/POOL_ID (caldera serve). The app client must allow
the code flow and the redirect URI: http://127.0.0.1/callback with any port
on caldera serve (RFC 8252, Section 7.3); Cognito matches the whole URI, so
register http://localhost:PORT/callback there and give it as --callback.

Flags:
`

func loginCommand(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return loginMain(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

func loginMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	poolID := fs.String("pool-id", "", "user pool id, REGION_NAME (required)")
	clientID := fs.String("client-id", "", "app client id (required)")
	clientSecret := fs.String("client-secret", "", "app client secret, if the client has one (or CALDERA_CLIENT_SECRET)")
	endpoint := fs.String("endpoint", "", "service URL, e.g. http://127.0.0.1:9229 for caldera serve")
	insecureHTTP := fs.Bool("insecure-http", false, "allow an http:// --endpoint that is not loopback (everything is sent in clear)")
	region := fs.String("region", "", "AWS region of the pool (default: the pool id's prefix)")
	username := fs.String("username", "", "user name or alias (asked when empty)")
	verbose := fs.Bool("v", false, "log the redacted requests and answers to stderr")
	format := fs.String("format", "json", `token output: "json" or "export"`)
	deviceFile := fs.String("device-file", "", "file of remembered devices (default <user config dir>/caldera/devices.json)")
	flowName := fs.String("flow", "user-srp", "user-srp, custom, custom-srp, user-auth, user-password or refresh")
	preferred := fs.String("preferred-challenge", "", "USER_AUTH's PREFERRED_CHALLENGE: PASSWORD_SRP, PASSWORD, EMAIL_OTP or SMS_OTP")
	issuer := fs.String("issuer", "", "the tokens' expected iss (default from --pool-id, or ENDPOINT/POOL_ID)")
	noVerify := fs.Bool("no-verify", false, "print the tokens without verifying them")
	browser := fs.Bool("browser", false, "sign in at the pool's hosted pages in the system browser (OAuth 2.0 code + PKCE)")
	domain := fs.String("domain", "", "--browser: the pool's domain URL (default ENDPOINT/POOL_ID with --endpoint)")
	scopes := fs.String("scopes", "openid email", "--browser: the OAuth scopes asked for, space-separated")
	callback := fs.String("callback", "", "--browser: the redirect URI (default http://127.0.0.1:<random port>/callback)")
	noOpen := fs.Bool("no-open", false, "--browser: print the sign-in URL without opening a browser")
	if code, done := parseFlags(fs, args, stderr, loginUsage, true); done {
		return code
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "caldera login: "+format+"\n", args...)
		return 2
	}
	switch {
	case fs.NArg() != 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case *poolID == "" || *clientID == "":
		return fail("--pool-id and --client-id are required")
	case *format != "json" && *format != "export":
		return fail(`--format must be "json" or "export"`)
	case *endpoint != "" && *region != "":
		return fail("give --endpoint or --region, not both")
	case *issuer != "" && *noVerify:
		return fail("give --issuer or --no-verify, not both")
	}
	authFlow, ok := loginFlows[*flowName]
	if !ok {
		return fail("--flow %q is not one of user-srp, custom, custom-srp, user-auth, user-password, refresh", *flowName)
	}
	if *preferred != "" && authFlow != flow.UserAuth {
		return fail("--preferred-challenge goes with --flow user-auth")
	}
	if *clientSecret == "" {
		*clientSecret = os.Getenv("CALDERA_CLIENT_SECRET")
	}
	t, err := userPoolTransport(awsjson.Options{Endpoint: *endpoint, Region: *region, AllowInsecureHTTP: *insecureHTTP}, *poolID, *verbose, stderr)
	if err != nil {
		return fail("%v", err)
	}
	var verifier *token.Verifier
	if !*noVerify {
		if verifier, *issuer, err = loginVerifier(*poolID, *clientID, *endpoint, *issuer); err != nil {
			return fail("%v", err)
		}
	}
	if *browser {
		if authFlow != flow.UserSRPAuth || *preferred != "" {
			return fail("--browser signs in at the hosted pages: --flow and --preferred-challenge do not apply")
		}
		d := *domain
		if d == "" {
			if *endpoint == "" {
				return fail("--browser needs --domain (https://PREFIX.auth.REGION.amazoncognito.com) or --endpoint")
			}
			d = strings.TrimRight(*endpoint, "/") + "/" + *poolID
		}
		if d, err = cognitoDomain(d); err != nil {
			return fail("%v", err)
		}
		bl := &browserLogin{domain: d, clientID: *clientID, clientSecret: *clientSecret, scopes: strings.Fields(*scopes),
			callback: *callback, open: !*noOpen, verifier: verifier}
		r, err := bl.run(ctx, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "caldera login: %v\n", err)
			return 1
		}
		if err := printTokens(stdout, *format, r); err != nil {
			fmt.Fprintf(stderr, "caldera login: %v\n", err)
			return 1
		}
		return 0
	}
	if *deviceFile, err = userConfig(*deviceFile, "devices.json", "--device-file"); err != nil {
		return fail("%v", err)
	}
	if err := os.MkdirAll(filepath.Dir(*deviceFile), 0o700); err != nil {
		return fail("%v", err)
	}
	store := flow.NewFileDeviceStore(*deviceFile)

	con := newConsole(stdin, stderr)
	if *username == "" && authFlow != flow.RefreshTokenAuth {
		if *username, err = con.line("Username: "); err != nil || *username == "" {
			return fail("no username given")
		}
	}
	cfg := flow.Config{
		UserPoolID: *poolID, ClientID: *clientID, ClientSecret: *clientSecret,
		Username: *username, Flow: authFlow, PreferredChallenge: *preferred,
		Devices: store, DeviceName: deviceName(), DevicePolicy: flow.RememberDevice,
		FriendlyDeviceName: deviceName(),
	}
	switch {
	case authFlow == flow.RefreshTokenAuth:
		if cfg.RefreshToken, err = con.secret("Refresh token: "); err != nil || cfg.RefreshToken == "" {
			return fail("no refresh token given")
		}
	case authFlow == flow.CustomAuth,
		authFlow == flow.UserAuth && *preferred != "PASSWORD_SRP" && *preferred != "PASSWORD":
		// No password up front: asked if the pool's choice needs one.
	default:
		if cfg.Password, err = con.secret("Password: "); err != nil || cfg.Password == "" {
			return fail("no password given")
		}
	}
	m, err := flow.New(cfg)
	if err != nil {
		return fail("%v", err)
	}
	password := cfg.Password
	r, err := flow.Run(ctx, m, t, &loginPrompter{con: con, password: password, plainOK: cfg.PlainPasswordAllowed()})
	if err != nil {
		fmt.Fprintf(stderr, "caldera login: %s\n", loginError(err))
		return 1
	}
	if verifier != nil {
		if _, err := verifyTokens(ctx, verifier, r.Tokens); err != nil {
			fmt.Fprintf(stderr, "caldera login: signed in, but the tokens do not verify (not printed): %v\n", err)
			return 1
		}
		if *verbose {
			fmt.Fprintf(stderr, "caldera login: tokens verified against the JWKS of %s\n", *issuer)
		}
	}
	if err := flow.Remember(store, *poolID, *username, r); err != nil {
		fmt.Fprintf(stderr, "caldera login: signed in, but the device was not saved: %v\n", err)
	}
	switch {
	case r.DeviceErr != nil:
		fmt.Fprintf(stderr, "caldera login: signed in, but the device was not confirmed: %s\n", loginError(r.DeviceErr))
	case r.NewDevice:
		fmt.Fprintf(stderr, "caldera login: device %s remembered in %s\n", r.Device.DeviceKey, *deviceFile)
	case r.DeviceForgotten:
		fmt.Fprintf(stderr, "caldera login: the pool forgot device; removed it from %s\n", *deviceFile)
	}
	if err := printTokens(stdout, *format, r); err != nil {
		fmt.Fprintf(stderr, "caldera login: %v\n", err)
		return 1
	}
	return 0
}

// loginFlows are the --flow names. ADMIN_USER_PASSWORD_AUTH is left out:
// it needs AWS credentials, not a user's.
var loginFlows = map[string]flow.AuthFlow{
	"user-srp": flow.UserSRPAuth, "custom": flow.CustomAuth, "custom-srp": flow.CustomAuthSRP,
	"user-auth": flow.UserAuth, "user-password": flow.UserPasswordAuth, "refresh": flow.RefreshTokenAuth,
}

// loginVerifier verifies the tokens of one pool and app client: the issuer
// is explicit, or ENDPOINT/POOL_ID for a local endpoint (idp's issuer), or
// Cognito's for the pool id.
func loginVerifier(poolID, clientID, endpoint, issuer string) (*token.Verifier, string, error) {
	var err error
	switch {
	case issuer != "":
	case endpoint != "":
		issuer = strings.TrimSuffix(endpoint, "/") + "/" + poolID
	default:
		if issuer, err = token.CognitoIssuer(poolID); err != nil {
			return nil, "", err
		}
	}
	v, err := token.NewVerifier(token.Config{
		Pools:  []token.Pool{{ID: poolID, Issuer: issuer, Use: token.EitherToken, ClientIDs: []string{clientID}}},
		Leeway: time.Minute, // this machine's clock against the pool's
	})
	return v, issuer, err
}

// verifyTokens verifies the ID and access tokens of a sign-in; Cognito
// sends both with every sign-in and refresh.
func verifyTokens(ctx context.Context, v *token.Verifier, tk flow.Tokens) (id *token.Claims, err error) {
	for _, x := range []struct {
		name, tok string
		use       token.Use
	}{{"ID token", tk.IDToken, token.IDToken}, {"access token", tk.AccessToken, token.AccessToken}} {
		if x.tok == "" {
			return nil, fmt.Errorf("no %s", x.name)
		}
		c, err := v.Verify(ctx, x.tok)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.name, err)
		}
		if c.Use != x.use {
			return nil, fmt.Errorf("%s: token_use is %s", x.name, c.Use)
		}
		if x.use == token.IDToken {
			id = c
		}
	}
	return id, nil
}

// loginError is the message for a failed sign-in: the service's own
// message for its errors (never a secret), else the error.
func loginError(err error) string {
	var apiErr *flow.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Message != "" {
			return apiErr.Message + " (" + apiErr.Type + ")"
		}
		return apiErr.Type
	}
	return err.Error()
}

func deviceName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "caldera"
	}
	return "caldera on " + h
}

// printTokens writes the tokens as JSON or as shell export lines.
func printTokens(w io.Writer, format string, r *flow.Result) error {
	tk := r.Tokens
	if format == "export" {
		// JWTs and Cognito refresh tokens are base64url with dots: nothing
		// in them needs quoting, but quote anyway for any other server.
		for _, kv := range [][2]string{
			{"COGNITO_ID_TOKEN", tk.IDToken}, {"COGNITO_ACCESS_TOKEN", tk.AccessToken},
			{"COGNITO_REFRESH_TOKEN", tk.RefreshToken},
		} {
			if kv[1] == "" {
				continue
			}
			if _, err := fmt.Fprintf(w, "export %s=%s\n", kv[0], shellQuote(kv[1])); err != nil {
				return err
			}
		}
		return nil
	}
	b, err := json.MarshalIndent(struct {
		IDToken      string    `json:"IdToken"`
		AccessToken  string    `json:"AccessToken"`
		RefreshToken string    `json:"RefreshToken,omitempty"`
		TokenType    string    `json:"TokenType"`
		ExpiresIn    int64     `json:"ExpiresIn"`
		Expiry       time.Time `json:"Expiry"`
		Username     string    `json:"Username"`
	}{tk.IDToken, tk.AccessToken, tk.RefreshToken, tk.TokenType, tk.ExpiresIn, tk.Expiry.UTC().Truncate(time.Second), r.UserID}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// console reads answers: without echo from a terminal, else one per line.
type console struct {
	in  *bufio.Reader
	out io.Writer
	fd  int // the terminal's descriptor, or -1
}

func newConsole(stdin io.Reader, out io.Writer) *console {
	c := &console{in: bufio.NewReader(stdin), out: out, fd: -1}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		c.fd = int(f.Fd())
	}
	return c
}

// line asks and reads one line, echoed.
func (c *console) line(prompt string) (string, error) {
	fmt.Fprint(c.out, prompt)
	s, err := c.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if c.fd < 0 {
			fmt.Fprintln(c.out)
		}
		return "", fmt.Errorf("caldera: no answer on standard input: %w", err)
	}
	if c.fd < 0 {
		fmt.Fprintln(c.out) // scripted input is not echoed: end the prompt line
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// secret asks and reads one line without echo when on a terminal.
func (c *console) secret(prompt string) (string, error) {
	if c.fd < 0 {
		return c.line(prompt)
	}
	fmt.Fprint(c.out, prompt)
	b, err := term.ReadPassword(c.fd)
	fmt.Fprintln(c.out)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// loginPrompter asks the user for each prompt of the sign-in.
type loginPrompter struct {
	con      *console
	password string
	plainOK  bool // the flow sends the password itself (flow.Config.PlainPasswordAllowed)
}

func (lp *loginPrompter) Prompt(ctx context.Context, p *flow.Prompt) (flow.Answer, error) {
	c := lp.con
	switch p.Kind {
	case flow.PromptNewPassword:
		fmt.Fprintf(c.out, "The pool requires a new password for %s.\n", p.Username)
		pw, err := c.secret("New password: ")
		if err != nil {
			return flow.Answer{}, err
		}
		if c.fd >= 0 {
			again, err := c.secret("New password again: ")
			if err != nil {
				return flow.Answer{}, err
			}
			if again != pw {
				fmt.Fprintln(c.out, "The two passwords differ.")
				return flow.Answer{}, nil // refused by the machine: asked again
			}
		}
		a := flow.Answer{NewPassword: pw, Attributes: map[string]string{}}
		for _, name := range p.RequiredAttributes {
			v, err := c.line("Required attribute " + name + ": ")
			if err != nil {
				return flow.Answer{}, err
			}
			a.Attributes[name] = v
		}
		return a, nil
	case flow.PromptMFACode:
		where := "your authenticator app"
		if p.Delivery.Destination != "" {
			where = strings.ToLower(p.Delivery.Medium) + " to " + p.Delivery.Destination
		}
		code, err := c.line(fmt.Sprintf("%s code (from %s): ", p.Challenge, where))
		return flow.Answer{Code: strings.TrimSpace(code)}, err
	case flow.PromptTOTPSetup:
		fmt.Fprintln(c.out, "The pool requires a TOTP authenticator. Add this secret to your authenticator app:")
		fmt.Fprintf(c.out, "  secret: %s\n  URI:    %s\n", p.SecretCode, p.OTPAuthURI)
		code, err := c.line("Code shown by the app: ")
		return flow.Answer{Code: strings.TrimSpace(code)}, err
	case flow.PromptSelectMFAType, flow.PromptSelectChallenge, flow.PromptMFASetup:
		choice, err := c.choose(p)
		if err != nil {
			return flow.Answer{}, err
		}
		a := flow.Answer{Choice: choice}
		switch {
		case p.Kind == flow.PromptMFASetup && choice == challenge.EmailOTP:
			a.Email, err = c.line("E-mail address for codes: ")
		case choice == "PASSWORD" && !lp.plainOK:
			// flow refuses it (ErrPlainPassword) and Run asks again.
			fmt.Fprintln(c.out, "caldera login signs in with SRP here and never sends the password itself: choose PASSWORD_SRP.")
		case choice == "PASSWORD" || choice == "PASSWORD_SRP":
			if lp.password == "" {
				if lp.password, err = c.secret("Password: "); err != nil {
					return flow.Answer{}, err
				}
			}
			a.Password = lp.password
		}
		return a, err
	case flow.PromptCustomChallenge:
		fmt.Fprintln(c.out, "Custom challenge:")
		keys := make([]string, 0, len(p.Parameters))
		for k := range p.Parameters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(c.out, "  %s: %s\n", k, p.Parameters[k])
		}
		text, err := c.secret("Answer: ")
		return flow.Answer{Text: text}, err
	}
	return flow.Answer{}, fmt.Errorf("caldera: %s is not supported by caldera login", p.Kind)
}

// choose shows the options of a prompt and reads one, by name or number.
func (c *console) choose(p *flow.Prompt) (challenge.Name, error) {
	fmt.Fprintf(c.out, "Choose (%s):\n", p.Kind)
	for i, o := range p.Options {
		fmt.Fprintf(c.out, "  %d. %s\n", i+1, o)
	}
	s, err := c.line("Choice: ")
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= len(p.Options) {
		return p.Options[n-1], nil
	}
	return challenge.Name(strings.ToUpper(s)), nil
}

// userPoolTransport is the user-pool transport of login and credentials:
// opts' endpoint or region, else the region of the pool id; -v (verbose)
// logs its requests and answers, redacted, to stderr.
func userPoolTransport(opts awsjson.Options, poolID string, verbose bool, stderr io.Writer) (flow.Transport, error) {
	if opts.Endpoint == "" && opts.Region == "" {
		r, _, ok := strings.Cut(poolID, "_")
		if !ok || r == "" {
			return nil, fmt.Errorf("cannot tell the region from pool id %q: give --region or --endpoint", poolID)
		}
		opts.Region = r
	}
	tr, err := awsjson.New(opts)
	if err != nil {
		return nil, err
	}
	if verbose {
		return flow.LoggingTransport(tr, slog.New(slog.NewTextHandler(stderr, nil))), nil
	}
	return tr, nil
}

// userConfig is path, or <user config dir>/caldera/name when path is
// empty; flagName is the flag to give when there is no config directory.
func userConfig(path, name, flagName string) (string, error) {
	if path != "" {
		return path, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config dir (%v): give %s", err, flagName)
	}
	return filepath.Join(dir, "caldera", name), nil
}
