// Package awsjson is a flow.Transport that speaks the AWS JSON 1.1 protocol
// to a Cognito user-pool endpoint over plain HTTP, with no AWS SDK.
//
// Every call is a POST to the endpoint's path (normally "/") with
// Content-Type "application/x-amz-json-1.1" and
// "X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>"
// (docs/protocol.md §7). Plain http:// is refused except to loopback
// (ErrInsecureEndpoint; Options.AllowInsecureHTTP overrides). Requests are
// not signed. That suffices for the operations a sign-in sends as the user:
// InitiateAuth, RespondToAuthChallenge, GetTokensFromRefreshToken, and
// AssociateSoftwareToken, VerifySoftwareToken, ConfirmDevice and
// UpdateDeviceStatus (which carry an access token or a Session). The Admin* operations need AWS Signature Version 4; this
// transport refuses them with ErrSigningRequired unless Options.Sign is set.
// Use transport/awssdk to send them with the AWS SDK's credentials.
//
// Answers are read through a bound (Options.MaxResponseBytes, 1 MiB by
// default), every call has a deadline (Options.Timeout, 30 s by default,
// shortened by the caller's context), and everything the server can get
// wrong is a typed error: a service error is a *flow.APIError, anything
// else the server answers is a *ResponseError that matches one of the Err*
// sentinels with errors.Is. Redirects are never followed. An APIError's type
// is reduced to its bare name and its message has control characters
// replaced, so that printing an error cannot drive a terminal.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/transport/internal/apierr"
)

// Defaults applied when the matching Options field is zero.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 1 << 20
)

// targetPrefix is the service name of the X-Amz-Target header.
const targetPrefix = "AWSCognitoIdentityProviderService."

// contentType is the request media type of AWS JSON 1.1.
const contentType = "application/x-amz-json-1.1"

// excerptLen bounds the body excerpt kept in a ResponseError.
const excerptLen = 160

// SignFunc signs a request before it is sent, for example with AWS
// Signature Version 4. payload is the exact request body. It may set
// headers; it must not consume req.Body.
type SignFunc func(ctx context.Context, req *http.Request, payload []byte) error

// Options configure a Transport. Exactly one of Region and Endpoint is
// required.
type Options struct {
	// Region, such as "eu-west-1", selects the endpoint
	// https://cognito-idp.<region>.amazonaws.com/ (".amazonaws.com.cn" for
	// "cn-" regions).
	Region string

	// Endpoint overrides the region's endpoint: an absolute http or https
	// URL, for a local server or a proxy. Its path is the path POSTed to.
	// Plain http:// is accepted only to a loopback host (127.0.0.0/8, ::1,
	// or the name "localhost") unless AllowInsecureHTTP is set: the
	// requests carry passwords (USER_PASSWORD_AUTH), codes, tokens and
	// device verifiers.
	Endpoint string

	// AllowInsecureHTTP accepts an http:// Endpoint to any host, for a
	// server on a trusted network. Everything sent to it can be read and
	// changed on the way.
	AllowInsecureHTTP bool

	// HTTPClient sends the requests; http.DefaultClient when nil. The
	// transport uses a copy that never follows redirects (Cognito does not
	// redirect, and a redirect would carry the request body, with its
	// tokens or password, elsewhere): a 3xx answer is a *ResponseError.
	HTTPClient *http.Client

	// Timeout bounds each call, on top of the caller's context.
	// DefaultTimeout when zero; no bound of its own when negative.
	Timeout time.Duration

	// MaxResponseBytes bounds the body read from any answer.
	// DefaultMaxResponseBytes when zero or negative.
	MaxResponseBytes int64

	// UserAgent, when set, is appended to "caldera/<version>".
	UserAgent string

	// Sign, when set, signs every request; without it the Admin*
	// operations are refused with ErrSigningRequired.
	Sign SignFunc
}

// Transport sends Cognito operations as AWS JSON 1.1 over HTTP. It
// implements flow.Transport and is safe for concurrent use.
type Transport struct {
	endpoint  string
	client    *http.Client
	timeout   time.Duration
	maxBytes  int64
	userAgent string
	sign      SignFunc
}

var _ flow.Transport = (*Transport)(nil)

// Errors of configuration and of the request, before anything is sent.
var (
	ErrInvalidRegion    = errors.New("awsjson: invalid region")
	ErrInvalidEndpoint  = errors.New("awsjson: invalid endpoint URL")
	ErrInvalidOperation = errors.New("awsjson: invalid operation name")
	ErrInvalidInput     = errors.New("awsjson: input is not a JSON object")
	ErrSigningRequired  = errors.New("awsjson: operation needs AWS Signature Version 4 (set Options.Sign or use transport/awssdk)")
	// ErrInsecureEndpoint: an http:// Endpoint to a host that is not
	// loopback, without Options.AllowInsecureHTTP. It is also an
	// ErrInvalidEndpoint.
	ErrInsecureEndpoint = fmt.Errorf("%w: plain http:// to a host that is not loopback (use https, or set Options.AllowInsecureHTTP)", ErrInvalidEndpoint)
)

// Kinds of bad answers, matched with errors.Is on a *ResponseError.
var (
	// ErrResponseTooLarge: the body is longer than MaxResponseBytes.
	ErrResponseTooLarge = errors.New("awsjson: response body too large")
	// ErrMalformedResponse: the body is not one JSON object.
	ErrMalformedResponse = errors.New("awsjson: malformed JSON response body")
	// ErrTruncatedResponse: the body ends in the middle of its JSON value or
	// before its announced Content-Length. It is also an
	// ErrMalformedResponse.
	ErrTruncatedResponse = fmt.Errorf("%w: truncated", ErrMalformedResponse)
	// ErrUnexpectedContentType: a success answer that is not JSON.
	ErrUnexpectedContentType = errors.New("awsjson: unexpected response content type")
	// ErrUnrecognizedError: an error status with no error type in the body
	// or the x-amzn-errortype header (typically an HTML page from a proxy).
	ErrUnrecognizedError = errors.New("awsjson: error response without an error type")
)

// ResponseError is an answer the transport could not use: not a service
// error, not a valid success. It keeps the HTTP status and a short
// excerpt of the body made of printable ASCII only.
type ResponseError struct {
	Op          flow.Operation
	StatusCode  int
	ContentType string
	Excerpt     string
	Err         error // one of the ErrResponse*/ErrUnexpected*/ErrUnrecognized* kinds
}

func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v (%s: HTTP %d", e.Err, e.Op, e.StatusCode)
	if e.ContentType != "" {
		fmt.Fprintf(&b, ", %s", sanitize([]byte(e.ContentType), 64))
	}
	b.WriteString(")")
	if e.Excerpt != "" {
		fmt.Fprintf(&b, ": %q", e.Excerpt)
	}
	return b.String()
}

// Unwrap returns the kind of the error, for errors.Is.
func (e *ResponseError) Unwrap() error { return e.Err }

// regionRE matches AWS region names such as "us-east-1", "us-gov-west-1"
// or "ap-southeast-4".
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// opRE matches operation names: they go into a header.
var opRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,63}$`)

// New returns a Transport configured by opts.
func New(opts Options) (*Transport, error) {
	endpoint, err := resolveEndpoint(opts.Region, opts.Endpoint, opts.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}
	t := &Transport{
		endpoint:  endpoint,
		client:    opts.HTTPClient,
		timeout:   opts.Timeout,
		maxBytes:  opts.MaxResponseBytes,
		userAgent: "caldera/" + version(),
		sign:      opts.Sign,
	}
	if t.client == nil {
		t.client = http.DefaultClient
	}
	noRedirect := *t.client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.client = &noRedirect
	if t.timeout == 0 {
		t.timeout = DefaultTimeout
	}
	if t.maxBytes <= 0 {
		t.maxBytes = DefaultMaxResponseBytes
	}
	if ua := strings.TrimSpace(opts.UserAgent); ua != "" {
		if strings.ContainsAny(ua, "\r\n") {
			return nil, errors.New("awsjson: UserAgent contains a line break")
		}
		t.userAgent += " " + ua
	}
	return t, nil
}

// Endpoint returns the URL the transport POSTs to.
func (t *Transport) Endpoint() string { return t.endpoint }

func resolveEndpoint(region, override string, allowHTTP bool) (string, error) {
	switch {
	case region != "" && override != "":
		return "", fmt.Errorf("%w: set Region or Endpoint, not both", ErrInvalidEndpoint)
	case override != "":
		u, err := url.Parse(override)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalidEndpoint, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			return "", fmt.Errorf("%w: want http(s)://host[:port][/path], got %q", ErrInvalidEndpoint, override)
		}
		if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("%w: %q", ErrInsecureEndpoint, u.Hostname())
		}
		if u.Path == "" {
			u.Path = "/"
		}
		return u.String(), nil
	case region != "":
		if !regionRE.MatchString(region) {
			return "", fmt.Errorf("%w: %q", ErrInvalidRegion, region)
		}
		if strings.HasPrefix(region, "us-iso") {
			return "", fmt.Errorf("%w: %q is in an isolated partition; set Endpoint", ErrInvalidRegion, region)
		}
		suffix := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		return "https://cognito-idp." + region + "." + suffix + "/", nil
	default:
		return "", fmt.Errorf("%w: set Region or Endpoint", ErrInvalidEndpoint)
	}
}

// isLoopback reports whether host (a URL's Hostname) is a loopback address
// literal (127.0.0.0/8, ::1, an IPv4-mapped 127.x) or the name localhost.
// Other names are not resolved: what a name resolves to can change between
// this check and the request (and *.localhost is not loopback everywhere).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// Call sends op with input (a JSON object; nil means {}) and returns the
// JSON object the service answered. See the package doc for its errors.
func (t *Transport) Call(ctx context.Context, op flow.Operation, input json.RawMessage) (json.RawMessage, error) {
	if !opRE.MatchString(string(op)) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidOperation, sanitize([]byte(op), 64))
	}
	if strings.HasPrefix(string(op), "Admin") && t.sign == nil {
		return nil, fmt.Errorf("%w: %s", ErrSigningRequired, op)
	}
	payload := []byte(input)
	if len(bytes.TrimSpace(payload)) == 0 {
		payload = []byte("{}")
	}
	if !isJSONObject(payload) {
		return nil, fmt.Errorf("%w (%s)", ErrInvalidInput, op)
	}

	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("awsjson: %s: %w", op, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", targetPrefix+string(op))
	req.Header.Set("User-Agent", t.userAgent)
	req.Header.Set("Accept", "application/json")
	if t.sign != nil {
		if err := t.sign(ctx, req, payload); err != nil {
			return nil, fmt.Errorf("awsjson: signing %s: %w", op, err)
		}
	}

	resp, err := t.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("awsjson: %s: %w", op, err)
	}
	defer resp.Body.Close()
	return t.read(ctx, op, resp)
}

// read turns an HTTP answer into the JSON object or a typed error.
func (t *Transport) read(ctx context.Context, op flow.Operation, resp *http.Response) (json.RawMessage, error) {
	ctype := resp.Header.Get("Content-Type")
	fail := func(kind error, body []byte) error {
		return &ResponseError{Op: op, StatusCode: resp.StatusCode, ContentType: ctype,
			Excerpt: sanitize(body, excerptLen), Err: kind}
	}

	body, readErr := t.readBody(resp)
	if readErr != nil {
		// The caller's context (or our timeout) ending mid-body is that, not
		// a bad answer.
		if ctx.Err() != nil {
			return nil, fmt.Errorf("awsjson: %s: %w", op, ctx.Err())
		}
		if !errors.Is(readErr, ErrResponseTooLarge) && !errors.Is(readErr, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("awsjson: %s: reading response: %w", op, readErr)
		}
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, t.serviceError(op, resp, body, readErr, fail)
	}

	if ctype != "" && !isJSONMediaType(ctype) {
		return nil, fail(ErrUnexpectedContentType, body)
	}
	if readErr != nil {
		if errors.Is(readErr, ErrResponseTooLarge) {
			return nil, fail(ErrResponseTooLarge, body)
		}
		return nil, fail(ErrTruncatedResponse, body)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// AWS answers {} for an empty output; accept an empty body too.
		return json.RawMessage("{}"), nil
	}
	if kind := checkObject(body); kind != nil {
		return nil, fail(kind, body)
	}
	return json.RawMessage(bytes.TrimSpace(body)), nil
}

// readBody reads at most maxBytes of the body. It returns what it read and
// ErrResponseTooLarge when there is more (announced or actual), or
// io.ErrUnexpectedEOF when the body stops short of its Content-Length.
func (t *Transport) readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > t.maxBytes {
		// Keep a little for the excerpt, but do not read the rest.
		head, _ := io.ReadAll(io.LimitReader(resp.Body, excerptLen))
		return head, ErrResponseTooLarge
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + 1)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, t.maxBytes+1))
	if err != nil {
		return buf.Bytes(), err
	}
	if int64(buf.Len()) > t.maxBytes {
		return buf.Bytes()[:t.maxBytes], ErrResponseTooLarge
	}
	return buf.Bytes(), nil
}

// serviceError builds the error for a non-2xx answer: a *flow.APIError when
// the type is known from the body's __type (or code) or, failing that, the
// x-amzn-errortype header; else a *ResponseError. The type is reduced to its
// bare name and the message made safe to print (transport/internal/apierr).
func (t *Transport) serviceError(op flow.Operation, resp *http.Response, body []byte, readErr error,
	fail func(error, []byte) error) error {
	var typ, msg string
	var kind error
	switch {
	case errors.Is(readErr, ErrResponseTooLarge):
		kind = ErrResponseTooLarge
	case readErr != nil:
		kind = ErrTruncatedResponse
	case !looksLikeJSON(body):
		kind = ErrUnrecognizedError
	default:
		kind = checkObject(body)
		if kind == nil {
			// Member by member, so that one of the wrong JSON type (a
			// number for __type, say) does not hide the others.
			var members map[string]json.RawMessage
			_ = json.Unmarshal(body, &members) // checkObject succeeded
			str := func(keys ...string) string {
				for _, k := range keys {
					var v string
					if json.Unmarshal(members[k], &v) == nil && v != "" {
						return v
					}
				}
				return ""
			}
			typ = str("__type", "code")
			msg = str("message", "Message")
			kind = ErrUnrecognizedError
		}
	}
	// The body's type first, then the header's (docs/protocol.md §9), each only
	// if it is a plausible type name.
	rid := apierr.RequestID(resp.Header.Get("X-Amzn-Requestid"))
	if e := apierr.New(typ, msg, resp.StatusCode); e != nil {
		e.RequestID = rid
		return e
	}
	if e := apierr.New(resp.Header.Get("X-Amzn-Errortype"), msg, resp.StatusCode); e != nil {
		e.RequestID = rid
		return e
	}
	return fail(kind, body)
}

// checkObject returns nil when body is exactly one JSON object, else the
// kind of problem.
func checkObject(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrTruncatedResponse
		}
		return ErrMalformedResponse
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrMalformedResponse // trailing data
	}
	if !isJSONObject(v) {
		return ErrMalformedResponse
	}
	return nil
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// isJSONMediaType accepts the AWS JSON media types and application/json
// (which moto and some proxies answer with).
func isJSONMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json":
		return true
	}
	return false
}

// sanitize returns at most n bytes of b as printable ASCII, with runs of
// whitespace folded to one space and every other byte shown as '?', so a
// hostile body cannot put control characters into logs.
func sanitize(b []byte, n int) string {
	var out strings.Builder
	space := false
	for _, c := range b {
		if out.Len() >= n {
			out.WriteString("...")
			break
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			space = true
			continue
		case c < 0x20 || c > 0x7e:
			c = '?'
		}
		if space && out.Len() > 0 {
			out.WriteByte(' ')
		}
		space = false
		out.WriteByte(c)
	}
	return out.String()
}

// version is the version of the caldera module in this binary, from the
// build information ("devel" when unknown).
var version = sync.OnceValue(func() string {
	const module = "github.com/caldera-srp/caldera"
	v := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Path == module {
			v = info.Main.Version
		}
		for _, d := range info.Deps {
			if d.Path == module {
				v = d.Version
			}
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return strings.TrimPrefix(v, "v")
})
