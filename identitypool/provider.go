// Package identitypool turns a Cognito user-pool sign-in into AWS
// credentials: an [aws.CredentialsProvider] for aws-sdk-go-v2 that trades the
// user's ID token for temporary credentials through a Cognito identity pool.
//
// It runs the identity pool's enhanced (simplified) authflow: GetId with the
// login map {provider name: ID token} gives the user's identity id (asked
// once and kept), then GetCredentialsForIdentity with the same login map
// gives an access key, secret key and session token for the pool's
// authenticated role, or for Config.CustomRoleARN when the pool's role
// mapping allows the user to choose (Amazon Cognito Identity API,
// botocore cognito-identity 2014-06-30: GetIdInput,
// GetCredentialsForIdentityInput). The provider name of a user pool is
// "cognito-idp.REGION.amazonaws.com/POOL_ID" ([LoginKey]); give
// Config.ProviderName for other issuers (an OIDC provider is named by its
// issuer without "https://").
//
// Credentials are kept until ExpiryWindow before they expire, and carry
// CanExpire and Expires, so an aws.CredentialsCache around the provider
// (the SDK's config adds one) refreshes them in time too. The ID token comes
// from an [IDTokenSource] at each fetch: a [flow.TokenSource] (through
// [FlowTokens]) refreshes it with the user's refresh token, so a long-lived
// process keeps getting credentials without asking the user again.
//
// The identity-pool operations GetId and GetCredentialsForIdentity are not
// signed: the ID token is the credential. The provider uses
// github.com/aws/aws-sdk-go-v2/service/cognitoidentity's client (or
// anything with its two methods, [API]).
package identitypool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/smithy-go"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/token"
)

// API is the part of *cognitoidentity.Client the provider calls.
type API interface {
	GetId(context.Context, *ci.GetIdInput, ...func(*ci.Options)) (*ci.GetIdOutput, error)
	GetCredentialsForIdentity(context.Context, *ci.GetCredentialsForIdentityInput, ...func(*ci.Options)) (*ci.GetCredentialsForIdentityOutput, error)
}

var _ API = (*ci.Client)(nil)

// IDTokenSource gives a current Cognito ID token (a JWT whose token_use is
// "id"), signing in or refreshing as it must.
type IDTokenSource interface {
	IDToken(ctx context.Context) (string, error)
}

// IDTokenFunc adapts a function to IDTokenSource.
type IDTokenFunc func(ctx context.Context) (string, error)

// IDToken calls f.
func (f IDTokenFunc) IDToken(ctx context.Context) (string, error) { return f(ctx) }

// FlowTokens adapts a flow.TokenSource: each call returns the ID token of
// its current token, refreshed (or signed in again) when the access token
// is about to expire. The TokenSource uses its own context, not ctx.
func FlowTokens(ts *flow.TokenSource) IDTokenSource {
	return IDTokenFunc(func(context.Context) (string, error) {
		t, err := ts.Token()
		if err != nil {
			return "", err
		}
		return t.IDToken, nil
	})
}

// DefaultExpiryWindow is how long before they expire credentials are
// fetched anew when Config.ExpiryWindow is zero.
const DefaultExpiryWindow = time.Minute

// Config configures a Provider.
type Config struct {
	// IdentityPoolID is the identity pool, "REGION:GUID". Required.
	IdentityPoolID string
	// UserPoolID is the user pool that issued the ID tokens,
	// "REGION_NAME"; the provider name is then LoginKey(UserPoolID).
	// Required unless ProviderName is set.
	UserPoolID string
	// ProviderName is the login key for issuers other than Cognito's
	// regional endpoints (a local server, an OIDC provider); it wins over
	// UserPoolID.
	ProviderName string
	// CustomRoleARN asks for this role instead of the pool's default
	// authenticated role (GetCredentialsForIdentity's CustomRoleArn), when
	// the pool's rules let the token choose it. Optional.
	CustomRoleARN string
	// AccountID is GetId's AccountId, optional (needed by pools in some
	// older setups only).
	AccountID string
	// IdentityID is an identity id kept from an earlier run, optional: it
	// saves the GetId call.
	IdentityID string
	// Client calls the identity-pool service: a *cognitoidentity.Client.
	// Required.
	Client API
	// Tokens gives the ID token. Required.
	Tokens IDTokenSource
	// ExpiryWindow is how long before they expire credentials are fetched
	// anew; DefaultExpiryWindow when zero.
	ExpiryWindow time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Errors of the provider. Service errors come wrapped unchanged: match them
// with errors.As and the cognitoidentity/types exceptions (for example
// *types.NotAuthorizedException for an expired or foreign ID token).
var (
	// ErrInvalidConfig means New refused its Config.
	ErrInvalidConfig = errors.New("identitypool: invalid config")
	// ErrNoIDToken means the IDTokenSource gave an empty token.
	ErrNoIDToken = errors.New("identitypool: the token source gave no ID token")
	// ErrMalformedResponse means the service answered without an identity
	// id or without complete credentials.
	ErrMalformedResponse = errors.New("identitypool: incomplete answer from the identity pool")
)

// LoginKey returns the login-map key of a Cognito user pool,
// "cognito-idp.REGION.amazonaws.com/POOL_ID" (".amazonaws.com.cn" for
// "cn-" regions), from its id "REGION_NAME".
func LoginKey(userPoolID string) (string, error) {
	// The token issuer without its scheme: one rule for both.
	iss, err := token.CognitoIssuer(userPoolID)
	if err != nil {
		return "", fmt.Errorf("%w: user pool id %.64q is not REGION_NAME", ErrInvalidConfig, userPoolID)
	}
	return strings.TrimPrefix(iss, "https://"), nil
}

func validRegion(r string) bool {
	if len(r) > 32 {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Provider is an aws.CredentialsProvider backed by an identity pool. It is
// safe for concurrent use: concurrent Retrieve calls share one fetch.
type Provider struct {
	cfg      Config
	provider string
	window   time.Duration
	now      func() time.Time

	mu         sync.Mutex
	identityID string
	creds      aws.Credentials
}

var _ aws.CredentialsProvider = (*Provider)(nil)

// New validates cfg and returns a Provider.
func New(cfg Config) (*Provider, error) {
	bad := func(why string) (*Provider, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidConfig, why)
	}
	region, guid, ok := strings.Cut(cfg.IdentityPoolID, ":")
	switch {
	case !ok || region == "" || guid == "" || !validRegion(region) || len(cfg.IdentityPoolID) > 55:
		return bad("IdentityPoolID is not REGION:GUID")
	case cfg.Client == nil:
		return bad("Client is nil")
	case cfg.Tokens == nil:
		return bad("Tokens is nil")
	case cfg.ExpiryWindow < 0:
		return bad("ExpiryWindow is negative")
	}
	p := &Provider{cfg: cfg, provider: cfg.ProviderName, window: cfg.ExpiryWindow, now: cfg.Now, identityID: cfg.IdentityID}
	if p.provider == "" {
		if cfg.UserPoolID == "" {
			return bad("give UserPoolID or ProviderName")
		}
		var err error
		if p.provider, err = LoginKey(cfg.UserPoolID); err != nil {
			return nil, err
		}
	}
	if p.window == 0 {
		p.window = DefaultExpiryWindow
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// ProviderName returns the login-map key the provider sends.
func (p *Provider) ProviderName() string { return p.provider }

// IdentityID returns the user's identity id once known (after the first
// Retrieve, or from Config.IdentityID), for the caller to keep.
func (p *Provider) IdentityID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.identityID
}

// Retrieve implements aws.CredentialsProvider: the kept credentials while
// they are valid for longer than the expiry window, else new ones. An
// identity id the pool no longer knows (ResourceNotFoundException) is
// dropped and GetId asked again, once.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.creds.HasKeys() && p.now().Add(p.window).Before(p.creds.Expires) {
		return p.creds, nil
	}
	tok, err := p.cfg.Tokens.IDToken(ctx)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("identitypool: ID token: %w", err)
	}
	if tok == "" {
		return aws.Credentials{}, ErrNoIDToken
	}
	logins := map[string]string{p.provider: tok}
	for attempt := 0; ; attempt++ {
		if p.identityID == "" {
			if p.identityID, err = p.getID(ctx, logins); err != nil {
				return aws.Credentials{}, err
			}
		}
		c, err := p.credentials(ctx, logins)
		var ae smithy.APIError
		if err != nil && attempt == 0 && p.cfg.IdentityID != "" && errors.As(err, &ae) && ae.ErrorCode() == "ResourceNotFoundException" {
			p.identityID, p.cfg.IdentityID = "", ""
			continue
		}
		if err != nil {
			return aws.Credentials{}, err
		}
		p.creds = c
		return c, nil
	}
}

func (p *Provider) getID(ctx context.Context, logins map[string]string) (string, error) {
	in := &ci.GetIdInput{IdentityPoolId: aws.String(p.cfg.IdentityPoolID), Logins: logins}
	if p.cfg.AccountID != "" {
		in.AccountId = aws.String(p.cfg.AccountID)
	}
	out, err := p.cfg.Client.GetId(ctx, in)
	if err != nil {
		return "", fmt.Errorf("identitypool: GetId: %w", err)
	}
	if out == nil || aws.ToString(out.IdentityId) == "" {
		return "", fmt.Errorf("%w: GetId without IdentityId", ErrMalformedResponse)
	}
	return *out.IdentityId, nil
}

func (p *Provider) credentials(ctx context.Context, logins map[string]string) (aws.Credentials, error) {
	in := &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(p.identityID), Logins: logins}
	if p.cfg.CustomRoleARN != "" {
		in.CustomRoleArn = aws.String(p.cfg.CustomRoleARN)
	}
	out, err := p.cfg.Client.GetCredentialsForIdentity(ctx, in)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("identitypool: GetCredentialsForIdentity: %w", err)
	}
	if out == nil || out.Credentials == nil {
		return aws.Credentials{}, fmt.Errorf("%w: GetCredentialsForIdentity without Credentials", ErrMalformedResponse)
	}
	c := out.Credentials
	if aws.ToString(c.AccessKeyId) == "" || aws.ToString(c.SecretKey) == "" || aws.ToString(c.SessionToken) == "" || c.Expiration == nil {
		return aws.Credentials{}, fmt.Errorf("%w: Credentials without AccessKeyId, SecretKey, SessionToken or Expiration", ErrMalformedResponse)
	}
	if id := aws.ToString(out.IdentityId); id != "" {
		p.identityID = id
	}
	return aws.Credentials{
		AccessKeyID:     *c.AccessKeyId,
		SecretAccessKey: *c.SecretKey,
		SessionToken:    *c.SessionToken,
		Source:          "CognitoIdentityPool",
		CanExpire:       true,
		Expires:         c.Expiration.UTC(),
	}, nil
}
