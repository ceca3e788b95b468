package apierr

import (
	"errors"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/flow"
)

func TestType(t *testing.T) {
	for in, want := range map[string]string{
		"NotAuthorizedException":                                                                          "NotAuthorizedException",
		"aws.protocoltests.restjson#FooError":                                                             "FooError",
		"FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/":                            "FooError",
		"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/": "FooError",
		" UserNotFoundException\n":                                                                        "UserNotFoundException",
		"":                                                                                                "",
		"#":                                                                                               "",
		"Not\x1b[31mAuthorized":                                                                           "",
		"Not Authorized":                                                                                  "",
		"42":                                                                                              "",
		strings.Repeat("A", 129):                                                                          "",
	} {
		if got := Type(in); got != want {
			t.Errorf("Type(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMessage(t *testing.T) {
	for in, want := range map[string]string{
		"Incorrect username or password.": "Incorrect username or password.",
		"Invalid code received for user":  "Invalid code received for user",
		"Passwörd ✓":                      "Passwörd ✓",
		"a\x1b[31mb\nc\td":                "a\uFFFD[31mb\uFFFDc\uFFFDd",
		"x\u202Eevil":                     "x\uFFFDevil",
		"bad\xffutf8":                     "bad\uFFFDutf8",
	} {
		if got := Message(in); got != want {
			t.Errorf("Message(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("é", MaxMessage) // 2 bytes each: the cut falls between runes
	if got := Message(long); len(got) != MaxMessage {
		t.Errorf("len(Message(long)) = %d, want %d", len(got), MaxMessage)
	}
	odd := "x" + long // the cut falls inside a rune
	if got := Message(odd); !strings.HasSuffix(got, "\uFFFD") || len(got) > MaxMessage+2 {
		t.Errorf("Message(odd) ends %q, %d bytes", got[len(got)-4:], len(got))
	}
}

func TestNew(t *testing.T) {
	e := New("com.amazon#CodeMismatchException", "Invalid code", 400)
	if e == nil || *e != (flow.APIError{Type: "CodeMismatchException", Message: "Invalid code", StatusCode: 400}) || !errors.Is(e, flow.ErrCodeMismatch) {
		t.Errorf("New = %#v", e)
	}
	if e := New("bad type!", "m", 400); e != nil {
		t.Errorf("New with a bad type = %#v, want nil", e)
	}
}

func TestRequestID(t *testing.T) {
	for in, want := range map[string]string{
		"3f1c2a8e-6a5b-4f1e-9d2c-7b8e0a1f2c3d": "3f1c2a8e-6a5b-4f1e-9d2c-7b8e0a1f2c3d",
		"":                                     "",
		"has space":                            "",
		"esc\x1b[31m":                          "",
		strings.Repeat("a", 129):               "",
	} {
		if got := RequestID(in); got != want {
			t.Errorf("RequestID(%q) = %q, want %q", in, got, want)
		}
	}
}
