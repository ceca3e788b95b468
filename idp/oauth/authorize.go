package oauth

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// authRequest is a checked authorization request (RFC 6749, Section
// 4.1.1 and 4.2.1; RFC 7636, Section 4.3; OpenID Connect Core 1.0,
// Section 3.1.2.1).
type authRequest struct {
	client       *store.Client
	redirectURI  string
	responseType string // "code" or "token"
	state        string
	nonce        string
	scopes       []string
	challenge    string
	method       string
	query        url.Values // the request's parameters, carried by the pages
}

// authError is a refused authorization request: with redirect set, the
// error goes back to the client (RFC 6749, Section 4.1.2.1); without, the
// redirect URI itself is bad and the user is shown the error.
type authError struct {
	code, desc string
	redirect   bool
}

var challengePattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// checkAuthRequest validates the parameters of /oauth2/authorize (and of
// the pages, which carry them along).
func (h *Handler) checkAuthRequest(poolID string, q url.Values) (*authRequest, *authError) {
	cl, err := h.Service.Client(q.Get("client_id"))
	if err != nil || cl.PoolID != poolID {
		return nil, &authError{code: "invalid_request", desc: "The client_id is not a client of this user pool."}
	}
	ru := q.Get("redirect_uri")
	if ru == "" || !redirectAllowed(cl.CallbackURLs, ru) {
		// Exact match (RFC 6749, Section 3.1.2.3; no prefix, no
		// normalization): never redirect to an unregistered URI.
		return nil, &authError{code: "invalid_request", desc: "redirect_mismatch: the redirect_uri is not a callback URL of this client."}
	}
	ar := &authRequest{
		client: cl, redirectURI: ru, responseType: q.Get("response_type"), state: q.Get("state"),
		nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"),
		query: url.Values{},
	}
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "state", "nonce", "scope", "code_challenge", "code_challenge_method"} {
		if v := q.Get(k); v != "" {
			ar.query.Set(k, v)
		}
	}
	fail := func(code, desc string) (*authRequest, *authError) {
		return ar, &authError{code: code, desc: desc, redirect: true}
	}
	if !cl.OAuthFlowsUserPoolClient {
		return fail("unauthorized_client", "The client is not allowed OAuth flows.")
	}
	switch ar.responseType {
	case "code":
		if !slices.Contains(cl.OAuthFlows, "code") {
			return fail("unauthorized_client", "The client is not allowed the code flow.")
		}
	case "token":
		if !slices.Contains(cl.OAuthFlows, "implicit") {
			return fail("unauthorized_client", "The client is not allowed the implicit flow.")
		}
	case "":
		return fail("invalid_request", "response_type is required.")
	default:
		return fail("unsupported_response_type", "")
	}
	ar.scopes = strings.Fields(q.Get("scope"))
	if len(ar.scopes) == 0 {
		ar.scopes = slices.Clone(cl.OAuthScopes)
	}
	// Allowed to the client, and (a resource server's) still existing.
	if _, err := h.Service.GrantableScopes(cl, ar.scopes); err != nil {
		return fail("invalid_scope", err.Message)
	}
	if ar.responseType == "code" {
		switch {
		case ar.challenge == "" && ar.method != "":
			return fail("invalid_request", "code_challenge_method without code_challenge.")
		case ar.challenge != "" && ar.method != "S256":
			// RFC 7636 lets a server refuse plain (Section 4.2): it
			// protects nothing against an observer of the request.
			return fail("invalid_request", "code_challenge_method must be S256.")
		case ar.challenge != "" && !challengePattern.MatchString(ar.challenge):
			return fail("invalid_request", "Malformed code_challenge.")
		case ar.challenge == "" && cl.Secret == "":
			return fail("invalid_request", "A public client must use PKCE (code_challenge with S256).")
		}
	} else if ar.challenge != "" {
		return fail("invalid_request", "PKCE applies to response_type=code only.")
	}
	return ar, nil
}

// redirectAllowed reports whether uri is one of the registered callback
// URLs, character for character; the one exception is RFC 8252, Section
// 7.3: a registered loopback IP literal URI without a port
// (http://127.0.0.1/cb, http://[::1]/cb) admits any port, for native apps
// that listen on a port the system picks (caldera login --browser).
func redirectAllowed(registered []string, uri string) bool {
	if slices.Contains(registered, uri) {
		return true
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.User != nil || u.Fragment != "" {
		return false
	}
	for _, reg := range registered {
		ru, err := url.Parse(reg)
		if err != nil || ru.Scheme != "http" || ru.Port() != "" || ru.User != nil {
			continue
		}
		if h := ru.Hostname(); (h == "127.0.0.1" || h == "::1") && h == u.Hostname() &&
			ru.EscapedPath() == u.EscapedPath() && ru.RawQuery == u.RawQuery {
			return true
		}
	}
	return false
}

// redirectBack sends the user agent to the client with params, in the
// query for the code flow or the fragment for the implicit one (RFC 6749,
// Section 4.1.2 and 4.2.2).
func redirectBack(w http.ResponseWriter, r *http.Request, ar *authRequest, params url.Values) {
	if ar.state != "" {
		params.Set("state", ar.state)
	}
	u, _ := url.Parse(ar.redirectURI)
	if ar.responseType == "token" {
		u.Fragment, u.RawFragment = "", ""
		http.Redirect(w, r, u.String()+"#"+params.Encode(), http.StatusFound)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// refuse answers a refused authorization request.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, req Request, ar *authRequest, e *authError) {
	if !e.redirect || ar == nil {
		h.render(w, r, req, http.StatusBadRequest, &pageData{Page: "error", Title: "Sign-in error", Error: e.desc})
		return
	}
	p := url.Values{"error": {e.code}}
	if e.desc != "" {
		p.Set("error_description", e.desc)
	}
	redirectBack(w, r, ar, p)
}

// authorize is /oauth2/authorize: a checked request goes on to the
// sign-in page with its parameters.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, req Request) {
	ar, e := h.checkAuthRequest(req.PoolID, r.URL.Query())
	if e != nil {
		h.refuse(w, r, req, ar, e)
		return
	}
	http.Redirect(w, r, req.Base+PathLogin+"?"+ar.query.Encode(), http.StatusFound)
}

// complete ends a sign-in: an authorization code for the code flow, the
// tokens in the fragment for the implicit flow.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, req Request, ar *authRequest, ts *userpool.TokenSet) {
	if ar.responseType == "token" {
		p := url.Values{"access_token": {ts.AccessToken}, "token_type": {"Bearer"}, "expires_in": {itoa(ts.ExpiresIn)}}
		if slices.Contains(ar.scopes, "openid") {
			p.Set("id_token", ts.IdToken)
		}
		redirectBack(w, r, ar, p)
		return
	}
	code, err := h.newToken()
	if err != nil {
		h.render(w, r, req, http.StatusInternalServerError, &pageData{Page: "error", Title: "Sign-in error", Error: "Internal error."})
		return
	}
	now := h.now()
	h.mu.Lock()
	if h.codes == nil {
		h.codes = map[string]*codeGrant{}
	}
	for k, g := range h.codes {
		if !now.Before(g.expires) {
			delete(h.codes, k)
		}
	}
	h.codes[code] = &codeGrant{
		clientID: ar.client.ID, redirectURI: ar.redirectURI, challenge: ar.challenge, method: ar.method,
		tokens: ts, scopes: ar.scopes, expires: now.Add(CodeTTL),
	}
	h.mu.Unlock()
	redirectBack(w, r, ar, url.Values{"code": {code}})
}

// logout is /logout: with logout_uri (exactly one of the client's
// LogoutURLs) it ends the pages' sign-in state and redirects there; with
// redirect_uri and response_type it starts a new sign-in.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, req Request) {
	q := r.URL.Query()
	cl, err := h.Service.Client(q.Get("client_id"))
	if err != nil || cl.PoolID != req.PoolID {
		h.render(w, r, req, http.StatusBadRequest, &pageData{Page: "error", Title: "Sign-out error", Error: "The client_id is not a client of this user pool."})
		return
	}
	h.clearCookies(w, req)
	if lu := q.Get("logout_uri"); lu != "" {
		if !slices.Contains(cl.LogoutURLs, lu) {
			h.render(w, r, req, http.StatusBadRequest, &pageData{Page: "error", Title: "Sign-out error", Error: "The logout_uri is not a sign-out URL of this client."})
			return
		}
		http.Redirect(w, r, lu, http.StatusFound)
		return
	}
	ar, e := h.checkAuthRequest(req.PoolID, q)
	if e != nil {
		h.refuse(w, r, req, ar, e)
		return
	}
	http.Redirect(w, r, req.Base+PathLogin+"?"+ar.query.Encode(), http.StatusFound)
}
