package token

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
)

type claimsKey struct{}

// FromContext returns the claims Middleware put in ctx.
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// NewContext returns a copy of ctx carrying c, as Middleware does.
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// Middleware verifies the bearer token of each request (RFC 6750, Section
// 2.1: "Authorization: Bearer TOKEN") and calls next with the claims in the
// request's context (FromContext). Otherwise it answers, with the
// WWW-Authenticate header of RFC 6750 Section 3:
//   - no bearer token: 401, "Bearer" with no error code (Section 3.1);
//   - a token that does not verify: 401, error="invalid_token";
//   - a valid token without a required group or scope: 403,
//     error="insufficient_scope";
//   - the issuer's key set cannot be had (the fetch failed and none was
//     ever had): 503 with Retry-After, the refetch interval (the token may
//     be good).
//
// The body is a short text; neither it nor the header repeats the token.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", "Bearer")
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		c, err := v.Verify(r.Context(), tok)
		switch {
		case err == nil:
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), c)))
		case errors.Is(err, ErrKeySet):
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(v.refetch.Seconds()))))
			http.Error(w, "the token's key set is unavailable", http.StatusServiceUnavailable)
		case errors.Is(err, ErrMissingGroup), errors.Is(err, ErrMissingScope):
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="`+describe(err)+`"`)
			http.Error(w, describe(err), http.StatusForbidden)
		default:
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+describe(err)+`"`)
			http.Error(w, describe(err), http.StatusUnauthorized)
		}
	})
}

// describe is the sentinel's text, without the details that follow it (a
// claim value could hold a quote).
func describe(err error) string {
	for _, s := range []error{ErrMalformed, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrWrongIssuer,
		ErrMissingClaim, ErrExpired, ErrNotYetValid, ErrWrongTokenUse, ErrWrongClient, ErrMissingGroup,
		ErrMissingScope, ErrCheck} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "token: invalid"
}

// bearer extracts the token of an Authorization header; the scheme is
// case-insensitive (RFC 9110, Section 11.1).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
