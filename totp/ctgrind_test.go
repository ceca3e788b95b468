//go:build valgrind

package totp

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// TestCTGrind means something only under Valgrind's Memcheck, run by
// bench/ct's TestMemcheck with the valgrind build tag. The base32 secret is
// marked secret before it is decoded; Memcheck reports any branch or address
// that depends on it while it is decoded, used for a code, and compared.
func TestCTGrind(t *testing.T) {
	if !ctgrind.Enabled() {
		t.Skip("built without the valgrind tag")
	}
	// RFC 6238 Appendix B: the ASCII secret "12345678901234567890", in
	// base32, at T = 59 s gives 94287082 with 8 digits; 287082 with 6.
	b := []byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	ctgrind.Secret(b)
	secret, err := DecodeSecret(string(b))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(59, 0)
	code, err := Code(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	if code != "287082" {
		t.Errorf("Code = %s, want 287082", code)
	}
	if code, _ := (Params{Digits: 8, Hash: sha256.New}).Code(secret, at); len(code) != 8 {
		t.Errorf("8-digit SHA-256 code %q", code)
	}
	if !Validate(secret, "287082", at.Add(30*time.Second), 1) {
		t.Error("the code of the previous step was refused with a skew of 1")
	}
	if Validate(secret, "287083", at, 1) {
		t.Error("a wrong code was accepted")
	}
}
