// Package oauth serves a user pool's OAuth 2.0 and OpenID Connect
// endpoints and its hosted sign-in pages, as a Cognito domain does
// (issue 15): /oauth2/authorize, /oauth2/token, /oauth2/userInfo,
// /oauth2/revoke, /login, /logout and /.well-known/openid-configuration.
//
// The root package mounts a Handler at http://HOST:PORT/<poolId>/… and,
// for a pool with a domain, at http://<domain>.localhost:PORT/…; the
// Handler is given the pool and the path below it (Serve). Every rule
// (client authentication, scopes, passwords, lockouts, challenges, token
// contents) is idp/userpool's; this package speaks the protocols: RFC 6749
// (authorization code, implicit, client credentials and refresh grants;
// errors as Section 4.1.2.1 and 5.2 say), RFC 7636 (PKCE: S256 only,
// required for public clients), RFC 7009 (revocation), OpenID Connect
// Core 1.0 (nonce, at_hash, userinfo) and Discovery 1.0.
//
// The pages are html/template with their stylesheet embedded (no external
// assets, no JavaScript); each is sent with a Content-Security-Policy, and
// each form carries a CSRF token bound to a cookie (compared in constant
// time). Client secrets (in idp/userpool), PKCE verifiers, state-bound
// values and CSRF tokens are compared with crypto/subtle; authorization
// codes and the ids of sign-ins in progress are 256-bit random values used
// as map keys. Both live in process memory (a restart ends them); codes
// are single-use, expire after five minutes (CodeTTL), and a code
// presented twice revokes what it granted.
package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// CodeTTL is how long an authorization code may be exchanged (RFC 6749,
// Section 4.1.2 recommends at most ten minutes; Cognito uses five).
const CodeTTL = 5 * time.Minute

// loginTTL is how long a sign-in at the pages may take.
const loginTTL = 15 * time.Minute

// Handler serves one server's OAuth endpoints and pages for all its pools.
type Handler struct {
	Service *userpool.Service
	// Endpoint returns the server's base URL for a request (tokens' issuer
	// is Endpoint + "/" + poolId).
	Endpoint func(r *http.Request) string
	Rand     io.Reader
	Clock    func() time.Time
	Logger   *slog.Logger

	mu     sync.Mutex
	codes  map[string]*codeGrant
	logins map[string]*login
}

// codeGrant is an issued authorization code: the tokens of the finished
// sign-in, handed out once to the client that asked, with the redirect
// URI and PKCE challenge of the request.
type codeGrant struct {
	clientID, redirectURI string
	challenge, method     string
	tokens                *userpool.TokenSet
	scopes                []string
	expires               time.Time
	used                  bool
}

func (h *Handler) now() time.Time {
	if h.Clock != nil {
		return h.Clock()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Paths answered below a pool's base.
const (
	PathAuthorize = "/oauth2/authorize"
	PathToken     = "/oauth2/token"
	PathUserInfo  = "/oauth2/userInfo"
	PathRevoke    = "/oauth2/revoke"
	PathLogin     = "/login"
	PathLogout    = "/logout"
	PathSignup    = "/signup"
	PathForgot    = "/forgotPassword"
	PathDiscovery = "/.well-known/openid-configuration"
	pathStatic    = "/static/"
)

// Handles reports whether path (below a pool's base) is one this package
// serves.
func Handles(path string) bool {
	switch path {
	case PathAuthorize, PathToken, PathUserInfo, PathRevoke, PathLogin, PathLogout, PathSignup, PathForgot, PathDiscovery:
		return true
	}
	return strings.HasPrefix(path, pathStatic)
}

// Request is one request for a pool: Base is the public URL of the pool's
// endpoints (http://HOST:PORT/<poolId> or http://<domain>.localhost:PORT)
// and Path what follows it.
type Request struct {
	PoolID string
	Base   string
	Path   string
}

// statusWriter remembers the status of an answer, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Serve answers r for the pool and path of req, and logs one line (no
// query string: it may hold a code or a state).
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, req Request) {
	start := h.now()
	sw := &statusWriter{ResponseWriter: w}
	h.serve(sw, r, req)
	h.log().Info("idp/oauth: request", "pool", req.PoolID, "method", r.Method, "path", req.Path, "status", sw.status, "took", h.now().Sub(start))
}

// corsOpen reports whether a path is open to scripts of every origin, as
// Cognito's: the endpoints a single-page application calls with fetch
// (token, userInfo, revoke) and the discovery document. The hosted pages
// and authorize are navigated to, never fetched, and get no CORS header.
func corsOpen(path string) bool {
	switch path {
	case PathToken, PathUserInfo, PathRevoke, PathDiscovery:
		return true
	}
	return false
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, req Request) {
	w.Header().Set("Cache-Control", "no-store")
	if corsOpen(req.Path) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			// A CORS preflight (Fetch Standard, "CORS protocol"): the
			// methods and the headers these endpoints read.
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	switch {
	case req.Path == PathToken && r.Method == http.MethodPost:
		h.token(w, r, req)
	case req.Path == PathAuthorize && r.Method == http.MethodGet:
		h.authorize(w, r, req)
	case req.Path == PathLogin || req.Path == PathSignup || req.Path == PathForgot:
		h.page(w, r, req)
	case req.Path == PathUserInfo && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		h.userInfo(w, r, req)
	case req.Path == PathRevoke && r.Method == http.MethodPost:
		h.revoke(w, r, req)
	case req.Path == PathLogout && r.Method == http.MethodGet:
		h.logout(w, r, req)
	case req.Path == PathDiscovery && r.Method == http.MethodGet:
		h.discovery(w, r, req)
	case strings.HasPrefix(req.Path, pathStatic) && r.Method == http.MethodGet:
		serveStatic(w, r, strings.TrimPrefix(req.Path, pathStatic))
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// issuerOf is the tokens' issuer of a pool.
func (h *Handler) issuerOf(r *http.Request, poolID string) string {
	return h.Endpoint(r) + "/" + poolID
}

// DiscoveryFields are the OAuth 2.0 and OpenID Connect fields of a pool's
// /.well-known/openid-configuration (OpenID Connect Discovery 1.0, Section
// 3; RFC 8414): the endpoints this package serves under base, and what
// they support. The root's discovery document is the union of these and
// the issuer/JWKS fields.
func DiscoveryFields(base string) map[string]any {
	return map[string]any{
		"authorization_endpoint":                base + PathAuthorize,
		"token_endpoint":                        base + PathToken,
		"userinfo_endpoint":                     base + PathUserInfo,
		"revocation_endpoint":                   base + PathRevoke,
		"end_session_endpoint":                  base + PathLogout,
		"response_types_supported":              []string{"code", "token"},
		"grant_types_supported":                 []string{"authorization_code", "implicit", "refresh_token", "client_credentials"},
		"scopes_supported":                      userpool.StandardScopes,
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"code_challenge_methods_supported":      []string{"S256"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "cognito:username", "email", "email_verified", "phone_number", "phone_number_verified", "name", "preferred_username"},
	}
}

func (h *Handler) discovery(w http.ResponseWriter, r *http.Request, req Request) {
	if _, err := h.Service.Pool(req.PoolID); err != nil {
		http.NotFound(w, r)
		return
	}
	if h.Endpoint(r) == "" {
		// No issuer is guessed from the request (idp.Options.Endpoint):
		// no document rather than one naming a wrong issuer; the error is
		// the one a token request gets then.
		writeJSON(w, http.StatusInternalServerError, map[string]string{"__type": "InternalErrorException",
			"message": "no issuer: the server has no endpoint (set Options.Endpoint or Options.IssuerFromHost, or call Start)"})
		return
	}
	doc := DiscoveryFields(req.Base)
	iss := h.issuerOf(r, req.PoolID)
	doc["issuer"] = iss
	doc["jwks_uri"] = iss + "/.well-known/jwks.json"
	writeJSON(w, http.StatusOK, doc)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// tokenError is RFC 6749, Section 5.2's error answer; invalid_client
// comes with 401 and a WWW-Authenticate challenge when the client tried
// HTTP Basic.
func tokenError(w http.ResponseWriter, code, desc string, basic bool) {
	status := http.StatusBadRequest
	if code == "invalid_client" {
		status = http.StatusUnauthorized
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oauth2"`)
		}
	}
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, status, body)
}

// clientAuth reads the client's credentials: HTTP Basic (RFC 6749,
// Section 2.3.1, form-urlencoded id and secret) or client_id and
// client_secret in the body; not both.
func clientAuth(r *http.Request) (id, secret string, basic bool, err error) {
	bid, bsec, hasBasic := r.BasicAuth()
	fid, fsec := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if hasBasic {
		if fsec != "" {
			return "", "", true, errors.New("more than one client authentication method")
		}
		uid, err1 := url.QueryUnescape(bid)
		usec, err2 := url.QueryUnescape(bsec)
		if err1 != nil || err2 != nil || (fid != "" && fid != uid) {
			return "", "", true, errors.New("malformed client credentials")
		}
		return uid, usec, true, nil
	}
	return fid, fsec, false, nil
}

func (h *Handler) token(w http.ResponseWriter, r *http.Request, req Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		tokenError(w, "invalid_request", "the body must be application/x-www-form-urlencoded", false)
		return
	}
	id, secret, basic, err := clientAuth(r)
	if err != nil || id == "" {
		tokenError(w, "invalid_client", "", basic)
		return
	}
	cl, uerr := h.Service.AuthenticateClient(req.PoolID, id, secret)
	if uerr != nil {
		h.log().Info("idp/oauth: client authentication failed", "pool", req.PoolID, "client", id)
		tokenError(w, "invalid_client", "", basic)
		return
	}
	if !cl.OAuthFlowsUserPoolClient {
		tokenError(w, "unauthorized_client", "the client is not allowed OAuth flows", basic)
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
		h.clientCredentials(w, r, cl)
	case "authorization_code":
		h.exchangeCode(w, r, cl)
	case "refresh_token":
		h.refresh(w, r, cl)
	case "":
		tokenError(w, "invalid_request", "grant_type is required", false)
	default:
		tokenError(w, "unsupported_grant_type", "", false)
	}
}

func (h *Handler) clientCredentials(w http.ResponseWriter, r *http.Request, cl *store.Client) {
	if cl.Secret == "" || !slices.Contains(cl.OAuthFlows, "client_credentials") {
		tokenError(w, "unauthorized_client", "", false)
		return
	}
	scopes, err := h.Service.GrantableScopes(cl, strings.Fields(r.PostForm.Get("scope")))
	if err != nil || len(scopes) == 0 {
		tokenError(w, "invalid_scope", "", false)
		return
	}
	tok, exp, err := h.Service.ClientCredentials(h.Endpoint(r), cl, scopes)
	if err != nil {
		tokenError(w, "server_error", "", false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": exp, "token_type": "Bearer"})
}

// pkceOK checks a code_verifier against the challenge (RFC 7636, Section
// 4.6): S256 only, compared in constant time. A code issued without a
// challenge takes no verifier.
func pkceOK(challenge, method, verifier string) bool {
	if challenge == "" {
		return verifier == ""
	}
	if method != "S256" || len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func (h *Handler) exchangeCode(w http.ResponseWriter, r *http.Request, cl *store.Client) {
	code := r.PostForm.Get("code")
	if code == "" {
		tokenError(w, "invalid_request", "code is required", false)
		return
	}
	h.mu.Lock()
	g := h.codes[code]
	used := g != nil && g.used
	if g != nil {
		g.used = true // single use, whatever follows; kept until it expires
	}
	h.mu.Unlock()
	switch {
	case used:
		// A code presented twice: revoke what it granted (RFC 6749,
		// Section 4.1.2), as one of the two presenters is not the client.
		if g.tokens.RefreshToken != "" {
			if err := h.Service.RevokeRefreshToken(g.tokens.RefreshToken); err != nil {
				h.log().Error("idp/oauth: revoke a reused code's tokens", "err", err)
			}
		}
		tokenError(w, "invalid_grant", "", false)
	case g == nil || !h.now().Before(g.expires):
		tokenError(w, "invalid_grant", "", false)
	case subtle.ConstantTimeCompare([]byte(g.clientID), []byte(cl.ID)) != 1 || g.redirectURI != r.PostForm.Get("redirect_uri"):
		tokenError(w, "invalid_grant", "", false)
	case !pkceOK(g.challenge, g.method, r.PostForm.Get("code_verifier")):
		tokenError(w, "invalid_grant", "PKCE verification failed", false)
	default:
		writeJSON(w, http.StatusOK, tokenResponse(g.tokens, g.scopes, true))
	}
}

// tokenResponse is the token endpoint's answer (RFC 6749, Section 5.1;
// OpenID Connect Core 1.0, Section 3.1.3.3): the ID token only for the
// openid scope.
func tokenResponse(ts *userpool.TokenSet, scopes []string, withRefresh bool) map[string]any {
	out := map[string]any{"access_token": ts.AccessToken, "expires_in": ts.ExpiresIn, "token_type": "Bearer"}
	if slices.Contains(scopes, "openid") {
		out["id_token"] = ts.IdToken
	}
	if withRefresh && ts.RefreshToken != "" {
		out["refresh_token"] = ts.RefreshToken
	}
	return out
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request, cl *store.Client) {
	if !slices.Contains(cl.OAuthFlows, "code") {
		tokenError(w, "unauthorized_client", "", false)
		return
	}
	ts, scopes, err := h.Service.HostedRefresh(h.Endpoint(r), cl, r.PostForm.Get("refresh_token"))
	if err != nil {
		tokenError(w, "invalid_grant", "", false)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse(ts, scopes, false))
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "Bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// userInfo is OpenID Connect Core 1.0, Section 5.3: the claims of the user
// of a valid access token; errors as RFC 6750, Section 3.
func (h *Handler) userInfo(w http.ResponseWriter, r *http.Request, req Request) {
	tok := bearer(r)
	u, scopes, err := h.Service.UserInfo(tok)
	if tok == "" || err != nil || u.PoolID != req.PoolID {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	// As Cognito: only an access token granted the openid scope.
	if !slices.Contains(scopes, "openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="openid"`)
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope"})
		return
	}
	out := map[string]any{}
	for k, v := range u.Attrs {
		out[k] = v
	}
	out["username"] = u.Username
	writeJSON(w, http.StatusOK, out)
}

// revoke is RFC 7009: a refresh token of the authenticated client is
// revoked with every access token of its sign-in; an unknown token is not
// an error.
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request, req Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "", false)
		return
	}
	id, secret, basic, err := clientAuth(r)
	if err != nil || id == "" {
		tokenError(w, "invalid_client", "", basic)
		return
	}
	cl, uerr := h.Service.AuthenticateClient(req.PoolID, id, secret)
	if uerr != nil {
		tokenError(w, "invalid_client", "", basic)
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		tokenError(w, "invalid_request", "token is required", false)
		return
	}
	if err := h.Service.RevokeToken(tok, cl.ID, secret); err != nil && !errors.Is(err, userpool.ErrInternal) {
		tokenError(w, "invalid_request", "", false)
		return
	} else if err != nil {
		tokenError(w, "server_error", "", false)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// newToken draws a random 256-bit token (codes, CSRF tokens, sign-in ids).
func (h *Handler) newToken() (string, error) {
	b, err := rnd.Bytes(h.Rand, 32)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
