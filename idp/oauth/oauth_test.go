package oauth

import (
	"strings"
	"testing"
)

// TestPKCE: the S256 example of RFC 7636, Appendix B; plain, a short
// verifier and a missing one are refused; a code issued without a
// challenge takes no verifier.
func TestPKCE(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	cases := []struct {
		challenge, method, verifier string
		ok                          bool
	}{
		{challenge, "S256", verifier, true},
		{challenge, "S256", verifier[:42] + "x", false},
		{challenge, "S256", "", false},
		{challenge, "plain", verifier, false},
		{verifier, "plain", verifier, false},
		{challenge, "S256", verifier[:42], false}, // shorter than 43
		{"", "", "", true},
		{"", "", verifier, false},
	}
	for i, c := range cases {
		if got := pkceOK(c.challenge, c.method, c.verifier); got != c.ok {
			t.Errorf("case %d: pkceOK = %v, want %v", i, got, c.ok)
		}
	}
}

// TestRedirectAllowed: exact match, and any port for a registered
// loopback IP literal without one (RFC 8252, Section 7.3).
func TestRedirectAllowed(t *testing.T) {
	reg := []string{"https://app.example/cb", "http://127.0.0.1/callback", "http://[::1]/cb", "http://localhost/cb"}
	for uri, want := range map[string]bool{
		"https://app.example/cb":            true,
		"https://app.example/cb/":           false,
		"https://APP.example/cb":            false,
		"https://app.example:443/cb":        false,
		"http://127.0.0.1:8400/callback":    true,
		"http://127.0.0.1/callback":         true,
		"http://[::1]:9000/cb":              true,
		"http://127.0.0.1:8400/callback?x":  false,
		"http://127.0.0.1:8400/Callback":    false,
		"http://u@127.0.0.1:8400/callback":  false,
		"http://localhost:8400/cb":          false,
		"https://127.0.0.1:8400/callback":   false,
		"http://127.0.0.1:8400/callback#f":  false,
		"http://127.0.0.1.evil:80/callback": false,
	} {
		if got := redirectAllowed(reg, uri); got != want {
			t.Errorf("%s: %v, want %v", uri, got, want)
		}
	}
}

// TestCSP: the policy names the redirect's origin for form-action and
// nothing that could break out of the header value.
func TestCSP(t *testing.T) {
	if got := cspFor("https://app.example:8443/cb?x=1"); !strings.Contains(got, "form-action 'self' https://app.example:8443;") {
		t.Errorf("csp %q", got)
	}
	if got := cspFor(""); !strings.Contains(got, "form-action 'self';") || !strings.Contains(got, "default-src 'none'") {
		t.Errorf("csp %q", got)
	}
	if got := cspFor("https://a.example;script-src *@x/cb"); strings.Contains(got, "script-src") {
		t.Errorf("csp %q lets a directive in", got)
	}
}

// TestHandles: the paths the root sends here.
func TestHandles(t *testing.T) {
	for p, want := range map[string]bool{
		"/oauth2/authorize": true, "/oauth2/token": true, "/oauth2/userInfo": true, "/oauth2/revoke": true,
		"/login": true, "/logout": true, "/signup": true, "/forgotPassword": true,
		"/.well-known/openid-configuration": true, "/static/caldera.css": true,
		"/.well-known/jwks.json": false, "/": false, "/oauth2/other": false,
	} {
		if Handles(p) != want {
			t.Errorf("Handles(%q) = %v", p, !want)
		}
	}
}
