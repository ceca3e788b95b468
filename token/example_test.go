package token_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/caldera-srp/caldera/token"
)

// exampleIssuer plays Cognito: a key, the JWKS it would publish, and an
// access token it would issue at now.
func exampleIssuer(now time.Time) (jwks []byte, access string) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	s, err := token.NewSigner(key, "example-kid")
	if err != nil {
		log.Fatal(err)
	}
	access, err = s.Sign(map[string]any{
		"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example", "sub": "0b1c-example",
		"token_use": "access", "client_id": "exampleclient", "username": "alice",
		"scope": "orders/read", "cognito:groups": []string{"staff"},
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	if err != nil {
		log.Fatal(err)
	}
	return s.JWKS(), access
}

// A verifier for the access tokens of one pool. The key set is given up
// front so that the example runs offline; without Pool.JWKS it is fetched
// from https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example/.well-known/jwks.json.
func Example() {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	jwks, access := exampleIssuer(now)

	v, err := token.NewVerifier(token.Config{
		Pools: []token.Pool{{
			ID: "us-east-1_Example", JWKS: jwks,
			Use: token.AccessToken, ClientIDs: []string{"exampleclient"},
			Scopes: []string{"orders/read", "orders/write"},
		}},
		Now: func() time.Time { return now.Add(time.Minute) },
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := v.Verify(context.Background(), access)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Use, c.Username, c.Scopes, c.Groups, c.Expiry.UTC().Format(time.RFC3339))

	// Two hours later the same token has expired.
	late, _ := token.NewVerifier(token.Config{
		Pools: []token.Pool{{ID: "us-east-1_Example", JWKS: jwks, Use: token.AccessToken, ClientIDs: []string{"exampleclient"}}},
		Now:   func() time.Time { return now.Add(2 * time.Hour) },
	})
	_, err = late.Verify(context.Background(), access)
	fmt.Println(errors.Is(err, token.ErrExpired), err)
	// Output:
	// access alice [orders/read] [staff] 2025-01-02T04:04:05Z
	// true token: expired: at 2025-01-02T04:04:05Z
}

// An HTTP handler behind the middleware reads the verified claims from the
// request's context; a request without a good token never reaches it.
func ExampleVerifier_Middleware() {
	now := time.Now()
	jwks, access := exampleIssuer(now)
	v, err := token.NewVerifier(token.Config{Pools: []token.Pool{{
		ID: "us-east-1_Example", JWKS: jwks, Use: token.AccessToken, ClientIDs: []string{"exampleclient"},
	}}})
	if err != nil {
		log.Fatal(err)
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := token.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", c.Username)
	})
	h := v.Middleware(hello)

	for _, auth := range []string{"Bearer " + access, "Bearer " + access[:len(access)-4] + "AAAA", ""} {
		req := httptest.NewRequest(http.MethodGet, "/orders", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d %q %q\n", rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	}
	// Output:
	// 200 "" "hello alice"
	// 401 "Bearer error=\"invalid_token\", error_description=\"token: bad signature\"" "token: bad signature\n"
	// 401 "Bearer" "a bearer token is required\n"
}

func ExampleCognitoIssuer() {
	iss, err := token.CognitoIssuer("eu-west-1_AbCdEf123")
	fmt.Println(iss, err)
	// Output: https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123 <nil>
}
