package userpool

import (
	"crypto/subtle"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
	"github.com/caldera-srp/caldera/srp"
)

// The OAuth 2.0 side of a pool (issue 15): its domain, its resource
// servers, the app clients' OAuth settings, the client_credentials grant
// and the sign-in of the hosted pages. The protocol itself (endpoints,
// RFC 6749 errors, pages) is idp/oauth's; the rules are here.

// OAuthClient are an app client's OAuth 2.0 settings, with the names of
// CreateUserPoolClient (botocore's cognito-idp model).
type OAuthClient struct {
	// AllowedOAuthFlows: "code", "implicit", "client_credentials".
	AllowedOAuthFlows []string `json:"allowedOAuthFlows,omitempty"`
	// AllowedOAuthScopes: openid, email, phone, profile,
	// aws.cognito.signin.user.admin and "<resource server>/<scope>".
	AllowedOAuthScopes []string `json:"allowedOAuthScopes,omitempty"`
	// AllowedOAuthFlowsUserPoolClient must be true for the OAuth endpoints
	// to serve the client.
	AllowedOAuthFlowsUserPoolClient bool     `json:"allowedOAuthFlowsUserPoolClient,omitempty"`
	CallbackURLs                    []string `json:"callbackURLs,omitempty"`
	LogoutURLs                      []string `json:"logoutURLs,omitempty"`
	// SupportedIdentityProviders: only "COGNITO" (the pool's own users).
	SupportedIdentityProviders []string `json:"supportedIdentityProviders,omitempty"`
}

func (o OAuthClient) apply(c *store.Client) {
	c.OAuthFlows, c.OAuthScopes, c.OAuthFlowsUserPoolClient = o.AllowedOAuthFlows, o.AllowedOAuthScopes, o.AllowedOAuthFlowsUserPoolClient
	c.CallbackURLs, c.LogoutURLs, c.SupportedIdentityProviders = o.CallbackURLs, o.LogoutURLs, o.SupportedIdentityProviders
}

// ClientOAuth returns the OAuth settings of a stored client.
func ClientOAuth(c *store.Client) OAuthClient {
	return OAuthClient{
		AllowedOAuthFlows: c.OAuthFlows, AllowedOAuthScopes: c.OAuthScopes,
		AllowedOAuthFlowsUserPoolClient: c.OAuthFlowsUserPoolClient,
		CallbackURLs:                    c.CallbackURLs, LogoutURLs: c.LogoutURLs,
		SupportedIdentityProviders: c.SupportedIdentityProviders,
	}
}

// StandardScopes are the scopes every pool knows.
var StandardScopes = []string{"openid", "email", "phone", "profile", ScopeUserAdmin}

// checkOAuthFlows applies CreateUserPoolClient's rules on the OAuth
// settings that need no stored record.
func checkOAuthFlows(o OAuthClient, hasSecret bool) *Error {
	for _, f := range o.AllowedOAuthFlows {
		if f != "code" && f != "implicit" && f != "client_credentials" {
			return errParam("1 validation error detected: Value '[%s]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [implicit, client_credentials, code]]", f)
		}
	}
	cc := slices.Contains(o.AllowedOAuthFlows, "client_credentials")
	if cc && (slices.Contains(o.AllowedOAuthFlows, "code") || slices.Contains(o.AllowedOAuthFlows, "implicit")) {
		return apiErr("InvalidOAuthFlowException", "client_credentials flow can not be selected along with code flow or implicit flow.")
	}
	if cc && !hasSecret {
		return apiErr("InvalidOAuthFlowException", "client_credentials flow can not be selected if client does not have a client secret.")
	}
	if o.AllowedOAuthFlowsUserPoolClient && (len(o.AllowedOAuthFlows) == 0 || len(o.AllowedOAuthScopes) == 0) {
		return errParam("AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.")
	}
	if cc {
		for _, sc := range o.AllowedOAuthScopes {
			if slices.Contains(StandardScopes, sc) {
				return apiErr("InvalidOAuthFlowException", "%s scope can not be used with client_credentials flow.", sc)
			}
		}
	}
	for _, lists := range [][]string{o.CallbackURLs, o.LogoutURLs} {
		for _, u := range lists {
			if err := checkRedirectURL(u); err != nil {
				return err
			}
		}
	}
	if (slices.Contains(o.AllowedOAuthFlows, "code") || slices.Contains(o.AllowedOAuthFlows, "implicit")) && o.AllowedOAuthFlowsUserPoolClient && len(o.CallbackURLs) == 0 {
		return apiErr("InvalidOAuthFlowException", "CallbackURLs are required if user pool client is allowed to use code or implicit flows.")
	}
	for _, p := range o.SupportedIdentityProviders {
		if p != "COGNITO" {
			return errParam("The provider %s does not exist for User Pool", p)
		}
	}
	return nil
}

// checkRedirectURL: an absolute URL without fragment; http only for a
// loopback host, as Cognito allows it.
func checkRedirectURL(raw string) *Error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || len(raw) > 1024 || u.Fragment != "" {
		return errParam("Invalid redirect URL %q: it must be an absolute URL without a fragment.", raw)
	}
	if u.Scheme == "http" {
		h := u.Hostname()
		if h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return errParam("Invalid redirect URL %q: http is only allowed for localhost; use https.", raw)
		}
	}
	return nil
}

// checkOAuthScopes refuses a scope that is neither standard nor one of a
// resource server of the pool (ScopeDoesNotExistException).
func checkOAuthScopes(tx store.Tx, poolID string, scopes []string) error {
	for _, sc := range scopes {
		if slices.Contains(StandardScopes, sc) {
			continue
		}
		ok, err := customScopeExists(tx, poolID, sc)
		if err != nil {
			return err
		}
		if !ok {
			return apiErr("ScopeDoesNotExistException", "Invalid scope requested: %s", sc)
		}
	}
	return nil
}

func customScopeExists(tx store.Tx, poolID, scope string) (bool, error) {
	i := strings.LastIndexByte(scope, '/')
	if i <= 0 {
		return false, nil
	}
	rs, err := store.GetResourceServer(tx, poolID, scope[:i])
	if err != nil || rs == nil {
		return false, err
	}
	return slices.ContainsFunc(rs.Scopes, func(x store.Scope) bool { return x.ScopeName == scope[i+1:] }), nil
}

var domainPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)

func checkDomain(d string) *Error {
	if !domainPattern.MatchString(d) {
		return errParam("1 validation error detected: Value '%s' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$", d)
	}
	return nil
}

// CreateDomain gives a pool its domain prefix (CreateUserPoolDomain). A
// pool has at most one, and a domain belongs to one pool.
func (s *Service) CreateDomain(poolID, domain string) (*store.Domain, *Error) {
	if err := checkDomain(domain); err != nil {
		return nil, err
	}
	d := &store.Domain{Domain: domain, PoolID: poolID, CreatedAt: s.now()}
	err := s.update(func(tx store.Tx) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(poolID)
		}
		old, err := store.GetDomain(tx, domain)
		if err != nil {
			return err
		}
		if old != nil {
			return errParam("Domain already associated with another user pool.")
		}
		if has, err := poolDomain(tx, poolID); err != nil || has != "" {
			if err != nil {
				return err
			}
			return errParam("User pool already has a domain configured.")
		}
		return store.PutDomain(tx, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func poolDomain(tx store.Tx, poolID string) (string, error) {
	found := ""
	err := store.Domains(tx, func(d *store.Domain) error {
		if d.PoolID == poolID {
			found = d.Domain
		}
		return nil
	})
	return found, err
}

// Domain returns a domain, or nil when there is none (DescribeUserPoolDomain
// then answers an empty description, as Cognito does).
func (s *Service) Domain(domain string) (*store.Domain, *Error) {
	if err := checkDomain(domain); err != nil {
		return nil, err
	}
	var d *store.Domain
	err := s.view(func(tx store.Tx) error {
		var err error
		d, err = store.GetDomain(tx, domain)
		return err
	})
	return d, err
}

// DeleteDomain removes a pool's domain (DeleteUserPoolDomain).
func (s *Service) DeleteDomain(poolID, domain string) *Error {
	if err := checkDomain(domain); err != nil {
		return err
	}
	return s.update(func(tx store.Tx) error {
		d, err := store.GetDomain(tx, domain)
		if err != nil {
			return err
		}
		if d == nil || d.PoolID != poolID {
			return errParam("No such domain or user pool exists.")
		}
		return store.DeleteDomain(tx, domain)
	})
}

var (
	rsIdentifierPattern = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,256}$`)
	rsNamePattern       = regexp.MustCompile(`^[\w\s+=,.@-]{1,256}$`)
	rsScopePattern      = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$`)
)

// CreateResourceServer adds a resource server with its scopes to a pool.
// Patterns and limits are those of botocore's model.
func (s *Service) CreateResourceServer(rs store.ResourceServer) (*store.ResourceServer, *Error) {
	switch {
	case !rsIdentifierPattern.MatchString(rs.Identifier):
		return nil, errParam("1 validation error detected: Value '%s' at 'identifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x5B\\x5D-\\x7E]+", rs.Identifier)
	case !rsNamePattern.MatchString(rs.Name):
		return nil, errParam("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", rs.Name)
	case len(rs.Scopes) > 100:
		return nil, errParam("1 validation error detected: Value at 'scopes' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	seen := map[string]bool{}
	for _, sc := range rs.Scopes {
		switch {
		case !rsScopePattern.MatchString(sc.ScopeName):
			return nil, errParam("1 validation error detected: Value '%s' at 'scopes.member.scopeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+", sc.ScopeName)
		case sc.ScopeDescription == "" || len(sc.ScopeDescription) > 256:
			return nil, errParam("1 validation error detected: Value '%s' at 'scopes.member.scopeDescription' failed to satisfy constraint: Member must have length between 1 and 256", sc.ScopeDescription)
		case seen[sc.ScopeName]:
			return nil, errParam("Duplicate scope name %s.", sc.ScopeName)
		}
		seen[sc.ScopeName] = true
	}
	out := rs
	err := s.update(func(tx store.Tx) error {
		p, err := store.GetPool(tx, rs.PoolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(rs.PoolID)
		}
		old, err := store.GetResourceServer(tx, rs.PoolID, rs.Identifier)
		if err != nil {
			return err
		}
		if old != nil {
			return errParam("%s already exists in user pool %s.", rs.Identifier, rs.PoolID)
		}
		return store.PutResourceServer(tx, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ResourceServer returns a resource server of a pool.
func (s *Service) ResourceServer(poolID, identifier string) (*store.ResourceServer, *Error) {
	var rs *store.ResourceServer
	err := s.view(func(tx store.Tx) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(poolID)
		}
		if rs, err = store.GetResourceServer(tx, poolID, identifier); err == nil && rs == nil {
			return errNotFound("Resource server %s does not exist.", identifier)
		}
		return err
	})
	return rs, err
}

// ListResourceServers returns up to max (1–50; 0 means 50) resource servers
// of a pool in identifier order after the one named by next, and the token
// of the next page ("" at the end).
func (s *Service) ListResourceServers(poolID string, max int, next string) ([]*store.ResourceServer, string, *Error) {
	if max == 0 {
		max = 50
	}
	if max < 1 || max > 50 {
		return nil, "", errParam("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", max)
	}
	var all []*store.ResourceServer
	err := s.view(func(tx store.Tx) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(poolID)
		}
		return store.ResourceServers(tx, poolID, func(rs *store.ResourceServer) error {
			if next == "" || rs.Identifier > next {
				all = append(all, rs)
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	slices.SortFunc(all, func(a, b *store.ResourceServer) int { return strings.Compare(a.Identifier, b.Identifier) })
	if len(all) > max {
		return all[:max], all[max-1].Identifier, nil
	}
	return all, "", nil
}

// PoolForDomain returns the pool of a domain prefix, or "".
func (s *Service) PoolForDomain(domain string) string {
	var d *store.Domain
	if s.view(func(tx store.Tx) error {
		var err error
		d, err = store.GetDomain(tx, domain)
		return err
	}) != nil || d == nil {
		return ""
	}
	return d.PoolID
}

// DomainOfPool returns a pool's domain prefix, or "" (DescribeUserPool's
// Domain). Domains are few, one a pool at most: they are scanned.
func (s *Service) DomainOfPool(poolID string) string {
	name := ""
	_ = s.view(func(tx store.Tx) error {
		return store.Domains(tx, func(d *store.Domain) error {
			if d.PoolID == poolID {
				name = d.Domain
			}
			return nil
		})
	})
	return name
}

// AuthenticateClient checks an app client's id and secret (RFC 6749,
// Section 2.3.1) in constant time; a client without a secret is
// authenticated by its id alone when secret is "". The refusal is
// NotAuthorizedException whatever was wrong.
func (s *Service) AuthenticateClient(poolID, clientID, secret string) (*store.Client, *Error) {
	cl, err := s.Client(clientID)
	if err != nil || cl.PoolID != poolID {
		return nil, apiErr("NotAuthorizedException", "Client authentication failed.")
	}
	if cl.Secret == "" && secret == "" {
		return cl, nil
	}
	if subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(secret)) != 1 || cl.Secret == "" {
		return nil, apiErr("NotAuthorizedException", "Client authentication failed.")
	}
	return cl, nil
}

// GrantableScopes returns the scopes of requested that the client may have
// and that exist in its pool; empty requested means all the client's
// allowed scopes. It refuses (ScopeDoesNotExistException) a scope the
// client is not allowed or the pool does not define.
func (s *Service) GrantableScopes(cl *store.Client, requested []string) ([]string, *Error) {
	if len(requested) == 0 {
		requested = cl.OAuthScopes
	}
	var out []string
	err := s.view(func(tx store.Tx) error {
		for _, sc := range requested {
			if !slices.Contains(cl.OAuthScopes, sc) {
				return apiErr("ScopeDoesNotExistException", "Invalid scope requested: %s", sc)
			}
			if err := checkOAuthScopes(tx, cl.PoolID, []string{sc}); err != nil {
				return err
			}
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
		return nil
	})
	return out, err
}

// ClientCredentials signs the access token of a client_credentials grant
// (RFC 6749, Section 4.4) for an authenticated client and granted scopes.
func (s *Service) ClientCredentials(endpoint string, cl *store.Client, scopes []string) (token string, expiresIn int64, err *Error) {
	ttl := cl.AccessTTL
	if ttl <= 0 {
		ttl = defaultAccessTokenTTL
	}
	if endpoint == "" {
		// The issuer is never guessed from a request (idp.Options.Endpoint).
		return "", 0, errInternal(errors.New("no issuer: the server has no endpoint (set Options.Endpoint or Options.IssuerFromHost, or call Start)"))
	}
	is, ierr := s.issuerFor(cl.PoolID)
	if ierr != nil {
		return "", 0, ierr
	}
	tok, e := is.MintClient(tokens.ClientGrant{
		Issuer: endpoint + "/" + cl.PoolID, ClientID: cl.ID, Scope: strings.Join(scopes, " "),
		Now: s.now(), TTL: ttl, JTI: s.newID(),
	})
	if e != nil {
		return "", 0, errInternal(e)
	}
	return tok, int64(ttl / time.Second), nil
}

// HostedAuth is the OAuth context of a sign-in at the hosted pages: the
// client (already checked by the OAuth layer), the issuer's endpoint, the
// granted scopes and the ID token's nonce.
type HostedAuth struct {
	ClientID string
	Endpoint string
	Scopes   []string
	Nonce    string
	// DeviceKey names the browser's remembered device: the sign-in then
	// asks DEVICE_SRP_AUTH, and MFA is skipped as for the API.
	DeviceKey string
	// IPAddress is the browser's address, for the sign-in history.
	IPAddress string
}

// decoySalt is the salt of the verifier computed for an unknown user.
var decoySalt = [16]byte{0x5a, 0x17}

// HostedSignIn starts a sign-in at the hosted pages with a user name (or
// alias) and password: the same password check, failure count and lockout
// as USER_PASSWORD_AUTH, without SECRET_HASH or the client's
// ExplicitAuthFlows (the OAuth layer authenticates the client). It
// answers tokens or the next challenge, which HostedRespond answers.
func (s *Service) HostedSignIn(in HostedAuth, username, password string) (*AuthResult, *Error) {
	cl, err := s.Client(in.ClientID)
	if err != nil {
		return nil, err
	}
	if username == "" || password == "" {
		return nil, errIncorrect()
	}
	var u *store.User
	if err := s.view(func(tx store.Tx) error {
		var err error
		if u, err = findUserIn(tx, cl.PoolID, username); err != nil || u == nil {
			return err
		}
		return s.admitUser(tx, cl, u)
	}); err != nil {
		return nil, err
	}
	if u == nil {
		// The page says the same for an unknown user as for a wrong
		// password (whatever the client's PreventUserExistenceErrors: a
		// page has no LEGACY callers); it spends the same verifier
		// computation too, so the answer's timing does not tell either
		// (outside the read transaction: an exponentiation).
		_, _ = srp.PasswordVerifierFromSalt(decoySalt[:], srpPoolName(cl.PoolID), username, password)
		return nil, errIncorrect()
	}
	sess := &session{
		poolID: cl.PoolID, clientID: cl.ID, username: u.Username, sub: u.Sub, flow: "USER_PASSWORD_AUTH",
		hosted: true, scopes: in.Scopes, nonce: in.Nonce, deviceKey: in.DeviceKey,
	}
	s.beginEvent(sess, in.IPAddress, proofPassword)
	return s.passwordAuth(in.Endpoint, sess, u, password)
}

// HostedRespond answers a challenge of a hosted sign-in (the session must
// be one HostedSignIn started); responses are RespondToAuthChallenge's
// ChallengeResponses. USERNAME defaults to the session's user.
func (s *Service) HostedRespond(in HostedAuth, challengeName, session string, responses map[string]string) (*AuthResult, *Error) {
	if responses["USERNAME"] == "" {
		sess := s.sessions.peek(session, s.now())
		if sess == nil || !sess.hosted {
			// Spent (its code attempts used up), expired or never hosted.
			return nil, errBadSession()
		}
		responses["USERNAME"] = sess.username
	}
	return s.respond(RespondInput{
		Challenge: challengeName, Responses: responses, ClientID: in.ClientID, Session: session, Endpoint: in.Endpoint,
	}, true)
}

// HostedSessionLive reports whether a hosted sign-in's session can still
// be answered: after a wrong code it is not once its attempts are spent
// (the page then asks for the password again).
func (s *Service) HostedSessionLive(session string) bool {
	sess := s.sessions.peek(session, s.now())
	return sess != nil && sess.hosted
}

// UserInfo returns the user of a valid, unrevoked access token (the
// /oauth2/userInfo endpoint) with the attributes the token's client may
// read, as its ID tokens carry them (ReadAttributes; never dev:
// attributes); sub always. scopes are the token's, for the endpoint's
// own rule (openid).
func (s *Service) UserInfo(accessToken string) (u *store.User, scopes []string, err *Error) {
	c, err := s.verifyAccessToken(accessToken)
	if err != nil {
		return nil, nil, err
	}
	if err := s.view(func(tx store.Tx) error {
		var err error
		u, err = accessUser(tx, c)
		return err
	}); err != nil {
		return nil, nil, err
	}
	cl, err := s.Client(c.String("client_id"))
	if err != nil {
		return nil, nil, apiErr("NotAuthorizedException", msgBadAccessToken)
	}
	out := *u
	out.Attrs = readable(cl, u.Attrs)
	out.Attrs["sub"] = u.Sub
	return &out, strings.Fields(c.String("scope")), nil
}

// HostedRefresh is the refresh_token grant of the token endpoint: new ID
// and access tokens, with the scopes of the sign-in, for a live refresh
// token of an authenticated client (no SECRET_HASH: the OAuth layer
// authenticated the client).
func (s *Service) HostedRefresh(endpoint string, cl *store.Client, token string) (*TokenSet, []string, *Error) {
	var o *store.Origin
	var u *store.User
	if err := s.view(func(tx store.Tx) error {
		var err error
		o, u, _, err = s.liveRefresh(tx, cl, token)
		return err
	}); err != nil {
		return nil, nil, err
	}
	ts, err := s.signTokens(endpoint, cl, u, o, "", SourceTokenRefresh, "", nil)
	if err != nil {
		return nil, nil, err
	}
	return ts, o.Scopes, nil
}

// HostedForgotPassword starts a password reset at the hosted pages:
// ForgotPassword's code, for a client the OAuth layer has authenticated
// (no SECRET_HASH). An unknown user, or one no code can go to (disabled,
// unconfirmed, or without a verified e-mail address or phone number:
// codes go only to verified addresses), gets the same answer and no
// message, so the page does not tell who has an account. ip is the
// browser's address, for the user's history.
func (s *Service) HostedForgotPassword(clientID, username, ip string) (*CodeDelivery, *Error) {
	cl, err := s.Client(clientID)
	if err != nil {
		return nil, err
	}
	var u *store.User
	if err := s.view(func(tx store.Tx) error {
		var err error
		u, err = findUserIn(tx, cl.PoolID, username)
		return err
	}); err != nil {
		return nil, err
	}
	if u == nil || !u.Enabled || u.Status == store.StatusUnconfirmed {
		return &CodeDelivery{AttributeName: "email", DeliveryMedium: "EMAIL"}, nil
	}
	if medium, _ := recoveryMedium(u); medium == "" {
		return &CodeDelivery{AttributeName: "email", DeliveryMedium: "EMAIL"}, nil
	}
	return s.sendResetCode(u, false, ip)
}

// HostedConfirmForgotPassword sets a new password with the code of
// HostedForgotPassword: ConfirmForgotPassword (the same code, limits,
// trigger and history) for a client the OAuth layer has authenticated,
// answering an unknown user as a wrong code.
func (s *Service) HostedConfirmForgotPassword(clientID, username, code, password, ip string) *Error {
	cl, err := s.Client(clientID)
	if err != nil {
		return err
	}
	var u *store.User
	if err := s.view(func(tx store.Tx) error {
		var err error
		u, err = findUserIn(tx, cl.PoolID, username)
		return err
	}); err != nil {
		return err
	}
	return s.confirmReset(cl, u, true, ConfirmForgotPasswordInput{
		ClientID: clientID, Username: username, Code: code, Password: password, IPAddress: ip,
	})
}

// RevokeRefreshToken revokes the sign-in of a refresh token the server
// itself handed out (idp/oauth, when an authorization code is presented a
// second time: RFC 6749, Section 4.1.2). It is not an API operation and
// checks no client.
func (s *Service) RevokeRefreshToken(token string) *Error {
	return s.update(func(tx store.Tx) error {
		o, err := s.refreshOrigin(tx, token)
		if err != nil || o == nil {
			return err
		}
		o.Revoked = true
		return store.PutOrigin(tx, o)
	})
}
