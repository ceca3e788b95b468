package badinput

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

// hostile is one misbehaving HTTP server and what the transport must make
// of its answer.
type hostile struct {
	name    string
	handler http.HandlerFunc
	timeout time.Duration // the caller's context deadline; 5 s when zero
	wantIs  []error
	wantAs  func(error) bool
	known   string // a reported gap: see bad.known
}

func isResponseErr(err error) bool {
	var re *awsjson.ResponseError
	return errors.As(err, &re)
}

func isAPIErr(err error) bool {
	var ae *flow.APIError
	return errors.As(err, &ae)
}

func TestHostileServer(t *testing.T) {
	okJSON := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(body))
		}
	}
	status := func(code int, ctype, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			if ctype != "" {
				w.Header().Set("Content-Type", ctype)
			}
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}
	}
	cases := []hostile{
		{name: "500-html", handler: status(500, "text/html", "<html><body><h1>Internal Server Error</h1></body></html>"), wantAs: isResponseErr},
		{name: "502-empty", handler: status(502, "", ""), wantAs: isResponseErr},
		{name: "200-html", handler: status(200, "text/html", "<html>hello</html>"), wantIs: is(awsjson.ErrUnexpectedContentType), wantAs: isResponseErr},
		{name: "200-truncated-json", handler: okJSON(`{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParam`), wantAs: func(err error) bool {
			return errors.Is(err, awsjson.ErrTruncatedResponse) || errors.Is(err, awsjson.ErrMalformedResponse)
		}},
		{name: "200-not-json", handler: okJSON(`ChallengeName=PASSWORD_VERIFIER`), wantIs: is(awsjson.ErrMalformedResponse)},
		{name: "200-json-array", handler: okJSON(`["PASSWORD_VERIFIER"]`), wantAs: isResponseErr},
		{name: "200-short-body", handler: func(w http.ResponseWriter, _ *http.Request) {
			// Content-Length promises more than is sent; the connection
			// then closes.
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`{"ChallengeName":`))
		}, wantIs: is(awsjson.ErrTruncatedResponse)},
		{name: "200-100MB-body", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			chunk := []byte(strings.Repeat("A", 1<<20))
			_, _ = w.Write([]byte(`{"Session":"`))
			for range 100 {
				if _, err := w.Write(chunk); err != nil || r.Context().Err() != nil {
					return
				}
			}
			_, _ = w.Write([]byte(`"}`))
		}, wantIs: is(awsjson.ErrResponseTooLarge)},
		{name: "never-answers", timeout: 300 * time.Millisecond, handler: func(w http.ResponseWriter, r *http.Request) {
			// Read the request so that the server notices the client
			// hanging up; give up after 10 s in any case.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, wantIs: is(context.DeadlineExceeded)},
		{name: "dribbles-past-deadline", timeout: 300 * time.Millisecond, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(200)
			for {
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}, wantIs: is(context.DeadlineExceeded)},
		{name: "400-not-authorized", handler: status(400, "application/x-amz-json-1.1", `{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`), wantIs: is(flow.ErrNotAuthorized), wantAs: isAPIErr},
		{name: "400-prefixed-type", handler: status(400, "application/x-amz-json-1.1", `{"__type":"com.amazonaws.cognito#NotAuthorizedException","message":"x"}`), wantIs: is(flow.ErrNotAuthorized)},
		{name: "400-type-in-header-only", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("x-amzn-ErrorType", "UserNotFoundException:http://internal.amazon.com/")
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{}`))
		}, wantIs: is(flow.ErrUserNotFound)},
		{name: "400-no-type", handler: status(400, "application/x-amz-json-1.1", `{"message":"something"}`), wantIs: is(awsjson.ErrUnrecognizedError)},
		{name: "400-type-number", handler: status(400, "application/x-amz-json-1.1", `{"__type":42}`), wantAs: func(err error) bool { return isResponseErr(err) || isAPIErr(err) }},
		{name: "503-throttled", handler: status(503, "application/x-amz-json-1.1", `{"__type":"TooManyRequestsException","message":"Rate exceeded"}`), wantIs: is(flow.ErrTooManyRequests)},
		{name: "400-control-chars-in-type", handler: status(400, "application/x-amz-json-1.1", `{"__type":"Not\u001b[31mAuthorized\n","message":"m"}`), wantAs: func(err error) bool {
			return !strings.ContainsAny(err.Error(), "\x1b\n") && (isAPIErr(err) || isResponseErr(err))
		}},
		{name: "400-control-chars-in-message", handler: status(400, "application/x-amz-json-1.1", `{"__type":"NotAuthorizedException","message":"\u001b]0;pwned\u0007\u001b[2J"}`), wantAs: func(err error) bool {
			return !strings.ContainsAny(err.Error(), "\x1b\x07") && isAPIErr(err)
		}},
		{name: "hangs-up", handler: func(w http.ResponseWriter, _ *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = c.Close()
			}
		}, wantAs: func(err error) bool { return err != nil }},
		{name: "redirect", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
		}, wantAs: isResponseErr},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := httptest.NewServer(c.handler)
			defer ts.Close()
			tr, err := awsjson.New(awsjson.Options{Endpoint: ts.URL, HTTPClient: ts.Client()})
			if err != nil {
				t.Fatal(err)
			}
			timeout := c.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			begin := time.Now()
			var out json.RawMessage
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				out, err = tr.Call(ctx, flow.OpInitiateAuth, json.RawMessage(`{"AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"alice","SRP_A":"02"},"ClientId":"c"}`))
			}()
			if err == nil {
				t.Fatalf("answer accepted: %.64q", out)
			}
			if c.known != "" {
				if c.wantAs(err) {
					t.Logf("known gap %q appears fixed: remove the mark", c.known)
					return
				}
				t.Skipf("known gap (reported): %s; got %q", c.known, err)
			}
			if d := time.Since(begin); d > timeout+2*time.Second {
				t.Errorf("took %v with a %v deadline", d, timeout)
			}
			for _, want := range c.wantIs {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not match %v", err, want)
				}
			}
			if c.wantAs != nil && !c.wantAs(err) {
				t.Errorf("error %q (%T) is not of the expected type", err, err)
			}
			checkNoSecret(t, err)
		})
	}
	t.Logf("%d cases", len(cases))
}
