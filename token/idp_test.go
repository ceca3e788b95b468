package token_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/idp"
	"github.com/caldera-srp/caldera/token"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

// signInToIDP starts idp in-process with idp/testdata/seed.json, signs
// alice in with USER_SRP_AUTH through flow over HTTP, and returns the
// server and the tokens.
func signInToIDP(t *testing.T) (*idp.Server, flow.Tokens) {
	t.Helper()
	srv, err := idp.New(idp.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	sd, err := idp.ReadSeedFile(filepath.Join("..", "idp", "testdata", "seed.json"))
	require.NoError(t, err)
	_, err = srv.ApplySeed(sd)
	require.NoError(t, err)
	require.NoError(t, srv.Start("127.0.0.1:0"))
	tr, err := awsjson.New(awsjson.Options{Endpoint: srv.Endpoint()})
	require.NoError(t, err)
	m, err := flow.New(flow.Config{UserPoolID: "us-east-1_Local", ClientID: "localpublicclient",
		Username: "alice", Password: "Correct-Horse-1", Flow: flow.UserSRPAuth})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := flow.Run(ctx, m, tr, nil)
	require.NoError(t, err)
	return srv, r.Tokens
}

// TestIDPTokens: the ID and access tokens of a real sign-in to idp verify
// with the key set idp serves over HTTP, and each is refused where the
// other kind is required.
func TestIDPTokens(t *testing.T) {
	srv, tk := signInToIDP(t)
	iss := srv.Issuer("us-east-1_Local")
	v, err := token.NewVerifier(token.Config{Pools: []token.Pool{
		{Issuer: iss, Use: token.EitherToken, ClientIDs: []string{"localpublicclient"}},
	}})
	require.NoError(t, err)
	ctx := context.Background()

	id, err := v.Verify(ctx, tk.IDToken)
	require.NoError(t, err)
	assert.Equal(t, token.IDToken, id.Use)
	assert.Equal(t, "alice", id.Username)
	assert.Equal(t, "localpublicclient", id.ClientID)
	assert.Equal(t, "alice@example.com", id.String("email"))
	assert.NotEmpty(t, id.Subject)
	assert.WithinDuration(t, time.Now(), id.IssuedAt, time.Minute)

	access, err := v.Verify(ctx, tk.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, token.AccessToken, access.Use)
	assert.Equal(t, "alice", access.Username)
	assert.Equal(t, id.Subject, access.Subject)
	assert.Equal(t, []string{"aws.cognito.signin.user.admin"}, access.Scopes)
	assert.Equal(t, id.KeyID, access.KeyID)

	// The same pool, one kind at a time; another client; another pool.
	only := func(p token.Pool) *token.Verifier {
		v, err := token.NewVerifier(token.Config{Pools: []token.Pool{p}})
		require.NoError(t, err)
		return v
	}
	_, err = only(token.Pool{Issuer: iss, Use: token.AccessToken, ClientIDs: []string{"localpublicclient"}}).Verify(ctx, tk.IDToken)
	assert.ErrorIs(t, err, token.ErrWrongTokenUse)
	_, err = only(token.Pool{Issuer: iss, Use: token.IDToken, ClientIDs: []string{"localpublicclient"}}).Verify(ctx, tk.AccessToken)
	assert.ErrorIs(t, err, token.ErrWrongTokenUse)
	_, err = only(token.Pool{Issuer: iss, Use: token.EitherToken, ClientIDs: []string{"localsecretclient"}}).Verify(ctx, tk.AccessToken)
	assert.ErrorIs(t, err, token.ErrWrongClient)
	_, err = only(token.Pool{ID: "us-east-1_Local", Use: token.EitherToken, AnyClient: true}).Verify(ctx, tk.IDToken)
	assert.ErrorIs(t, err, token.ErrWrongIssuer, "idp's issuer is its endpoint, not cognito-idp.REGION.amazonaws.com")
	// A JWKS URL of an unknown pool: idp answers 404.
	_, err = only(token.Pool{Issuer: iss, JWKSURL: srv.Endpoint() + "/us-east-1_Nope/.well-known/jwks.json", Use: token.EitherToken, AnyClient: true}).Verify(ctx, tk.IDToken)
	assert.ErrorIs(t, err, token.ErrKeySet)
}

// TestMiddleware: the middleware passes idp's access token with its claims
// in the context and answers the RFC 6750 status and header otherwise.
func TestMiddleware(t *testing.T) {
	srv, tk := signInToIDP(t)
	v, err := token.NewVerifier(token.Config{Pools: []token.Pool{{Issuer: srv.Issuer("us-east-1_Local"),
		Use: token.AccessToken, ClientIDs: []string{"localpublicclient"}}}})
	require.NoError(t, err)
	api := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := token.FromContext(r.Context())
		if !ok {
			http.Error(w, "no claims", 500)
			return
		}
		io.WriteString(w, "hello "+c.Username)
	})))
	defer api.Close()
	scoped, err := token.NewVerifier(token.Config{Pools: []token.Pool{{Issuer: srv.Issuer("us-east-1_Local"),
		Use: token.AccessToken, ClientIDs: []string{"localpublicclient"}, Scopes: []string{"orders/write"}}}})
	require.NoError(t, err)
	scopedAPI := httptest.NewServer(scoped.Middleware(http.NotFoundHandler()))
	defer scopedAPI.Close()

	for _, tc := range []struct {
		name, url, auth string
		status          int
		www, body       string
	}{
		{"access token", api.URL, "Bearer " + tk.AccessToken, 200, "", "hello alice"},
		{"lower-case scheme", api.URL, "bearer " + tk.AccessToken, 200, "", "hello alice"},
		{"no header", api.URL, "", 401, "Bearer", "a bearer token is required\n"},
		{"basic", api.URL, "Basic YWxpY2U6cHc=", 401, "Bearer", "a bearer token is required\n"},
		{"ID token", api.URL, "Bearer " + tk.IDToken, 401, `Bearer error="invalid_token", error_description="token: wrong token_use"`, "token: wrong token_use\n"},
		{"garbage", api.URL, "Bearer abc", 401, `Bearer error="invalid_token", error_description="token: malformed"`, "token: malformed\n"},
		{"missing scope", scopedAPI.URL, "Bearer " + tk.AccessToken, 403, `Bearer error="insufficient_scope", error_description="token: missing scope"`, "token: missing scope\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tc.url, nil)
			require.NoError(t, err)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.www, resp.Header.Get("WWW-Authenticate"))
			assert.Equal(t, tc.body, string(body))
		})
	}
}
