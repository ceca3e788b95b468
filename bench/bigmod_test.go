package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"testing"

	"filippo.io/bigmod"
	"github.com/caldera-srp/caldera/hkdf"
	"github.com/caldera-srp/caldera/srp"
)

// The constant-time baseline: the same claim on filippo.io/bigmod v0.1.0,
// as srp computed it before internal/mont (bigmod's generic Go loop at 48
// words, allocating in every multiplication). It shows what the fast
// kernels gain without giving up constant time.

type bigmodGroup struct {
	m    *bigmod.Modulus
	g, k *bigmod.Nat
}

func newBigmodGroup(tb testing.TB) *bigmodGroup {
	nb, err := hex.DecodeString(cognitoNHex)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := bigmod.NewModulus(nb)
	if err != nil {
		tb.Fatal(err)
	}
	g, _ := bigmod.NewNat().SetBytes([]byte{2}, m)
	k, _ := bigmod.NewNat().SetBytes(srp.Cognito().K(), m)
	return &bigmodGroup{m: m, g: g, k: k}
}

// bigmodPadHex is padHex of big-endian bytes (minimal, sign byte when the
// top bit is set).
func bigmodPadHex(b []byte) []byte {
	b = bytes.TrimLeft(b, "\x00")
	if len(b) == 0 || b[0]&0x80 != 0 {
		return append([]byte{0}, b...)
	}
	return b
}

// claim returns A and PASSWORD_CLAIM_SIGNATURE for secret a (big-endian).
func (gr *bigmodGroup) claim(a []byte, poolName, userID, password, srpB, salt, secretBlock, timestamp string) (A []byte, sig string) {
	A = bigmod.NewNat().Exp(gr.g, a, gr.m).Bytes(gr.m)
	Bb, _ := hex.DecodeString(srpB)
	B, _ := bigmod.NewNat().SetOverflowingBytes(Bb, gr.m)
	uh := sha256.Sum256(append(bigmodPadHex(A), bigmodPadHex(Bb)...))
	sb, _ := hex.DecodeString(salt)
	inner := sha256.Sum256([]byte(poolName + userID + ":" + password))
	xh := sha256.Sum256(append(bigmodPadHex(sb), inner[:]...))
	kgx := bigmod.NewNat().Exp(gr.g, xh[:], gr.m).Mul(gr.k, gr.m)
	base := B.Sub(kgx, gr.m)
	e := new(big.Int).Mul(new(big.Int).SetBytes(uh[:]), new(big.Int).SetBytes(xh[:]))
	e.Add(e, new(big.Int).SetBytes(a)) // a + u·x: bytes only, its cost is negligible here
	S := bigmod.NewNat().Exp(base, e.Bytes(), gr.m).Bytes(gr.m)
	key := hkdf.CognitoKey(bigmodPadHex(S), bigmodPadHex(uh[:]))
	block, _ := base64.StdEncoding.DecodeString(secretBlock)
	msg := append(append(append([]byte(poolName), userID...), block...), timestamp...)
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return A, base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestBigmodMatchesCaldera(t *testing.T) {
	gr := newBigmodGroup(t)
	a := bytes.Repeat([]byte{0x5a}, 128)
	_, want := gr.claim(a, "KO6fcefgd", "username", "Password123", benchB, benchSalt, benchSecretBlock, benchTS)
	cl, err := srp.Cognito().NewClientFromSecret(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.PasswordClaim(srp.PasswordClaimParams{PoolName: "KO6fcefgd", UserIDForSRP: "username",
		Password: "Password123", SRPB: benchB, Salt: benchSalt, SecretBlock: benchSecretBlock, Timestamp: benchTS})
	if err != nil {
		t.Fatal(err)
	}
	if got.Signature != want {
		t.Errorf("caldera %s, bigmod %s", got.Signature, want)
	}
}

func benchBigmodClaim(b *testing.B) {
	b.ReportAllocs()
	gr := newBigmodGroup(b)
	a := make([]byte, 128)
	for b.Loop() {
		if _, err := rand.Read(a); err != nil {
			b.Fatal(err)
		}
		gr.claim(a, "KO6fcefgd", "username", "Password123", benchB, benchSalt, benchSecretBlock, benchTS)
	}
}
