package flow_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/flow"
)

// fakeCognito stands in for a real transport (transport/awsjson or
// transport/awssdk): USER_PASSWORD_AUTH, then SMS_MFA, then tokens.
type fakeCognito struct{}

func (fakeCognito) Call(ctx context.Context, op flow.Operation, in json.RawMessage) (json.RawMessage, error) {
	var req struct {
		ChallengeResponses map[string]string
		Session            string
	}
	json.Unmarshal(in, &req)
	switch {
	case op == flow.OpInitiateAuth:
		return json.RawMessage(`{"ChallengeName":"SMS_MFA","Session":"session-1",
			"ChallengeParameters":{"USERNAME":"alice","CODE_DELIVERY_DELIVERY_MEDIUM":"SMS","CODE_DELIVERY_DESTINATION":"+*******0100"}}`), nil
	case op == flow.OpRespondToAuthChallenge && req.Session == "session-1" && req.ChallengeResponses["SMS_MFA_CODE"] == "123456":
		return json.RawMessage(`{"AuthenticationResult":{"AccessToken":"eyJ.access","IdToken":"eyJ.id","RefreshToken":"eyJ.refresh","ExpiresIn":3600,"TokenType":"Bearer"}}`), nil
	}
	return nil, &flow.APIError{Type: "CodeMismatchException", Message: "Invalid code received for user", StatusCode: 400}
}

// Run signs in, asking the Prompter for the MFA code.
func ExampleRun() {
	m, err := flow.New(flow.Config{
		UserPoolID: "us-east-1_Xz7Pq3mWd",
		ClientID:   "3n4b5urk1ft4fl3mg5e62d9ado",
		Username:   "alice",
		Password:   "correct horse battery staple",
		Flow:       flow.UserPasswordAuth,
	})
	if err != nil {
		panic(err)
	}
	askCode := flow.PrompterFunc(func(ctx context.Context, p *flow.Prompt) (flow.Answer, error) {
		fmt.Printf("%s: code sent to %s\n", p.Challenge, p.Delivery.Destination)
		return flow.Answer{Code: "123456"}, nil
	})
	res, err := flow.Run(context.Background(), m, fakeCognito{}, askCode)
	if err != nil {
		panic(err)
	}
	fmt.Println("access token:", res.Tokens.AccessToken)
	// Output:
	// SMS_MFA: code sent to +*******0100
	// access token: eyJ.access
}

// A web sign-in in two handlers: the first starts the machine and stops at
// the MFA prompt, sealing its state into a cookie; the second, possibly on
// another host, restores it from the cookie (no password needed), answers
// and gets the tokens.
func Example_webSignInWithCookie() {
	key := make([]byte, 32) // shared by every instance of the service
	rand.Read(key)
	cognito := fakeCognito{}
	config := func() flow.Config {
		return flow.Config{UserPoolID: "us-east-1_Xz7Pq3mWd", ClientID: "3n4b5urk1ft4fl3mg5e62d9ado", Flow: flow.UserPasswordAuth}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		cfg := config()
		cfg.Username, cfg.Password = r.FormValue("username"), r.FormValue("password")
		m, err := flow.New(cfg)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		step := flow.Advance(r.Context(), m, cognito, m.Start())
		if step.Prompt == nil {
			http.Error(w, "sign-in failed", http.StatusUnauthorized)
			return
		}
		state, err := m.Seal(key)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "signin", Value: encodeCookie(state), Path: "/",
			HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: 180})
		fmt.Fprintf(w, "enter the code sent to %s", step.Prompt.Delivery.Destination)
	})
	mux.HandleFunc("POST /mfa", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("signin")
		if err != nil {
			http.Error(w, "no sign-in in progress", http.StatusBadRequest)
			return
		}
		state, err := decodeCookie(c.Value)
		if err != nil {
			http.Error(w, "no sign-in in progress", http.StatusBadRequest)
			return
		}
		m, err := flow.Restore(config(), state, key) // ErrExpired after 3 minutes
		if err != nil {
			http.Error(w, "sign-in expired, start again", http.StatusBadRequest)
			return
		}
		step := flow.Advance(r.Context(), m, cognito, m.Answer(flow.Answer{Code: r.FormValue("code")}))
		if step.Result == nil {
			http.Error(w, "wrong code", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "signin", Path: "/", MaxAge: -1})
		fmt.Fprintf(w, "signed in, token expires %s", step.Result.Tokens.Expiry.Format(time.DateOnly))
	})

	// A browser: log in, then send the code with the cookie it got.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, form("/login", url.Values{"username": {"alice"}, "password": {"correct horse battery staple"}}))
	fmt.Println(rec.Body.String())
	cookie := rec.Result().Cookies()[0]

	rec = httptest.NewRecorder()
	req := form("/mfa", url.Values{"code": {"123456"}})
	req.AddCookie(cookie)
	mux.ServeHTTP(rec, req)
	fmt.Println(strings.HasPrefix(rec.Body.String(), "signed in"))
	// Output:
	// enter the code sent to +*******0100
	// true
}

func form(path string, v url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// Cookie values are base64url; a sealed state is about 200 bytes.
func encodeCookie(b []byte) string { return base64URL.EncodeToString(b) }
func decodeCookie(s string) ([]byte, error) {
	return base64URL.DecodeString(s)
}

// LoggingTransport logs each call with secrets redacted.
func ExampleLoggingTransport() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == "time" || a.Key == "latency" {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	m, _ := flow.New(flow.Config{UserPoolID: "us-east-1_Xz7Pq3mWd", ClientID: "3n4b5urk1ft4fl3mg5e62d9ado",
		Username: "alice", Password: "hunter2-hunter2", Flow: flow.UserPasswordAuth})
	t := flow.LoggingTransport(fakeCognito{}, logger)
	step := flow.Advance(context.Background(), m, t, m.Start())
	step = flow.Advance(context.Background(), m, t, m.Answer(flow.Answer{Code: "123456"}))
	fmt.Println(step.Result != nil)
	// Output:
	// level=INFO msg="cognito call" op=InitiateAuth challenge="" next=SMS_MFA status=ok request="{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"AuthParameters\":{\"PASSWORD\":\"[redacted]\",\"USERNAME\":\"alice\"},\"ClientId\":\"3n4b5urk1ft4fl3mg5e62d9ado\"}" response="{\"ChallengeName\":\"SMS_MFA\",\"ChallengeParameters\":{\"CODE_DELIVERY_DELIVERY_MEDIUM\":\"SMS\",\"CODE_DELIVERY_DESTINATION\":\"+*******0100\",\"USERNAME\":\"alice\"},\"Session\":\"[redacted]\"}"
	// level=INFO msg="cognito call" op=RespondToAuthChallenge challenge=SMS_MFA next="" status=ok request="{\"ChallengeName\":\"SMS_MFA\",\"ChallengeResponses\":{\"SMS_MFA_CODE\":\"[redacted]\",\"USERNAME\":\"alice\"},\"ClientId\":\"3n4b5urk1ft4fl3mg5e62d9ado\",\"Session\":\"[redacted]\"}" response="{\"AuthenticationResult\":{\"AccessToken\":\"[redacted]\",\"ExpiresIn\":3600,\"IdToken\":\"[redacted]\",\"RefreshToken\":\"[redacted]\",\"TokenType\":\"Bearer\"}}"
	// true
}

// RedactJSON is for transports that log bodies themselves.
func ExampleRedactJSON() {
	body := []byte(`{"ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"USERNAME":"alice","PASSWORD_CLAIM_SIGNATURE":"c2ln","SECRET_HASH":"aGFzaA==","TIMESTAMP":"Tue Mar 5 09:07:03 UTC 2024"},"Session":"AYABe..."}`)
	fmt.Println(string(flow.RedactJSON(body)))
	// Output:
	// {"ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"PASSWORD_CLAIM_SIGNATURE":"[redacted]","SECRET_HASH":"[redacted]","TIMESTAMP":"Tue Mar 5 09:07:03 UTC 2024","USERNAME":"alice"},"Session":"[redacted]"}
}

var base64URL = base64.RawURLEncoding
