package totp

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

type rfc6238File struct {
	Parameters struct {
		T0     int64 `json:"T0"`
		X      int64 `json:"X"`
		Digits int   `json:"digits"`
	} `json:"parameters"`
	Seeds   map[string]string `json:"seeds_ascii"`
	Notes   []string          `json:"notes"`
	Vectors []struct {
		Time int64  `json:"time"`
		UTC  string `json:"utc_time"`
		T    string `json:"T_hex"`
		TOTP string `json:"totp"`
		Mode string `json:"mode"`
	} `json:"test_vectors"`
}

// readVectors reads testdata/rfc6238.json (RFC 6238 Appendix B, with the
// per-mode seeds of its reference code). A missing file is a failure.
func readVectors(t *testing.T) rfc6238File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rfc6238.json"))
	if err != nil {
		t.Fatalf("vector file: %v", err)
	}
	var f rfc6238File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

var hashes = map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}

// TestRFC6238 checks all 18 rows of RFC 6238 Appendix B: 8 digits, 30 s,
// SHA-1/256/512 with the 20/32/64-byte seeds of the RFC's reference code.
func TestRFC6238(t *testing.T) {
	f := readVectors(t)
	if len(f.Vectors) != 18 || f.Parameters.T0 != 0 || f.Parameters.X != 30 || f.Parameters.Digits != 8 {
		t.Fatalf("unexpected file: %d vectors, parameters %+v", len(f.Vectors), f.Parameters)
	}
	for _, v := range f.Vectors {
		h, seed := hashes[v.Mode], f.Seeds[v.Mode]
		if h == nil || seed == "" {
			t.Fatalf("mode %q has no hash or seed", v.Mode)
		}
		if want := map[string]int{"SHA1": 20, "SHA256": 32, "SHA512": 64}[v.Mode]; len(seed) != want {
			t.Fatalf("%s seed is %d bytes, want %d (see the file's notes)", v.Mode, len(seed), want)
		}
		p := Params{Digits: 8, Period: 30 * time.Second, Hash: h}
		at := time.Unix(v.Time, 0)
		if got := at.UTC().Format(time.DateTime); got != v.UTC {
			t.Fatalf("time %d is %s, file says %s", v.Time, got, v.UTC)
		}
		got, err := p.Code([]byte(seed), at)
		if err != nil || got != v.TOTP {
			t.Errorf("%s t=%d: Code = %q, %v; want %s", v.Mode, v.Time, got, err, v.TOTP)
		}
		// The same through HOTP with the file's T.
		c, err := strconv.ParseUint(v.T, 16, 64)
		if err != nil || c != uint64(v.Time/30) {
			t.Fatalf("T_hex %s does not match time %d", v.T, v.Time)
		}
		if got, err := p.HOTP([]byte(seed), c); err != nil || got != v.TOTP {
			t.Errorf("%s T=%s: HOTP = %q, %v; want %s", v.Mode, v.T, got, err, v.TOTP)
		}
		// The 6-digit code is the same value mod 10^6 (file notes).
		p.Digits = 6
		if got, _ := p.Code([]byte(seed), at); got != v.TOTP[2:] {
			t.Errorf("%s t=%d: 6-digit Code = %q, want %s", v.Mode, v.Time, got, v.TOTP[2:])
		}
		if !p.Validate([]byte(seed), v.TOTP[2:], at, 0) {
			t.Errorf("%s t=%d: Validate refused its own code", v.Mode, v.Time)
		}
	}
}

// TestRFC4226 checks the HOTP values for counters 0-9 (RFC 4226 Appendix D,
// as listed in the notes of testdata/rfc6238.json) with the 6-digit,
// HMAC-SHA1 defaults.
func TestRFC4226(t *testing.T) {
	f := readVectors(t)
	var want []string
	for _, n := range f.Notes {
		if strings.Contains(n, "RFC 4226 Appendix D") {
			want = regexp.MustCompile(`\b\d{6}\b`).FindAllString(n[strings.Index(n, ":"):], -1)
		}
	}
	if len(want) != 10 {
		t.Fatalf("found %d RFC 4226 values in the notes, want 10: %q", len(want), want)
	}
	secret := []byte(f.Seeds["SHA1"])
	for c, w := range want {
		if got, err := (Params{}).HOTP(secret, uint64(c)); err != nil || got != w {
			t.Errorf("HOTP(%d) = %q, %v; want %s", c, got, err, w)
		}
		// TOTP at the start and end of step c is HOTP(c).
		for _, at := range []time.Time{time.Unix(int64(c)*30, 0), time.Unix(int64(c)*30+29, 999999999)} {
			if got, err := Code(secret, at); err != nil || got != w {
				t.Errorf("Code(%v) = %q, %v; want %s", at, got, err, w)
			}
		}
	}
}

// TestDefaults checks that the zero Params is Cognito's profile.
func TestDefaults(t *testing.T) {
	secret := []byte("12345678901234567890")
	at := time.Unix(59, 0)
	explicit := Params{Digits: 6, Period: 30 * time.Second, Hash: sha1.New}
	a, err1 := Code(secret, at)
	b, err2 := explicit.Code(secret, at)
	if a != "287082" || b != a || err1 != nil || err2 != nil {
		t.Fatalf("Code = %q, %v; explicit = %q, %v; want 287082", a, err1, b, err2)
	}
}

// TestTruncation checks the masked dynamic truncation against the plain
// indexed one of RFC 4226 Section 5.4 for 5000 seeded random secrets and
// counters, for each hash and digit count.
func TestTruncation(t *testing.T) {
	rng := rand.New(rand.NewPCG(4226, 6238))
	pow10 := []uint32{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}
	for i := range 5000 {
		secret := make([]byte, 1+rng.IntN(70))
		for j := range secret {
			secret[j] = byte(rng.Uint32())
		}
		c := rng.Uint64()
		name := []string{"SHA1", "SHA256", "SHA512"}[i%3]
		digits := 6 + i%5
		var msg [8]byte
		binary.BigEndian.PutUint64(msg[:], c)
		mac := hmacSum(hashes[name], secret, msg[:])
		off := mac[len(mac)-1] & 0xf
		v := binary.BigEndian.Uint32(mac[off:]) & 0x7fffffff
		var want string
		if digits == 10 {
			want = strconv.FormatUint(uint64(v), 10)
		} else {
			want = strconv.FormatUint(uint64(v%pow10[digits]), 10)
		}
		want = strings.Repeat("0", digits-len(want)) + want
		got, err := Params{Digits: digits, Hash: hashes[name]}.HOTP(secret, c)
		if err != nil || got != want {
			t.Fatalf("%s digits=%d counter=%d: HOTP = %q, %v; want %s", name, digits, c, got, err, want)
		}
	}
}

func hmacSum(h func() hash.Hash, key, msg []byte) []byte {
	// HMAC written out (RFC 2104), independent of crypto/hmac.
	bs := h().BlockSize()
	if len(key) > bs {
		k := h()
		k.Write(key)
		key = k.Sum(nil)
	}
	k0 := make([]byte, bs)
	copy(k0, key)
	in, out := h(), h()
	for i := range k0 {
		in.Write([]byte{k0[i] ^ 0x36})
		out.Write([]byte{k0[i] ^ 0x5c})
	}
	in.Write(msg)
	out.Write(in.Sum(nil))
	return out.Sum(nil)
}

func TestValidate(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111109, 0) // step 0x23523ec
	code := func(t time.Time) string {
		c, err := Code(secret, t)
		if err != nil {
			panic(err)
		}
		return c
	}
	step := 30 * time.Second
	cases := []struct {
		name string
		code string
		skew int
		want bool
	}{
		{"current", code(now), 0, true},
		{"previous step, skew 0", code(now.Add(-step)), 0, false},
		{"previous step, skew 1", code(now.Add(-step)), 1, true},
		{"next step, skew 1", code(now.Add(step)), 1, true},
		{"two steps back, skew 1", code(now.Add(-2 * step)), 1, false},
		{"two steps ahead, skew 2", code(now.Add(2 * step)), 2, true},
		{"ten steps back, skew 10", code(now.Add(-10 * step)), MaxSkewSteps, true},
		{"skew above MaxSkewSteps", code(now), MaxSkewSteps + 1, false},
		{"negative skew", code(now), -1, false},
		{"empty code", "", 1, false},
		{"short code", code(now)[:5], 1, false},
		{"long code", code(now) + "0", 1, false},
		{"spaces", " " + code(now)[1:], 1, false},
		{"8-digit code", "07081804", 1, false},
		{"letters", "abcdef", 1, false},
	}
	for _, tc := range cases {
		if got := Validate(secret, tc.code, now, tc.skew); got != tc.want {
			t.Errorf("%s: Validate(%q, skew %d) = %v, want %v", tc.name, tc.code, tc.skew, got, tc.want)
		}
	}
	// A leading-zero code (RFC 6238: SHA1 t=1111111109 is 07081804).
	p8 := Params{Digits: 8}
	if !p8.Validate(secret, "07081804", now, 0) || p8.Validate(secret, "7081804", now, 0) {
		t.Error("8-digit leading-zero code")
	}
	// Near the epoch the window is cut, not wrapped around.
	epoch := time.Unix(10, 0)
	if !Validate(secret, "755224", epoch, 3) || !Validate(secret, "969429", epoch, 3) || Validate(secret, "338314", epoch, 3) {
		t.Error("window at the epoch")
	}
	// Invalid parameters, secrets and times never validate.
	if Validate(nil, code(now), now, 1) || (Params{Digits: 5}).Validate(secret, code(now)[1:], now, 1) ||
		Validate(secret, code(now), time.Unix(-1, 0), 1) {
		t.Error("invalid input validated")
	}
}

// countingHash counts the HMAC computations (Sum calls) made with it.
type countingHash struct {
	hash.Hash
	n *int
}

func (c countingHash) Sum(b []byte) []byte { *c.n++; return c.Hash.Sum(b) }

// TestValidateScansWholeWindow checks that Validate computes every code of the
// window whether the matching one is first, last or absent.
func TestValidateScansWholeWindow(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1234567890, 0)
	var n int
	p := Params{Hash: func() hash.Hash { return countingHash{sha1.New(), &n} }}
	counts := map[string]int{}
	for name, at := range map[string]time.Time{
		"first": now.Add(-3 * 30 * time.Second), "middle": now, "last": now.Add(3 * 30 * time.Second), "none": now.Add(time.Hour),
	} {
		c, err := p.Code(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		n = 0
		ok := p.Validate(secret, c, now, 3)
		counts[name] = n
		if ok != (name != "none") {
			t.Errorf("%s: Validate = %v", name, ok)
		}
	}
	t.Logf("Sum calls per Validate: %v", counts)
	for _, c := range counts {
		if c != counts["none"] || c < 7 {
			t.Fatalf("Sum calls: %v (want equal, at least 7)", counts)
		}
	}
}

func TestCodeErrors(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"5 digits", Params{Digits: 5}},
		{"11 digits", Params{Digits: 11}},
		{"negative digits", Params{Digits: -6}},
		{"half-second period", Params{Period: 1500 * time.Millisecond}},
		{"negative period", Params{Period: -30 * time.Second}},
		{"sub-second period", Params{Period: time.Millisecond}},
		{"16-byte hash", Params{Hash: md5.New}},
	} {
		if _, err := tc.p.Code(secret, now); !errors.Is(err, ErrParams) || !strings.HasPrefix(err.Error(), "totp: ") {
			t.Errorf("%s: Code error %v, want ErrParams", tc.name, err)
		}
		if _, err := tc.p.HOTP(secret, 1); !errors.Is(err, ErrParams) {
			t.Errorf("%s: HOTP error %v, want ErrParams", tc.name, err)
		}
		if tc.p.Validate(secret, "123456", now, 1) {
			t.Errorf("%s: Validate true", tc.name)
		}
	}
	if _, err := Code(secret, time.Unix(-1, 0)); !errors.Is(err, ErrTime) {
		t.Errorf("before the epoch: %v, want ErrTime", err)
	}
	if _, err := Code(nil, now); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("empty secret: %v, want ErrInvalidSecret", err)
	}
	if _, err := (Params{}).HOTP([]byte{}, 0); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("empty secret: %v, want ErrInvalidSecret", err)
	}
	// Large periods and far-future times are fine.
	if _, err := (Params{Period: 24 * time.Hour, Digits: 10, Hash: sha512.New}).Code(secret, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("far future: %v", err)
	}
}

func TestDecodeSecret(t *testing.T) {
	// A Cognito-shaped SecretCode: 32 base32 characters = 20 bytes.
	raw := []byte("12345678901234567890")
	enc := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	if got := EncodeSecret(raw); got != enc {
		t.Fatalf("EncodeSecret = %q, want %q", got, enc)
	}
	for _, s := range []string{enc, strings.ToLower(enc), "gezdGNBVgy3tqojqGEZDGNBVGY3TQOJQ"} {
		got, err := DecodeSecret(s)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("DecodeSecret(%q) = %x, %v", s, got, err)
		}
	}
	// Padding is optional but must be right.
	for s, want := range map[string]string{"MY": "f", "MY======": "f", "MZXQ": "fo", "MZXQ====": "fo", "MZXW6": "foo",
		"MZXW6===": "foo", "MZXW6YQ": "foob", "MZXW6YQ=": "foob", "MZXW6YTB": "fooba", "mzxw6ytboi": "foobar"} { // RFC 4648 Section 10
		if got, err := DecodeSecret(s); err != nil || string(got) != want {
			t.Errorf("DecodeSecret(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, s := range []string{
		"", "=", "========", // empty
		"A", "ABC", "ABCDEF", "ABCDEFGHA", // impossible lengths
		"MY=", "MY====", "MZXW6YQ==", "MZXW6YTB========", "MY======MY", "M=Y", // wrong padding
		"MZ", "MZXR", "MZXW7", "MZXW6YR", // non-zero trailing bits
		"GEZDGNBV GY3TQOJQ", "GEZDGNBV-GY3TQOJQ", "GEZDGNBV\nGY3TQOJQ", // separators
		"GEZDGNB0", "GEZDGNB1", "GEZDGNB8", "GEZDGNB9", "GEZDGNB@", "GEZDGNB[", "GEZDGNB`", "GEZDGNB{", "GEZDGNB\x00",
		"GEZDGNB\xc1", "GEZDGNBVGY3TQOJſ", "GEZDGNBVGY3TQOJı", "GEZDGNBVGY3TQOJK\u212a", // non-ASCII (ſ and K upper-case to ASCII)
	} {
		got, err := DecodeSecret(s)
		if err == nil || got != nil {
			t.Errorf("DecodeSecret(%q) = %x, %v; want an error", s, got, err)
			continue
		}
		if !errors.Is(err, ErrInvalidSecret) || !strings.HasPrefix(err.Error(), "totp: ") {
			t.Errorf("DecodeSecret(%q): %v does not match ErrInvalidSecret", s, err)
		}
		if len(s) > 2 && strings.Contains(err.Error(), s) {
			t.Errorf("DecodeSecret(%q): error %q contains the secret", s, err)
		}
	}
}

// TestSecretDifferential compares DecodeSecret and EncodeSecret with
// encoding/base32 over 3000 seeded random secrets of 0-64 bytes, and checks
// that every single-character change is either rejected or decoded as
// encoding/base32 decodes it.
func TestSecretDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(4648, 32))
	std := base32.StdEncoding.WithPadding(base32.NoPadding)
	for i := range 3000 {
		raw := make([]byte, i%65)
		for j := range raw {
			raw[j] = byte(rng.Uint32())
		}
		enc := EncodeSecret(raw)
		if want := std.EncodeToString(raw); enc != want {
			t.Fatalf("EncodeSecret(%x) = %q, want %q", raw, enc, want)
		}
		if len(raw) == 0 {
			continue
		}
		if got, err := DecodeSecret(enc); err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("DecodeSecret(%q) = %x, %v; want %x", enc, got, err, raw)
		}
		if got, err := DecodeSecret(base32.StdEncoding.EncodeToString(raw)); err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("padded: %x, %v", got, err)
		}
		b := []byte(enc)
		b[rng.IntN(len(b))] = byte(rng.Uint32())
		got, err := DecodeSecret(string(b))
		want, stdErr := std.DecodeString(strings.ToUpper(string(b)))
		if err == nil && (stdErr != nil || !bytes.Equal(got, want) || std.EncodeToString(got) != strings.ToUpper(string(b))) {
			t.Fatalf("DecodeSecret(%q) = %x; encoding/base32 gives %x, %v", b, got, want, stdErr)
		}
	}
	// Every byte value as the last character ("AAAAAAA=" is correctly padded).
	for c := range 256 {
		s := "AAAAAAA" + string([]byte{byte(c)})
		_, err := DecodeSecret(s)
		valid := (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7') || c == '='
		if (err == nil) != valid {
			t.Errorf("character %#x: error %v", c, err)
		}
	}
}
