// Package apierr builds the *flow.APIError of both transports from what a
// server said, the same way, so that the machine sees the same error over
// plain HTTP and over the SDK.
package apierr

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/caldera-srp/caldera/flow"
)

// MaxMessage bounds the message kept, in bytes.
const MaxMessage = 1024

// typeRE matches an error type name as AWS services spell them.
var typeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]{0,127}$`)

// Type reduces an AWS error type as found in `__type` or the
// x-amzn-errortype header to its bare name:
// "aws.cognito#NotAuthorizedException" and
// "NotAuthorizedException:http://internal..." both become
// "NotAuthorizedException" (the ":" suffix goes first, then the "#"
// prefix). It returns "" when what is left is not a plausible type name
// (empty, too long, control characters), so the caller can fall back.
func Type(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(s)
	if !typeRE.MatchString(s) {
		return ""
	}
	return s
}

// Message returns the service's message as kept in an APIError: verbatim,
// except that control and format characters (escape sequences, bidi
// overrides, line breaks) and invalid UTF-8 become U+FFFD, and it is cut at
// MaxMessage bytes,
// so that printing the error is safe.
func Message(s string) string {
	if len(s) > MaxMessage {
		s = s[:MaxMessage] // a rune cut in two becomes U+FFFD below
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// RequestID returns a request id header value if it is plausible (up to 128
// printable ASCII characters, no spaces), else "".
func RequestID(s string) string {
	if len(s) > 128 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return ""
		}
	}
	return s
}

// New returns the APIError for a raw type and message, or nil when the type
// is not usable (see Type).
func New(rawType, message string, status int) *flow.APIError {
	t := Type(rawType)
	if t == "" {
		return nil
	}
	return &flow.APIError{Type: t, Message: Message(message), StatusCode: status}
}
