package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// This file is the baseline: a Cognito client computed the way the existing
// Go library for Cognito SRP does it, with math/big integers and padHex on
// hex strings (docs/protocol.md §§2–3). It is variable-time and exists only to be
// measured against srp; math/big is allowed in tests and baselines only.

type mathbigClient struct {
	N, g, k *big.Int
	a, A    *big.Int
}

func newMathbigGroup() (N, g, k *big.Int) {
	N, _ = new(big.Int).SetString(cognitoNHex, 16)
	g = big.NewInt(2)
	k, _ = new(big.Int).SetString(hexHash(padHexString(N)+padHexString(g)), 16)
	return N, g, k
}

// newMathbigClient draws a 128-byte a and computes A = g^a mod N.
func newMathbigClient(N, g, k *big.Int) *mathbigClient {
	buf := make([]byte, 128)
	if _, err := rand.Read(buf); err != nil {
		panic(err)
	}
	a := new(big.Int).SetBytes(buf)
	return &mathbigClient{N: N, g: g, k: k, a: a, A: new(big.Int).Exp(g, a, N)}
}

// padHexString is padHex as a hex string: even length, "00" in front when
// the first digit is 8–f.
func padHexString(n *big.Int) string {
	s := n.Text(16)
	if len(s)%2 == 1 {
		s = "0" + s
	} else if strings.IndexByte("89abcdef", s[0]) >= 0 {
		s = "00" + s
	}
	return s
}

// hexHash is hex(SHA256(bytes of the hex string s)).
func hexHash(s string) string {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// claim returns PASSWORD_CLAIM_SIGNATURE for the challenge values.
func (c *mathbigClient) claim(poolName, userID, password, srpB, salt, secretBlock, timestamp string) string {
	B, _ := new(big.Int).SetString(srpB, 16)
	u, _ := new(big.Int).SetString(hexHash(padHexString(c.A)+padHexString(B)), 16)
	s, _ := new(big.Int).SetString(salt, 16)
	inner := sha256.Sum256([]byte(poolName + userID + ":" + password))
	x, _ := new(big.Int).SetString(hexHash(padHexString(s)+hex.EncodeToString(inner[:])), 16)
	gx := new(big.Int).Exp(c.g, x, c.N)
	base := new(big.Int).Sub(B, new(big.Int).Mul(c.k, gx))
	base.Mod(base, c.N)
	e := new(big.Int).Add(c.a, new(big.Int).Mul(u, x))
	S := new(big.Int).Exp(base, e, c.N)
	ikm, _ := hex.DecodeString(padHexString(S))
	hsalt, _ := hex.DecodeString(padHexString(u))
	prk := hmac.New(sha256.New, hsalt)
	prk.Write(ikm)
	m := hmac.New(sha256.New, prk.Sum(nil))
	m.Write([]byte("Caldera Derived Key\x01"))
	key := m.Sum(nil)[:16]
	sb, _ := base64.StdEncoding.DecodeString(secretBlock)
	sig := hmac.New(sha256.New, key)
	sig.Write([]byte(poolName))
	sig.Write([]byte(userID))
	sig.Write(sb)
	sig.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(sig.Sum(nil))
}

const cognitoNHex = "" +
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

// The baseline computes the same signature as srp (so the benchmarks
// compare equal work).
func TestMathbigMatchesCaldera(t *testing.T) {
	N, g, k := newMathbigGroup()
	a := bytes.Repeat([]byte{0x5a}, 128)
	c := &mathbigClient{N: N, g: g, k: k, a: new(big.Int).SetBytes(a)}
	c.A = new(big.Int).Exp(g, c.a, N)
	want := c.claim("KO6fcefgd", "username", "Password123", benchB, benchSalt, benchSecretBlock, benchTS)
	cl, err := srp.Cognito().NewClientFromSecret(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.PasswordClaim(srp.PasswordClaimParams{
		PoolName: "KO6fcefgd", UserIDForSRP: "username", Password: "Password123",
		SRPB: benchB, Salt: benchSalt, SecretBlock: benchSecretBlock, Timestamp: benchTS,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Signature != want {
		t.Errorf("caldera %s, mathbig %s", got.Signature, want)
	}
}
