package idp_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/idp"
)

// FuzzServeHTTP sends the server one request of an arbitrary body for any
// of its operations (or an unknown one), on a fresh server with one pool,
// client and user. The server must not panic, must answer 200 with a JSON
// body or an error status with a JSON {__type, message} body, must not
// answer 500 (a client's bytes cannot be an internal error), and must never
// send the user's password back. Seed corpus: testdata/fuzz/FuzzServeHTTP.
// Run with: go test -run '^$' -fuzz '^FuzzServeHTTP$' -fuzztime 5m -parallel 1 ./idp
func FuzzServeHTTP(f *testing.F) {
	const (
		poolID   = "us-east-1_Fuzz"
		clientID = "fuzzclient"
		password = "Fuzz-Passw0rd!"
	)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ops := idp.Operations()
	opIndex := func(name string) uint8 {
		for i, o := range ops {
			if o == name {
				return uint8(i)
			}
		}
		return 255
	}
	for _, seed := range []struct{ op, body string }{
		{"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"fuzzclient","AuthParameters":{"USERNAME":"alice","SRP_A":"02"}}`},
		{"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"fuzzclient","AuthParameters":{"USERNAME":"alice","SRP_A":"0"}}`},
		{"InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"fuzzclient","AuthParameters":{"USERNAME":"alice","PASSWORD":"Fuzz-Passw0rd!"}}`},
		{"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"fuzzclient","AuthParameters":{"USERNAME":"alice","SRP_A":"02","USERNAME":"bob"}}`},
		{"InitiateAuth", `{"AuthFlow":"REFRESH_TOKEN_AUTH","ClientId":"fuzzclient","AuthParameters":{"REFRESH_TOKEN":"x"}}`},
		{"InitiateAuth", `{"AuthFlow":"USER_AUTH","ClientId":"fuzzclient","AuthParameters":{"USERNAME":"alice","PREFERRED_CHALLENGE":"PASSWORD","PASSWORD":"x"}}`},
		{"RespondToAuthChallenge", `{"ChallengeName":"PASSWORD_VERIFIER","ClientId":"fuzzclient","Session":"x","ChallengeResponses":{"USERNAME":"alice","PASSWORD_CLAIM_SECRET_BLOCK":"AAAA","TIMESTAMP":"Tue Jan 1 06:06:09 UTC 2019","PASSWORD_CLAIM_SIGNATURE":"AAAA"}}`},
		{"RespondToAuthChallenge", `{"ChallengeName":"SMS_MFA","ClientId":"fuzzclient","Session":"x","ChallengeResponses":{"USERNAME":"alice","SMS_MFA_CODE":"1"}}`},
		{"SignUp", `{"ClientId":"fuzzclient","Username":"carol","Password":"Passw0rd!x","UserAttributes":[{"Name":"email","Value":"c@x"}]}`},
		{"ConfirmDevice", `{"AccessToken":"a.b.c","DeviceKey":"us-east-1_x","DeviceSecretVerifierConfig":{"PasswordVerifier":"AQ==","Salt":"AQ=="}}`},
		{"AdminCreateUser", `{"UserPoolId":"us-east-1_Fuzz","Username":"dave"}`},
		{"CreateUserPool", `{"PoolName":"p"}`},
		{"GetUser", `{"AccessToken":"eyJhbGciOiJub25lIn0.e30."}`},
		{"InitiateAuth", `null`},
		{"InitiateAuth", `[]`},
		{"InitiateAuth", `{"AuthFlow":7}`},
		{"InitiateAuth", ``},
		{"NoSuchOperation", `{}`},
	} {
		f.Add(opIndex(seed.op), seed.body)
	}
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		s, err := idp.New(idp.Options{
			SigningKey: key, Endpoint: "http://127.0.0.1:1",
			// Unsigned control-plane calls reach their handlers, whose
			// decoding is what is fuzzed (the signature check has its own
			// tests in controlplane_test.go).
			InsecureAdmin: true,
			Clock:         func() time.Time { return time.Date(2019, 1, 1, 6, 6, 9, 0, time.UTC) },
		})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.CreatePool(idp.PoolConfig{ID: poolID, Name: "fuzz"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateClient(poolID, idp.ClientConfig{ID: clientID, Name: "fuzz"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(poolID, idp.UserConfig{Username: "alice", Password: password}); err != nil {
			t.Fatal(err)
		}
		target := "NoSuchOperation"
		if int(op) < len(ops) {
			target = ops[op]
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		out := w.Body.Bytes()
		if bytes.Contains(out, []byte(password)) {
			t.Fatalf("%s: the answer contains the user's password", target)
		}
		if w.Code == http.StatusOK {
			if !json.Valid(out) {
				t.Fatalf("%s: 200 with a body that is not JSON: %.100q", target, out)
			}
			return
		}
		var e struct {
			Type    *string `json:"__type"`
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(out, &e); err != nil || e.Type == nil || *e.Type == "" || e.Message == nil {
			t.Fatalf("%s: HTTP %d with body %.200q: want JSON {__type, message}", target, w.Code, out)
		}
		if w.Code >= 500 {
			t.Fatalf("%s: HTTP %d %s %q for a client's request", target, w.Code, *e.Type, *e.Message)
		}
	})
}
