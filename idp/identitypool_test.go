package idp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/identity"
	"github.com/caldera-srp/caldera/idp/tokens"
	"github.com/caldera-srp/caldera/token"
)

// The identity-pool API as botocore's model describes it
// (data/cognito-identity/2014-06-30/service-2.json): target prefix
// AWSCognitoIdentityService, signing name cognito-identity, and these three
// operations marked "authtype": "none".
var botocoreIdentityPublic = []string{"GetCredentialsForIdentity", "GetId", "GetOpenIdToken"}

// newIdentityClient returns an aws-sdk-go-v2 cognitoidentity client of the
// harness's server, signing the IAM operations with its admin key at the
// test clock (the one place this file's SDK calls get credentials).
func newIdentityClient(h *harness) *ci.Client {
	return ci.NewFromConfig(h.srv.AdminAWSConfig(), func(o *ci.Options) {
		o.HTTPSignerV4 = clockSigner{next: v4.NewSigner(), now: h.clock.Now}
	})
}

func cognitoLoginKey(poolID string) string {
	region, _, _ := strings.Cut(poolID, "_")
	return "cognito-idp." + region + ".amazonaws.com/" + poolID
}

// idTokens signs the fixture's user in and returns its ID and access tokens.
func (h *harness) idTokens(f fixture) (id, access string) {
	h.t.Helper()
	out, e := h.srpSignIn(f, f.user, f.password)
	if e != nil {
		h.t.Fatalf("sign-in: %s %s", e.Type, e.Message)
	}
	ar := strMap(out["AuthenticationResult"])
	return ar["IdToken"], ar["AccessToken"]
}

func apiCode(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

func TestIdentityPublicSet(t *testing.T) {
	var public []string
	for _, op := range identity.Operations() {
		if identity.IsPublic(op) {
			public = append(public, op)
		}
	}
	slices.Sort(public)
	assert.Equal(t, botocoreIdentityPublic, public)
}

// TestIdentityPoolSDK runs the identity-pool API through aws-sdk-go-v2's
// cognitoidentity client: the IAM operations signed, the enhanced flow
// (GetId, GetCredentialsForIdentity) and GetOpenIdToken with an ID token
// of the server's user pool.
func TestIdentityPoolSDK(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	f := h.fixture(PoolConfig{Name: "users"}, ClientConfig{Name: "web"}, UserConfig{})
	c := newIdentityClient(h)

	created, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{
		IdentityPoolName: aws.String("app_users"), AllowUnauthenticatedIdentities: false,
		CognitoIdentityProviders: []citypes.CognitoIdentityProvider{{ProviderName: aws.String(cognitoLoginKey(f.pool)), ClientId: aws.String(f.client)}},
	})
	require.NoError(t, err)
	poolID := aws.ToString(created.IdentityPoolId)
	assert.Regexp(t, `^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, poolID)
	desc, err := c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
	require.NoError(t, err)
	assert.Equal(t, "app_users", aws.ToString(desc.IdentityPoolName))
	require.Len(t, desc.CognitoIdentityProviders, 1)
	assert.Equal(t, f.client, aws.ToString(desc.CognitoIdentityProviders[0].ClientId))

	// UpdateIdentityPool replaces the settings (botocore: IdentityPool is
	// its input and output); SetIdentityPoolRoles and GetIdentityPoolRoles
	// keep the roles and mappings, which Describe does not show.
	upd, err := c.UpdateIdentityPool(ctx, &ci.UpdateIdentityPoolInput{
		IdentityPoolId: aws.String(poolID), IdentityPoolName: aws.String("app_users_v2"), AllowUnauthenticatedIdentities: true,
		CognitoIdentityProviders: desc.CognitoIdentityProviders,
	})
	require.NoError(t, err)
	assert.Equal(t, "app_users_v2", aws.ToString(upd.IdentityPoolName))
	desc, err = c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
	require.NoError(t, err)
	assert.True(t, desc.AllowUnauthenticatedIdentities)
	require.Len(t, desc.CognitoIdentityProviders, 1)
	authRole := "arn:aws:iam::000000000000:role/app-authenticated"
	_, err = c.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{
		IdentityPoolId: aws.String(poolID),
		Roles:          map[string]string{"authenticated": authRole, "unauthenticated": "arn:aws:iam::000000000000:role/app-guest"},
		RoleMappings: map[string]citypes.RoleMapping{cognitoLoginKey(f.pool) + ":" + f.client: {
			Type: citypes.RoleMappingTypeToken, AmbiguousRoleResolution: citypes.AmbiguousRoleResolutionTypeAuthenticatedRole,
		}},
	})
	require.NoError(t, err)
	roles, err := c.GetIdentityPoolRoles(ctx, &ci.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(poolID)})
	require.NoError(t, err)
	assert.Equal(t, authRole, roles.Roles["authenticated"])
	require.Len(t, roles.RoleMappings, 1)
	assert.Equal(t, citypes.RoleMappingTypeToken, roles.RoleMappings[cognitoLoginKey(f.pool)+":"+f.client].Type)
	_, err = c.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(poolID), Roles: map[string]string{"admin": authRole}})
	code, _ := apiCode(err)
	assert.Equal(t, "InvalidParameterException", code)
	_, err = c.GetIdentityPoolRoles(ctx, &ci.GetIdentityPoolRolesInput{IdentityPoolId: aws.String("us-east-1:00000000-0000-4000-8000-000000000000")})
	code, _ = apiCode(err)
	assert.Equal(t, "ResourceNotFoundException", code)
	// Updating again keeps the roles.
	_, err = c.UpdateIdentityPool(ctx, &ci.UpdateIdentityPoolInput{IdentityPoolId: aws.String(poolID), IdentityPoolName: aws.String("app_users"),
		CognitoIdentityProviders: desc.CognitoIdentityProviders})
	require.NoError(t, err)
	roles, err = c.GetIdentityPoolRoles(ctx, &ci.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(poolID)})
	require.NoError(t, err)
	assert.Equal(t, authRole, roles.Roles["authenticated"])

	// Listing pages through every pool.
	for i := range 2 {
		_, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("more" + string(rune('a'+i))), AllowUnauthenticatedIdentities: true})
		require.NoError(t, err)
	}
	var names []string
	var next *string
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		out, err := c.ListIdentityPools(ctx, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(2), NextToken: next})
		require.NoError(t, err)
		for _, p := range out.IdentityPools {
			names = append(names, aws.ToString(p.IdentityPoolName))
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	slices.Sort(names)
	assert.Equal(t, []string{"app_users", "morea", "moreb"}, names)
	_, err = c.ListIdentityPools(ctx, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(61)})
	code, _ = apiCode(err)
	assert.Equal(t, "InvalidParameterException", code)

	idTok, _ := h.idTokens(f)
	logins := map[string]string{cognitoLoginKey(f.pool): idTok}
	got, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolID), Logins: logins})
	require.NoError(t, err)
	identityID := aws.ToString(got.IdentityId)
	assert.True(t, strings.HasPrefix(identityID, "us-east-1:"), identityID)
	again, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolID), Logins: logins})
	require.NoError(t, err)
	assert.Equal(t, identityID, aws.ToString(again.IdentityId), "one identity per user")

	creds, err := c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(identityID), Logins: logins})
	require.NoError(t, err)
	assert.Equal(t, identityID, aws.ToString(creds.IdentityId))
	k := creds.Credentials
	assert.Regexp(t, `^ASIACALDERAFAKE[A-Z2-7]{5}$`, aws.ToString(k.AccessKeyId))
	assert.Len(t, aws.ToString(k.SecretKey), 40)
	assert.True(t, strings.HasPrefix(aws.ToString(k.SessionToken), identity.SessionTokenPrefix))
	assert.Equal(t, h.clock.Now().Add(time.Hour).Unix(), k.Expiration.Unix())
	creds2, err := c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(identityID), Logins: logins})
	require.NoError(t, err)
	assert.NotEqual(t, aws.ToString(k.SecretKey), aws.ToString(creds2.Credentials.SecretKey), "fresh credentials each call")

	// GetOpenIdToken: a token for the identity, verifiable with the key set
	// at /.well-known/jwks_uri.
	oid, err := c.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: aws.String(identityID), Logins: logins})
	require.NoError(t, err)
	resp, body := do(t, mustOK(http.NewRequest(http.MethodGet, h.http.URL+identity.JWKSPath, nil)))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	v, err := token.NewVerifier(token.Config{Now: h.clock.Now, Pools: []token.Pool{{AnyIssuer: true, JWKS: body, Use: token.EitherToken, AnyClient: true}}})
	require.NoError(t, err)
	_, err = v.Verify(ctx, aws.ToString(oid.Token))
	// Signature good; Cognito Identity's tokens carry no token_use, which
	// package token requires of user-pool tokens.
	assert.ErrorIs(t, err, token.ErrMissingClaim)
	claims := payload(t, aws.ToString(oid.Token))
	assert.Equal(t, identityID, claims["sub"])
	assert.Equal(t, poolID, claims["aud"])
	assert.Equal(t, h.http.URL, claims["iss"])
	assert.Equal(t, []any{"authenticated", cognitoLoginKey(f.pool), cognitoLoginKey(f.pool) + ":" + tokenSub(t, idTok)}, claims["amr"])

	// Delete: the pool and its identities are gone.
	_, err = c.DeleteIdentityPool(ctx, &ci.DeleteIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
	require.NoError(t, err)
	_, err = c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(poolID)})
	code, msg := apiCode(err)
	assert.Equal(t, "ResourceNotFoundException", code)
	assert.Equal(t, "IdentityPool '"+poolID+"' not found.", msg)
	_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(identityID), Logins: logins})
	code, _ = apiCode(err)
	assert.Equal(t, "ResourceNotFoundException", code)
	var rnf *citypes.ResourceNotFoundException
	assert.ErrorAs(t, err, &rnf)
}

func payload(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func tokenSub(t *testing.T, tok string) string {
	s, _ := payload(t, tok)["sub"].(string)
	return s
}

// withPayload returns tok with its claims changed by edit, the signature
// left as it was.
func withPayload(t *testing.T, tok string, edit func(map[string]any)) string {
	t.Helper()
	m := payload(t, tok)
	edit(m)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

// TestAttackIdentityLogins: every login that is not a current ID token of
// a trusted pool and client is refused with Cognito Identity's
// NotAuthorizedException, at GetId and at GetCredentialsForIdentity.
func TestAttackIdentityLogins(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	c := newIdentityClient(h)
	a := h.fixture(PoolConfig{Name: "a"}, ClientConfig{Name: "web"}, UserConfig{})
	b := h.fixture(PoolConfig{Name: "b"}, ClientConfig{Name: "web"}, UserConfig{Username: "mallory", Password: "Mallory-Pass-1"})
	mk := func(name string, providers ...citypes.CognitoIdentityProvider) string {
		out, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String(name), CognitoIdentityProviders: providers})
		require.NoError(t, err)
		return aws.ToString(out.IdentityPoolId)
	}
	keyA, keyB := cognitoLoginKey(a.pool), cognitoLoginKey(b.pool)
	poolA := mk("trusts_a", citypes.CognitoIdentityProvider{ProviderName: aws.String(keyA), ClientId: aws.String(a.client)})
	otherClient := mk("trusts_other_client", citypes.CognitoIdentityProvider{ProviderName: aws.String(keyA), ClientId: aws.String("someotherclient")})

	idA, accessA := h.idTokens(a)
	idB, _ := h.idTokens(b)
	good, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(poolA), Logins: map[string]string{keyA: idA}})
	require.NoError(t, err)
	identityA := aws.ToString(good.IdentityId)

	// A forger's key, signing under pool a's kid.
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	sg, err := token.NewSigner(forger, tokens.KeyID(a.pool, &testKey().PublicKey))
	require.NoError(t, err)
	forged, err := sg.Sign(payload(t, idA))
	require.NoError(t, err)
	// Pool b's token claiming pool a's issuer, still under b's kid.
	reissued := withPayload(t, idB, func(m map[string]any) { m["iss"] = h.srv.Issuer(a.pool) })
	hdrNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	algNone := hdrNone + "." + strings.Split(idA, ".")[1] + "."

	const bad = "Invalid login token. "
	cases := []struct {
		name, pool string
		logins     map[string]string
		msg        string
	}{
		{"another pool's token", poolA, map[string]string{keyA: idB}, bad + "Issuer doesn't match providerName"},
		{"an untrusted provider", poolA, map[string]string{keyB: idB}, "Token is not from a supported provider of this identity pool."},
		{"an access token", poolA, map[string]string{keyA: accessA}, bad + "Not a valid OpenId Connect identity token."},
		{"a wrong audience", otherClient, map[string]string{keyA: idA}, bad + "Incorrect token audience."},
		{"a forged signature", poolA, map[string]string{keyA: forged}, bad + "Couldn't verify signed token."},
		{"a tampered sub", poolA, map[string]string{keyA: withPayload(t, idA, func(m map[string]any) { m["sub"] = "someone-else" })}, bad + "Couldn't verify signed token."},
		{"another pool's key", poolA, map[string]string{keyA: reissued}, bad + "Couldn't verify signed token."},
		{"alg none", poolA, map[string]string{keyA: algNone}, bad + "Couldn't verify signed token."},
		{"garbage", poolA, map[string]string{keyA: "not-a-jwt"}, bad + "Not a valid OpenId Connect identity token."},
		{"no login, unauthenticated not allowed", poolA, nil, "Unauthenticated access is not supported for this identity pool."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(tc.pool), Logins: tc.logins})
			code, msg := apiCode(err)
			assert.Equal(t, "NotAuthorizedException", code, "GetId: %v", err)
			assert.Equal(t, tc.msg, msg)
			var na *citypes.NotAuthorizedException
			assert.ErrorAs(t, err, &na)
			if tc.pool == poolA {
				_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(identityA), Logins: tc.logins})
				code, _ = apiCode(err)
				assert.Equal(t, "NotAuthorizedException", code, "GetCredentialsForIdentity: %v", err)
			}
		})
	}

	// b's user, trusted by a pool that trusts both, cannot take a's identity.
	both := mk("trusts_both", citypes.CognitoIdentityProvider{ProviderName: aws.String(keyA), ClientId: aws.String(a.client)},
		citypes.CognitoIdentityProvider{ProviderName: aws.String(keyB), ClientId: aws.String(b.client)})
	ida, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(both), Logins: map[string]string{keyA: idA}})
	require.NoError(t, err)
	_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: ida.IdentityId, Logins: map[string]string{keyB: idB}})
	code, msg := apiCode(err)
	assert.Equal(t, "NotAuthorizedException", code)
	assert.Equal(t, "Logins don't match. Please include at least one valid login for this identity or identity pool.", msg)
	_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: ida.IdentityId})
	code, _ = apiCode(err)
	assert.Equal(t, "NotAuthorizedException", code, "an authenticated identity without its login")

	// The ID token expires (an hour): refused.
	h.clock.Advance(time.Hour + time.Second)
	_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(identityA), Logins: map[string]string{keyA: idA}})
	code, msg = apiCode(err)
	assert.Equal(t, "NotAuthorizedException", code)
	assert.Equal(t, bad+"Token expired.", msg)

	// An unknown identity.
	_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String("us-east-1:00000000-0000-4000-8000-000000000000"), Logins: map[string]string{keyA: idA}})
	code, _ = apiCode(err)
	assert.Equal(t, "ResourceNotFoundException", code)
}

// TestIdentityUnauthenticated: a pool that allows unauthenticated
// identities hands them credentials without a login; the same identity
// then signs in and keeps its id.
func TestIdentityUnauthenticated(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.IdentityCredentialsTTL = 15 * time.Minute })
	ctx := context.Background()
	c := newIdentityClient(h)
	f := h.fixture(PoolConfig{Name: "users"}, ClientConfig{Name: "web"}, UserConfig{})
	// The server's own issuer without scheme is a provider name too.
	local := h.srv.IdentityProviderName(f.pool)
	assert.Equal(t, strings.TrimPrefix(h.http.URL, "http://")+"/"+f.pool, local)
	p, err := h.srv.CreateIdentityPool(IdentityPoolConfig{Name: "guests", AllowUnauthenticatedIdentities: true,
		Providers: []IdentityProvider{{ProviderName: local, ClientID: f.client}}})
	require.NoError(t, err)
	guest, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.ID)})
	require.NoError(t, err)
	creds, err := c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: guest.IdentityId})
	require.NoError(t, err)
	assert.Equal(t, h.clock.Now().Add(15*time.Minute).Unix(), creds.Credentials.Expiration.Unix())

	idTok, _ := h.idTokens(f)
	for _, key := range []string{local, cognitoLoginKey(f.pool)} {
		creds, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: guest.IdentityId, Logins: map[string]string{key: idTok}})
		require.NoError(t, err, key)
		assert.Equal(t, aws.ToString(guest.IdentityId), aws.ToString(creds.IdentityId), key)
		got, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.ID), Logins: map[string]string{key: idTok}})
		require.NoError(t, err, key)
		assert.Equal(t, aws.ToString(guest.IdentityId), aws.ToString(got.IdentityId), "the guest identity signed in")
	}
	// Without a login, the now-authenticated identity gets nothing.
	_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: guest.IdentityId})
	code, _ := apiCode(err)
	assert.Equal(t, "NotAuthorizedException", code)
}

// TestAttackUnsignedIdentityPools: the IAM operations of the identity-pool
// API need a SigV4 signature scoped to cognito-identity; the public ones
// do not.
func TestAttackUnsignedIdentityPools(t *testing.T) {
	h := newHarness(t, nil)
	post := func(op, body string, sign func(*http.Request, []byte)) (int, string) {
		req := mustOK(http.NewRequest(http.MethodPost, h.http.URL+"/", strings.NewReader(body)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", identity.TargetPrefix+op)
		if sign != nil {
			sign(req, []byte(body))
		}
		resp, b := do(t, req)
		typ, _ := errType(t, b)
		return resp.StatusCode, typ
	}
	for _, op := range []string{"CreateIdentityPool", "DescribeIdentityPool", "ListIdentityPools", "DeleteIdentityPool"} {
		st, typ := post(op, `{"IdentityPoolName":"x","AllowUnauthenticatedIdentities":true,"MaxResults":1,"IdentityPoolId":"us-east-1:00"}`, nil)
		assert.Equal(t, http.StatusBadRequest, st, op)
		assert.Equal(t, "MissingAuthenticationTokenException", typ, op)
	}
	// Signed for the user-pool service: the scope is wrong.
	_, typ := post("ListIdentityPools", `{"MaxResults":1}`, func(r *http.Request, b []byte) {
		require.NoError(t, testAdmin.SignRequest(r, b, "us-east-1", h.clock.Now()))
	})
	assert.Equal(t, "InvalidSignatureException", typ)
	// Another key.
	_, typ = post("ListIdentityPools", `{"MaxResults":1}`, func(r *http.Request, b []byte) {
		sum := sha256Hex(b)
		require.NoError(t, v4.NewSigner().SignHTTP(r.Context(), aws.Credentials{AccessKeyID: "AKIAOTHER", SecretAccessKey: "x"}, r, sum, identity.SigningService, "us-east-1", h.clock.Now()))
	})
	assert.Equal(t, "UnrecognizedClientException", typ)
	// Public: answered unsigned (here: the pool does not exist).
	_, typ = post("GetId", `{"IdentityPoolId":"us-east-1:00000000-0000-4000-8000-000000000000"}`, nil)
	assert.Equal(t, "ResourceNotFoundException", typ)
	_, typ = post("NoSuchOperation", `{}`, nil)
	assert.Equal(t, "UnknownOperationException", typ)
	_, typ = post("GetId", `{"IdentityPoolId":`, nil)
	assert.Equal(t, "SerializationException", typ)
	_, typ = post("GetId", `{"IdentityPoolId":7}`, nil)
	assert.Equal(t, "SerializationException", typ)
	st, typ := post("GetId", `{"IdentityPoolId":"`+strings.Repeat("a", DefaultMaxBodyBytes)+`"}`, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, st)
	assert.Equal(t, "SerializationException", typ)
	_, typ = post("GetId", `{"IdentityPoolId":"no-colon"}`, nil)
	assert.Equal(t, "InvalidParameterException", typ)
}

// TestIdentityPoolSeed: a seed declares an identity pool with a fixed id;
// applying it again keeps it.
func TestIdentityPoolSeed(t *testing.T) {
	h := newHarness(t, nil)
	sd := &Seed{
		Pools: []SeedPool{{PoolConfig: PoolConfig{ID: "us-east-1_Seeded", Name: "seeded"}, Clients: []ClientConfig{{ID: "seededclient", Name: "c"}}}},
		IdentityPools: []IdentityPoolConfig{{ID: "us-east-1:00000000-0000-4000-8000-0000000000aa", Name: "seeded",
			Providers: []IdentityProvider{{ProviderName: "cognito-idp.us-east-1.amazonaws.com/us-east-1_Seeded", ClientID: "seededclient"}}}},
	}
	for range 2 {
		res, err := h.srv.ApplySeed(sd)
		require.NoError(t, err)
		assert.Equal(t, []IdentityPool{{ID: "us-east-1:00000000-0000-4000-8000-0000000000aa", Name: "seeded"}}, res.IdentityPools)
	}
	out, err := newIdentityClient(h).DescribeIdentityPool(context.Background(), &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String("us-east-1:00000000-0000-4000-8000-0000000000aa")})
	require.NoError(t, err)
	assert.Equal(t, "seeded", aws.ToString(out.IdentityPoolName))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestAttackIdentityFlood: unauthenticated GetId calls stop at the
// identity cap (LimitExceededException, in GetId's errors in botocore's
// model); a known user still gets its identity.
func TestAttackIdentityFlood(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxIdentities = 3 })
	ctx := context.Background()
	c := newIdentityClient(h)
	f := h.fixture(PoolConfig{Name: "users"}, ClientConfig{Name: "web"}, UserConfig{})
	p, err := h.srv.CreateIdentityPool(IdentityPoolConfig{Name: "open", AllowUnauthenticatedIdentities: true,
		Providers: []IdentityProvider{{ProviderName: cognitoLoginKey(f.pool), ClientID: f.client}}})
	require.NoError(t, err)
	idTok, _ := h.idTokens(f)
	logins := map[string]string{cognitoLoginKey(f.pool): idTok}
	user, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.ID), Logins: logins})
	require.NoError(t, err)
	for range 2 {
		_, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.ID)})
		require.NoError(t, err)
	}
	_, err = c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.ID)})
	var le *citypes.LimitExceededException
	require.ErrorAs(t, err, &le)
	again, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.ID), Logins: logins})
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(user.IdentityId), aws.ToString(again.IdentityId))
}

// TestIdentityPoolsPersist: identity pools, identities and the key of
// GetOpenIdToken survive a restart on a bbolt file.
func TestIdentityPoolsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idp.db")
	open := func() *harness {
		st, err := OpenBoltStore(path)
		require.NoError(t, err)
		return newHarness(t, func(o *Options) { o.Store = st; o.SigningKey = nil })
	}
	h := open()
	p, err := h.srv.CreateIdentityPool(IdentityPoolConfig{Name: "kept", AllowUnauthenticatedIdentities: true})
	require.NoError(t, err)
	c := newIdentityClient(h)
	ctx := context.Background()
	id, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.ID)})
	require.NoError(t, err)
	tok, err := c.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: id.IdentityId})
	require.NoError(t, err)
	_, jwks1 := do(t, mustOK(http.NewRequest(http.MethodGet, h.http.URL+identity.JWKSPath, nil)))
	h.http.Close()
	require.NoError(t, h.srv.Close())

	h = open()
	c = newIdentityClient(h)
	desc, err := c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(p.ID)})
	require.NoError(t, err)
	assert.Equal(t, "kept", aws.ToString(desc.IdentityPoolName))
	_, err = c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId})
	require.NoError(t, err)
	_, jwks2 := do(t, mustOK(http.NewRequest(http.MethodGet, h.http.URL+identity.JWKSPath, nil)))
	assert.JSONEq(t, string(jwks1), string(jwks2), "the same key")
	v, err := token.NewVerifier(token.Config{Now: h.clock.Now, Pools: []token.Pool{{AnyIssuer: true, JWKS: jwks2, Use: token.EitherToken, AnyClient: true}}})
	require.NoError(t, err)
	_, err = v.Verify(ctx, aws.ToString(tok.Token))
	assert.ErrorIs(t, err, token.ErrMissingClaim, "signature good under the reloaded key (no token_use: not a user-pool token)")
	assert.Equal(t, []any{"unauthenticated"}, payload(t, aws.ToString(tok.Token))["amr"])
}
