package mont

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// big52 returns x as a radix-2^52 element.
func big52(x *big.Int) *elem52 {
	var z elem52
	t := new(big.Int).Set(x)
	mask := big.NewInt(mask52)
	for k := range limbs52 {
		z[k] = new(big.Int).And(t, mask).Uint64()
		t.Rsh(t, 52)
	}
	return &z
}

// int52 returns the value of x, checking that its limbs are normalized.
func int52(tb testing.TB, x *elem52) *big.Int {
	z := new(big.Int)
	for k := lanes52 - 1; k >= 0; k-- {
		if x[k] > mask52 || (k >= limbs52 && x[k] != 0) {
			tb.Fatalf("limb %d = %#x is not normalized", k, x[k])
		}
		z.Lsh(z, 52).Or(z, new(big.Int).SetUint64(x[k]))
	}
	return z
}

type mul52Fn func(z, x, y, n *elem52, k0 uint64)

// ifmaKernels returns the IFMA multiplications this CPU runs, by register width.
func ifmaKernels(tb testing.TB) map[string]mul52Fn {
	if !hasIFMA {
		tb.Logf("IFMA kernel not tested: %s", ifmaMissing)
		return nil
	}
	return ifmaAsm
}

// TestIFMAKernel checks both IFMA multiplications against math/big on random
// and edge inputs up to 2N − 1 (the range an exponentiation feeds them):
// the result must be x·y/2^3120 mod N, below 2N, with normalized limbs.
func TestIFMAKernel(t *testing.T) {
	ks := ifmaKernels(t)
	if ks == nil {
		t.Skip("no IFMA")
	}
	m, _ := NewModulus(nBytesRFC3526(t))
	N := nBig(t)
	N2 := new(big.Int).Lsh(N, 1)
	rInv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 52*limbs52), N)
	r := rand.New(rand.NewChaCha8([32]byte{5, 2}))
	one := big.NewInt(1)
	edges := []*big.Int{
		big.NewInt(0), one, new(big.Int).Sub(N, one), N, new(big.Int).Add(N, one),
		new(big.Int).Sub(N2, one), new(big.Int).Sub(N2, big.NewInt(2)),
		new(big.Int).Sub(new(big.Int).Lsh(one, 3072), one), new(big.Int).Lsh(one, 3071),
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n + len(edges)*len(edges) {
		var x, y *big.Int
		if i < len(edges)*len(edges) {
			x, y = edges[i/len(edges)], edges[i%len(edges)]
		} else {
			x, y = randBelow(r, N, i), randBelow(r, N, i+1)
			if i%3 == 0 {
				x.Add(x, N) // in [N, 2N)
			}
			if i%5 == 0 {
				y.Add(y, N)
			}
		}
		want := new(big.Int).Mul(x, y)
		want.Mul(want, rInv).Mod(want, N)
		for name, f := range ks {
			var z elem52
			f(&z, big52(x), big52(y), &m.ifma.n, m.ifma.k0)
			got := int52(t, &z)
			if got.Cmp(N2) >= 0 || new(big.Int).Mod(got, N).Cmp(want) != 0 {
				t.Fatalf("%s: case %d: mul(%x, %x) = %x, want %x (mod N, below 2N)", name, i, x, y, got, want)
			}
			// In place, as Exp calls it.
			z = *big52(x)
			f(&z, &z, &z, &m.ifma.n, m.ifma.k0)
			sq := new(big.Int).Mul(x, x)
			sq.Mul(sq, rInv).Mod(sq, N)
			if got := int52(t, &z); new(big.Int).Mod(got, N).Cmp(sq) != 0 || got.Cmp(N2) >= 0 {
				t.Fatalf("%s: case %d: sqr(%x) wrong", name, i, x)
			}
		}
	}
}

// TestIFMAConversions checks the radix conversions and the domain changes.
func TestIFMAConversions(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{5, 3}))
	N := nBig(t)
	for i := range 200 {
		x := randBelow(r, N, i)
		var w, back [nWords]uint64
		bytesToWords(&w, pad384(x))
		var z elem52
		to52(&z, &w)
		if int52(t, &z).Cmp(x) != 0 {
			t.Fatalf("to52(%x) wrong", x)
		}
		if hi := from52(&back, &z); hi != 0 || back != w {
			t.Fatalf("from52(to52(%x)) wrong", x)
		}
	}
	// from52 returns the bits above 3072.
	var z elem52
	for k := range limbs52 {
		z[k] = mask52
	}
	var w [nWords]uint64
	if hi := from52(&w, &z); hi != 1<<48-1 {
		t.Errorf("from52(2^3120 − 1) hi = %#x, want 2^48 − 1", hi)
	}
	if !hasIFMA {
		t.Skip("IFMA kernel not available here: domain changes not tested")
	}
	m, _ := NewModulus(nBytesRFC3526(t))
	for i := range 50 {
		x := elem(t, m, randBelow(r, N, i))
		var x52 elem52
		var y Elem
		m.toIFMA(&x52, x)
		m.fromIFMA(&y, &x52)
		if y != *x {
			t.Fatalf("fromIFMA(toIFMA(x)) != x for case %d", i)
		}
	}
}

func TestLookupIFMA(t *testing.T) {
	var table [tableSize]elem52
	r := rand.New(rand.NewChaCha8([32]byte{7, 52}))
	for i := range table {
		for k := range table[i] {
			table[i][k] = r.Uint64()
		}
	}
	for idx := range tableSize {
		var z1, z2 elem52
		lookup52Generic(&z1, &table, idx)
		lookupIFMA(&z2, &table, idx)
		if z1 != table[idx] || z2 != table[idx] {
			t.Errorf("lookup(%d): generic %v, asm %v", idx, z1 == table[idx], z2 == table[idx])
		}
	}
}
