package token_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/token"
)

// clock is a settable clock for the Verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// jwksServer serves a key set it can change, counting the fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int32
	mu      sync.Mutex
	body    []byte
	status  int
	delay   time.Duration
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, status, delay := s.body, s.status, s.delay
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(body []byte, status int, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.status, s.delay = body, status, delay
}

func idAt(t *testing.T, s *token.Signer, iss string) string {
	t.Helper()
	tok, err := s.Sign(with(idClaims(), "iss", iss))
	require.NoError(t, err)
	return tok
}

// TestJWKSRefetch: the set is fetched once; an unknown kid refetches it,
// at most once per RefetchInterval; a rotated key is found after the
// interval; a failed fetch counts too.
func TestJWKSRefetch(t *testing.T) {
	k := fixtureKeys(t)
	s1, err := token.NewSigner(k.a, "k1")
	require.NoError(t, err)
	s2, err := token.NewSigner(k.b, "k2")
	require.NoError(t, err)
	srv := newJWKSServer(t, s1.JWKS())
	iss := srv.URL + "/" + poolA
	clk := &clock{t: t0}
	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{Issuer: iss, JWKSURL: srv.URL + "/keys", Use: token.IDToken, ClientIDs: []string{"clientA"}}},
		Now:   clk.Now,
	})
	require.NoError(t, err)
	ctx := context.Background()
	verify := func(tok string) error { _, err := v.Verify(ctx, tok); return err }

	assert.Zero(t, srv.fetches.Load(), "nothing is fetched before the first token")
	require.NoError(t, verify(idAt(t, s1, iss)))
	require.NoError(t, verify(idAt(t, s1, iss)))
	assert.EqualValues(t, 1, srv.fetches.Load(), "fetched once")

	// The issuer rotates to k2: within 10 s of the last fetch the unknown
	// kid is refused without a fetch.
	both := jwksDoc(t,
		jwkJSON(t, jose.JSONWebKey{Key: &k.a.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}),
		jwkJSON(t, jose.JSONWebKey{Key: &k.b.PublicKey, KeyID: "k2", Algorithm: "RS256", Use: "sig"}))
	srv.set(both, http.StatusOK, 0)
	rotated := idAt(t, s2, iss)
	for range 5 {
		require.ErrorIs(t, verify(rotated), token.ErrUnknownKey)
	}
	assert.EqualValues(t, 1, srv.fetches.Load(), "rate-limited")
	clk.Advance(9 * time.Second)
	require.ErrorIs(t, verify(rotated), token.ErrUnknownKey)
	assert.EqualValues(t, 1, srv.fetches.Load())
	clk.Advance(time.Second)
	require.NoError(t, verify(rotated))
	assert.EqualValues(t, 2, srv.fetches.Load(), "refetched after 10 s")
	require.NoError(t, verify(idAt(t, s1, iss)), "k1 is still in the set")

	// A made-up kid after the interval costs one fetch, then none.
	clk.Advance(10 * time.Second)
	made := jwt(t, hdr("nope"), with(idClaims(), "iss", iss), k.a)
	for range 3 {
		require.ErrorIs(t, verify(made), token.ErrUnknownKey)
	}
	assert.EqualValues(t, 3, srv.fetches.Load())

	// A failing issuer: ErrKeySet, and the failure is rate-limited too;
	// the keys already fetched stay in use.
	clk.Advance(10 * time.Second)
	srv.set([]byte("oops"), http.StatusInternalServerError, 0)
	require.ErrorIs(t, verify(made), token.ErrKeySet)
	require.ErrorIs(t, verify(made), token.ErrUnknownKey)
	assert.EqualValues(t, 4, srv.fetches.Load())
	require.NoError(t, verify(rotated))
}

// TestJWKSConcurrent: many goroutines meeting an unknown kid at once cause
// one fetch (run under -race).
func TestJWKSConcurrent(t *testing.T) {
	k := fixtureKeys(t)
	s, err := token.NewSigner(k.a, "k1")
	require.NoError(t, err)
	srv := newJWKSServer(t, s.JWKS())
	srv.set(s.JWKS(), http.StatusOK, 50*time.Millisecond) // all arrive while it is fetched
	iss := srv.URL + "/" + poolA
	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{Issuer: iss, Use: token.IDToken, ClientIDs: []string{"clientA"}}},
		Now:   func() time.Time { return t0 },
	})
	require.NoError(t, err)
	good := idAt(t, s, iss)
	bad := jwt(t, hdr("nope"), with(idClaims(), "iss", iss), k.a)
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			tok := good
			if i%2 == 1 {
				tok = bad
			}
			_, errs[i] = v.Verify(context.Background(), tok)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 {
			assert.NoError(t, err, i)
		} else {
			assert.ErrorIs(t, err, token.ErrUnknownKey, i)
		}
	}
	assert.EqualValues(t, 1, srv.fetches.Load())
}

// TestJWKSFetchLimits: a slow, oversized, non-JSON or keyless answer is
// ErrKeySet, and a fetch uses the default URL <issuer>/.well-known/jwks.json.
func TestJWKSFetchLimits(t *testing.T) {
	k := fixtureKeys(t)
	s, err := token.NewSigner(k.a, "k1")
	require.NoError(t, err)
	huge := `{"keys":[],"pad":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct {
		name   string
		body   string
		status int
		delay  time.Duration
	}{
		{"slow", string(s.JWKS()), 200, 2 * time.Second},
		{"oversized", huge, 200, 0},
		{"not found", `{}`, 404, 0},
		{"not JSON", `<html>`, 200, 0},
		{"no keys", `{"keys":[]}`, 200, 0},
		{"only an HMAC key", `{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}`, 200, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var path atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path.Store(r.URL.Path)
				if tc.delay > 0 {
					select {
					case <-time.After(tc.delay):
					case <-r.Context().Done():
						return
					}
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			iss := srv.URL + "/" + poolA
			v, err := token.NewVerifier(token.Config{
				Pools:        []token.Pool{{Issuer: iss, Use: token.IDToken, ClientIDs: []string{"clientA"}}},
				Now:          func() time.Time { return t0 },
				FetchTimeout: 200 * time.Millisecond,
			})
			require.NoError(t, err)
			start := time.Now()
			_, err = v.Verify(context.Background(), idAt(t, s, iss))
			require.ErrorIs(t, err, token.ErrKeySet)
			assert.Less(t, time.Since(start), 1500*time.Millisecond)
			assert.Equal(t, "/"+poolA+"/.well-known/jwks.json", path.Load())
		})
	}
}

// TestOfflineNeverFetches: a pool with JWKS given up front makes no
// request, even for an unknown kid.
func TestOfflineNeverFetches(t *testing.T) {
	k := fixtureKeys(t)
	s, err := token.NewSigner(k.a, "k1")
	require.NoError(t, err)
	srv := newJWKSServer(t, s.JWKS())
	iss := srv.URL + "/" + poolA
	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{Issuer: iss, JWKS: s.JWKS(), Use: token.IDToken, ClientIDs: []string{"clientA"}}},
		Now:   func() time.Time { return t0 },
	})
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), idAt(t, s, iss))
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), jwt(t, hdr("nope"), with(idClaims(), "iss", iss), k.a))
	require.ErrorIs(t, err, token.ErrUnknownKey)
	assert.Zero(t, srv.fetches.Load())
}

// TestMiddlewareKeySetDown: when the issuer's key set cannot be fetched the
// middleware answers 503 with Retry-After, not 401: the token may be good.
func TestMiddlewareKeySetDown(t *testing.T) {
	k := fixtureKeys(t)
	s, err := token.NewSigner(k.a, "k1")
	require.NoError(t, err)
	srv := newJWKSServer(t, []byte("down"))
	srv.set([]byte("down"), http.StatusBadGateway, 0)
	iss := srv.URL + "/" + poolA
	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{Issuer: iss, Use: token.IDToken, ClientIDs: []string{"clientA"}}},
		Now:   func() time.Time { return t0 },
	})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+idAt(t, s, iss))
	rec := httptest.NewRecorder()
	v.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "10", rec.Header().Get("Retry-After"))
	assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
	// Within the refetch interval no fetch is tried, and with no set ever
	// had the answer is still 503, not 401: the token may be good.
	rec = httptest.NewRecorder()
	v.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
}
