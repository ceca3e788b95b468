package awsjson_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

// A sign-in over plain HTTP: the transport goes under flow.Run.
func Example() {
	t, err := awsjson.New(awsjson.Options{Region: "eu-west-1"})
	if err != nil {
		panic(err)
	}
	m, err := flow.New(flow.Config{
		UserPoolID: "eu-west-1_Xz7Pq3mWd",
		ClientID:   "3n4b5urk1ft4fl3mg5e62d9ado",
		Username:   "alice",
		Password:   "correct horse battery staple",
		Flow:       flow.UserSRPAuth,
	})
	if err != nil {
		panic(err)
	}
	res, err := flow.Run(context.Background(), m, t, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Tokens.Expiry)
}

// Service errors are *flow.APIError; anything else the server answers that
// is not AWS JSON is a *awsjson.ResponseError.
func Example_errors() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "AWSCognitoIdentityProviderService.InitiateAuth" {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	}))
	defer srv.Close()
	t, _ := awsjson.New(awsjson.Options{Endpoint: srv.URL})

	_, err := t.Call(context.Background(), flow.OpInitiateAuth, []byte(`{"AuthFlow":"USER_PASSWORD_AUTH"}`))
	var ae *flow.APIError
	fmt.Println(errors.Is(err, flow.ErrNotAuthorized), errors.As(err, &ae) && ae.Message == "Incorrect username or password.")

	_, err = t.Call(context.Background(), flow.OpRespondToAuthChallenge, nil)
	var re *awsjson.ResponseError
	fmt.Println(errors.As(err, &re), re.StatusCode, errors.Is(err, awsjson.ErrUnrecognizedError))
	fmt.Println(re.Excerpt)

	_, err = t.Call(context.Background(), flow.OpAdminInitiateAuth, nil)
	fmt.Println(errors.Is(err, awsjson.ErrSigningRequired))
	// Output:
	// true true
	// true 502 true
	// <html><body><h1>502 Bad Gateway</h1></body></html>
	// true
}
