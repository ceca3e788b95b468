package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
)

// Use is the kind of token a pool accepts, as its token_use claim says.
type Use string

// The token uses. A Pool must name one: there is no default.
const (
	IDToken     Use = "id"     // an ID token: the client is its aud
	AccessToken Use = "access" // an access token: the client is its client_id
	EitherToken Use = "either" // an ID or an access token
)

// Pool is one issuer of tokens the Verifier accepts, and what it requires
// of them.
type Pool struct {
	// ID is the user pool id, REGION_SUFFIX (us-east-1_AbCdEf123). The
	// issuer is then https://cognito-idp.REGION.amazonaws.com/ID and the
	// JWKS is at the issuer's /.well-known/jwks.json (docs/protocol.md §9).
	ID string
	// Issuer, when set, is the iss to expect instead of the one ID names:
	// caldera serve's is http://HOST:PORT/POOL_ID. One of ID and Issuer is
	// required.
	Issuer string
	// JWKSURL is where the key set is fetched (default Issuer +
	// "/.well-known/jwks.json").
	JWKSURL string
	// JWKS, when set, is the key set itself (a JWKS JSON document): the
	// Verifier then works offline and never fetches it.
	JWKS []byte
	// AnyIssuer accepts a token whatever its iss, when no other pool names
	// that iss: for an issuer that checks iss itself (caldera's idp, whose
	// issuer follows the endpoint a client used). The key set alone then
	// decides, so AnyIssuer requires JWKS (never fetched) and leaves ID,
	// Issuer and JWKSURL empty. At most one pool may set it.
	AnyIssuer bool

	// Use is the token_use accepted. Required.
	Use Use
	// ClientIDs are the app clients accepted: the ID token's aud or the
	// access token's client_id must be one of them. Required unless
	// AnyClient is set.
	ClientIDs []string
	// AnyClient accepts a token of any app client of the pool.
	AnyClient bool
	// Groups, when not empty, requires cognito:groups to hold at least one
	// of them (as aws-jwt-verify's groups). Use Config.Check for "all of".
	Groups []string
	// Scopes, when not empty, requires the space-separated scope claim to
	// hold at least one of them (as aws-jwt-verify's scope).
	Scopes []string
}

// Config configures a Verifier. Only Pools is required.
type Config struct {
	// Pools are the issuers accepted; a token is checked against the one
	// its iss names. Two pools may not share an issuer.
	Pools []Pool
	// Leeway is the clock skew allowed on exp, nbf and iat (default 0;
	// at most MaxLeeway).
	Leeway time.Duration
	// Now is the clock (default time.Now). It also times JWKS refetches.
	Now func() time.Time
	// HTTPClient fetches key sets (default: a new http.Client on
	// http.DefaultTransport).
	HTTPClient *http.Client
	// FetchTimeout bounds one key-set fetch (default 5 s).
	FetchTimeout time.Duration
	// MaxJWKSBytes bounds a key-set response (default 64 KiB).
	MaxJWKSBytes int64
	// RefetchInterval is the least time between two fetches of one
	// issuer's key set (default 10 s): a flood of tokens with made-up kids
	// costs the issuer at most one request per interval.
	RefetchInterval time.Duration
	// MaxTokenBytes bounds the token (default 16 KiB, more than a Cognito
	// ID token with many attributes and groups).
	MaxTokenBytes int
	// Check, when set, runs last on claims that passed every other check;
	// its error is returned wrapped with ErrCheck.
	Check func(ctx context.Context, c *Claims) error
}

// MaxLeeway is the largest Config.Leeway NewVerifier accepts.
const MaxLeeway = 5 * time.Minute

const (
	defaultFetchTimeout    = 5 * time.Second
	defaultMaxJWKSBytes    = 64 << 10
	defaultRefetchInterval = 10 * time.Second
	defaultMaxTokenBytes   = 16 << 10
)

// Verifier verifies Cognito JWTs. It is safe for concurrent use.
type Verifier struct {
	pools        map[string]*pool // by issuer
	anyIssuer    *pool            // the Pool with AnyIssuer, or nil
	leeway       time.Duration
	now          func() time.Time
	client       *http.Client
	fetchTimeout time.Duration
	maxJWKS      int64
	refetch      time.Duration
	maxToken     int
	check        func(context.Context, *Claims) error
}

type pool struct {
	Pool
	issuer  string
	clients map[string]bool
	keys    *keySet
}

// poolIDPattern is Cognito's UserPoolIdType pattern, with the region part
// named (botocore cognito-idp 2016-04-18 service-2.json).
var poolIDPattern = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-[0-9]+)_[0-9a-zA-Z]+$`)

// CognitoIssuer returns the issuer of the tokens of user pool poolID:
// https://cognito-idp.REGION.amazonaws.com/POOL_ID (.amazonaws.com.cn for
// the "cn-" regions, whose endpoints are there).
func CognitoIssuer(poolID string) (string, error) {
	m := poolIDPattern.FindStringSubmatch(poolID)
	if m == nil {
		return "", fmt.Errorf("token: %s is not a user pool id (REGION_ID)", clip(poolID))
	}
	domain := ".amazonaws.com/"
	if strings.HasPrefix(m[1], "cn-") {
		domain = ".amazonaws.com.cn/"
	}
	return "https://cognito-idp." + m[1] + domain + poolID, nil
}

// NewVerifier checks cfg and returns a Verifier. Offline key sets
// (Pool.JWKS) are parsed now; the others are fetched when first needed.
func NewVerifier(cfg Config) (*Verifier, error) {
	v := &Verifier{
		pools: map[string]*pool{}, leeway: cfg.Leeway, now: cfg.Now, client: cfg.HTTPClient,
		fetchTimeout: cfg.FetchTimeout, maxJWKS: cfg.MaxJWKSBytes, refetch: cfg.RefetchInterval,
		maxToken: cfg.MaxTokenBytes, check: cfg.Check,
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.client == nil {
		v.client = &http.Client{}
	}
	if v.fetchTimeout <= 0 {
		v.fetchTimeout = defaultFetchTimeout
	}
	if v.maxJWKS <= 0 {
		v.maxJWKS = defaultMaxJWKSBytes
	}
	if v.refetch <= 0 {
		v.refetch = defaultRefetchInterval
	}
	if v.maxToken <= 0 {
		v.maxToken = defaultMaxTokenBytes
	}
	if v.leeway < 0 || v.leeway > MaxLeeway {
		return nil, fmt.Errorf("token: Leeway %v is not within [0, %v]", v.leeway, MaxLeeway)
	}
	if len(cfg.Pools) == 0 {
		return nil, errors.New("token: no pool configured")
	}
	for i, p := range cfg.Pools {
		pp := &pool{Pool: p, issuer: p.Issuer, clients: map[string]bool{}}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("token: Pools[%d]: "+format, append([]any{i}, args...)...)
		}
		if p.AnyIssuer {
			switch {
			case p.ID != "" || p.Issuer != "" || p.JWKSURL != "":
				return nil, bad("AnyIssuer leaves ID, Issuer and JWKSURL empty")
			case p.JWKS == nil:
				return nil, bad("AnyIssuer requires JWKS, an offline key set")
			case v.anyIssuer != nil:
				return nil, bad("AnyIssuer is set on two pools")
			}
		} else if pp.issuer == "" {
			if p.ID == "" {
				return nil, bad("ID or Issuer is required")
			}
			iss, err := CognitoIssuer(p.ID)
			if err != nil {
				return nil, bad("%v", err)
			}
			pp.issuer = iss
		}
		if v.pools[pp.issuer] != nil {
			return nil, bad("issuer %s is configured twice", pp.issuer)
		}
		switch p.Use {
		case IDToken, AccessToken, EitherToken:
		default:
			return nil, bad("Use %q is not IDToken, AccessToken or EitherToken", p.Use)
		}
		if len(p.ClientIDs) == 0 && !p.AnyClient {
			return nil, bad("ClientIDs is empty: name the app clients, or set AnyClient")
		}
		for _, c := range p.ClientIDs {
			pp.clients[c] = true
		}
		pp.keys = &keySet{v: v}
		if p.JWKS != nil {
			keys, err := parseKeySet(p.JWKS)
			if err != nil {
				return nil, bad("%v", err)
			}
			pp.keys.keys = keys
		} else {
			pp.keys.url = p.JWKSURL
			if pp.keys.url == "" {
				pp.keys.url = strings.TrimSuffix(pp.issuer, "/") + "/.well-known/jwks.json"
			}
		}
		if p.AnyIssuer {
			v.anyIssuer = pp
		} else {
			v.pools[pp.issuer] = pp
		}
	}
	return v, nil
}

// Claims are the verified claims of a token.
type Claims struct {
	Issuer  string
	Subject string
	Use     Use // IDToken or AccessToken
	// ClientID is the app client: the ID token's aud, the access token's
	// client_id.
	ClientID string
	// Username is cognito:username (ID tokens) or username (access
	// tokens).
	Username  string
	Groups    []string // cognito:groups
	Scopes    []string // scope, split at spaces
	Expiry    time.Time
	IssuedAt  time.Time
	NotBefore time.Time // zero when absent
	AuthTime  time.Time // zero when absent
	// KeyID is the kid of the key that verified the signature.
	KeyID string
	// PoolID is the Pool.ID of the pool that issued the token ("" when the
	// pool was configured by Issuer alone).
	PoolID string
	// Raw holds every claim as decoded JSON; numbers are json.Number.
	Raw map[string]any
}

// String returns claim name if it is a string, else "".
func (c *Claims) String(name string) string {
	s, _ := c.Raw[name].(string)
	return s
}

// Verify checks token and returns its claims. In order: size and form
// (ErrMalformed); alg is RS256 (ErrAlgorithm, go-jose refuses the others
// while parsing); iss names a configured pool (ErrWrongIssuer); kid names a
// key of that pool's set (ErrUnknownKey, after at most one refetch) that is
// RSA and not for another alg (ErrAlgorithm); the signature (ErrSignature,
// RFC 7515 Section 5.2); then exp, nbf, iat (RFC 7519 Section 4.1),
// token_use, the client, groups, scopes and Config.Check.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	switch {
	case token == "":
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	case len(token) > v.maxToken:
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(token), v.maxToken)
	case strings.Count(token, ".") != 2:
		return nil, fmt.Errorf("%w: not three dot-separated parts", ErrMalformed)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		var alg *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &alg) {
			return nil, fmt.Errorf("%w: alg %s, want RS256", ErrAlgorithm, clip(string(alg.Got)))
		}
		return nil, fmt.Errorf("%w: not a JWS (bad base64url or header)", ErrMalformed)
	}
	hdr := jws.Signatures[0].Header
	raw, err := decodeClaims(jws.UnsafePayloadWithoutVerification())
	if err != nil {
		return nil, err
	}
	iss, ok := raw["iss"].(string)
	if !ok {
		return nil, fmt.Errorf("%w: iss", ErrMissingClaim)
	}
	p := v.pools[iss]
	if p == nil {
		p = v.anyIssuer
	}
	if p == nil {
		return nil, fmt.Errorf("%w: %s", ErrWrongIssuer, clip(iss))
	}
	if hdr.KeyID == "" {
		return nil, fmt.Errorf("%w: no kid in the header", ErrUnknownKey)
	}
	jwk, err := p.keys.key(ctx, hdr.KeyID)
	if err != nil {
		return nil, err
	}
	pub, err := rsaKey(jwk)
	if err != nil {
		return nil, err
	}
	if _, err := jws.Verify(pub); err != nil {
		return nil, fmt.Errorf("%w (key %s)", ErrSignature, clip(hdr.KeyID))
	}
	c := &Claims{Issuer: iss, KeyID: hdr.KeyID, PoolID: p.ID, Raw: raw}
	if err := v.checkClaims(p, c); err != nil {
		return nil, err
	}
	if v.check != nil {
		if err := v.check(ctx, c); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCheck, err)
		}
	}
	return c, nil
}

// decodeClaims decodes a JWT claims set (RFC 7519, Section 7.2 step 10): a
// JSON object, numbers kept as json.Number.
func decodeClaims(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, fmt.Errorf("%w: the payload is not a JSON object", ErrMalformed)
	}
	return m, nil
}

func (v *Verifier) checkClaims(p *pool, c *Claims) error {
	now := v.now()
	var err error
	if c.Expiry, err = numericDate(c.Raw, "exp", true); err != nil {
		return err
	}
	if c.IssuedAt, err = numericDate(c.Raw, "iat", true); err != nil {
		return err
	}
	if c.NotBefore, err = numericDate(c.Raw, "nbf", false); err != nil {
		return err
	}
	if c.AuthTime, err = numericDate(c.Raw, "auth_time", false); err != nil {
		return err
	}
	switch {
	case !now.Before(c.Expiry.Add(v.leeway)):
		return fmt.Errorf("%w: at %s", ErrExpired, c.Expiry.UTC().Format(time.RFC3339))
	case !c.NotBefore.IsZero() && now.Add(v.leeway).Before(c.NotBefore):
		return fmt.Errorf("%w: nbf is %s", ErrNotYetValid, c.NotBefore.UTC().Format(time.RFC3339))
	case now.Add(v.leeway).Before(c.IssuedAt):
		return fmt.Errorf("%w: issued in the future (iat %s)", ErrNotYetValid, c.IssuedAt.UTC().Format(time.RFC3339))
	}
	if c.Subject = c.String("sub"); c.Subject == "" {
		return fmt.Errorf("%w: sub", ErrMissingClaim)
	}
	use := c.String("token_use")
	switch {
	case use == "":
		return fmt.Errorf("%w: token_use", ErrMissingClaim)
	case use != string(IDToken) && use != string(AccessToken),
		p.Use != EitherToken && use != string(p.Use):
		return fmt.Errorf("%w: %s, want %s", ErrWrongTokenUse, clip(use), p.Use)
	}
	c.Use = Use(use)
	if c.Use == IDToken {
		c.ClientID, err = audience(c.Raw)
		c.Username = c.String("cognito:username")
	} else {
		c.ClientID = c.String("client_id")
		if c.ClientID == "" {
			err = fmt.Errorf("%w: client_id", ErrMissingClaim)
		}
		c.Username = c.String("username")
	}
	if err != nil {
		return err
	}
	if !p.AnyClient && !p.clients[c.ClientID] {
		return fmt.Errorf("%w: %s", ErrWrongClient, clip(c.ClientID))
	}
	if g, ok := c.Raw["cognito:groups"].([]any); ok {
		for _, e := range g {
			if s, ok := e.(string); ok {
				c.Groups = append(c.Groups, s)
			}
		}
	}
	c.Scopes = strings.Fields(c.String("scope"))
	if len(p.Groups) > 0 && !overlap(p.Groups, c.Groups) {
		return fmt.Errorf("%w: in none of %v", ErrMissingGroup, p.Groups)
	}
	if len(p.Scopes) > 0 && !overlap(p.Scopes, c.Scopes) {
		return fmt.Errorf("%w: none of %v", ErrMissingScope, p.Scopes)
	}
	return nil
}

// audience returns the ID token's aud: a string, or an array of one
// string (RFC 7519, Section 4.1.3; Cognito sends a string).
func audience(raw map[string]any) (string, error) {
	switch a := raw["aud"].(type) {
	case string:
		if a != "" {
			return a, nil
		}
	case []any:
		if len(a) == 1 {
			if s, ok := a[0].(string); ok && s != "" {
				return s, nil
			}
		}
		if len(a) > 1 {
			return "", fmt.Errorf("%w: aud names %d audiences", ErrWrongClient, len(a))
		}
	case nil:
	default:
		return "", fmt.Errorf("%w: aud is not a string", ErrMalformed)
	}
	return "", fmt.Errorf("%w: aud", ErrMissingClaim)
}

// numericDate reads a NumericDate claim (RFC 7519, Section 2): seconds
// since the epoch, possibly fractional.
func numericDate(raw map[string]any, name string, required bool) (time.Time, error) {
	v, ok := raw[name]
	if !ok {
		if required {
			return time.Time{}, fmt.Errorf("%w: %s", ErrMissingClaim, name)
		}
		return time.Time{}, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}, fmt.Errorf("%w: %s is not a NumericDate", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func overlap(want, have []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// clip quotes s for an error message, cut to 64 bytes: claim and header
// values are chosen by whoever made the token.
func clip(s string) string {
	if len(s) > 64 {
		cut := 64
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
