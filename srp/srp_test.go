package srp

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"math/big"
	"os"
	"strings"
	"testing"
)

// The padHex table of cognito-common.json (source: amplify-js
// AuthenticationHelper tests, −256…256 against Java BigInteger.toByteArray):
// the non-negative half is in the file, the negative half is checked against
// Java's documented rule computed here with math/big plus the published spot
// values of docs/protocol.md §2.
func TestPadHexTable(t *testing.T) {
	b, err := os.ReadFile("testdata/cognito-common.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		PadHex struct {
			Table [][2]any `json:"non_negative_table"`
		} `json:"padHex"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.PadHex.Table) != 257 {
		t.Fatalf("table has %d rows, want 257", len(f.PadHex.Table))
	}
	for _, row := range f.PadHex.Table {
		n := int64(row[0].(float64))
		want := row[1].(string)
		got, err := SignedPadHex(big.NewInt(n).Text(16))
		if err != nil || hex.EncodeToString(got) != want {
			t.Errorf("padHex(%d) = %x, %v; want %s", n, got, err, want)
		}
		if got := hex.EncodeToString(PadHex(big.NewInt(n).Bytes())); got != want {
			t.Errorf("PadHex(%d) = %s, want %s", n, got, want)
		}
	}
	for n := int64(-256); n < 0; n++ {
		got, err := SignedPadHex("-" + big.NewInt(-n).Text(16))
		if err != nil {
			t.Fatal(err)
		}
		if want := javaToByteArray(big.NewInt(n)); !bytes.Equal(got, want) {
			t.Errorf("padHex(%d) = %x, want %x", n, got, want)
		}
	}
	for s, want := range map[string]string{"-14": "ec", "-80": "80", "-81": "ff7f", "-ec": "ff14", "-1": "ff", "ec": "00ec", "-0": "00", "0000ff": "00ff", "-8000": "8000", "-8001": "ff7fff"} {
		got, err := SignedPadHex(s)
		if err != nil || hex.EncodeToString(got) != want {
			t.Errorf("SignedPadHex(%q) = %x, %v; want %s", s, got, err, want)
		}
	}
}

// javaToByteArray is Java's BigInteger.toByteArray for negative n: the
// shortest two's-complement big-endian encoding.
func javaToByteArray(n *big.Int) []byte {
	for l := 1; ; l++ {
		min := new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), uint(8*l-1)))
		if n.Cmp(min) >= 0 {
			v := new(big.Int).Add(n, new(big.Int).Lsh(big.NewInt(1), uint(8*l)))
			return v.FillBytes(make([]byte, l))
		}
	}
}

func TestPublicParsing(t *testing.T) {
	g := Cognito()
	n := g.N()
	nHex := hex.EncodeToString(n)
	twoN := new(big.Int).Lsh(new(big.Int).SetBytes(n), 1).Text(16)
	base := PasswordClaimParams{PoolName: "p", UserIDForSRP: "u", Password: "pw", SRPB: "02", Salt: "1234", SecretBlock: "AAAA", Timestamp: "Tue Jan 1 06:06:09 UTC 2019"}
	cases := []struct {
		name string
		mod  func(*PasswordClaimParams)
		want error
	}{
		{"ok", func(*PasswordClaimParams) {}, nil},
		{"B zero", func(p *PasswordClaimParams) { p.SRPB = "0" }, ErrBZero},
		{"B many zeros", func(p *PasswordClaimParams) { p.SRPB = "0000" }, ErrBZero},
		{"B = N", func(p *PasswordClaimParams) { p.SRPB = nHex }, ErrBZero},
		{"B = N upper", func(p *PasswordClaimParams) { p.SRPB = strings.ToUpper(nHex) }, ErrBZero},
		{"B = 2N", func(p *PasswordClaimParams) { p.SRPB = twoN }, ErrTooWide},
		{"B > N·2^8", func(p *PasswordClaimParams) { p.SRPB = nHex + "00" }, ErrTooWide},
		{"B 10 MB", func(p *PasswordClaimParams) { p.SRPB = strings.Repeat("a", 10<<20) }, ErrTooWide},
		{"B non-hex", func(p *PasswordClaimParams) { p.SRPB = "12g4" }, ErrMalformedHex},
		{"B signed", func(p *PasswordClaimParams) { p.SRPB = "-12" }, ErrMalformedHex},
		{"B empty", func(p *PasswordClaimParams) { p.SRPB = "" }, ErrEmpty},
		{"B odd length", func(p *PasswordClaimParams) { p.SRPB = "abc" }, nil},
		{"salt empty", func(p *PasswordClaimParams) { p.Salt = "" }, ErrEmpty},
		{"salt negative", func(p *PasswordClaimParams) { p.Salt = "-1a2b" }, nil},
		{"salt non-hex", func(p *PasswordClaimParams) { p.Salt = "zz" }, ErrMalformedHex},
		{"salt huge", func(p *PasswordClaimParams) { p.Salt = strings.Repeat("1", 5000) }, ErrTooWide},
		{"block empty", func(p *PasswordClaimParams) { p.SecretBlock = "" }, ErrEmpty},
		{"block bad", func(p *PasswordClaimParams) { p.SecretBlock = "AA*A" }, ErrMalformedBase64},
		{"block url-safe", func(p *PasswordClaimParams) { p.SecretBlock = "-_8" }, nil},
		{"block no padding", func(p *PasswordClaimParams) { p.SecretBlock = "AAE" }, nil},
		{"block mixed", func(p *PasswordClaimParams) { p.SecretBlock = "+_AA" }, ErrMalformedBase64},
		{"block newline", func(p *PasswordClaimParams) { p.SecretBlock = "AA\nAA" }, ErrMalformedBase64},
		{"block uuid (moto)", func(p *PasswordClaimParams) { p.SecretBlock = "1b9c2f1e-8d0a-4c3e-9d2b-6b8a0e3f4c5d" }, ErrMalformedBase64},
		{"pool empty", func(p *PasswordClaimParams) { p.PoolName = "" }, ErrEmpty},
		{"user empty", func(p *PasswordClaimParams) { p.UserIDForSRP = "" }, ErrEmpty},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := base
			c.mod(&p)
			cl, err := g.NewClientFromSecret([]byte{7}) // a claim uses a up
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.PasswordClaim(p)
			if c.want == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

// zeroHash is a stand-in hash that always outputs zeros, registered under an
// id this package never uses, to construct u = 0.
type zeroHash struct{}

func (zeroHash) Write(p []byte) (int, error) { return len(p), nil }
func (zeroHash) Sum(b []byte) []byte         { return append(b, make([]byte, 32)...) }
func (zeroHash) Reset()                      {}
func (zeroHash) Size() int                   { return 32 }
func (zeroHash) BlockSize() int              { return 64 }

func TestUZeroRefused(t *testing.T) {
	crypto.RegisterHash(crypto.MD4, func() hash.Hash { return zeroHash{} })
	g, err := NewGroup(GroupParams{Name: "zero-u", N: Cognito().N(), G: 2, Hash: crypto.MD4, Encoding: EncodePad, K: []byte{3}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := g.NewClientFromSecret([]byte{5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Session([]byte("I"), []byte("P"), []byte("s"), []byte{9}); !errors.Is(err, ErrUZero) {
		t.Fatalf("client: got %v, want ErrUZero", err)
	}
	srv, err := g.NewServerFromSecret([]byte{4}, []byte{6})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Session([]byte("I"), []byte("s"), []byte{9}); !errors.Is(err, ErrUZero) {
		t.Fatalf("server: got %v, want ErrUZero", err)
	}
}

func TestGenericRoundTrip(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		g, err := RFC5054(bits, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		salt := []byte("saltsaltsalt")
		v := g.Verifier([]byte("alice"), []byte("password123"), salt)
		srv, err := g.NewServer(v, nil)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := g.NewClient(nil)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := cl.Session([]byte("alice"), []byte("password123"), salt, srv.Public())
		if err != nil {
			t.Fatal(err)
		}
		ss, err := srv.Session([]byte("alice"), salt, cl.Public())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cs.Key(), ss.Key()) || !bytes.Equal(cs.U(), ss.U()) {
			t.Fatal("keys differ")
		}
		if err := ss.VerifyM1(cs.M1()); err != nil {
			t.Fatal(err)
		}
		if err := cs.VerifyM2(ss.M2()); err != nil {
			t.Fatal(err)
		}
		// Wrong password: the proofs must not verify.
		bad, err := cl.Session([]byte("alice"), []byte("password124"), salt, srv.Public())
		if err != nil {
			t.Fatal(err)
		}
		if err := ss.VerifyM1(bad.M1()); !errors.Is(err, ErrVerification) {
			t.Fatalf("wrong password verified: %v", err)
		}
		if _, err := srv.Session([]byte("alice"), salt, g.N()); !errors.Is(err, ErrAZero) {
			t.Fatalf("A = N: got %v", err)
		}
	}
}

func TestNewGroupRefuses(t *testing.T) {
	n := Cognito().N()
	even := append([]byte(nil), n...)
	even[len(even)-1] ^= 1
	for name, p := range map[string]GroupParams{
		"even N":    {N: even, G: 2, Hash: crypto.SHA256},
		"small N":   {N: []byte{0xff, 0xfb}, G: 2, Hash: crypto.SHA256},
		"g = 1":     {N: n, G: 1, Hash: crypto.SHA256},
		"no hash":   {N: n, G: 2},
		"bad enc":   {N: n, G: 2, Hash: crypto.SHA256, Encoding: 7},
		"tiny secr": {N: n, G: 2, Hash: crypto.SHA256, SecretSize: 4},
		"tiny b":    {N: n, G: 2, Hash: crypto.SHA256, ServerSecretSize: 15},
		"huge b":    {N: n, G: 2, Hash: crypto.SHA256, ServerSecretSize: 384 + 9},
	} {
		if _, err := NewGroup(p); !errors.Is(err, ErrGroup) {
			t.Errorf("%s: got %v, want ErrGroup", name, err)
		}
	}
	if _, err := RFC5054(1000, crypto.SHA1); !errors.Is(err, ErrGroup) {
		t.Errorf("RFC5054(1000): got %v", err)
	}
}

// The ephemeral lengths each side draws: the Cognito group's 1024-bit a (as
// the reference clients draw it, docs/protocol.md §1) and 512-bit b (see
// Cognito), SecretSize for both sides of a group without ServerSecretSize,
// and a Cognito exchange with the shorter b still agreeing on S.
func TestEphemeralSizes(t *testing.T) {
	v, err := PasswordVerifierFromSalt([]byte{0x42}, "Pool", "alice", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewCognitoServer(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := Cognito().NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.b) != 64 || len(cl.a) != 128 {
		t.Fatalf("Cognito: len(b) = %d, len(a) = %d; want 64 and 128", len(srv.b), len(cl.a))
	}
	claim, err := cl.PasswordClaim(PasswordClaimParams{PoolName: "Pool", UserIDForSRP: "alice", Password: "Passw0rd!",
		SRPB: srv.PublicHex(), Salt: v.SaltHex(), SecretBlock: "AAAA", Timestamp: "Thu Dec 3 13:58:01 UTC 2026"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.VerifyPasswordClaim(VerifyClaimParams{PoolName: "Pool", UserIDForSRP: "alice", SRPA: cl.PublicHex(),
		SecretBlock: []byte{0, 0, 0}, Timestamp: claim.Timestamp, Signature: claim.Signature}); err != nil {
		t.Fatalf("claim with a 512-bit b: %v", err)
	}

	g, err := RFC5054(2048, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	gv := g.Verifier([]byte("alice"), []byte("pw"), []byte("salt"))
	gs, err := g.NewServer(gv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs.b) != 32 {
		t.Fatalf("RFC 5054 group: len(b) = %d, want 32", len(gs.b))
	}
	g48, err := NewGroup(GroupParams{N: g.N(), G: 2, Hash: crypto.SHA256, SecretSize: 40, ServerSecretSize: 48})
	if err != nil {
		t.Fatal(err)
	}
	gs, err = g48.NewServer(gv, nil)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := g48.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs.b) != 48 || len(gc.a) != 40 {
		t.Fatalf("len(b) = %d, len(a) = %d; want 48 and 40", len(gs.b), len(gc.a))
	}
}

func TestPoolName(t *testing.T) {
	if n, err := PoolName("us-east-1_AbC_d"); err != nil || n != "AbC_d" {
		t.Fatalf("got %q, %v", n, err)
	}
	for _, id := range []string{"", "nounderscore", "us-east-1_"} {
		if _, err := PoolName(id); !errors.Is(err, ErrEmpty) {
			t.Errorf("PoolName(%q): %v", id, err)
		}
	}
}

// Cognito's k (docs/protocol.md §1).
func TestCognitoK(t *testing.T) {
	if got := hex.EncodeToString(Cognito().K()); got != "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6" {
		t.Fatalf("k = %s", got)
	}
}

func TestRandomFailure(t *testing.T) {
	if _, err := Cognito().NewClient(strings.NewReader("short")); !errors.Is(err, ErrRandom) {
		t.Fatalf("got %v", err)
	}
	if _, err := NewDeviceVerifier(strings.NewReader("short"), "g", "k"); !errors.Is(err, ErrRandom) {
		t.Fatalf("got %v", err)
	}
}

func TestDeviceVerifierRoundTrip(t *testing.T) {
	dv, err := NewDeviceVerifier(nil, "-grp", "us-east-1_dev")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseDeviceSecretVerifierConfig(dv.Config)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewCognitoServer(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := Cognito().NewClient(nil)
	claim, err := cl.DeviceClaim("-grp", "us-east-1_dev", dv.DevicePassword, srv.PublicHex(), v.SaltHex(), "AQID", "Tue Jan 1 06:06:09 UTC 2019")
	if err != nil {
		t.Fatal(err)
	}
	err = srv.VerifyPasswordClaim(VerifyClaimParams{PoolName: "-grp", UserIDForSRP: "us-east-1_dev", SRPA: cl.PublicHex(),
		SecretBlock: []byte{1, 2, 3}, Timestamp: "Tue Jan 1 06:06:09 UTC 2019", Signature: claim.Signature})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []DeviceSecretVerifierConfig{{PasswordVerifier: "!!", Salt: "AA=="}, {PasswordVerifier: "AA==", Salt: ""}, {PasswordVerifier: "gA==", Salt: "AA=="}} {
		if _, err := ParseDeviceSecretVerifierConfig(bad); !errors.Is(err, ErrMalformedBase64) {
			t.Errorf("%+v: got %v", bad, err)
		}
	}
}
