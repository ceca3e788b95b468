package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/flow"
)

// serve starts a test server with h and a Transport pointed at it.
func serve(t *testing.T, h http.HandlerFunc, opts Options) (*Transport, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.Endpoint = srv.URL
	tr, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr, srv
}

// answer returns a handler that replies with status, content type, extra
// headers and body.
func answer(status int, ctype, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		} else {
			w.Header()["Content-Type"] = nil // no sniffing: send none
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestRequestShape(t *testing.T) {
	const in = `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"c1","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`
	const out = `{"AuthenticationResult":{"AccessToken":"a","ExpiresIn":3600,"TokenType":"Bearer"},"ChallengeParameters":{}}`
	var got struct {
		method, path, ctype, target, ua string
		body                            []byte
	}
	tr, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path = r.Method, r.URL.Path
		got.ctype, got.target = r.Header.Get("Content-Type"), r.Header.Get("X-Amz-Target")
		got.ua = r.Header.Get("User-Agent")
		got.body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, out+"\n")
	}, Options{UserAgent: "myapp/2"})

	res, err := tr.Call(context.Background(), flow.OpInitiateAuth, json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(res) != out {
		t.Errorf("result = %s, want %s", res, out)
	}
	if got.method != "POST" || got.path != "/" {
		t.Errorf("request line = %s %s, want POST /", got.method, got.path)
	}
	if got.ctype != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", got.ctype)
	}
	if got.target != "AWSCognitoIdentityProviderService.InitiateAuth" {
		t.Errorf("X-Amz-Target = %q", got.target)
	}
	if !strings.HasPrefix(got.ua, "caldera/") || !strings.HasSuffix(got.ua, " myapp/2") {
		t.Errorf("User-Agent = %q, want caldera/<version> myapp/2", got.ua)
	}
	if string(got.body) != in {
		t.Errorf("body = %s, want %s", got.body, in)
	}
}

func TestNilInputSendsEmptyObject(t *testing.T) {
	var body []byte
	tr, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, "{}")
	}, Options{})
	if _, err := tr.Call(context.Background(), flow.OpUpdateDeviceStatus, nil); err != nil {
		t.Fatal(err)
	}
	if string(body) != "{}" {
		t.Errorf("body = %q, want {}", body)
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	var hits atomic.Int32
	tr, _ := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }, Options{})
	cases := []struct {
		op   flow.Operation
		in   string
		want error
	}{
		{"InitiateAuth\r\nX-Evil: 1", `{}`, ErrInvalidOperation},
		{"", `{}`, ErrInvalidOperation},
		{flow.OpInitiateAuth, `[1]`, ErrInvalidInput},
		{flow.OpInitiateAuth, `{"a":`, ErrInvalidInput},
		{flow.OpInitiateAuth, `"x"`, ErrInvalidInput},
		{flow.OpAdminInitiateAuth, `{}`, ErrSigningRequired},
		{flow.OpAdminRespondToAuthChallenge, `{}`, ErrSigningRequired},
	}
	for _, c := range cases {
		_, err := tr.Call(context.Background(), c.op, json.RawMessage(c.in))
		if !errors.Is(err, c.want) {
			t.Errorf("Call(%q, %s) = %v, want %v", c.op, c.in, err, c.want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestSignHook(t *testing.T) {
	const in = `{"UserPoolId":"eu-west-1_abc","ClientId":"c","AuthFlow":"ADMIN_USER_PASSWORD_AUTH"}`
	var auth string
	tr, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Session":"s"}`)
	}, Options{Sign: func(ctx context.Context, req *http.Request, payload []byte) error {
		if string(payload) != in {
			t.Errorf("payload = %s", payload)
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 test")
		return nil
	}})
	if _, err := tr.Call(context.Background(), flow.OpAdminInitiateAuth, json.RawMessage(in)); err != nil {
		t.Fatal(err)
	}
	if auth != "AWS4-HMAC-SHA256 test" {
		t.Errorf("Authorization = %q", auth)
	}

	boom := errors.New("no credentials")
	tr2, _ := serve(t, answer(200, "", "{}"), Options{Sign: func(context.Context, *http.Request, []byte) error { return boom }})
	if _, err := tr2.Call(context.Background(), flow.OpAdminInitiateAuth, nil); !errors.Is(err, boom) {
		t.Errorf("sign failure: got %v", err)
	}
}

func TestEndpointResolution(t *testing.T) {
	good := []struct{ region, endpoint, want string }{
		{"us-east-1", "", "https://cognito-idp.us-east-1.amazonaws.com/"},
		{"eu-central-2", "", "https://cognito-idp.eu-central-2.amazonaws.com/"},
		{"us-gov-west-1", "", "https://cognito-idp.us-gov-west-1.amazonaws.com/"},
		{"cn-north-1", "", "https://cognito-idp.cn-north-1.amazonaws.com.cn/"},
		{"", "http://127.0.0.1:5000", "http://127.0.0.1:5000/"},
		{"", "https://proxy.example/cognito/", "https://proxy.example/cognito/"},
	}
	for _, c := range good {
		tr, err := New(Options{Region: c.region, Endpoint: c.endpoint})
		if err != nil {
			t.Errorf("New(%q, %q): %v", c.region, c.endpoint, err)
			continue
		}
		if tr.Endpoint() != c.want {
			t.Errorf("New(%q, %q).Endpoint() = %q, want %q", c.region, c.endpoint, tr.Endpoint(), c.want)
		}
	}
	bad := []struct {
		region, endpoint string
		want             error
	}{
		{"", "", ErrInvalidEndpoint},
		{"us-east-1", "http://x", ErrInvalidEndpoint},
		{"US-EAST-1", "", ErrInvalidRegion},
		{"us-east-1.evil.example", "", ErrInvalidRegion},
		{"us-east-1/", "", ErrInvalidRegion},
		{"evil.example/x?us-east-1", "", ErrInvalidRegion},
		{"localhost", "", ErrInvalidRegion},
		{"us-east", "", ErrInvalidRegion},
		{"us-iso-east-1", "", ErrInvalidRegion},
		{"", "ftp://host/", ErrInvalidEndpoint},
		{"", "http://", ErrInvalidEndpoint},
		{"", "127.0.0.1:5000", ErrInvalidEndpoint},
		{"", "http://user:pw@host/", ErrInvalidEndpoint},
		{"", "http://host/?a=b", ErrInvalidEndpoint},
		{"", "http://host/#frag", ErrInvalidEndpoint},
		{"", "http://[::1", ErrInvalidEndpoint},
	}
	for _, c := range bad {
		if _, err := New(Options{Region: c.region, Endpoint: c.endpoint}); !errors.Is(err, c.want) {
			t.Errorf("New(%q, %q) = %v, want %v", c.region, c.endpoint, err, c.want)
		}
	}
	if _, err := New(Options{Region: "us-east-1", UserAgent: "a\r\nX: y"}); err == nil {
		t.Error("UserAgent with CRLF accepted")
	}
}

func TestServiceErrors(t *testing.T) {
	cases := []struct {
		name         string
		status       int
		ctype, body  string
		hdr          []string
		wantType     string
		wantMsg      string
		wantSentinel error
	}{
		{"cognito", 400, "application/x-amz-json-1.1",
			`{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`, nil,
			"NotAuthorizedException", "Incorrect username or password.", flow.ErrNotAuthorized},
		{"prefix#", 400, "application/x-amz-json-1.1",
			`{"__type":"com.amazonaws.cognito.identity.idp.model#UserNotFoundException","message":"User does not exist."}`, nil,
			"UserNotFoundException", "User does not exist.", flow.ErrUserNotFound},
		{"prefix#type:suffix", 400, "application/x-amz-json-1.1",
			`{"__type":"aws.coral#ExpiredCodeException:http://internal.amazon.com/coral/x/","Message":"Invalid code."}`, nil,
			"ExpiredCodeException", "Invalid code.", flow.ErrExpiredCode},
		{"code field", 400, "application/json",
			`{"code":"CodeMismatchException","message":"Invalid code received for user"}`, nil,
			"CodeMismatchException", "Invalid code received for user", flow.ErrCodeMismatch},
		{"moto", 400, "application/json",
			`{"__type": "ResourceNotFoundException", "message": "x"}`, []string{"X-Amzn-ErrorType", "ResourceNotFoundException"},
			"ResourceNotFoundException", "x", flow.ErrResourceNotFound},
		{"header only", 429, "application/x-amz-json-1.1",
			`{}`, []string{"X-Amzn-ErrorType", "TooManyRequestsException:http://internal.amazon.com/"},
			"TooManyRequestsException", "", flow.ErrTooManyRequests},
		{"header with html body", 503, "text/html",
			`<html><body>Slow down</body></html>`, []string{"x-amzn-errortype", "LimitExceededException"},
			"LimitExceededException", "", flow.ErrLimitExceeded},
		{"body wins over header", 400, "application/x-amz-json-1.1",
			`{"__type":"PasswordResetRequiredException","message":"Password reset required for the user"}`,
			[]string{"X-Amzn-ErrorType", "SomethingElse"},
			"PasswordResetRequiredException", "Password reset required for the user", flow.ErrPasswordResetRequired},
		{"500 json", 500, "application/x-amz-json-1.1",
			`{"__type":"InternalErrorException","message":"oops"}`, nil,
			"InternalErrorException", "oops", flow.ErrInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := serve(t, answer(c.status, c.ctype, c.body, c.hdr...), Options{})
			_, err := tr.Call(context.Background(), flow.OpRespondToAuthChallenge, json.RawMessage(`{}`))
			var ae *flow.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *flow.APIError", err, err)
			}
			if ae.Type != c.wantType || ae.Message != c.wantMsg || ae.StatusCode != c.status {
				t.Errorf("got {%q %q %d}, want {%q %q %d}", ae.Type, ae.Message, ae.StatusCode, c.wantType, c.wantMsg, c.status)
			}
			if !errors.Is(err, c.wantSentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, c.wantSentinel)
			}
		})
	}
}

// responseError asserts that err is a *ResponseError of kind with status.
func responseError(t *testing.T, err error, kind error, status int) *ResponseError {
	t.Helper()
	var re *ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want *ResponseError", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("err = %v, want kind %v", err, kind)
	}
	if re.StatusCode != status {
		t.Errorf("StatusCode = %d, want %d", re.StatusCode, status)
	}
	var ae *flow.APIError
	if errors.As(err, &ae) {
		t.Errorf("err is also an APIError: %v", ae)
	}
	return re
}

func TestHostileErrorFields(t *testing.T) {
	// A type that is not a type name is ignored, falling back to the
	// header, else to a ResponseError; messages are kept but made safe to
	// print.
	tr, _ := serve(t, answer(400, "application/x-amz-json-1.1", `{"__type":"Not\u001b[31mAuthorized\n","message":"m"}`), Options{})
	_, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	responseError(t, err, ErrUnrecognizedError, 400)
	if strings.ContainsAny(err.Error(), "\x1b\n") {
		t.Errorf("Error() = %q carries control characters", err)
	}

	tr, _ = serve(t, answer(400, "application/x-amz-json-1.1", `{"__type":42,"message":"Rate exceeded"}`,
		"X-Amzn-ErrorType", "TooManyRequestsException"), Options{})
	_, err = tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	var ae *flow.APIError
	if !errors.As(err, &ae) || ae.Type != "TooManyRequestsException" || ae.Message != "Rate exceeded" {
		t.Errorf("numeric __type with a header: %#v", err)
	}

	tr, _ = serve(t, answer(400, "application/x-amz-json-1.1", `{"__type":"NotAuthorizedException","message":"bad\u001b[2Jclear\u202Eevil"}`), Options{})
	_, err = tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	if !errors.As(err, &ae) || ae.Message != "bad\uFFFD[2Jclear\uFFFDevil" || !errors.Is(err, flow.ErrNotAuthorized) {
		t.Errorf("message with control characters: %#v", err)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	for _, code := range []int{301, 302, 307, 308} {
		tr, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/latest/meta-data/", code)
		}, Options{HTTPClient: &http.Client{}})
		_, err := tr.Call(context.Background(), flow.OpConfirmDevice, json.RawMessage(`{"AccessToken":"secret-token"}`))
		responseError(t, err, ErrUnrecognizedError, code)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("redirect followed %d times", n)
	}
}

func TestTruncatedIsMalformed(t *testing.T) {
	if !errors.Is(ErrTruncatedResponse, ErrMalformedResponse) {
		t.Error("ErrTruncatedResponse is not an ErrMalformedResponse")
	}
	if errors.Is(ErrMalformedResponse, ErrTruncatedResponse) {
		t.Error("every ErrMalformedResponse is an ErrTruncatedResponse")
	}
}

func TestHTML500(t *testing.T) {
	page := "<html>\r\n<head><title>500 Internal Server Error</title></head>\n\n<body>\x1b[31m caf\xc3\xa9 " +
		strings.Repeat("padding ", 200) + "</body></html>"
	tr, _ := serve(t, answer(500, "text/html; charset=utf-8", page), Options{})
	_, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	re := responseError(t, err, ErrUnrecognizedError, 500)
	if !strings.HasPrefix(re.Excerpt, "<html> <head><title>500 Internal Server Error</title></head> <body>?[31m caf?? padding") {
		t.Errorf("Excerpt = %q", re.Excerpt)
	}
	if len(re.Excerpt) > excerptLen+3 || !strings.HasSuffix(re.Excerpt, "...") {
		t.Errorf("Excerpt not bounded: %d bytes", len(re.Excerpt))
	}
	for _, c := range []byte(re.Excerpt) {
		if c < 0x20 || c > 0x7e {
			t.Fatalf("Excerpt has byte %#x", c)
		}
	}
	if !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("Error() = %q lacks the status", err)
	}
}

func TestErrorStatusWithoutType(t *testing.T) {
	tr, _ := serve(t, answer(403, "application/json", `{"message":"Forbidden"}`), Options{})
	_, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	re := responseError(t, err, ErrUnrecognizedError, 403)
	if re.Excerpt != `{"message":"Forbidden"}` {
		t.Errorf("Excerpt = %q", re.Excerpt)
	}
	tr, _ = serve(t, answer(502, "application/json", `{"__type":"X","message":"tru`), Options{})
	_, err = tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	responseError(t, err, ErrTruncatedResponse, 502)
}

func TestBadSuccessBodies(t *testing.T) {
	cases := []struct {
		name, ctype, body string
		want              error
	}{
		{"truncated", "application/x-amz-json-1.1", `{"AuthenticationResult":{"AccessToken":"eyJ`, ErrTruncatedResponse},
		{"truncated after key", "application/x-amz-json-1.1", `{"Session"`, ErrTruncatedResponse},
		{"trailing garbage", "application/x-amz-json-1.1", `{"Session":"s"} x`, ErrMalformedResponse},
		{"two objects", "application/x-amz-json-1.1", `{}{}`, ErrMalformedResponse},
		{"array", "application/x-amz-json-1.1", `[{"Session":"s"}]`, ErrMalformedResponse},
		{"string", "application/x-amz-json-1.1", `"ok"`, ErrMalformedResponse},
		{"not json", "application/x-amz-json-1.1", `OK`, ErrMalformedResponse},
		{"html", "text/html", `<html><body>Login</body></html>`, ErrUnexpectedContentType},
		{"json in text/plain", "text/plain", `{}`, ErrUnexpectedContentType},
		{"bad media type", "application/", `{}`, ErrUnexpectedContentType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := serve(t, answer(200, c.ctype, c.body), Options{})
			_, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
			responseError(t, err, c.want, 200)
		})
	}
}

func TestAcceptedSuccessBodies(t *testing.T) {
	cases := []struct{ ctype, body, want string }{
		{"application/x-amz-json-1.1", `{"Session":"s"}`, `{"Session":"s"}`},
		{"application/x-amz-json-1.1; charset=UTF-8", ` {"Session":"s"} `, `{"Session":"s"}`},
		{"application/json", `{"Session":"s"}`, `{"Session":"s"}`}, // moto answers application/json
		{"application/x-amz-json-1.0", `{}`, `{}`},
		{"", `{}`, `{}`},
		{"application/x-amz-json-1.1", ``, `{}`},
	}
	for _, c := range cases {
		tr, _ := serve(t, answer(200, c.ctype, c.body), Options{})
		got, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
		if err != nil || string(got) != c.want {
			t.Errorf("%q %q: got %s, %v; want %s", c.ctype, c.body, got, err, c.want)
		}
	}
}

// TestShortBody: the server announces more bytes than it sends.
func TestShortBody(t *testing.T) {
	tr, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, `{"Session":"abc"}`)
	}, Options{})
	_, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	responseError(t, err, ErrTruncatedResponse, 200)
}

func TestSizeBoundary(t *testing.T) {
	body := `{"Session":"` + strings.Repeat("s", 50) + `"}` // 64 bytes
	if len(body) != 64 {
		t.Fatal(len(body))
	}
	tr, _ := serve(t, answer(200, "application/x-amz-json-1.1", body), Options{MaxResponseBytes: 64})
	if got, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil); err != nil || string(got) != body {
		t.Errorf("64-byte body with a 64-byte bound: %s, %v", got, err)
	}
	tr, _ = serve(t, answer(200, "application/x-amz-json-1.1", body+" "), Options{MaxResponseBytes: 64})
	_, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	responseError(t, err, ErrResponseTooLarge, 200)
}

// hugeBody writes n bytes of a JSON object that never ends, chunked unless
// withLength.
func hugeBody(n int64, withLength bool, status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if withLength {
			w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		}
		w.WriteHeader(status)
		chunk := bytes.Repeat([]byte("a"), 32<<10)
		_, _ = io.WriteString(w, `{"Session":"`)
		for sent := int64(12); sent < n; sent += int64(len(chunk)) {
			if _, err := w.Write(chunk[:min(int64(len(chunk)), n-sent)]); err != nil {
				return // the client hung up, as it should
			}
		}
	}
}

func TestHugeBodyIsBounded(t *testing.T) {
	const hundredMB = 100 << 20
	for _, c := range []struct {
		name       string
		withLength bool
		status     int
	}{
		{"chunked", false, 200},
		{"content-length", true, 200},
		{"chunked error status", false, 500},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := serve(t, hugeBody(hundredMB, c.withLength, c.status), Options{})
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := tr.Call(context.Background(), flow.OpInitiateAuth, nil)
			runtime.ReadMemStats(&after)
			responseError(t, err, ErrResponseTooLarge, c.status)
			// The bound is 1 MiB; the buffer may double once. 100 MB read
			// would show as ≥ 100 MB here.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d bytes for a 100 MB body", alloc)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// serveStall starts a server that never answers until the test ends (or
// the client goes away), optionally after sending headers and a partial
// body.
func serveStall(t *testing.T, partial bool, opts Options) *Transport {
	stop := make(chan struct{})
	tr, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if partial {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"Session":`)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}, opts)
	// Registered after serve's srv.Close, so it runs before it.
	t.Cleanup(func() { close(stop) })
	return tr
}

func TestServerNeverAnswers(t *testing.T) {
	for _, partial := range []bool{false, true} {
		t.Run("partial="+strconv.FormatBool(partial), func(t *testing.T) {
			// The caller's deadline.
			tr := serveStall(t, partial, Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := tr.Call(ctx, flow.OpInitiateAuth, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("caller deadline: err = %v, want DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("caller deadline: returned after %v", d)
			}

			// The transport's own timeout.
			tr = serveStall(t, partial, Options{Timeout: 100 * time.Millisecond})
			_, err = tr.Call(context.Background(), flow.OpInitiateAuth, nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Options.Timeout: err = %v, want DeadlineExceeded", err)
			}

			// Cancellation.
			tr = serveStall(t, partial, Options{})
			ctx, cancel = context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			_, err = tr.Call(ctx, flow.OpInitiateAuth, nil)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancel: err = %v, want Canceled", err)
			}
		})
	}
}

type countingRT struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestInjectedHTTPClient(t *testing.T) {
	rt := &countingRT{next: http.DefaultTransport}
	tr, _ := serve(t, answer(200, "application/x-amz-json-1.1", `{}`), Options{HTTPClient: &http.Client{Transport: rt}})
	if _, err := tr.Call(context.Background(), flow.OpVerifySoftwareToken, json.RawMessage(`{"Session":"s","UserCode":"123456"}`)); err != nil {
		t.Fatal(err)
	}
	if rt.n.Load() != 1 {
		t.Errorf("injected client used %d times, want 1", rt.n.Load())
	}
}

func TestNetworkError(t *testing.T) {
	srv := httptest.NewServer(answer(200, "", "{}"))
	url := srv.URL
	srv.Close()
	tr, err := New(Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Call(context.Background(), flow.OpInitiateAuth, nil)
	var re *ResponseError
	var ae *flow.APIError
	if err == nil || errors.As(err, &re) || errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "awsjson: InitiateAuth:") {
		t.Errorf("connection refused: err = %v", err)
	}
}

// The service's request id travels with the error (what AWS support asks
// for); an implausible one is dropped.
func TestRequestID(t *testing.T) {
	for hdr, want := range map[string]string{
		"9e4d1c2b-0f3a-4b5c-8d7e-6f5a4b3c2d1e": "9e4d1c2b-0f3a-4b5c-8d7e-6f5a4b3c2d1e",
		"two words":                            "",
	} {
		tr, _ := serve(t, answer(400, "application/x-amz-json-1.1",
			`{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`, "X-Amzn-Requestid", hdr), Options{})
		_, err := tr.Call(context.Background(), flow.OpInitiateAuth, json.RawMessage(`{}`))
		var ae *flow.APIError
		if !errors.As(err, &ae) || ae.RequestID != want {
			t.Errorf("header %q: got %#v, want RequestID %q", hdr, err, want)
		}
	}
}

// TestPlainHTTPOnlyToLoopback: an http:// endpoint sends the password
// (USER_PASSWORD_AUTH), tokens and device secrets in clear, so New refuses
// one that is not loopback (issue 11 item 12) unless AllowInsecureHTTP is
// set. 127.0.0.0/8, ::1 and the name localhost are loopback.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	loopback := []struct{ endpoint, want string }{
		{"http://127.0.0.1:9229", "http://127.0.0.1:9229/"},
		{"http://127.45.6.7/cognito/", "http://127.45.6.7/cognito/"},
		{"http://[::1]:9229/", "http://[::1]:9229/"},
		{"http://[::ffff:127.0.0.1]:9229/", "http://[::ffff:127.0.0.1]:9229/"},
		{"http://localhost:9229", "http://localhost:9229/"},
		{"http://LocalHost", "http://LocalHost/"},
		{"https://cognito.example.com/", "https://cognito.example.com/"},
	}
	for _, c := range loopback {
		tr, err := New(Options{Endpoint: c.endpoint})
		if err != nil {
			t.Errorf("New(%q): %v", c.endpoint, err)
			continue
		}
		if tr.Endpoint() != c.want {
			t.Errorf("New(%q).Endpoint() = %q, want %q", c.endpoint, tr.Endpoint(), c.want)
		}
	}
	remote := []string{
		"http://cognito.example.com/",
		"http://10.0.0.1:9229/",
		"http://192.168.1.20:9229",
		"http://0.0.0.0:9229",
		"http://[::]:9229",
		"http://[fe80::1]:9229",
		"http://128.0.0.1/",
		"http://localhost.evil.example/",
		"http://127.0.0.1.nip.io/",
		"http://evil.localhost/",
		"http://2130706433/", // 127.0.0.1 as one number: not how a URL names loopback here
	}
	for _, ep := range remote {
		_, err := New(Options{Endpoint: ep})
		if !errors.Is(err, ErrInsecureEndpoint) || !errors.Is(err, ErrInvalidEndpoint) {
			t.Errorf("New(%q) = %v, want ErrInsecureEndpoint (an ErrInvalidEndpoint)", ep, err)
		}
		tr, err := New(Options{Endpoint: ep, AllowInsecureHTTP: true})
		if err != nil {
			t.Errorf("New(%q) with AllowInsecureHTTP: %v", ep, err)
			continue
		}
		if !strings.HasPrefix(tr.Endpoint(), "http://") {
			t.Errorf("New(%q) with AllowInsecureHTTP: endpoint %q", ep, tr.Endpoint())
		}
	}
}
