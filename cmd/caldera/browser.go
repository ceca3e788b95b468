package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/token"
)

// browserLogin is `caldera login --browser`: the OAuth 2.0
// authorization-code flow with PKCE for a native app (RFC 8252), as
// `gh auth login` or `aws sso login` do it. A one-shot listener on
// 127.0.0.1 receives the redirect (Section 7.3: loopback IP, a port the
// system picks), the system browser (or the user, with the URL printed)
// signs in at the pool's hosted pages, the state is checked in constant
// time, the code is exchanged with the PKCE verifier (RFC 7636, S256) and
// the tokens are verified with package token before they are printed.
type browserLogin struct {
	domain       string // base URL of the OAuth endpoints
	clientID     string
	clientSecret string
	scopes       []string
	callback     string // the redirect URI; "" for http://127.0.0.1:<random port>/callback
	open         bool   // open the system browser
	timeout      time.Duration
	verifier     *token.Verifier
	httpClient   *http.Client
}

// openBrowser opens url in the system browser; tests replace it.
var openBrowser = func(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck // the opener's exit status says nothing about the sign-in
	return nil
}

// callbackResult is what the redirect brought.
type callbackResult struct {
	code string
	err  error
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// listen opens the loopback listener of the redirect URI.
func (b *browserLogin) listen() (net.Listener, string, error) {
	if b.callback == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", err
		}
		return ln, "http://" + ln.Addr().String() + "/callback", nil
	}
	u, err := url.Parse(b.callback)
	if err != nil || u.Scheme != "http" || u.Port() == "" {
		return nil, "", fmt.Errorf("--callback %q: want http://127.0.0.1:PORT/PATH or http://localhost:PORT/PATH", b.callback)
	}
	host := u.Hostname()
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, "", fmt.Errorf("--callback %q: the redirect must come back to this machine (a loopback address)", b.callback)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, u.Port()))
	return ln, b.callback, err
}

// run signs in and returns the verified tokens.
func (b *browserLogin) run(ctx context.Context, stderr io.Writer) (*flow.Result, error) {
	ln, redirect, err := b.listen()
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	state, err := randomToken()
	if err != nil {
		return nil, err
	}
	nonce, err := randomToken()
	if err != nil {
		return nil, err
	}
	pkce := oauth2.GenerateVerifier()
	cfg := oauth2.Config{
		ClientID: b.clientID, ClientSecret: b.clientSecret, RedirectURL: redirect, Scopes: b.scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL: b.domain + "/oauth2/authorize", TokenURL: b.domain + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
	if b.clientSecret == "" {
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("nonce", nonce))

	results := make(chan callbackResult, 1)
	path := "/callback"
	if u, err := url.Parse(redirect); err == nil {
		path = u.Path
	}
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var res callbackResult
		switch {
		case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
			res.err = errors.New("the redirect's state does not match this sign-in (refused)")
		case q.Get("error") != "":
			res.err = fmt.Errorf("the pool refused the sign-in: %s %s", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			res.err = errors.New("the redirect carries no code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		msg := "Signed in. You can close this window and go back to the terminal."
		if res.err != nil {
			msg = "Sign-in failed: " + res.err.Error()
		}
		fmt.Fprintf(w, "<!DOCTYPE html><title>caldera login</title><p>%s</p>", html.EscapeString(msg))
		select {
		case results <- res:
		default:
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx) //nolint:errcheck
	}()

	fmt.Fprintf(stderr, "caldera login: sign in at\n  %s\n", authURL)
	if b.open {
		if err := openBrowser(authURL); err != nil {
			fmt.Fprintf(stderr, "caldera login: could not open a browser (%v): open the URL above\n", err)
		}
	}
	wait := b.timeout
	if wait <= 0 {
		wait = 5 * time.Minute
	}
	tctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var res callbackResult
	select {
	case res = <-results:
	case <-tctx.Done():
		return nil, fmt.Errorf("no sign-in came back within %s", wait)
	}
	if res.err != nil {
		return nil, res.err
	}
	if b.httpClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, b.httpClient)
	}
	tok, err := cfg.Exchange(ctx, res.code, oauth2.VerifierOption(pkce))
	if err != nil {
		return nil, fmt.Errorf("exchanging the code: %w", err)
	}
	idTok, _ := tok.Extra("id_token").(string)
	r := &flow.Result{Tokens: flow.Tokens{
		IDToken: idTok, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		TokenType: tok.TokenType, ExpiresIn: tok.ExpiresIn, Expiry: tok.Expiry,
	}}
	if b.verifier != nil {
		c, err := verifyTokens(ctx, b.verifier, r.Tokens)
		if err != nil {
			return nil, fmt.Errorf("signed in, but the tokens do not verify (not printed): %w", err)
		}
		// OpenID Connect Core 1.0, Section 3.1.3.7: the nonce we sent.
		if subtle.ConstantTimeCompare([]byte(c.String("nonce")), []byte(nonce)) != 1 {
			return nil, errors.New("signed in, but the ID token's nonce is not this sign-in's (not printed)")
		}
		r.UserID = c.Username
	}
	return r, nil
}

// cognitoDomain normalizes --domain: a bare prefix is not enough (the
// region is unknown), so a URL is required; a trailing slash is dropped.
func cognitoDomain(d string) (string, error) {
	u, err := url.Parse(d)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("--domain %q: want a URL such as https://PREFIX.auth.REGION.amazoncognito.com", d)
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		ip := net.ParseIP(h)
		if !(h == "localhost" || strings.HasSuffix(h, ".localhost") || ip != nil && ip.IsLoopback()) {
			return "", fmt.Errorf("--domain %q: http is only for a loopback server (caldera serve)", d)
		}
	}
	return strings.TrimRight(d, "/"), nil
}
