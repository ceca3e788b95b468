package srp

import (
	"bytes"
	"crypto"
	"math/rand/v2"
	"testing"
)

// The fast 3072-bit arithmetic (internal/mont) and the portable one
// (bigmod) agree on every operation the protocol uses, over seeded random
// inputs and the edges (0, 1, N−1, N, 2^3072−1).
func TestArithBackendsAgree(t *testing.T) {
	n := Cognito().N()
	fast, err := newMontArith(n, []byte{2}, Cognito().K())
	if err != nil {
		t.Fatal(err)
	}
	slow, err := newBigmodArith(n, []byte{2}, Cognito().K())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(l int) []byte {
		b := make([]byte, l)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	nMinus1 := append([]byte(nil), n...)
	nMinus1[len(nMinus1)-1]--
	allOnes := bytes.Repeat([]byte{0xff}, 384)
	publics := [][]byte{{0}, {1}, nMinus1, n, allOnes, {}}
	for range 20 {
		publics = append(publics, rnd(384), rnd(1+rng.IntN(384)))
	}
	for _, p := range publics {
		z1, e1 := fast.checkPublic(p)
		z2, e2 := slow.checkPublic(p)
		if z1 != z2 || (e1 == nil) != (e2 == nil) {
			t.Fatalf("checkPublic(%x): %v %v vs %v %v", p, z1, e1, z2, e2)
		}
	}
	iters := 30
	if testing.Short() {
		iters = 5
	}
	for i := range iters {
		// b alternates between the Cognito server's 64 bytes and 128.
		x, a, b, u := rnd(32), rnd(128), rnd(64+64*(i%2)), rnd(32)
		if i == 0 {
			x, a = allOnes[:32], allOnes[:129]
		}
		B := publics[i%len(publics)]
		if z, err := slow.checkPublic(B); z || err != nil {
			B = rnd(384)
			B[0] &= 0x7f
		}
		v := slow.expG(nil, rnd(32))
		e, _ := appendClientExponent(nil, nil, a, u, x)
		pairs := [][2][]byte{
			{fast.expG(nil, a), slow.expG(nil, a)},
			{fast.expG(nil, x), slow.expG(nil, x)},
			{fast.clientPremaster(nil, B, x, e), slow.clientPremaster(nil, B, x, e)},
			{fast.serverPublic(nil, v, b), slow.serverPublic(nil, v, b)},
			{fast.serverPremaster(nil, v, u, B, b), slow.serverPremaster(nil, v, u, B, b)},
		}
		for j, p := range pairs {
			if !bytes.Equal(p[0], p[1]) {
				t.Fatalf("iteration %d, operation %d: mont %x… vs bigmod %x…", i, j, p[0][:8], p[1][:8])
			}
		}
	}
}

// A Cognito claim is the same whichever arithmetic computes it.
func TestCognitoClaimBackends(t *testing.T) {
	slowGroup, err := NewGroup(GroupParams{Name: "cognito-portable", N: Cognito().N(), G: 2, Hash: crypto.SHA256,
		Encoding: EncodePadHex, SecretSize: 128, portableArith: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := slowGroup.ar.(*bigmodArith); !ok {
		t.Fatal("portable group does not use bigmod")
	}
	if _, ok := Cognito().ar.(*montArith); !ok {
		t.Fatal("Cognito group does not use mont")
	}
	a := bytes.Repeat([]byte{0x5a}, 128)
	p := PasswordClaimParams{PoolName: "p", UserIDForSRP: "u", Password: "pw", SRPB: "abcdef0123", Salt: "-ff01", SecretBlock: "AQID", Timestamp: "t"}
	var sigs []string
	for _, g := range []*Group{Cognito(), slowGroup} {
		c, err := g.NewClientFromSecret(a)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := c.PasswordClaim(p)
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, cl.Signature)
	}
	if sigs[0] != sigs[1] {
		t.Fatalf("signatures differ: %v", sigs)
	}
}
