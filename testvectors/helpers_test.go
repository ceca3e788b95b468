package testvectors

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// load reads testdata/name into v, failing the test if the file is missing
// or malformed.
func load(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// counter counts the vectors a test ran; check fails the test unless exactly
// want were run, so that nothing is silently skipped.
type counter struct{ n int }

func (c *counter) ran() { c.n++ }

func (c *counter) check(t *testing.T, file string, want int) {
	t.Helper()
	if c.n != want {
		t.Errorf("%s: ran %d vectors, want %d", file, c.n, want)
	}
	t.Logf("%s: %d vectors", file, c.n)
}

// unhex decodes a hex string of any case and length (odd lengths get a
// leading 0), failing the test on bad input.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	if len(s)%2 == 1 {
		s = "0" + s
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// bigHex parses hex as a non-negative integer.
func bigHex(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() < 0 {
		t.Fatalf("bad hex integer %q", s)
	}
	return n
}

// sameInt reports whether the big-endian byte strings a and b denote the
// same integer (leading zeros ignored).
func sameInt(a, b []byte) bool {
	return bytes.Equal(trimZeros(a), trimZeros(b))
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// wantInt fails the test unless got (big-endian bytes) equals the integer
// written in hex in want.
func wantInt(t *testing.T, name string, got []byte, want string) {
	t.Helper()
	if !sameInt(got, unhex(t, want)) {
		t.Errorf("%s = %x, want %s", name, trimZeros(got), want)
	}
}

// wantBytes fails the test unless got equals the exact bytes written in hex
// in want (leading zeros significant).
func wantBytes(t *testing.T, name string, got []byte, want string) {
	t.Helper()
	if !bytes.Equal(got, unhex(t, want)) {
		t.Errorf("%s = %x, want %s", name, got, want)
	}
}

// minHex is the lower-case hex of the integer b without leading zeros
// ("0" for zero), the BigInteger.toString(16) form of the JS reference.
func minHex(b []byte) string {
	s := strings.TrimLeft(hex.EncodeToString(b), "0")
	if s == "" {
		return "0"
	}
	return s
}

// blake2b224 is the one srptools hash that package crypto has no constant
// for. The tests register golang.org/x/crypto/blake2b's 224-bit variant
// under the slot of crypto.MD4, which nothing in this test binary uses, so
// that srp.GroupParams (which takes a crypto.Hash) can run those vectors.
// srp only calls Hash.New(), never Hash.Size(), so the slot's nominal size
// does not matter.
const blake2b224 = crypto.MD4

var registerBLAKE2b224 = sync.OnceFunc(func() {
	crypto.RegisterHash(blake2b224, newBLAKE2b224)
})

// hashByName maps the hash names used in the vector files to crypto.Hash.
func hashByName(t *testing.T, name string) crypto.Hash {
	t.Helper()
	h, ok := map[string]crypto.Hash{
		"sha1":        crypto.SHA1,
		"sha256":      crypto.SHA256,
		"sha384":      crypto.SHA384,
		"sha512":      crypto.SHA512,
		"blake2s-256": crypto.BLAKE2s_256,
		"blake2b-224": blake2b224,
		"blake2b-256": crypto.BLAKE2b_256,
		"blake2b-384": crypto.BLAKE2b_384,
		"blake2b-512": crypto.BLAKE2b_512,
	}[name]
	if !ok {
		t.Fatalf("unknown hash %q", name)
	}
	if h == blake2b224 {
		registerBLAKE2b224()
	}
	if !h.Available() {
		t.Fatalf("hash %q (%v) is not linked in", name, h)
	}
	return h
}

// cognitoN is the Cognito modulus (docs/protocol.md §1) as a big.Int.
var cognitoN = sync.OnceValue(func() *big.Int {
	return new(big.Int).SetBytes(srp.Cognito().N())
})
