package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/idp"
)

var (
	formActionRe = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	formCSRFRe   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// pageUser signs in at the hosted pages like a browser without
// JavaScript: it follows the authorize redirect, posts the sign-in form
// and follows the redirect back to caldera login's loopback listener.
func pageUser(t *testing.T, username, password string) func(string) error {
	return func(authURL string) error {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Get(authURL)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a, k := formActionRe.FindSubmatch(body), formCSRFRe.FindSubmatch(body)
		if a == nil || k == nil {
			return fmt.Errorf("no sign-in form: %s", body)
		}
		action, _ := resp.Request.URL.Parse(html.UnescapeString(string(a[1])))
		resp, err = c.PostForm(action.String(), url.Values{"csrf": {string(k[1])}, "username": {username}, "password": {password}})
		if err != nil {
			return err
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(body, []byte("Signed in.")) {
			return fmt.Errorf("did not come back signed in: %s", body)
		}
		return nil
	}
}

// startOAuthServer: an in-process idp with a pool whose public client
// allows the code flow and the loopback redirect http://127.0.0.1/callback
// (any port, RFC 8252 Section 7.3).
func startOAuthServer(t *testing.T) *idp.Server {
	t.Helper()
	srv, err := idp.New(idp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if _, err := srv.CreatePool(idp.PoolConfig{ID: "us-east-1_Cli", Name: "cli"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreateClient("us-east-1_Cli", idp.ClientConfig{ID: "cliclient", Name: "cli", OAuth: idp.OAuthClient{
		AllowedOAuthFlows: []string{"code"}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email"}, CallbackURLs: []string{"http://127.0.0.1/callback"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CreateUser("us-east-1_Cli", idp.UserConfig{Username: "erin", Password: "Erin-Pass-1!", Attributes: map[string]string{"email": "erin@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestLoginBrowser: caldera login --browser against caldera serve's pages:
// loopback listener, PKCE, state, exchange, verified tokens (nonce too).
func TestLoginBrowser(t *testing.T) {
	srv := startOAuthServer(t)
	old := openBrowser
	t.Cleanup(func() { openBrowser = old })
	openBrowser = pageUser(t, "erin", "Erin-Pass-1!")
	var out, errb bytes.Buffer
	code := loginMain(context.Background(), []string{"--browser", "--endpoint", srv.Endpoint(), "--pool-id", "us-east-1_Cli", "--client-id", "cliclient", "-v"},
		strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ IdToken, AccessToken, RefreshToken, Username string }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Username != "erin" || res.RefreshToken == "" {
		t.Fatalf("got %+v", res)
	}
	c, err := srv.VerifyToken(res.AccessToken)
	if err != nil || c.String("scope") != "openid email" || c.String("client_id") != "cliclient" {
		t.Fatalf("access token %v %v", c, err)
	}
	if !strings.Contains(errb.String(), "/us-east-1_Cli/oauth2/authorize?") || !strings.Contains(errb.String(), "code_challenge_method=S256") {
		t.Fatalf("no sign-in URL printed: %s", errb.String())
	}

	// A redirect with another state (a forged or stale one) is refused.
	openBrowser = func(authURL string) error {
		u, _ := url.Parse(authURL)
		cb := u.Query().Get("redirect_uri")
		resp, err := http.Get(cb + "?code=x&state=forged")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	errb.Reset()
	out.Reset()
	code = loginMain(context.Background(), []string{"--browser", "--endpoint", srv.Endpoint(), "--pool-id", "us-east-1_Cli", "--client-id", "cliclient"},
		strings.NewReader(""), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "state does not match") || out.Len() != 0 {
		t.Fatalf("forged state: exit %d, stderr %s, stdout %s", code, errb.String(), out.String())
	}

	// The pool refuses (a scope the client may not have): the error comes back.
	openBrowser = func(authURL string) error {
		resp, err := http.Get(authURL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	errb.Reset()
	code = loginMain(context.Background(), []string{"--browser", "--endpoint", srv.Endpoint(), "--pool-id", "us-east-1_Cli", "--client-id", "cliclient", "--scopes", "openid phone"},
		strings.NewReader(""), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "invalid_scope") {
		t.Fatalf("refused scope: exit %d, stderr %s", code, errb.String())
	}
}

// TestLoginBrowserFlags: --browser's argument checks.
func TestLoginBrowserFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--browser", "--pool-id", "eu-west-1_X", "--client-id", "c"}, "--browser needs --domain"},
		{[]string{"--browser", "--pool-id", "eu-west-1_X", "--client-id", "c", "--domain", "http://auth.example.com"}, "http is only for a loopback server"},
		{[]string{"--browser", "--pool-id", "eu-west-1_X", "--client-id", "c", "--domain", "myprefix"}, "want a URL"},
		{[]string{"--browser", "--pool-id", "eu-west-1_X", "--client-id", "c", "--domain", "https://p.auth.eu-west-1.amazoncognito.com", "--flow", "refresh"}, "--flow and --preferred-challenge do not apply"},
	} {
		var out, errb bytes.Buffer
		if code := loginMain(context.Background(), c.args, strings.NewReader(""), &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errb.String(), c.want)
		}
	}
	b := &browserLogin{callback: "http://192.0.2.1:8080/cb"}
	if _, _, err := b.listen(); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("non-loopback --callback: %v", err)
	}
}
