package idp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/caldera-srp/caldera/totp"
)

// screenshotDirEnv names a directory for the browser test's screenshots
// (the README's docs/img is regenerated with
// CALDERA_SCREENSHOTS=docs/img go test -run TestBrowser ./idp/); without
// it they go to the test's temporary directory.
const screenshotDirEnv = "CALDERA_SCREENSHOTS"

// findChromium returns a Chromium or Chrome executable, or skips the test
// saying so (and fails under CI=true, where .ci/run installs chromium).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH under CI=true (.ci/run installs Debian's chromium)")
	}
	t.Skip("no chromium on PATH: the browser test needs Debian's chromium (apt-get install chromium)")
	return ""
}

// TestBrowser: a real Chromium, driven by chromedp, walks the
// authorization-code + PKCE flow of golang.org/x/oauth2 through the hosted
// pages without JavaScript of ours: password, new password, TOTP code,
// "remember this device"; then again from the same browser (the
// remembered device skips the TOTP code); a second user sets up TOTP from
// the page's key, then signs in at the pool's domain host
// (http://<domain>.localhost:PORT). A screenshot of each page is written (see
// screenshotDirEnv).
func TestBrowser(t *testing.T) {
	chrome := findChromium(t)
	shots := os.Getenv(screenshotDirEnv)
	if shots == "" {
		shots = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(shots, 0o755))
	t.Logf("screenshots in %s", shots)

	h := newHarness(t, nil)
	// The client's callback: records the code, shows a small page.
	var mu sync.Mutex
	var got url.Values
	cbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r) // the browser's favicon request
			return
		}
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><title>Signed in</title><h1 id="done">Signed in</h1>`)
	}))
	defer cbSrv.Close()
	callback := cbSrv.URL + "/callback"

	p, err := h.srv.CreatePool(PoolConfig{ID: "us-east-1_Browser", Name: "browser", MFA: "ON", SoftwareTokenMFA: true,
		DeviceConfiguration: &DeviceConfiguration{ChallengeRequiredOnNewDevice: true}})
	require.NoError(t, err)
	c, err := h.srv.CreateClient(p.ID, ClientConfig{Name: "spa", OAuth: OAuthClient{
		AllowedOAuthFlows: []string{"code"}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email", "profile"}, CallbackURLs: []string{callback},
	}})
	require.NoError(t, err)
	key := []byte("browser-test-totp-key")
	_, err = h.srv.CreateUser(p.ID, UserConfig{Username: "alice", Password: "Temp-Passw0rd!", Temporary: true,
		TOTPSecret: totp.EncodeSecret(key), Attributes: map[string]string{"email": "alice@example.com"}})
	require.NoError(t, err)
	_, err = h.srv.CreateUser(p.ID, UserConfig{Username: "bob", Password: "Bob-Passw0rd!"})
	require.NoError(t, err)
	cfg := oauth2.Config{ClientID: c.ID, RedirectURL: callback, Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: h.http.URL + "/" + p.ID + "/oauth2/authorize", TokenURL: h.http.URL + "/" + p.ID + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	octx := context.WithValue(context.Background(), oauth2.HTTPClient, h.http.Client())

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(480, 720))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first action starts the browser, on a context without deadline
	// (a deadline there would bound the browser's life); the rest share a
	// 50 s budget.
	require.NoError(t, chromedp.Do(bctx, chromedp.EmulateViewport(480, 720)))
	ctx, cancelT := context.WithTimeout(bctx, 50*time.Second)
	defer cancelT()

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			buf, err := chromedp.CaptureScreenshot()(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.Void{}, os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644)
		}
	}
	title := func() string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
		require.NoError(t, err)
		return strings.TrimSpace(s)
	}
	code := func() string {
		h.clock.Advance(30 * time.Second) // a TOTP step is accepted once
		s, err := totp.Code(key, h.clock.Now())
		require.NoError(t, err)
		return s
	}
	exchange := func(verifier string) *oauth2.Token {
		mu.Lock()
		q := got
		mu.Unlock()
		require.Equal(t, "st-browser", q.Get("state"))
		tok, err := cfg.Exchange(octx, q.Get("code"), oauth2.VerifierOption(verifier))
		require.NoError(t, err)
		return tok
	}

	// 1. alice: password, new password, TOTP code, remember this device.
	verifier := oauth2.GenerateVerifier()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(cfg.AuthCodeURL("st-browser", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.ID("username")), shot("login"),
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "Temp-Passw0rd!"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("new_password")), shot("new-password"),
		chromedp.SendKeys(chromedp.ID("new_password"), "New-Passw0rd!"),
		chromedp.SendKeys(chromedp.ID("confirm_password"), "New-Passw0rd!"),
		chromedp.Click(chromedp.ID("change")),
		chromedp.WaitVisible(chromedp.ID("code")),
	))
	require.Equal(t, "Enter your authenticator code", title())
	require.NoError(t, chromedp.Do(ctx, shot("totp-code"),
		chromedp.SendKeys(chromedp.ID("code"), code()),
		chromedp.Click(chromedp.ID("verify")),
		chromedp.WaitVisible(chromedp.ID("remember")), shot("remember-device"),
		chromedp.Click(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.ID("done")),
	))
	tok := exchange(verifier)
	idc, err := h.srv.VerifyToken(tok.Extra("id_token").(string))
	require.NoError(t, err)
	assert.Equal(t, "alice@example.com", idc.String("email"))

	// 2. alice again in the same browser: the remembered device answers,
	// no TOTP code is asked.
	verifier = oauth2.GenerateVerifier()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(cfg.AuthCodeURL("st-browser", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "New-Passw0rd!"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("done")),
	))
	tok = exchange(verifier)
	ac, err := h.srv.VerifyToken(tok.AccessToken)
	require.NoError(t, err)
	assert.NotEmpty(t, ac.String("device_key"))

	// 3. bob sets up TOTP from the page (key as text and QR code); a wrong
	// password first shows the API's message.
	verifier = oauth2.GenerateVerifier()
	var secret string
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(cfg.AuthCodeURL("st-browser", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "bob"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("error")), shot("login-error"),
		chromedp.SendKeys(chromedp.ID("password"), "Bob-Passw0rd!"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("secret")), shot("mfa-setup"),
	))
	secret, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("secret")))
	require.NoError(t, err)
	bkey, err := totp.DecodeSecret(strings.TrimSpace(secret))
	require.NoError(t, err)
	h.clock.Advance(30 * time.Second)
	bcode, _ := totp.Code(bkey, h.clock.Now())
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), bcode),
		chromedp.Click(chromedp.ID("verify")),
		chromedp.WaitVisible(chromedp.ID("remember")),
		chromedp.Click(chromedp.ID("remember")), // unchecked: not remembered
		chromedp.Click(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.ID("done")),
	))
	exchange(verifier)

	// The pool's domain host: Chromium resolves *.localhost to loopback
	// itself, so http://<domain>.localhost:PORT serves the same pages.
	require.NoError(t, h.srv.CreateDomain(p.ID, "browser-test"))
	hu, _ := url.Parse(h.http.URL)
	domainCfg := cfg
	domainCfg.Endpoint.AuthURL = "http://browser-test.localhost:" + hu.Port() + "/oauth2/authorize"
	verifier = oauth2.GenerateVerifier()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(domainCfg.AuthCodeURL("st-browser", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "bob"),
		chromedp.SendKeys(chromedp.ID("password"), "Bob-Passw0rd!"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("code")),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(loc, "http://browser-test.localhost:"), loc)
	h.clock.Advance(30 * time.Second)
	bcode, _ = totp.Code(bkey, h.clock.Now())
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), bcode),
		chromedp.Click(chromedp.ID("verify")),
		chromedp.WaitVisible(chromedp.ID("continue")),
		chromedp.Click(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.ID("done")),
	))
	exchange(verifier) // at the path form of the token endpoint: one pool, two hosts

	// The sign-up page, for the record.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(cfg.AuthCodeURL("st-browser", oauth2.S256ChallengeOption(verifier))),
		chromedp.WaitVisible(chromedp.ID("signup")),
		chromedp.Click(chromedp.ID("signup")),
		chromedp.WaitVisible(chromedp.ID("confirm_password")), shot("signup"),
	))
	for _, n := range []string{"login", "new-password", "totp-code", "remember-device", "login-error", "mfa-setup", "signup"} {
		st, err := os.Stat(filepath.Join(shots, n+".png"))
		require.NoError(t, err)
		assert.Less(t, st.Size(), int64(100<<10), n)
	}
}
