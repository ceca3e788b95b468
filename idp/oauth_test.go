package idp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/totp"
)

// oauthFixture: a pool with a resource server "orders" (read, write) and
// a confidential client_credentials client, made through the API
// (botocore's names: CreateResourceServer, CreateUserPoolClient with
// AllowedOAuthFlows, AllowedOAuthScopes, AllowedOAuthFlowsUserPoolClient).
func oauthFixture(t *testing.T, h *harness) (poolID, clientID, secret string) {
	t.Helper()
	p, err := h.srv.CreatePool(PoolConfig{ID: "us-east-1_OAuth", Name: "oauth"})
	require.NoError(t, err)
	rs := h.mustCall("CreateResourceServer", map[string]any{
		"UserPoolId": p.ID, "Identifier": "orders", "Name": "Orders API",
		"Scopes": []map[string]string{{"ScopeName": "read", "ScopeDescription": "read orders"}, {"ScopeName": "write", "ScopeDescription": "write orders"}},
	})
	assert.Equal(t, "orders", rs["ResourceServer"].(map[string]any)["Identifier"])
	out := h.mustCall("CreateUserPoolClient", map[string]any{
		"UserPoolId": p.ID, "ClientName": "machine", "GenerateSecret": true,
		"AllowedOAuthFlows": []string{"client_credentials"}, "AllowedOAuthScopes": []string{"orders/read", "orders/write"},
		"AllowedOAuthFlowsUserPoolClient": true,
	})
	c := out["UserPoolClient"].(map[string]any)
	return p.ID, c["ClientId"].(string), c["ClientSecret"].(string)
}

// TestClientCredentials: golang.org/x/oauth2/clientcredentials gets an
// access token with resource-server scopes, authenticating by HTTP Basic
// and by form; wrong secrets and scopes get RFC 6749 Section 5.2 errors.
func TestClientCredentials(t *testing.T) {
	h := newHarness(t, nil)
	poolID, id, secret := oauthFixture(t, h)
	tokenURL := h.http.URL + "/" + poolID + "/oauth2/token"
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.http.Client())
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, Scopes: []string{"orders/read"}, AuthStyle: style}
		tok, err := cfg.Token(ctx)
		require.NoError(t, err)
		assert.Equal(t, "Bearer", tok.TokenType)
		c, err := h.srv.VerifyToken(tok.AccessToken)
		require.NoError(t, err)
		assert.Equal(t, "orders/read", c.String("scope"))
		assert.Equal(t, id, c.String("client_id"))
		assert.Equal(t, id, c.String("sub"))
		assert.Equal(t, "access", c.String("token_use"))
		assert.Equal(t, h.http.URL+"/"+poolID, c.String("iss"))
	}
	// No scope asked: every allowed scope.
	tok, err := (&clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL}).Token(ctx)
	require.NoError(t, err)
	c, _ := h.srv.VerifyToken(tok.AccessToken)
	assert.Equal(t, "orders/read orders/write", c.String("scope"))

	wantCode := func(cfg clientcredentials.Config, code string, status int) {
		t.Helper()
		_, err := cfg.Token(ctx)
		var re *oauth2.RetrieveError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, code, re.ErrorCode)
		assert.Equal(t, status, re.Response.StatusCode)
	}
	wantCode(clientcredentials.Config{ClientID: id, ClientSecret: secret + "x", TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}, "invalid_client", 401)
	wantCode(clientcredentials.Config{ClientID: id, ClientSecret: "", TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}, "invalid_client", 401)
	wantCode(clientcredentials.Config{ClientID: "nope", ClientSecret: secret, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}, "invalid_client", 401)
	wantCode(clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, Scopes: []string{"orders/delete"}, AuthStyle: oauth2.AuthStyleInHeader}, "invalid_scope", 400)
	wantCode(clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL, Scopes: []string{"openid"}, AuthStyle: oauth2.AuthStyleInHeader}, "invalid_scope", 400)
	// Another pool's token endpoint does not know the client.
	other, _ := h.srv.CreatePool(PoolConfig{ID: "us-east-1_Other"})
	wantCode(clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: h.http.URL + "/" + other.ID + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}, "invalid_client", 401)

	// An unsupported grant type and a GET.
	resp, err := h.http.Client().PostForm(tokenURL, url.Values{"grant_type": {"password"}, "client_id": {id}, "client_secret": {secret}})
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)
	assert.JSONEq(t, `{"error":"unsupported_grant_type"}`, string(b))
	resp, err = h.http.Client().Get(tokenURL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

// TestOAuthClientSettings: CreateUserPoolClient's OAuth rules and
// DescribeUserPoolClient's fields (names and error types from botocore's
// cognito-idp model).
func TestOAuthClientSettings(t *testing.T) {
	h := newHarness(t, nil)
	poolID, id, _ := oauthFixture(t, h)
	d := h.mustCall("DescribeUserPoolClient", map[string]any{"UserPoolId": poolID, "ClientId": id})["UserPoolClient"].(map[string]any)
	assert.Equal(t, []any{"client_credentials"}, d["AllowedOAuthFlows"])
	assert.Equal(t, []any{"orders/read", "orders/write"}, d["AllowedOAuthScopes"])
	assert.Equal(t, true, d["AllowedOAuthFlowsUserPoolClient"])

	bad := []struct {
		in  map[string]any
		typ string
	}{
		{map[string]any{"AllowedOAuthFlows": []string{"client_credentials"}, "AllowedOAuthScopes": []string{"orders/read"}, "AllowedOAuthFlowsUserPoolClient": true}, "InvalidOAuthFlowException"}, // no secret
		{map[string]any{"GenerateSecret": true, "AllowedOAuthFlows": []string{"client_credentials", "code"}, "AllowedOAuthScopes": []string{"orders/read"}, "CallbackURLs": []string{"https://a.example/cb"}, "AllowedOAuthFlowsUserPoolClient": true}, "InvalidOAuthFlowException"},
		{map[string]any{"AllowedOAuthFlows": []string{"code"}, "AllowedOAuthScopes": []string{"orders/nope"}, "CallbackURLs": []string{"https://a.example/cb"}, "AllowedOAuthFlowsUserPoolClient": true}, "ScopeDoesNotExistException"},
		{map[string]any{"AllowedOAuthFlows": []string{"password"}, "AllowedOAuthScopes": []string{"openid"}}, "InvalidParameterException"},
		{map[string]any{"AllowedOAuthFlows": []string{"code"}, "AllowedOAuthScopes": []string{"openid"}, "CallbackURLs": []string{"http://app.example/cb"}, "AllowedOAuthFlowsUserPoolClient": true}, "InvalidParameterException"},
		{map[string]any{"AllowedOAuthFlows": []string{"code"}, "AllowedOAuthScopes": []string{"openid"}, "AllowedOAuthFlowsUserPoolClient": true}, "InvalidOAuthFlowException"}, // no callback
	}
	for i, b := range bad {
		b.in["UserPoolId"], b.in["ClientName"] = poolID, "bad"
		_, e := h.call("CreateUserPoolClient", b.in)
		require.NotNil(t, e, "case %d", i)
		assert.Equal(t, b.typ, e.Type, "case %d: %s", i, e.Message)
	}
}

// TestDomainAndResourceServerOps: CreateUserPoolDomain, Describe, Delete
// and the resource-server operations, with botocore's error types.
func TestDomainAndResourceServerOps(t *testing.T) {
	h := newHarness(t, nil)
	poolID, _, _ := oauthFixture(t, h)
	h.mustCall("CreateUserPoolDomain", map[string]any{"UserPoolId": poolID, "Domain": "shop-auth"})
	d := h.mustCall("DescribeUserPoolDomain", map[string]any{"Domain": "shop-auth"})["DomainDescription"].(map[string]any)
	assert.Equal(t, poolID, d["UserPoolId"])
	assert.Equal(t, "ACTIVE", d["Status"])
	// DescribeUserPool names it (botocore's UserPoolType.Domain).
	describePool := func() map[string]any {
		return h.mustCall("DescribeUserPool", map[string]any{"UserPoolId": poolID})["UserPool"].(map[string]any)
	}
	assert.Equal(t, "shop-auth", describePool()["Domain"])
	assert.Empty(t, h.mustCall("DescribeUserPoolDomain", map[string]any{"Domain": "unknown"})["DomainDescription"])
	_, e := h.call("CreateUserPoolDomain", map[string]any{"UserPoolId": poolID, "Domain": "second"})
	wantErr(t, e, "InvalidParameterException", "User pool already has a domain configured.")
	_, e = h.call("CreateUserPoolDomain", map[string]any{"UserPoolId": poolID, "Domain": "Bad_Domain"})
	wantErr(t, e, "InvalidParameterException", "")
	_, e = h.call("CreateUserPoolDomain", map[string]any{"UserPoolId": "us-east-1_None", "Domain": "x1"})
	wantErr(t, e, "ResourceNotFoundException", "")
	_, e = h.call("DeleteUserPoolDomain", map[string]any{"UserPoolId": "us-east-1_None", "Domain": "shop-auth"})
	wantErr(t, e, "InvalidParameterException", "")
	h.mustCall("DeleteUserPoolDomain", map[string]any{"UserPoolId": poolID, "Domain": "shop-auth"})
	assert.Empty(t, h.mustCall("DescribeUserPoolDomain", map[string]any{"Domain": "shop-auth"})["DomainDescription"])
	assert.Nil(t, describePool()["Domain"])

	rs := h.mustCall("DescribeResourceServer", map[string]any{"UserPoolId": poolID, "Identifier": "orders"})["ResourceServer"].(map[string]any)
	assert.Equal(t, "Orders API", rs["Name"])
	assert.Len(t, rs["Scopes"], 2)
	_, e = h.call("DescribeResourceServer", map[string]any{"UserPoolId": poolID, "Identifier": "none"})
	wantErr(t, e, "ResourceNotFoundException", "")
	_, e = h.call("CreateResourceServer", map[string]any{"UserPoolId": poolID, "Identifier": "orders", "Name": "again"})
	wantErr(t, e, "InvalidParameterException", "")
	_, e = h.call("CreateResourceServer", map[string]any{"UserPoolId": poolID, "Identifier": "x", "Name": "x", "Scopes": []map[string]string{{"ScopeName": "a/b", "ScopeDescription": "slash"}}})
	wantErr(t, e, "InvalidParameterException", "")
	h.mustCall("CreateResourceServer", map[string]any{"UserPoolId": poolID, "Identifier": "https://api.example", "Name": "API"})
	l := h.mustCall("ListResourceServers", map[string]any{"UserPoolId": poolID, "MaxResults": 1})
	assert.Len(t, l["ResourceServers"], 1)
	require.NotEmpty(t, l["NextToken"])
	l2 := h.mustCall("ListResourceServers", map[string]any{"UserPoolId": poolID, "MaxResults": 1, "NextToken": l["NextToken"]})
	assert.Len(t, l2["ResourceServers"], 1)
	assert.Nil(t, l2["NextToken"])

	// DeleteUserPool takes its domain and resource servers with it: the
	// domain is free again, and a new pool of the same id starts with none.
	h.mustCall("CreateUserPoolDomain", map[string]any{"UserPoolId": poolID, "Domain": "shop-auth"})
	h.mustCall("DeleteUserPool", map[string]any{"UserPoolId": poolID})
	assert.Empty(t, h.mustCall("DescribeUserPoolDomain", map[string]any{"Domain": "shop-auth"})["DomainDescription"])
	_, err := h.srv.CreatePool(PoolConfig{ID: poolID})
	require.NoError(t, err)
	assert.Empty(t, h.mustCall("ListResourceServers", map[string]any{"UserPoolId": poolID, "MaxResults": 10})["ResourceServers"])
	assert.NotEqual(t, l["ResourceServers"], l2["ResourceServers"])
}

var (
	csrfRe   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	actionRe = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	secretRe = regexp.MustCompile(`<code id="secret">([A-Z2-7]+)</code>`)
	titleRe  = regexp.MustCompile(`<h1>([^<]+)</h1>`)
)

// browser is a net/http client with a cookie jar that stops at the
// client's callback URL, standing in for a user agent without JavaScript.
type browser struct {
	t        *testing.T
	c        *http.Client
	callback string
	page     string // the last page's HTML
	url      string
}

func newBrowser(t *testing.T, callback string) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, callback: callback}
	b.c = &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{}}, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// do sends a request and returns the callback URL when the server
// redirected there (and "" with the page kept otherwise).
func (b *browser) do(resp *http.Response, err error) (*url.URL, int) {
	b.t.Helper()
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if loc := resp.Header.Get("Location"); loc != "" && strings.HasPrefix(loc, b.callback) {
		u, err := url.Parse(loc)
		require.NoError(b.t, err)
		return u, resp.StatusCode
	}
	b.page, b.url = string(body), resp.Request.URL.String()
	return nil, resp.StatusCode
}

func (b *browser) get(u string) (*url.URL, int) { return b.do(b.c.Get(u)) }

func (b *browser) title() string {
	m := titleRe.FindStringSubmatch(b.page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// submit posts the page's form with fields (and its CSRF token).
func (b *browser) submit(fields url.Values) (*url.URL, int) {
	b.t.Helper()
	a := actionRe.FindStringSubmatch(b.page)
	c := csrfRe.FindStringSubmatch(b.page)
	require.NotNil(b.t, a, "no form on %q", b.page)
	require.NotNil(b.t, c)
	fields.Set("csrf", c[1])
	return b.do(b.c.PostForm(b.resolve(html.UnescapeString(a[1])), fields))
}

// resolve makes a form's action absolute against the page's URL.
func (b *browser) resolve(action string) string {
	base, err := url.Parse(b.url)
	require.NoError(b.t, err)
	ref, err := url.Parse(action)
	require.NoError(b.t, err)
	return base.ResolveReference(ref).String()
}

// codeFixture: a pool with TOTP MFA required, a public client with the
// code flow, and a user with a temporary password.
func codeFixture(t *testing.T, h *harness, mfa string) (poolID, clientID, callback string) {
	t.Helper()
	p, err := h.srv.CreatePool(PoolConfig{ID: "us-east-1_Hosted", MFA: mfa, SoftwareTokenMFA: true})
	require.NoError(t, err)
	require.NoError(t, h.srv.CreateResourceServer(p.ID, ResourceServer{Identifier: "orders", Name: "Orders", Scopes: map[string]string{"read": "read orders"}}))
	callback = "http://127.0.0.1:7777/callback"
	c, err := h.srv.CreateClient(p.ID, ClientConfig{Name: "web", OAuth: OAuthClient{
		AllowedOAuthFlows: []string{"code", "implicit"}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email", "profile", "orders/read", "aws.cognito.signin.user.admin"},
		CallbackURLs:       []string{callback}, LogoutURLs: []string{"http://127.0.0.1:7777/bye"},
	}})
	require.NoError(t, err)
	return p.ID, c.ID, callback
}

// TestAuthorizationCodePKCE: golang.org/x/oauth2's AuthCodeURL with
// S256ChallengeOption, the pages driven like a browser without
// JavaScript (password, new password, MFA set-up with the TOTP key, then
// a TOTP code at the next sign-in), Exchange, and TokenSource's refresh.
func TestAuthorizationCodePKCE(t *testing.T) {
	h := newHarness(t, nil)
	poolID, clientID, callback := codeFixture(t, h, "ON")
	_, err := h.srv.CreateUser(poolID, UserConfig{Username: "alice", Password: "Temp-Passw0rd!", Temporary: true, Attributes: map[string]string{"email": "alice@example.com"}})
	require.NoError(t, err)
	base := h.http.URL + "/" + poolID
	cfg := oauth2.Config{ClientID: clientID, RedirectURL: callback, Scopes: []string{"openid", "email", "orders/read"},
		Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth2/authorize", TokenURL: base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.http.Client())

	// signIn walks the pages from AuthCodeURL to the callback and returns
	// the code and the PKCE verifier.
	signIn := func(b *browser, password string, steps func(b *browser) (*url.URL, int)) (string, string) {
		t.Helper()
		verifier := oauth2.GenerateVerifier()
		_, st := b.get(cfg.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-0S6")))
		require.Equal(t, 200, st)
		require.Equal(t, "Sign in", b.title())
		assert.Contains(t, b.page, `<label for="username">`)
		cb, st := b.submit(url.Values{"username": {"alice"}, "password": {password}})
		require.Nil(t, cb, "status %d page %s", st, b.page)
		cb, _ = steps(b)
		require.NotNil(t, cb, "no redirect; page %s", b.page)
		assert.Equal(t, "state-123", cb.Query().Get("state"))
		require.NotEmpty(t, cb.Query().Get("code"))
		return cb.Query().Get("code"), verifier
	}

	var secret string
	code, verifier := signIn(newBrowser(t, callback), "Temp-Passw0rd!", func(b *browser) (*url.URL, int) {
		require.Equal(t, "Change your password", b.title())
		_, st := b.submit(url.Values{"new_password": {"New-Passw0rd!"}, "confirm_password": {"Other-Passw0rd!"}})
		require.Equal(t, 400, st)
		assert.Contains(t, b.page, "The passwords do not match.")
		b.submit(url.Values{"new_password": {"New-Passw0rd!"}, "confirm_password": {"New-Passw0rd!"}})
		require.Equal(t, "Set up an authenticator app", b.title(), b.page)
		m := secretRe.FindStringSubmatch(b.page)
		require.NotNil(t, m)
		secret = m[1]
		assert.Contains(t, b.page, `src="data:image/png;base64,`)
		key, err := totp.DecodeSecret(secret)
		require.NoError(t, err)
		// A wrong first code may be retried on the same page.
		_, st = b.submit(url.Values{"code": {"000000"}})
		require.Equal(t, 400, st)
		require.Equal(t, "Set up an authenticator app", b.title())
		assert.Contains(t, b.page, "Code mismatch")
		code, _ := totp.Code(key, h.clock.Now())
		return b.submit(url.Values{"code": {code}})
	})
	// The wrong verifier fails, and burns the code.
	var re *oauth2.RetrieveError
	_, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	_, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_grant", re.ErrorCode)

	// The next sign-in: the new password, then a TOTP code (a wrong one
	// first, which may be retried).
	code, verifier = signIn(newBrowser(t, callback), "New-Passw0rd!", func(b *browser) (*url.URL, int) {
		require.Equal(t, "Enter your authenticator code", b.title(), b.page)
		_, st := b.submit(url.Values{"code": {"000000"}})
		require.Equal(t, 400, st)
		require.Equal(t, "Enter your authenticator code", b.title())
		key, _ := totp.DecodeSecret(secret)
		h.clock.Advance(30 * time.Second) // a TOTP step is accepted once
		code, _ := totp.Code(key, h.clock.Now())
		return b.submit(url.Values{"code": {code}})
	})
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	idTok, _ := tok.Extra("id_token").(string)
	require.NotEmpty(t, idTok)
	ic, err := h.srv.VerifyToken(idTok)
	require.NoError(t, err)
	assert.Equal(t, "n-0S6", ic.String("nonce"))
	assert.Equal(t, clientID, ic.String("aud"))
	assert.NotEmpty(t, ic.String("at_hash"))
	ac, err := h.srv.VerifyToken(tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, "openid email orders/read", ac.String("scope"))
	require.NotEmpty(t, tok.RefreshToken)

	// userInfo with the access token.
	req, _ := http.NewRequest(http.MethodGet, base+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := h.http.Client().Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), `"email":"alice@example.com"`)

	// userInfo refuses a missing, malformed or altered token.
	for _, c := range []struct {
		tok  string
		want int
	}{{"", 401}, {"not-a-token", 401}, {tok.AccessToken + "x", 401}} {
		req, _ := http.NewRequest(http.MethodGet, base+"/oauth2/userInfo", nil)
		if c.tok != "" {
			req.Header.Set("Authorization", "Bearer "+c.tok)
		}
		resp, err := h.http.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, c.want, resp.StatusCode)
	}

	// TokenSource refreshes an expired token with the refresh_token grant.
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(ctx, tok).Token()
	require.NoError(t, err)
	require.NotEqual(t, tok.AccessToken, fresh.AccessToken)
	fc, err := h.srv.VerifyToken(fresh.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, "openid email orders/read", fc.String("scope"))

	// Revoking the refresh token ends refreshes and the access tokens.
	resp, err = h.http.Client().PostForm(base+"/oauth2/revoke", url.Values{"token": {tok.RefreshToken}, "client_id": {clientID}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	tok.Expiry = time.Now().Add(-time.Minute)
	_, err = cfg.TokenSource(ctx, tok).Token()
	require.Error(t, err)
	req.Header.Set("Authorization", "Bearer "+fresh.AccessToken)
	resp, err = h.http.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
}

// TestAuthorizeErrors: a bad client or redirect URI is shown on the page;
// other errors go back to the redirect URI with state (RFC 6749, Section
// 4.1.2.1); PKCE is required for a public client and plain refused.
func TestAuthorizeErrors(t *testing.T) {
	h := newHarness(t, nil)
	poolID, clientID, callback := codeFixture(t, h, "OFF")
	base := h.http.URL + "/" + poolID + "/oauth2/authorize?"
	good := url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"}, "state": {"s1"},
		"code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"}}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range good {
			q[kk] = slices.Clone(vv)
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return base + q.Encode()
	}
	b := newBrowser(t, callback)
	for _, u := range []string{with("redirect_uri", callback+"/x"), with("redirect_uri", "http://127.0.0.1:7777/CALLBACK"), with("redirect_uri", ""), with("client_id", "nope"),
		with("redirect_uri", "http://127.0.0.1:7778/callback"), with("redirect_uri", "http://localhost:7777/callback"), with("redirect_uri", callback+"?x=1")} {
		cb, st := b.get(u)
		assert.Nil(t, cb, u)
		assert.Equal(t, 400, st, u)
		assert.Equal(t, "Sign-in error", b.title())
	}
	for _, c := range []struct{ k, v, want string }{
		{"code_challenge_method", "plain", "invalid_request"},
		{"code_challenge", "", "invalid_request"}, // public client without PKCE (method alone)
		{"response_type", "id_token", "unsupported_response_type"},
		{"scope", "openid phone", "invalid_scope"},
		{"scope", "orders/write", "invalid_scope"},
	} {
		cb, _ := b.get(with(c.k, c.v))
		require.NotNil(t, cb, "%s=%s: %s", c.k, c.v, b.page)
		assert.Equal(t, c.want, cb.Query().Get("error"), "%s=%s", c.k, c.v)
		assert.Equal(t, "s1", cb.Query().Get("state"))
	}
	q := url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"}}
	cb, _ := b.get(base + q.Encode())
	require.NotNil(t, cb)
	assert.Equal(t, "invalid_request", cb.Query().Get("error"))
	assert.Contains(t, cb.Query().Get("error_description"), "PKCE")

	// A form posted without the CSRF token of its cookie is refused.
	_, st := b.get(with("state", "s2"))
	require.Equal(t, 200, st)
	a := b.resolve(html.UnescapeString(actionRe.FindStringSubmatch(b.page)[1]))
	_, st = b.do(b.c.PostForm(a, url.Values{"username": {"x"}, "password": {"y"}, "csrf": {strings.Repeat("A", 43)}}))
	assert.Equal(t, 403, st)
}

// TestImplicitAndPages: response_type=token returns the tokens in the
// fragment; the pages carry a CSP and no external asset; logout checks
// logout_uri; discovery lists the endpoints.
func TestImplicitAndPages(t *testing.T) {
	h := newHarness(t, nil)
	poolID, clientID, callback := codeFixture(t, h, "OFF")
	_, err := h.srv.CreateUser(poolID, UserConfig{Username: "bob", Password: "Bob-Passw0rd!"})
	require.NoError(t, err)
	base := h.http.URL + "/" + poolID
	b := newBrowser(t, callback)
	q := url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"token"}, "scope": {"openid orders/read"}, "state": {"xyz"}}
	resp, err := b.c.Get(base + "/oauth2/authorize?" + q.Encode())
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.page, b.url = string(body), resp.Request.URL.String()
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "form-action 'self'")
	assert.NotContains(t, b.page, "<script")
	assert.NotRegexp(t, `(src|href)="https?://`, b.page)
	// A wrong password: the page again, with the API's message.
	cb, st := b.submit(url.Values{"username": {"bob"}, "password": {"wrong"}})
	require.Nil(t, cb)
	assert.Equal(t, 400, st)
	assert.Contains(t, b.page, "Incorrect username or password.")
	cb, _ = b.submit(url.Values{"username": {"bob"}, "password": {"Bob-Passw0rd!"}})
	require.NotNil(t, cb)
	frag, err := url.ParseQuery(cb.Fragment)
	require.NoError(t, err)
	assert.Equal(t, "xyz", frag.Get("state"))
	assert.Equal(t, "Bearer", frag.Get("token_type"))
	ac, err := h.srv.VerifyToken(frag.Get("access_token"))
	require.NoError(t, err)
	assert.Equal(t, "openid orders/read", ac.String("scope"))
	assert.NotEmpty(t, frag.Get("id_token"))
	assert.Empty(t, frag.Get("refresh_token"))
	userInfo := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/oauth2/userInfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := h.http.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, userInfo(frag.Get("access_token")))
	// The user-side API operations need aws.cognito.signin.user.admin,
	// which this token was not given (Cognito's answer, as reported
	// against its hosted UI in aws-amplify/amplify-js#1906).
	_, e := h.call("GetUser", map[string]any{"AccessToken": frag.Get("access_token")})
	wantErr(t, e, "NotAuthorizedException", "Access Token does not have required scopes")

	// Without openid: no ID token, and userInfo answers insufficient_scope.
	// With aws.cognito.signin.user.admin the API's GetUser answers.
	q.Set("scope", "orders/read aws.cognito.signin.user.admin")
	b.get(base + "/oauth2/authorize?" + q.Encode())
	cb, _ = b.submit(url.Values{"username": {"bob"}, "password": {"Bob-Passw0rd!"}})
	require.NotNil(t, cb, b.page)
	frag, _ = url.ParseQuery(cb.Fragment)
	assert.Empty(t, frag.Get("id_token"))
	assert.Equal(t, 403, userInfo(frag.Get("access_token")))
	out, e := h.call("GetUser", map[string]any{"AccessToken": frag.Get("access_token")})
	require.Nil(t, e)
	assert.Equal(t, "bob", out["Username"])

	// Logout: only a registered logout_uri.
	lq := url.Values{"client_id": {clientID}, "logout_uri": {"http://127.0.0.1:7777/bye"}}
	nb := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = nb.Get(base + "/logout?" + lq.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 302, resp.StatusCode)
	assert.Equal(t, "http://127.0.0.1:7777/bye", resp.Header.Get("Location"))
	lq.Set("logout_uri", "http://127.0.0.1:7777/evil")
	resp, err = nb.Get(base + "/logout?" + lq.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)

	// Discovery.
	resp, err = h.http.Client().Get(base + "/.well-known/openid-configuration")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"issuer":"` + base + `"`, `"authorization_endpoint":"` + base + `/oauth2/authorize"`, `"token_endpoint":"` + base + `/oauth2/token"`, `"code_challenge_methods_supported":["S256"]`} {
		assert.Contains(t, string(body), want)
	}
}

// TestDomainHost: with a domain, the same endpoints answer at
// http://<domain>.localhost:PORT/.
func TestDomainHost(t *testing.T) {
	h := newHarness(t, nil)
	poolID, id, secret := oauthFixture(t, h)
	require.NoError(t, h.srv.CreateDomain(poolID, "shop"))
	u, _ := url.Parse(h.http.URL)
	dial := &http.Transport{DialContext: (&netDialer{addr: u.Host}).DialContext}
	client := &http.Client{Transport: dial}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	tok, err := (&clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: "http://shop.localhost:" + u.Port() + "/oauth2/token"}).Token(ctx)
	require.NoError(t, err)
	c, err := h.srv.VerifyToken(tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, h.http.URL+"/"+poolID, c.String("iss"))
	// An unknown domain is not a pool.
	_, err = (&clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: "http://other.localhost:" + u.Port() + "/oauth2/token"}).Token(ctx)
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re))
}

// TestHostedSignUpForgotDevice: sign-up with its code, forgot password,
// "remember this device" (the next sign-in from that browser skips the
// TOTP code, another browser does not), and the API's lockout on the page.
func TestHostedSignUpForgotDevice(t *testing.T) {
	h := newHarness(t, nil)
	p, err := h.srv.CreatePool(PoolConfig{ID: "us-east-1_Pages", MFA: "OPTIONAL", SoftwareTokenMFA: true,
		AutoVerifiedAttributes: []string{"email"},
		DeviceConfiguration:    &DeviceConfiguration{ChallengeRequiredOnNewDevice: true}})
	require.NoError(t, err)
	callback := "http://localhost:7777/cb"
	c, err := h.srv.CreateClient(p.ID, ClientConfig{Name: "web", GenerateSecret: true,
		ExplicitAuthFlows: []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		OAuth: OAuthClient{
			AllowedOAuthFlows: []string{"code"}, AllowedOAuthFlowsUserPoolClient: true,
			AllowedOAuthScopes: []string{"openid", "email"}, CallbackURLs: []string{callback},
		}})
	require.NoError(t, err)
	key := []byte("12345678901234567890")
	_, err = h.srv.CreateUser(p.ID, UserConfig{Username: "dave", Password: "Dave-Passw0rd!", TOTPSecret: totp.EncodeSecret(key), PreferredMFA: "SOFTWARE_TOKEN_MFA"})
	require.NoError(t, err)
	cfg := oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: callback, Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: h.http.URL + "/" + p.ID + "/oauth2/authorize", TokenURL: h.http.URL + "/" + p.ID + "/oauth2/token"}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.http.Client())
	start := func(b *browser) string {
		v := oauth2.GenerateVerifier()
		_, st := b.get(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(v)))
		require.Equal(t, 200, st)
		return v
	}
	linkRe := regexp.MustCompile(`href="([^"]+)" id="signup"`)
	forgotRe := regexp.MustCompile(`href="([^"]+)" id="forgot"`)

	// Sign-up, confirmation, sign-in.
	b := newBrowser(t, callback)
	v := start(b)
	_, st := b.get(b.resolve(html.UnescapeString(linkRe.FindStringSubmatch(b.page)[1])))
	require.Equal(t, 200, st)
	require.Equal(t, "Create an account", b.title())
	_, st = b.submit(url.Values{"username": {"carol"}, "email": {"carol@example.com"}, "password": {"Carol-Passw0rd!"}, "confirm_password": {"Carol-Passw0rd!"}})
	require.Equal(t, 200, st, b.page)
	require.Equal(t, "Confirm your account", b.title())
	_, st = b.submit(url.Values{"username": {"carol"}, "code": {h.srv.LastCode(p.ID, "carol")}})
	require.Equal(t, 200, st, b.page)
	assert.Contains(t, b.page, "Your account is confirmed.")
	cb, _ := b.submit(url.Values{"username": {"carol"}, "password": {"Carol-Passw0rd!"}})
	require.Nil(t, cb)
	// The pool tracks devices: the offer comes first; not this time.
	require.Equal(t, "Remember this device?", b.title(), b.page)
	cb, _ = b.submit(url.Values{})
	require.NotNil(t, cb, b.page)
	_, err = cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(v))
	require.NoError(t, err)

	// Forgot password.
	b = newBrowser(t, callback)
	start(b)
	b.get(b.resolve(html.UnescapeString(forgotRe.FindStringSubmatch(b.page)[1])))
	require.Equal(t, "Reset your password", b.title())
	_, st = b.submit(url.Values{"username": {"carol"}})
	require.Equal(t, 200, st, b.page)
	require.Equal(t, "Choose a new password", b.title())
	_, st = b.submit(url.Values{"username": {"carol"}, "code": {"000000"}, "new_password": {"Carol-Passw0rd!2"}, "confirm_password": {"Carol-Passw0rd!2"}})
	assert.Equal(t, 400, st)
	_, st = b.submit(url.Values{"username": {"carol"}, "code": {h.srv.LastCode(p.ID, "carol")}, "new_password": {"Carol-Passw0rd!2"}, "confirm_password": {"Carol-Passw0rd!2"}})
	require.Equal(t, 200, st, b.page)
	assert.Contains(t, b.page, "Your password is changed.")
	b.submit(url.Values{"username": {"carol"}, "password": {"Carol-Passw0rd!2"}})
	require.Equal(t, "Remember this device?", b.title(), b.page)

	// Remember this device.
	totpCode := func() string {
		h.clock.Advance(30 * time.Second)
		code, _ := totp.Code(key, h.clock.Now())
		return code
	}
	b = newBrowser(t, callback)
	start(b)
	b.submit(url.Values{"username": {"dave"}, "password": {"Dave-Passw0rd!"}})
	require.Equal(t, "Enter your authenticator code", b.title(), b.page)
	cb, _ = b.submit(url.Values{"code": {totpCode()}})
	require.Nil(t, cb)
	require.Equal(t, "Remember this device?", b.title(), b.page)
	cb, _ = b.submit(url.Values{"remember": {"on"}})
	require.NotNil(t, cb, b.page)
	// The same browser: no TOTP code, straight back to the client.
	v = start(b)
	cb, _ = b.submit(url.Values{"username": {"dave"}, "password": {"Dave-Passw0rd!"}})
	require.NotNil(t, cb, "remembered device still asked: %s", b.title())
	tok, err := cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(v))
	require.NoError(t, err)
	ac, err := h.srv.VerifyToken(tok.AccessToken)
	require.NoError(t, err)
	assert.NotEmpty(t, ac.String("device_key"))
	// Another browser is asked for the code.
	b2 := newBrowser(t, callback)
	start(b2)
	b2.submit(url.Values{"username": {"dave"}, "password": {"Dave-Passw0rd!"}})
	assert.Equal(t, "Enter your authenticator code", b2.title())

	// The API's lockout applies to the page.
	for range DefaultMaxFailures {
		_, st = b2.get(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		require.Equal(t, 200, st)
		b2.submit(url.Values{"username": {"dave"}, "password": {"wrong"}})
		assert.Contains(t, b2.page, "Incorrect username or password.")
	}
	b2.get(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	b2.submit(url.Values{"username": {"dave"}, "password": {"Dave-Passw0rd!"}})
	assert.Contains(t, b2.page, "Password attempts exceeded")
	// (The client hides users, so InitiateAuth tells a lock only with the
	// right password: USER_PASSWORD_AUTH.)
	_, e := h.call("InitiateAuth", map[string]any{"ClientId": c.ID, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": "dave", "PASSWORD": "Dave-Passw0rd!", "SECRET_HASH": challenge.SecretHash(c.Secret, "dave", c.ID)}})
	require.NotNil(t, e)
	assert.Equal(t, "PasswordAttemptsExceededException", e.Type)
}

// TestOAuthSeedFile: testdata/seed-oauth.json (the README's `caldera serve`
// example) declares a domain, a resource server and OAuth clients; the
// README's x/oauth2 configuration signs alice in against it, and applying
// the seed again keeps everything.
func TestOAuthSeedFile(t *testing.T) {
	h := newHarness(t, nil)
	sd, err := ReadSeedFile("testdata/seed-oauth.json")
	require.NoError(t, err)
	_, err = h.srv.ApplySeed(sd)
	require.NoError(t, err)
	_, err = h.srv.ApplySeed(sd)
	require.NoError(t, err)
	d, _ := h.srv.svc.Domain("myapp")
	require.NotNil(t, d)
	assert.Equal(t, "us-east-1_Web", d.PoolID)

	server := h.http.URL // the README's http://127.0.0.1:9229
	cfg := oauth2.Config{ClientID: "webclient", RedirectURL: "http://127.0.0.1:8080/callback", Scopes: []string{"openid", "email", "orders/read"},
		Endpoint: oauth2.Endpoint{AuthURL: server + "/us-east-1_Web/oauth2/authorize", TokenURL: server + "/us-east-1_Web/oauth2/token"}}
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t, cfg.RedirectURL)
	b.get(cfg.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier)))
	cb, _ := b.submit(url.Values{"username": {"alice"}, "password": {"Correct-Horse-1"}})
	require.NotNil(t, cb, b.page)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.http.Client())
	tok, err := cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	c, err := h.srv.VerifyToken(tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, "openid email orders/read", c.String("scope"))

	// A code presented again is refused, and what it granted is revoked
	// (RFC 6749, Section 4.1.2).
	_, err = cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	tok.Expiry = time.Now().Add(-time.Minute)
	_, err = cfg.TokenSource(ctx, tok).Token()
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	req, _ := http.NewRequest(http.MethodGet, server+"/us-east-1_Web/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := h.http.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)

	cc := clientcredentials.Config{ClientID: "machineclient", ClientSecret: "machine-client-secret", TokenURL: cfg.Endpoint.TokenURL}
	_, err = cc.Token(ctx)
	require.NoError(t, err)
}

// TestLoopbackRedirectAnyPort: a registered loopback IP redirect URI
// without a port admits any port (RFC 8252, Section 7.3), nothing else
// about it may differ, and a localhost name gets no such leeway.
func TestLoopbackRedirectAnyPort(t *testing.T) {
	h := newHarness(t, nil)
	p, err := h.srv.CreatePool(PoolConfig{ID: "us-east-1_Native"})
	require.NoError(t, err)
	c, err := h.srv.CreateClient(p.ID, ClientConfig{Name: "cli", OAuth: OAuthClient{
		AllowedOAuthFlows: []string{"code"}, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: []string{"openid"},
		CallbackURLs: []string{"http://127.0.0.1/callback", "http://localhost/cb"},
	}})
	require.NoError(t, err)
	try := func(ru string) int {
		q := url.Values{"client_id": {c.ID}, "redirect_uri": {ru}, "response_type": {"code"},
			"code_challenge": {strings.Repeat("b", 43)}, "code_challenge_method": {"S256"}}
		nb := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := nb.Get(h.http.URL + "/" + p.ID + "/oauth2/authorize?" + q.Encode())
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 302, try("http://127.0.0.1:53124/callback"))
	assert.Equal(t, 302, try("http://127.0.0.1/callback"))
	assert.Equal(t, 400, try("http://127.0.0.1:53124/callback/x"))
	assert.Equal(t, 400, try("http://127.0.0.1:53124/callback?a=b"))
	assert.Equal(t, 400, try("http://localhost:53124/cb"))
	assert.Equal(t, 400, try("http://127.0.0.2:53124/callback"))
}

// TestHostedChooseAndEmailCode: a user with two factors chooses on the
// page (SELECT_MFA_TYPE), then types the e-mailed code (EMAIL_OTP, from
// the outbox); the page tells where the code went.
func TestHostedChooseAndEmailCode(t *testing.T) {
	h := newHarness(t, nil)
	p, err := h.srv.CreatePool(PoolConfig{ID: "us-east-1_Choose", MFA: "ON", SoftwareTokenMFA: true, EmailMFA: true})
	require.NoError(t, err)
	callback := "https://app.example/cb"
	c, err := h.srv.CreateClient(p.ID, ClientConfig{Name: "web", GenerateSecret: true, OAuth: OAuthClient{
		AllowedOAuthFlows: []string{"code"}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{callback},
	}})
	require.NoError(t, err)
	_, err = h.srv.CreateUser(p.ID, UserConfig{Username: "fay", Password: "Fay-Passw0rd!", EmailMFA: true,
		TOTPSecret: totp.EncodeSecret([]byte("12345678901234567890")), Attributes: map[string]string{"email": "fay@example.com", "email_verified": "true"}})
	require.NoError(t, err)
	cfg := oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: callback, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: h.http.URL + "/" + p.ID + "/oauth2/authorize", TokenURL: h.http.URL + "/" + p.ID + "/oauth2/token"}}
	b := newBrowser(t, callback)
	// A confidential client may leave PKCE out.
	_, st := b.get(cfg.AuthCodeURL("s"))
	require.Equal(t, 200, st)
	b.submit(url.Values{"username": {"fay"}, "password": {"Fay-Passw0rd!"}})
	require.Equal(t, "Choose how to verify", b.title(), b.page)
	assert.Contains(t, b.page, `value="SOFTWARE_TOKEN_MFA"`)
	assert.Contains(t, b.page, `value="EMAIL_OTP"`)
	b.submit(url.Values{"mfa": {"EMAIL_OTP"}})
	require.Equal(t, "Enter the code we e-mailed you", b.title(), b.page)
	assert.Regexp(t, `We sent a code to f\S*@\S+\.`, b.page)
	cb, _ := b.submit(url.Values{"code": {h.srv.LastCode(p.ID, "fay")}})
	require.NotNil(t, cb, b.page)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.http.Client())
	tok, err := cfg.Exchange(ctx, cb.Query().Get("code"))
	require.NoError(t, err)
	idc, err := h.srv.VerifyToken(tok.Extra("id_token").(string))
	require.NoError(t, err)
	assert.Equal(t, "fay", idc.String("cognito:username"))
	assert.Empty(t, idc.String("nonce"))
	// The confidential client must authenticate at the token endpoint.
	b.get(cfg.AuthCodeURL("s"))
	b.submit(url.Values{"username": {"fay"}, "password": {"Fay-Passw0rd!"}})
	b.submit(url.Values{"mfa": {"EMAIL_OTP"}})
	cb, _ = b.submit(url.Values{"code": {h.srv.LastCode(p.ID, "fay")}})
	require.NotNil(t, cb, b.page)
	noSecret := cfg
	noSecret.ClientSecret = "wrong"
	_, err = noSecret.Exchange(ctx, cb.Query().Get("code"))
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_client", re.ErrorCode)
}

// TestOAuthRecordsBolt: domains, resource servers and clients' OAuth
// settings survive a restart on a bbolt file, and a domain host is looked
// up (empty bucket included) without error.
func TestOAuthRecordsBolt(t *testing.T) {
	path := t.TempDir() + "/idp.db"
	open := func() *harness {
		st, err := OpenBoltStore(path)
		require.NoError(t, err)
		return newHarness(t, func(o *Options) { o.Store = st })
	}
	h := open()
	// Before any domain exists: a *.localhost host is not a pool.
	u, _ := url.Parse(h.http.URL)
	client := &http.Client{Transport: &http.Transport{DialContext: (&netDialer{addr: u.Host}).DialContext}}
	resp, err := client.Get("http://nothing.localhost:" + u.Port() + "/oauth2/token")
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, 200, resp.StatusCode)

	poolID, id, secret := oauthFixture(t, h)
	require.NoError(t, h.srv.CreateDomain(poolID, "persisted"))
	h.http.Close()
	require.NoError(t, h.srv.Close())

	h = open()
	d := h.mustCall("DescribeUserPoolDomain", map[string]any{"Domain": "persisted"})["DomainDescription"].(map[string]any)
	assert.Equal(t, poolID, d["UserPoolId"])
	l := h.mustCall("ListResourceServers", map[string]any{"UserPoolId": poolID})
	assert.Len(t, l["ResourceServers"], 1)
	u, _ = url.Parse(h.http.URL)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: &http.Transport{DialContext: (&netDialer{addr: u.Host}).DialContext}})
	tok, err := (&clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: "http://persisted.localhost:" + u.Port() + "/oauth2/token", Scopes: []string{"orders/write"}}).Token(ctx)
	require.NoError(t, err)
	c, err := h.srv.VerifyToken(tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, "orders/write", c.String("scope"))
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

// TestOAuthLogHasNoSecrets: each OAuth request is logged, and neither the
// password, the code, the CSRF token, the PKCE verifier nor a token is.
func TestOAuthLogHasNoSecrets(t *testing.T) {
	var logBuf syncBuffer
	h := newHarness(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logBuf, nil)) })
	poolID, clientID, callback := codeFixture(t, h, "OFF")
	_, err := h.srv.CreateUser(poolID, UserConfig{Username: "gus", Password: "Gus-Passw0rd!"})
	require.NoError(t, err)
	base := h.http.URL + "/" + poolID
	cfg := oauth2.Config{ClientID: clientID, RedirectURL: callback, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: base + "/oauth2/authorize", TokenURL: base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t, callback)
	b.get(cfg.AuthCodeURL("state-secret-1", oauth2.S256ChallengeOption(verifier)))
	csrf := csrfRe.FindStringSubmatch(b.page)[1]
	b.submit(url.Values{"username": {"gus"}, "password": {"wrong-Passw0rd!"}})
	cb, _ := b.submit(url.Values{"username": {"gus"}, "password": {"Gus-Passw0rd!"}})
	require.NotNil(t, cb)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.http.Client())
	tok, err := cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	log := logBuf.String()
	assert.Contains(t, log, `msg="idp/oauth: request"`)
	assert.Contains(t, log, "path=/oauth2/token")
	for _, secret := range []string{"Gus-Passw0rd!", "wrong-Passw0rd!", cb.Query().Get("code"), csrf, verifier, "state-secret-1",
		tok.AccessToken[:40], tok.RefreshToken, tok.Extra("id_token").(string)[:40]} {
		assert.NotContains(t, log, secret)
	}
}

// TestUpdateClientOAuth: UpdateUserPoolClient sets the OAuth settings under
// CreateUserPoolClient's rules, and, as Cognito's UpdateUserPoolClient
// documents ("If you don't provide a value for an attribute, Amazon Cognito
// sets it to its default value"), a request that leaves them out clears
// them.
func TestUpdateClientOAuth(t *testing.T) {
	h := newHarness(t, nil)
	poolID, id, _ := oauthFixture(t, h)
	describe := func() map[string]any {
		return h.mustCall("DescribeUserPoolClient", map[string]any{"UserPoolId": poolID, "ClientId": id})["UserPoolClient"].(map[string]any)
	}
	h.mustCall("UpdateUserPoolClient", map[string]any{"UserPoolId": poolID, "ClientId": id,
		"AllowedOAuthFlows": []string{"client_credentials"}, "AllowedOAuthScopes": []string{"orders/read"},
		"AllowedOAuthFlowsUserPoolClient": true})
	d := describe()
	assert.Equal(t, []any{"orders/read"}, d["AllowedOAuthScopes"])

	_, e := h.call("UpdateUserPoolClient", map[string]any{"UserPoolId": poolID, "ClientId": id,
		"AllowedOAuthFlows": []string{"client_credentials"}, "AllowedOAuthScopes": []string{"orders/nope"},
		"AllowedOAuthFlowsUserPoolClient": true})
	require.NotNil(t, e)
	assert.Equal(t, "ScopeDoesNotExistException", e.Type, e.Message)
	assert.Equal(t, []any{"orders/read"}, describe()["AllowedOAuthScopes"], "a refused update changes nothing")

	h.mustCall("UpdateUserPoolClient", map[string]any{"UserPoolId": poolID, "ClientId": id})
	d = describe()
	assert.Nil(t, d["AllowedOAuthFlows"])
	assert.Nil(t, d["AllowedOAuthScopes"])
	assert.NotEqual(t, true, d["AllowedOAuthFlowsUserPoolClient"])
}

// TestHostedSignUpAutoConfirmed: a pre sign-up trigger that confirms the
// user leaves no code to ask for; the page offers the sign-in (it
// dereferenced the absent code delivery before).
func TestHostedSignUpAutoConfirmed(t *testing.T) {
	h := newHarness(t, func(o *Options) {
		o.Triggers.PreSignUp = func(context.Context, PreSignUpInput) (PreSignUpOutput, error) {
			return PreSignUpOutput{AutoConfirmUser: true}, nil
		}
	})
	p, err := h.srv.CreatePool(PoolConfig{ID: "us-east-1_Auto"})
	require.NoError(t, err)
	callback := "http://localhost:7777/cb"
	c, err := h.srv.CreateClient(p.ID, ClientConfig{Name: "web", GenerateSecret: true, OAuth: OAuthClient{
		AllowedOAuthFlows: []string{"code"}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{callback},
	}})
	require.NoError(t, err)
	cfg := oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: callback, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: h.http.URL + "/" + p.ID + "/oauth2/authorize", TokenURL: h.http.URL + "/" + p.ID + "/oauth2/token"}}
	b := newBrowser(t, callback)
	_, st := b.get(cfg.AuthCodeURL("st"))
	require.Equal(t, 200, st)
	_, st = b.get(b.resolve(html.UnescapeString(regexp.MustCompile(`href="([^"]+)" id="signup"`).FindStringSubmatch(b.page)[1])))
	require.Equal(t, 200, st)
	_, st = b.submit(url.Values{"username": {"ann"}, "email": {"ann@example.com"}, "password": {"Ann-Passw0rd!"}, "confirm_password": {"Ann-Passw0rd!"}})
	require.Equal(t, 200, st, b.page)
	assert.Equal(t, "Sign in", b.title())
	assert.Contains(t, b.page, "Your account is confirmed.")
	cb, _ := b.submit(url.Values{"username": {"ann"}, "password": {"Ann-Passw0rd!"}})
	require.NotNil(t, cb, b.page)
	assert.NotEmpty(t, cb.Query().Get("code"))
}
