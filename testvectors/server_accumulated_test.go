package testvectors

import (
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// TestAccumulatedServer checks the server side of seeded random Cognito
// exchanges against the math/big reference of reference_test.go: the
// server (srp.Group.NewServerFromSecret, VerifyPasswordClaim, whose
// S = (A·v^u)^b runs through internal/mont's ProdExp) must accept the
// claim the reference client computes from the server's B, and refuse it
// with one bit of the signature flipped. b has the Cognito server's 64
// bytes, or 1–128 bytes (some with leading zeros); a is 1–128 bytes.
// 400 exchanges, 60 with -short.
func TestAccumulatedServer(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 60
	}
	r := rand.New(rand.NewChaCha8([32]byte([]byte("caldera accumulated server v1..."))))
	const ts = "Wed Dec 3 13:59:59 UTC 2026"
	text := []rune(alnum + ":-_.@ éü中文😀")
	for i := range n {
		a := randBytes(r, 1+r.IntN(128))
		b := randBytes(r, 64)
		if i%2 == 1 {
			b = randBytes(r, 1+r.IntN(128))
			if i%10 == 3 {
				b[0] = 0
			}
		}
		salt := randBytes(r, 1+r.IntN(32))
		salt[0] = salt[0]&0x7f | 0x01 // non-negative, no padHex zero byte
		pool, user := randString(r, 1, 12, []rune(alnum)), randString(r, 1, 40, text)
		pw := randString(r, 0, 40, text)
		block := randBytes(r, 1+r.IntN(300))

		v, err := srp.PasswordVerifierFromSalt(salt, pool, user, pw)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := srp.Cognito().NewServerFromSecret(v.V, b)
		if err != nil {
			t.Fatalf("exchange %d: NewServerFromSecret: %v", i, err)
		}
		ref := refCognitoClaim(new(big.Int).SetBytes(a), new(big.Int).SetBytes(srv.Public()),
			new(big.Int).SetBytes(salt), pool, user, pw, block, ts)
		p := srp.VerifyClaimParams{PoolName: pool, UserIDForSRP: user, SRPA: hex.EncodeToString(ref.A.Bytes()),
			SecretBlock: block, Timestamp: ts, Signature: ref.Signature}
		if err := srv.VerifyPasswordClaim(p); err != nil {
			t.Fatalf("exchange %d (a %x, b %x, salt %x, pool %q, user %q, pw %q): %v", i, a, b, salt, pool, user, pw, err)
		}
		if i%4 == 0 {
			sig, _ := base64.StdEncoding.DecodeString(ref.Signature)
			sig[r.IntN(len(sig))] ^= 1 << r.IntN(8)
			p.Signature = base64.StdEncoding.EncodeToString(sig)
			if err := srv.VerifyPasswordClaim(p); err == nil {
				t.Fatalf("exchange %d: a flipped signature bit verified", i)
			}
		}
	}
}
