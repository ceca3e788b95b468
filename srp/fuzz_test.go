package srp_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// Fuzz targets for everything srp parses from the wire (docs/protocol.md §2, §3
// step 7, §6). Each checks that bad input is a typed error, never a panic,
// and that accepted input means what an independent reading (math/big,
// encoding/base64) says it means. Seed corpora: testdata/fuzz/<name>/.
// Run one with: go test -run '^$' -fuzz '^FuzzSignedPadHex$' -fuzztime 5m -parallel 1 ./srp

// isTyped reports whether err matches one of srp's sentinel errors.
func isTyped(err error) bool {
	for _, e := range []error{
		srp.ErrBZero, srp.ErrAZero, srp.ErrUZero, srp.ErrMalformedHex, srp.ErrMalformedBase64,
		srp.ErrTooWide, srp.ErrEmpty, srp.ErrGroup, srp.ErrVerification, srp.ErrRandom, srp.ErrDegenerateVerifier, srp.ErrEphemeralUsed,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// javaToByteArray is Java's BigInteger.toByteArray, the definition padHex
// follows (docs/protocol.md §2): minimal two's complement, big-endian.
func javaToByteArray(v *big.Int) []byte {
	if v.Sign() >= 0 {
		b := v.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// −v − 1 ≥ 0; the encoding needs bitlen(−v − 1) + 1 bits.
	m := new(big.Int).Neg(v)
	m.Sub(m, big.NewInt(1))
	l := m.BitLen()/8 + 1
	t := new(big.Int).Lsh(big.NewInt(1), uint(8*l))
	t.Add(t, v)
	return t.FillBytes(make([]byte, l))
}

func FuzzSignedPadHex(f *testing.F) {
	for _, s := range []string{"0", "-0", "ec", "-14", "-80", "-81", "EC", "abc", "-", "", "+1", "0x1f", " 1", "g", "00000080"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := srp.SignedPadHex(s)
		// math/big reads an optional sign and hex digits of any case; it
		// also takes '+' and '_' separators in some modes, which padHex
		// does not: only compare on strings of [-]hexdigits.
		digits := strings.TrimPrefix(s, "-")
		plain := digits != "" && strings.Trim(digits, "0123456789abcdefABCDEF") == ""
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("SignedPadHex(%q): untyped error %v", s, err)
			}
			if plain && len(digits) <= 1024 {
				t.Fatalf("SignedPadHex(%q) refused a valid integer: %v", s, err)
			}
			return
		}
		if !plain {
			t.Fatalf("SignedPadHex(%q) = %x, want an error", s, got)
		}
		v, ok := new(big.Int).SetString(s, 16)
		if !ok {
			t.Fatalf("math/big cannot parse %q", s)
		}
		if want := javaToByteArray(v); !bytes.Equal(got, want) {
			t.Fatalf("SignedPadHex(%q) = %x, want %x", s, got, want)
		}
	})
}

func FuzzPadHexRoundTrip(f *testing.F) {
	for _, b := range [][]byte{nil, {0}, {0, 0}, {0x7f}, {0x80}, {0, 0x80}, {1, 2, 3}, bytes.Repeat([]byte{0xff}, 384)} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		enc := srp.PadHex(b)
		v := new(big.Int).SetBytes(b)
		if want := javaToByteArray(v); !bytes.Equal(enc, want) {
			t.Fatalf("PadHex(%x) = %x, want %x", b, enc, want)
		}
		// Decoding: a non-negative padHex value is its own big-endian
		// integer, and the hex of b read back as SALT gives the same bytes.
		if new(big.Int).SetBytes(enc).Cmp(v) != 0 || enc[0]&0x80 != 0 {
			t.Fatalf("PadHex(%x) = %x does not decode to the same non-negative integer", b, enc)
		}
		if len(b) == 0 || len(b) > 512 {
			return
		}
		back, err := srp.SignedPadHex(hex.EncodeToString(b))
		if err != nil || !bytes.Equal(back, enc) {
			t.Fatalf("SignedPadHex(hex(%x)) = %x, %v; want %x", b, back, err, enc)
		}
		up, err := srp.SignedPadHex(strings.ToUpper(hex.EncodeToString(b)))
		if err != nil || !bytes.Equal(up, enc) {
			t.Fatalf("SignedPadHex(HEX(%x)) = %x, %v; want %x", b, up, err, enc)
		}
	})
}

func FuzzDecodeSecretBlock(f *testing.F) {
	for _, s := range []string{
		"AAAA", "AA==", "AA", "-_-_", "+/+/", "+_", "A===", "A", "====", "", "AA\n==", "AA ==",
		base64.StdEncoding.EncodeToString([]byte("a secret block of some length")),
		base64.RawURLEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe, 0x01}),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := srp.DecodeSecretBlock(s)
		std, stdErr := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("DecodeSecretBlock(%q): untyped error %v", s, err)
			}
			if stdErr == nil && len(s) > 0 && len(s) < 60000 && !strings.ContainsAny(s, "\r\n") {
				t.Fatalf("DecodeSecretBlock(%q) refused Cognito's own encoding: %v", s, err)
			}
			return
		}
		if stdErr == nil && !bytes.Equal(got, std) {
			t.Fatalf("DecodeSecretBlock(%q) = %x, standard base64 says %x", s, got, std)
		}
		// Whatever was accepted is one of the four spellings of got.
		ok := false
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			ok = ok || enc.EncodeToString(got) == s
		}
		if !ok {
			t.Fatalf("DecodeSecretBlock(%q) = %x, but no base64 alphabet/padding spells it so", s, got)
		}
	})
}

// claimFuzzClient is a deterministic client: fuzzing needs reproducible runs.
// fuzzA is the fixed a of the fuzzed claims.
var fuzzA = bytes.Repeat([]byte{0x5a}, 128)

func claimFuzzClient(t testing.TB) *srp.Client {
	c, err := srp.Cognito().NewClientFromSecret(fuzzA)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rearm gives c the fixed a again: a claim wipes it.
func rearm(t testing.TB, c *srp.Client) {
	if err := c.Regenerate(bytes.NewReader(fuzzA)); err != nil {
		t.Fatal(err)
	}
}

func FuzzPasswordClaim(f *testing.F) {
	v, err := srp.PasswordVerifierFromSalt(srp.PadHex([]byte{0xca, 0x1d, 0xe2, 0xa0}), "pool", "user", "pw")
	if err != nil {
		f.Fatal(err)
	}
	s, err := srp.Cognito().NewServerFromSecret(v.V, bytes.Repeat([]byte{7}, 128))
	if err != nil {
		f.Fatal(err)
	}
	nHex := hex.EncodeToString(srp.Cognito().N())
	block := base64.StdEncoding.EncodeToString([]byte("secret block"))
	for _, seed := range [][3]string{
		{s.PublicHex(), v.SaltHex(), block},
		{strings.ToUpper(s.PublicHex()), "-" + v.SaltHex(), block},
		{"0", "1", block},
		{nHex, "1", block},
		{"2" + strings.Repeat("0", len(nHex)), "1", block},
		{"1", "", "AA"},
		{"zz", "1", "AA"},
		{"1", "-", "AA"},
		{"1", "1", "A"},
		{strings.Repeat("0", 2000) + "2", "00", "AA=="},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	c := claimFuzzClient(f)
	f.Fuzz(func(t *testing.T, srpB, salt, secretBlock string) {
		rearm(t, c)
		claim, err := c.PasswordClaim(srp.PasswordClaimParams{
			PoolName: "pool", UserIDForSRP: "user", Password: "pw",
			SRPB: srpB, Salt: salt, SecretBlock: secretBlock, Timestamp: "Tue Jan 1 06:06:09 UTC 2019",
		})
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("PasswordClaim(B=%q, salt=%q, block=%q): untyped error %v", srpB, salt, secretBlock, err)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Fatalf("error %q mentions the password", err)
			}
			return
		}
		sig, err := base64.StdEncoding.Strict().DecodeString(claim.Signature)
		if err != nil || len(sig) != 32 {
			t.Fatalf("signature %q is not base64 of 32 bytes", claim.Signature)
		}
		if claim.SecretBlock != secretBlock {
			t.Fatalf("SECRET_BLOCK echoed as %q, received %q", claim.SecretBlock, secretBlock)
		}
		// B is at most as wide as N and not 0 mod N.
		b, ok := new(big.Int).SetString(srpB, 16)
		n := new(big.Int).SetBytes(srp.Cognito().N())
		if !ok || b.Sign() <= 0 || b.BitLen() > n.BitLen() || new(big.Int).Mod(b, n).Sign() == 0 {
			t.Fatalf("PasswordClaim accepted SRP_B %q", srpB)
		}
	})
}

func FuzzVerifyPasswordClaim(f *testing.F) {
	v, err := srp.PasswordVerifierFromSalt(srp.PadHex([]byte{1, 2, 3, 4}), "pool", "user", "pw")
	if err != nil {
		f.Fatal(err)
	}
	s, err := srp.Cognito().NewServerFromSecret(v.V, bytes.Repeat([]byte{9}, 128))
	if err != nil {
		f.Fatal(err)
	}
	c := claimFuzzClient(f)
	claim, err := c.PasswordClaim(srp.PasswordClaimParams{
		PoolName: "pool", UserIDForSRP: "user", Password: "pw",
		SRPB: s.PublicHex(), Salt: v.SaltHex(), SecretBlock: "AAAA", Timestamp: "Tue Jan 1 06:06:09 UTC 2019",
	})
	if err != nil {
		f.Fatal(err)
	}
	params := func(srpA, sig string) srp.VerifyClaimParams {
		return srp.VerifyClaimParams{
			PoolName: "pool", UserIDForSRP: "user", SRPA: srpA, SecretBlock: []byte{0, 0, 0},
			Timestamp: "Tue Jan 1 06:06:09 UTC 2019", Signature: sig,
		}
	}
	if err := s.VerifyPasswordClaim(params(c.PublicHex(), claim.Signature)); err != nil {
		f.Fatalf("fixture claim does not verify: %v", err)
	}
	nHex := hex.EncodeToString(srp.Cognito().N())
	for _, seed := range [][2]string{
		{c.PublicHex(), claim.Signature},
		{strings.ToUpper(c.PublicHex()), claim.Signature},
		{c.PublicHex(), "AAAA"},
		{"0", claim.Signature},
		{nHex, claim.Signature},
		{"", ""},
		{"x", "!!"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, srpA, sig string) {
		err := s.VerifyPasswordClaim(params(srpA, sig))
		if err == nil {
			// Only the fixture's own A and signature (in any hex case or
			// with leading zeros) verify.
			a, ok := new(big.Int).SetString(srpA, 16)
			if !ok || a.Cmp(new(big.Int).SetBytes(c.Public())) != 0 || sig != claim.Signature {
				t.Fatalf("VerifyPasswordClaim accepted SRP_A=%q signature=%q", srpA, sig)
			}
			return
		}
		if !isTyped(err) {
			t.Fatalf("VerifyPasswordClaim(%q, %q): untyped error %v", srpA, sig, err)
		}
	})
}

func FuzzParseDeviceSecretVerifierConfig(f *testing.F) {
	dv, err := srp.DeviceVerifierFromSecrets("grp", "dev", "pw", []byte{0x80, 1, 2, 3})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(dv.Config.PasswordVerifier, dv.Config.Salt)
	f.Add("AA==", "AA==")
	f.Add("gA==", "AQ==")
	f.Add("", "")
	f.Add(base64.StdEncoding.EncodeToString(append([]byte{0}, srp.Cognito().N()...)), "AQ==")
	f.Fuzz(func(t *testing.T, pv, salt string) {
		v, err := srp.ParseDeviceSecretVerifierConfig(srp.DeviceSecretVerifierConfig{PasswordVerifier: pv, Salt: salt})
		if err != nil {
			if !isTyped(err) {
				t.Fatalf("ParseDeviceSecretVerifierConfig(%q, %q): untyped error %v", pv, salt, err)
			}
			return
		}
		n := new(big.Int).SetBytes(srp.Cognito().N())
		if new(big.Int).SetBytes(v.V).Cmp(n) >= 0 {
			t.Fatalf("accepted a verifier ≥ N: %q", pv)
		}
	})
}
