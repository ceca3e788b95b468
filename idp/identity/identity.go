// Package identity is the local server's Cognito identity-pool service
// (Amazon Cognito Identity, botocore's cognito-identity 2014-06-30 model):
// identity pools that trust user pools of the same server, identities, and
// the trade of a user pool's ID token for AWS credentials — generated,
// clearly fake ones (an access key id starting ASIACALDERAFAKE, a random
// secret, a session token that says it is local), which expire.
//
// GetId, GetCredentialsForIdentity and GetOpenIdToken are public (the model
// marks them "authtype": "none"; the ID token in Logins is the credential);
// the pool operations are IAM operations, whose SigV4 signature (service
// cognito-identity) the Handler has checked by the function it is given.
//
// Each login is checked as Cognito Identity checks it: the login key
// (provider name) must name a user pool the identity pool trusts, either as
// Cognito spells it, cognito-idp.REGION.amazonaws.com/POOL, or as the local
// issuer without its scheme, HOST:PORT/POOL; the token must be an ID token
// (token_use id) of that pool — RS256 under the pool's key, iss the pool's
// local issuer, aud one of the identity pool's app clients for that
// provider, unexpired — checked by package token's Verifier over the pool's
// key set, offline. Every refusal is NotAuthorizedException with a message
// beginning "Invalid login token." as Cognito Identity's.
//
// Imports within idp: store, userpool (its Error), internal/rnd.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
	"github.com/caldera-srp/caldera/token"
)

// DefaultCredentialsTTL is how long credentials stay valid when
// Config.CredentialsTTL is zero (as the identity pools' default role
// session, one hour).
const DefaultCredentialsTTL = time.Hour

// OpenIDTokenTTL is the lifetime of a GetOpenIdToken token (Cognito
// Identity's: ten minutes).
const OpenIDTokenTTL = 10 * time.Minute

// FakeAccessKeyPrefix starts every access key id the service hands out, so
// that nobody mistakes them for real AWS keys (AWS's temporary keys start
// ASIA).
const FakeAccessKeyPrefix = "ASIACALDERAFAKE"

// SessionTokenPrefix starts every session token the service hands out.
const SessionTokenPrefix = "caldera-local-fake-session-token:"

// Config configures a Service.
type Config struct {
	Store  store.Store
	Clock  func() time.Time // time.Now when nil
	Rand   io.Reader        // crypto/rand.Reader when nil
	Logger *slog.Logger
	// Region names new identity pools (userpool.DefaultRegion when empty).
	Region string
	// CredentialsTTL is the lifetime of the credentials handed out
	// (DefaultCredentialsTTL when zero).
	CredentialsTTL time.Duration
	// PoolKeys returns the JSON Web Key Set of a user pool of this server
	// (an error when there is no such pool). Required.
	PoolKeys func(userPoolID string) ([]byte, error)
	// SigningKey signs GetOpenIdToken's tokens; when nil a key is drawn on
	// first use and stored.
	SigningKey *rsa.PrivateKey
	// MaxIdentities caps the identities of one identity pool
	// (DefaultMaxIdentities when zero): GetId without a login creates one
	// each time, so anyone who reaches the port could otherwise grow the
	// store without end. Past the cap GetId answers
	// LimitExceededException.
	MaxIdentities int
}

// DefaultMaxIdentities is Config.MaxIdentities when zero.
const DefaultMaxIdentities = 100000

// Service answers the identity-pool operations. It is safe for concurrent
// use: every operation is one store transaction.
type Service struct {
	cfg Config

	signerMu sync.Mutex
	signer   *token.Signer
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.PoolKeys == nil {
		return nil, errors.New("idp/identity: Store and PoolKeys are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Region == "" {
		cfg.Region = userpool.DefaultRegion
	}
	if cfg.CredentialsTTL <= 0 {
		cfg.CredentialsTTL = DefaultCredentialsTTL
	}
	if cfg.MaxIdentities <= 0 {
		cfg.MaxIdentities = DefaultMaxIdentities
	}
	return &Service{cfg: cfg}, nil
}

// Errors, as Cognito Identity words them where known.
const (
	msgUnsupportedProvider = "Token is not from a supported provider of this identity pool."
	msgUnauthDisabled      = "Unauthenticated access is not supported for this identity pool."
	msgLoginsDontMatch     = "Logins don't match. Please include at least one valid login for this identity or identity pool."
	msgBadLogin            = "Invalid login token. "
)

var (
	errParam = userpool.ErrParam
	asError  = userpool.AsError
)

func errNotAuthorized(msg string) *userpool.Error {
	return userpool.NewError("NotAuthorizedException", "%s", msg)
}

func errPoolNotFound(id string) *userpool.Error {
	return userpool.NewError("ResourceNotFoundException", "IdentityPool '%s' not found.", id)
}

func errIdentityNotFound(id string) *userpool.Error {
	return userpool.NewError("ResourceNotFoundException", "Identity '%s' not found.", id)
}

// Patterns of botocore's model (cognito-identity 2014-06-30 shapes).
var (
	idPattern           = regexp.MustCompile(`^[\w-]+:[0-9a-f-]+$`) // IdentityPoolId, IdentityId (max 55)
	poolNamePattern     = regexp.MustCompile(`^[\w\s+=,.@-]+$`)     // IdentityPoolName (max 128)
	providerNamePattern = regexp.MustCompile(`^[\w._:/-]+$`)        // CognitoIdentityProviderName (max 128)
	clientIDPattern     = regexp.MustCompile(`^[\w_]+$`)            // CognitoIdentityProviderClientId (max 128)
	userPoolIDPattern   = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-[0-9]+)_[0-9a-zA-Z]+$`)
)

func checkID(field, v string) *userpool.Error {
	if len(v) < 1 || len(v) > 55 || !idPattern.MatchString(v) {
		return errParam("1 validation error detected: Value '%.64s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+", v, field)
	}
	return nil
}

// PoolConfig describes an identity pool (CreateIdentityPoolInput).
type PoolConfig struct {
	Name                           string                   `json:"IdentityPoolName"`
	AllowUnauthenticatedIdentities bool                     `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               bool                     `json:"AllowClassicFlow,omitempty"`
	Providers                      []store.IdentityProvider `json:"CognitoIdentityProviders,omitempty"`
	SupportedLoginProviders        map[string]string        `json:"SupportedLoginProviders,omitempty"`
	DeveloperProviderName          string                   `json:"DeveloperProviderName,omitempty"`
	OpenIDConnectProviderARNs      []string                 `json:"OpenIdConnectProviderARNs,omitempty"`
	SAMLProviderARNs               []string                 `json:"SamlProviderARNs,omitempty"`
	Tags                           map[string]string        `json:"IdentityPoolTags,omitempty"`
	// ID, when set, is the pool's id instead of a generated one (seed
	// files, tests): REGION:GUID.
	ID string `json:"IdentityPoolId,omitempty"`
}

// newID draws REGION:GUID, the form of identity pool and identity ids.
func (s *Service) newID(region string) (string, error) {
	b, err := rnd.Bytes(s.cfg.Rand, 16)
	if err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%s:%x-%x-%x-%x-%x", region, b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// CreateIdentityPool creates an identity pool.
func (s *Service) CreateIdentityPool(cfg PoolConfig) (*store.IdentityPool, *userpool.Error) {
	if err := checkPoolConfig(cfg); err != nil {
		return nil, err
	}
	id := cfg.ID
	if id != "" {
		if err := checkID("identityPoolId", id); err != nil {
			return nil, err
		}
	} else {
		var err error
		if id, err = s.newID(s.cfg.Region); err != nil {
			return nil, asError(err)
		}
	}
	p := &store.IdentityPool{
		ID: id, Name: cfg.Name, AllowUnauthenticatedIdentities: cfg.AllowUnauthenticatedIdentities,
		AllowClassicFlow: cfg.AllowClassicFlow, Providers: slices.Clone(cfg.Providers),
		SupportedLoginProviders: cfg.SupportedLoginProviders, DeveloperProviderName: cfg.DeveloperProviderName,
		OpenIDConnectProviderARNs: cfg.OpenIDConnectProviderARNs, SAMLProviderARNs: cfg.SAMLProviderARNs,
		Tags: cfg.Tags, CreatedAt: s.cfg.Clock().UTC(),
	}
	err := s.cfg.Store.Update(func(tx store.Tx) error {
		old, err := store.GetIdentityPool(tx, id)
		if err != nil {
			return err
		}
		if old != nil {
			return userpool.NewError("ResourceConflictException", "IdentityPool '%s' already exists.", id)
		}
		return store.PutIdentityPool(tx, p)
	})
	if err != nil {
		return nil, asError(err)
	}
	return p, nil
}

// checkPoolConfig checks the settings CreateIdentityPool and
// UpdateIdentityPool share: the name's pattern and the providers' names
// and client ids.
func checkPoolConfig(cfg PoolConfig) *userpool.Error {
	if len(cfg.Name) < 1 || len(cfg.Name) > 128 || !poolNamePattern.MatchString(cfg.Name) {
		return errParam("1 validation error detected: Value '%.64s' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", cfg.Name)
	}
	for _, p := range cfg.Providers {
		if len(p.ProviderName) < 1 || len(p.ProviderName) > 128 || !providerNamePattern.MatchString(p.ProviderName) {
			return errParam("Invalid Cognito Identity Provider name: %.128s", p.ProviderName)
		}
		if p.ClientID != "" && (len(p.ClientID) > 128 || !clientIDPattern.MatchString(p.ClientID)) {
			return errParam("Invalid Cognito Identity Provider client id: %.128s", p.ClientID)
		}
		if userPoolOf(p.ProviderName, "") == "" && !strings.Contains(p.ProviderName, "/") {
			return errParam("Invalid Cognito Identity Provider name: %.128s", p.ProviderName)
		}
	}
	return nil
}

// UpdateIdentityPool replaces an identity pool's settings with cfg (cfg.ID
// names it), as Cognito's UpdateIdentityPool: settings left out are
// cleared; the id, creation time, identities and roles stay.
func (s *Service) UpdateIdentityPool(cfg PoolConfig) (*store.IdentityPool, *userpool.Error) {
	if err := checkID("identityPoolId", cfg.ID); err != nil {
		return nil, err
	}
	if err := checkPoolConfig(cfg); err != nil {
		return nil, err
	}
	var p *store.IdentityPool
	if err := s.editPool(cfg.ID, func(old *store.IdentityPool) {
		p = &store.IdentityPool{
			ID: old.ID, Name: cfg.Name, AllowUnauthenticatedIdentities: cfg.AllowUnauthenticatedIdentities,
			AllowClassicFlow: cfg.AllowClassicFlow, Providers: slices.Clone(cfg.Providers),
			SupportedLoginProviders: cfg.SupportedLoginProviders, DeveloperProviderName: cfg.DeveloperProviderName,
			OpenIDConnectProviderARNs: cfg.OpenIDConnectProviderARNs, SAMLProviderARNs: cfg.SAMLProviderARNs,
			Tags: cfg.Tags, CreatedAt: old.CreatedAt, Identities: old.Identities,
			Roles: old.Roles, RoleMappings: old.RoleMappings,
		}
		*old = *p
	}); err != nil {
		return nil, err
	}
	return p, nil
}

// editPool changes a stored identity pool in one transaction.
func (s *Service) editPool(id string, fn func(*store.IdentityPool)) *userpool.Error {
	err := s.cfg.Store.Update(func(tx store.Tx) error {
		p, err := store.GetIdentityPool(tx, id)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(id)
		}
		fn(p)
		return store.PutIdentityPool(tx, p)
	})
	return asError(err)
}

// roleTypes are the keys of SetIdentityPoolRoles's Roles (botocore's
// RolesMap: at most 2).
var roleTypes = []string{"authenticated", "unauthenticated"}

// SetIdentityPoolRoles sets the role ARNs of an identity pool's
// authenticated and unauthenticated identities and its role mappings
// (botocore's SetIdentityPoolRolesInput: Roles keyed by role type, ARNs of
// 20 to 2048 characters; at most 10 mappings, each with a Type). The local
// server keeps and returns them; its credentials are fake whatever the
// role.
func (s *Service) SetIdentityPoolRoles(id string, roles map[string]string, mappings map[string]json.RawMessage) *userpool.Error {
	if err := checkID("identityPoolId", id); err != nil {
		return err
	}
	if roles == nil {
		return errParam("1 validation error detected: Value null at 'roles' failed to satisfy constraint: Member must not be null")
	}
	for k, arn := range roles {
		if !slices.Contains(roleTypes, k) {
			return errParam("Invalid role type %.32q: expected authenticated or unauthenticated", k)
		}
		if len(arn) < 20 || len(arn) > 2048 || !strings.HasPrefix(arn, "arn:") {
			return errParam("Invalid role ARN for %s: %.64s", k, arn)
		}
	}
	if len(mappings) > 10 {
		return errParam("1 validation error detected: Value at 'roleMappings' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for provider, raw := range mappings {
		var m struct{ Type string }
		if err := json.Unmarshal(raw, &m); err != nil || (m.Type != "Token" && m.Type != "Rules") {
			return errParam("Invalid role mapping for %.128s: Type must be Token or Rules", provider)
		}
	}
	return s.editPool(id, func(p *store.IdentityPool) {
		p.Roles, p.RoleMappings = maps.Clone(roles), maps.Clone(mappings)
	})
}

// DescribeIdentityPool returns an identity pool.
func (s *Service) DescribeIdentityPool(id string) (*store.IdentityPool, *userpool.Error) {
	if err := checkID("identityPoolId", id); err != nil {
		return nil, err
	}
	var p *store.IdentityPool
	err := s.cfg.Store.View(func(tx store.Tx) error {
		var err error
		p, err = store.GetIdentityPool(tx, id)
		return err
	})
	if err != nil {
		return nil, asError(err)
	}
	if p == nil {
		return nil, errPoolNotFound(id)
	}
	return p, nil
}

// ListIdentityPools returns up to max pools (1 to 60) by id after the one
// next names, and the next token ("" at the end).
func (s *Service) ListIdentityPools(max int, next string) ([]*store.IdentityPool, string, *userpool.Error) {
	if max < 1 || max > 60 {
		return nil, "", errParam("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", max)
	}
	var out []*store.IdentityPool
	more := false
	err := s.cfg.Store.View(func(tx store.Tx) error {
		return store.IdentityPools(tx, func(p *store.IdentityPool) error {
			if next != "" && p.ID <= next {
				return nil
			}
			if len(out) == max {
				more = true
				return errStop
			}
			out = append(out, p)
			return nil
		})
	})
	if err != nil && err != errStop {
		return nil, "", asError(err)
	}
	if more {
		return out, out[len(out)-1].ID, nil
	}
	return out, "", nil
}

var errStop = errors.New("stop")

// DeleteIdentityPool deletes an identity pool and its identities.
func (s *Service) DeleteIdentityPool(id string) *userpool.Error {
	if err := checkID("identityPoolId", id); err != nil {
		return err
	}
	return asError(s.cfg.Store.Update(func(tx store.Tx) error {
		p, err := store.GetIdentityPool(tx, id)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(id)
		}
		return store.DeleteIdentityPool(tx, id)
	}))
}

// stripScheme is the issuer's spelling in a login key: without http(s)://.
func stripScheme(endpoint string) string {
	if _, rest, ok := strings.Cut(endpoint, "://"); ok {
		return strings.TrimRight(rest, "/")
	}
	return strings.TrimRight(endpoint, "/")
}

// userPoolOf returns the user pool a provider name (login key) names:
// cognito-idp.REGION.amazonaws.com[.cn]/POOL with POOL of REGION, or, when
// endpoint is not empty, the local issuer without scheme, HOST:PORT/POOL.
// It returns "" for any other name.
func userPoolOf(name, endpoint string) string {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return ""
	}
	prefix, pool := name[:i], name[i+1:]
	m := userPoolIDPattern.FindStringSubmatch(pool)
	if m == nil {
		return ""
	}
	if prefix == "cognito-idp."+m[1]+".amazonaws.com" || prefix == "cognito-idp."+m[1]+".amazonaws.com.cn" {
		return pool
	}
	if endpoint != "" && prefix == stripScheme(endpoint) {
		return pool
	}
	return ""
}

// login is one verified login: the user pool and the user's sub.
type login struct {
	provider, userPool, sub string
}

// verifyLogins checks every login of the map against the identity pool's
// providers (see the package documentation) and returns them verified.
// endpoint is the server's base URL, whose pool issuers the tokens carry.
func (s *Service) verifyLogins(p *store.IdentityPool, logins map[string]string, endpoint string) ([]login, *userpool.Error) {
	if len(logins) > 10 {
		return nil, errParam("1 validation error detected: Value at 'logins' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	var out []login
	for _, name := range slices.Sorted(maps.Keys(logins)) {
		tok := logins[name]
		up := userPoolOf(name, endpoint)
		var clients []string
		trusted := false
		for _, pr := range p.Providers {
			if up != "" && userPoolOf(pr.ProviderName, endpoint) == up {
				trusted = true
				if pr.ClientID != "" {
					clients = append(clients, pr.ClientID)
				}
			}
		}
		if !trusted {
			return nil, errNotAuthorized(msgUnsupportedProvider)
		}
		if endpoint == "" {
			// No issuer is known: the server mints no token, so none is
			// valid.
			return nil, errNotAuthorized(msgBadLogin + "Issuer doesn't match providerName")
		}
		if len(tok) < 1 || len(tok) > 50000 {
			return nil, errParam("1 validation error detected: Value at 'logins' failed to satisfy constraint: Map value must have length between 1 and 50000")
		}
		set, err := s.cfg.PoolKeys(up)
		if err != nil {
			return nil, errNotAuthorized(msgBadLogin + "Issuer doesn't match providerName")
		}
		v, err := token.NewVerifier(token.Config{
			Pools: []token.Pool{{Issuer: strings.TrimRight(endpoint, "/") + "/" + up, JWKS: set, Use: token.IDToken,
				ClientIDs: clients, AnyClient: len(clients) == 0}},
			Now: s.cfg.Clock,
		})
		if err != nil {
			return nil, asError(err)
		}
		c, err := v.Verify(context.Background(), tok)
		if err != nil {
			s.cfg.Logger.Info("idp/identity: login refused", "provider", name, "reason", err)
			return nil, errNotAuthorized(msgBadLogin + loginRefusal(err))
		}
		out = append(out, login{provider: name, userPool: up, sub: c.Subject})
	}
	return out, nil
}

// loginRefusal words a token refusal after "Invalid login token. ".
func loginRefusal(err error) string {
	switch {
	case errors.Is(err, token.ErrExpired):
		return "Token expired."
	case errors.Is(err, token.ErrWrongIssuer):
		return "Issuer doesn't match providerName"
	case errors.Is(err, token.ErrWrongClient):
		return "Incorrect token audience."
	case errors.Is(err, token.ErrWrongTokenUse):
		return "Not a valid OpenId Connect identity token."
	case errors.Is(err, token.ErrSignature), errors.Is(err, token.ErrUnknownKey), errors.Is(err, token.ErrAlgorithm):
		return "Couldn't verify signed token."
	}
	return "Not a valid OpenId Connect identity token."
}

func (s *Service) identityPool(tx store.Tx, id string) (*store.IdentityPool, error) {
	p, err := store.GetIdentityPool(tx, id)
	if err == nil && p == nil {
		err = errPoolNotFound(id)
	}
	return p, err
}

// GetID returns the identity of the logins in an identity pool, creating
// it on first use; with no login, a new unauthenticated identity when the
// pool allows them (GetId).
func (s *Service) GetID(poolID string, logins map[string]string, endpoint string) (string, *userpool.Error) {
	if err := checkID("identityPoolId", poolID); err != nil {
		return "", err
	}
	var p *store.IdentityPool
	if err := s.cfg.Store.View(func(tx store.Tx) (err error) { p, err = s.identityPool(tx, poolID); return err }); err != nil {
		return "", asError(err)
	}
	if len(logins) == 0 && !p.AllowUnauthenticatedIdentities {
		return "", errNotAuthorized(msgUnauthDisabled)
	}
	verified, verr := s.verifyLogins(p, logins, endpoint)
	if verr != nil {
		return "", verr
	}
	region, _, _ := strings.Cut(poolID, ":")
	newID, err := s.newID(region)
	if err != nil {
		return "", asError(err)
	}
	var id string
	err = s.cfg.Store.Update(func(tx store.Tx) error {
		p, err := s.identityPool(tx, poolID)
		if err != nil {
			return err
		}
		now := s.cfg.Clock().UTC()
		var ident *store.Identity
		for _, l := range verified {
			known, err := store.IdentityByLogin(tx, poolID, l.userPool, l.sub)
			if err != nil {
				return err
			}
			if known == "" {
				continue
			}
			if ident != nil && ident.ID != known {
				return userpool.NewError("ResourceConflictException", "The logins belong to different identities.")
			}
			if ident, err = store.GetIdentity(tx, known); err != nil {
				return err
			}
		}
		if ident == nil {
			if p.Identities >= s.cfg.MaxIdentities {
				return userpool.NewError("LimitExceededException", "Identity pool %s has reached its limit of %d identities.", poolID, s.cfg.MaxIdentities)
			}
			p.Identities++
			if err := store.PutIdentityPool(tx, p); err != nil {
				return err
			}
			ident = &store.Identity{ID: newID, PoolID: poolID, CreatedAt: now}
		}
		for _, l := range verified {
			if ident.Logins == nil {
				ident.Logins = map[string]string{}
			}
			ident.Logins[l.userPool] = l.sub
		}
		ident.LastModifiedAt = now
		id = ident.ID
		return store.PutIdentity(tx, ident)
	})
	if err != nil {
		return "", asError(err)
	}
	return id, nil
}

// authorize checks that the logins given (or their absence) entitle their
// bearer to an identity, and links a first login to an unauthenticated
// identity. It returns the identity and the verified logins.
func (s *Service) authorize(identityID string, logins map[string]string, endpoint string) (*store.Identity, []login, *userpool.Error) {
	if err := checkID("identityId", identityID); err != nil {
		return nil, nil, err
	}
	var ident *store.Identity
	var p *store.IdentityPool
	err := s.cfg.Store.View(func(tx store.Tx) error {
		var err error
		if ident, err = store.GetIdentity(tx, identityID); err != nil {
			return err
		}
		if ident == nil {
			return errIdentityNotFound(identityID)
		}
		p, err = s.identityPool(tx, ident.PoolID)
		return err
	})
	if err != nil {
		return nil, nil, asError(err)
	}
	if len(logins) == 0 {
		switch {
		case len(ident.Logins) > 0:
			return nil, nil, errNotAuthorized(msgLoginsDontMatch)
		case !p.AllowUnauthenticatedIdentities:
			return nil, nil, errNotAuthorized(msgUnauthDisabled)
		}
		return ident, nil, nil
	}
	verified, verr := s.verifyLogins(p, logins, endpoint)
	if verr != nil {
		return nil, nil, verr
	}
	err = s.cfg.Store.Update(func(tx store.Tx) error {
		cur, err := store.GetIdentity(tx, identityID)
		if err != nil {
			return err
		}
		if cur == nil {
			return errIdentityNotFound(identityID)
		}
		changed := false
		for _, l := range verified {
			owner, err := store.IdentityByLogin(tx, cur.PoolID, l.userPool, l.sub)
			if err != nil {
				return err
			}
			switch {
			case owner == cur.ID:
			case owner == "" && len(cur.Logins) == 0:
				// An unauthenticated identity signs in: the login is linked.
				if cur.Logins == nil {
					cur.Logins = map[string]string{}
				}
				cur.Logins[l.userPool] = l.sub
				changed = true
			default:
				return errNotAuthorized(msgLoginsDontMatch)
			}
		}
		ident = cur
		if !changed {
			return nil
		}
		cur.LastModifiedAt = s.cfg.Clock().UTC()
		return store.PutIdentity(tx, cur)
	})
	if err != nil {
		return nil, nil, asError(err)
	}
	return ident, verified, nil
}

// Credentials are temporary AWS credentials (botocore's Credentials
// shape); Expiration is rendered in epoch seconds.
type Credentials struct {
	AccessKeyID  string
	SecretKey    string
	SessionToken string
	Expiration   time.Time
}

// GetCredentialsForIdentity checks the logins against the identity and
// hands out fresh fake credentials that expire after Config.CredentialsTTL.
// customRoleARN is accepted (ARNString: 20 to 2048 characters) and has no
// effect: the credentials open nothing anyway.
func (s *Service) GetCredentialsForIdentity(identityID string, logins map[string]string, customRoleARN, endpoint string) (string, Credentials, *userpool.Error) {
	if customRoleARN != "" && (len(customRoleARN) < 20 || len(customRoleARN) > 2048) {
		return "", Credentials{}, errParam("1 validation error detected: Value at 'customRoleArn' failed to satisfy constraint: Member must have length between 20 and 2048")
	}
	ident, _, err := s.authorize(identityID, logins, endpoint)
	if err != nil {
		return "", Credentials{}, err
	}
	c, rerr := s.fakeCredentials()
	if rerr != nil {
		return "", Credentials{}, asError(rerr)
	}
	return ident.ID, c, nil
}

// fakeCredentials draws an access key id FakeAccessKeyPrefix + 5
// characters (20 in all, as AWS's), a 40-character secret and a session
// token that says what it is.
func (s *Service) fakeCredentials() (Credentials, error) {
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b, err := rnd.Bytes(s.cfg.Rand, 5+40+48)
	if err != nil {
		return Credentials{}, err
	}
	id := make([]byte, 5)
	for i := range id {
		id[i] = upper[b[i]&31]
	}
	sec := make([]byte, 40)
	for i := range sec {
		sec[i] = secretChars[b[5+i]&63]
	}
	return Credentials{
		AccessKeyID:  FakeAccessKeyPrefix + string(id),
		SecretKey:    string(sec),
		SessionToken: SessionTokenPrefix + base64.RawURLEncoding.EncodeToString(b[45:]),
		Expiration:   s.cfg.Clock().Add(s.cfg.CredentialsTTL).UTC().Truncate(time.Second),
	}, nil
}

// GetOpenIDToken checks the logins against the identity and returns an
// OpenID Connect token for it (GetOpenIdToken): RS256 under the service's
// key (JWKS at endpoint + JWKSPath), iss the endpoint, sub the identity
// id, aud the identity pool, amr "authenticated" and the provider names
// (or "unauthenticated"), valid for OpenIDTokenTTL.
func (s *Service) GetOpenIDToken(identityID string, logins map[string]string, endpoint string) (string, string, *userpool.Error) {
	ident, verified, err := s.authorize(identityID, logins, endpoint)
	if err != nil {
		return "", "", err
	}
	sg, serr := s.openIDSigner()
	if serr != nil {
		return "", "", asError(serr)
	}
	amr := []string{"unauthenticated"}
	if len(verified) > 0 {
		amr = []string{"authenticated"}
		for _, l := range verified {
			amr = append(amr, l.provider, l.provider+":"+l.sub)
		}
	}
	now := s.cfg.Clock()
	tok, terr := sg.Sign(map[string]any{
		"iss": strings.TrimRight(endpoint, "/"), "sub": ident.ID, "aud": ident.PoolID, "amr": amr,
		"https://cognito-identity.amazonaws.com/identity-pool-arn": ident.PoolID,
		"iat": now.Unix(), "exp": now.Add(OpenIDTokenTTL).Unix(),
	})
	if terr != nil {
		return "", "", asError(terr)
	}
	return ident.ID, tok, nil
}

// JWKSPath is where the server publishes the key set of GetOpenIdToken's
// tokens (Cognito Identity's is
// https://cognito-identity.amazonaws.com/.well-known/jwks_uri).
const JWKSPath = "/.well-known/jwks_uri"

// JWKS returns the key set that verifies GetOpenIdToken's tokens.
func (s *Service) JWKS() ([]byte, error) {
	sg, err := s.openIDSigner()
	if err != nil {
		return nil, err
	}
	return sg.JWKS(), nil
}

// openIDSigner returns the signer of GetOpenIdToken: Config.SigningKey,
// or the stored key, drawn and stored on first use.
func (s *Service) openIDSigner() (*token.Signer, error) {
	s.signerMu.Lock()
	defer s.signerMu.Unlock()
	if s.signer != nil {
		return s.signer, nil
	}
	key := s.cfg.SigningKey
	if key == nil {
		var der []byte
		if err := s.cfg.Store.View(func(tx store.Tx) (err error) { der, err = store.GetIdentityKey(tx); return err }); err != nil {
			return nil, err
		}
		if der == nil {
			k, err := rsa.GenerateKey(s.cfg.Rand, 2048)
			if err != nil {
				return nil, err
			}
			if der, err = x509.MarshalPKCS8PrivateKey(k); err != nil {
				return nil, err
			}
			if err := s.cfg.Store.Update(func(tx store.Tx) error {
				old, err := store.GetIdentityKey(tx)
				if err != nil || old != nil {
					der = old
					return err
				}
				return store.PutIdentityKey(tx, der)
			}); err != nil {
				return nil, err
			}
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		rk, ok := k.(*rsa.PrivateKey)
		if err != nil || !ok {
			return nil, fmt.Errorf("idp/identity: stored signing key: %v", err)
		}
		key = rk
	}
	sg, err := token.NewSigner(key, "cognito-identity-"+base64.RawURLEncoding.EncodeToString(key.N.Bytes()[:12]))
	if err != nil {
		return nil, err
	}
	s.signer = sg
	return sg, nil
}
