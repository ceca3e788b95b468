package srp

import (
	"bytes"
	"crypto"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/caldera-srp/caldera/internal/mont"
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

// serverPremasterCompose is serverPremaster before ProdExp: v^u, a
// multiplication and ^b as three separate mont calls (each Exp converting
// to radix 2^52 and back on the IFMA kernel), for the comparison below.
func (ar *montArith) serverPremasterCompose(dst, v, u, A, b []byte) []byte {
	var vn, vu, base, s mont.Elem
	_ = ar.secret(&vn, v)
	ar.m.SetBytesReduce(&base, A)
	ar.m.Exp(&vu, &vn, u)
	ar.m.Mul(&base, &base, &vu)
	ar.m.Exp(&s, &base, b)
	return ar.m.AppendBytes(dst, &s)
}

// TestServerPremasterCompose: the two agree (so the benchmark compares like
// with like).
func TestServerPremasterCompose(t *testing.T) {
	ar := Cognito().ar.(*montArith)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 4 {
		v, u, A, b := make([]byte, 32), make([]byte, 32), make([]byte, 384), make([]byte, 64)
		for _, s := range [][]byte{v, u, A, b} {
			for i := range s {
				s[i] = byte(rng.Uint32())
			}
		}
		v = ar.expG(nil, v)
		A[0] &= 0x7f
		if got, want := ar.serverPremaster(nil, v, u, A, b), ar.serverPremasterCompose(nil, v, u, A, b); !bytes.Equal(got, want) {
			t.Fatalf("ProdExp %x… vs composed %x…", got[:8], want[:8])
		}
	}
}

// BenchmarkServerPremaster compares S = (A·v^u)^b through ProdExp
// (impl=prodexp, what the server runs) with the three separate calls it
// replaced (impl=compose), for the Cognito server's 64-byte b and the
// 128-byte b it drew before, interleaved in one run.
func BenchmarkServerPremaster(b *testing.B) {
	ar := Cognito().ar.(*montArith)
	v := ar.expG(nil, bytes.Repeat([]byte{0x3c}, 32))
	u := bytes.Repeat([]byte{0xa7}, 32)
	A := ar.expG(nil, bytes.Repeat([]byte{0x5a}, 128))
	for _, n := range []int{64, 128} {
		eb := bytes.Repeat([]byte{0xc3}, n)
		b.Run(fmt.Sprintf("bbytes=%d/impl=prodexp", n), func(b *testing.B) {
			dst := make([]byte, 0, 384)
			for range b.N {
				dst = ar.serverPremaster(dst[:0], v, u, A, eb)
			}
		})
		b.Run(fmt.Sprintf("bbytes=%d/impl=compose", n), func(b *testing.B) {
			dst := make([]byte, 0, 384)
			for range b.N {
				dst = ar.serverPremasterCompose(dst[:0], v, u, A, eb)
			}
		})
	}
}
