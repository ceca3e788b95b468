package mont

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"testing"
)

// ProdExp agrees with math/big's (x·y^e)^f on every kernel: public
// exponents with every window shape (empty, zero, leading and trailing
// zero runs, all ones, isolated bits, the 32-byte u of SRP), secret
// exponents of the lengths srp uses (b of 64 and 128 bytes) and the edges
// (empty f, base 0, 1, N−1, x and y aliasing z).
func TestProdExp(t *testing.T) {
	N := nBig(t)
	Nm1 := new(big.Int).Sub(N, big.NewInt(1))
	r := rand.New(rand.NewChaCha8([32]byte{'p', 'e'}))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	publics := [][]byte{nil, {0}, {1}, {2}, {3}, {0x80}, {0xff}, {0x10, 0x01}, {0x80, 0, 0, 1},
		{0, 0, 0x1f}, bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{0x84}, 32), rnd(32), rnd(32), rnd(33)}
	secrets := [][]byte{nil, {0}, {1}, rnd(64), rnd(128), rnd(1)}
	vals := []*big.Int{big.NewInt(0), big.NewInt(1), Nm1, new(big.Int).SetBytes(rnd(nBytes - 1)), new(big.Int).Mod(new(big.Int).SetBytes(rnd(nBytes)), N)}
	for _, k := range kernels(t) {
		m := k.m
		n := 0
		for i, e := range publics {
			for j, f := range secrets {
				x, y := vals[(i+j)%len(vals)], vals[(i+2*j+1)%len(vals)]
				if i > 1 && j > 2 { // fresh random bases for the common case
					x = new(big.Int).Mod(new(big.Int).SetBytes(rnd(nBytes)), N)
					y = new(big.Int).Mod(new(big.Int).SetBytes(rnd(nBytes)), N)
				}
				want := new(big.Int).Exp(y, new(big.Int).SetBytes(e), N)
				want.Mul(want, x).Mod(want, N)
				want.Exp(want, new(big.Int).SetBytes(f), N)
				var z Elem
				m.ProdExp(&z, elem(t, m, x), elem(t, m, y), e, f)
				if got := m.Bytes(&z); !bytes.Equal(got, pad384(want)) {
					t.Fatalf("%s: (x·y^%x)^%x: got %x…, want %x…", k.name, e, f, got[:8], pad384(want)[:8])
				}
				// z aliasing x, then y.
				zx, zy := *elem(t, m, x), *elem(t, m, y)
				m.ProdExp(&zx, &zx, elem(t, m, y), e, f)
				m.ProdExp(&zy, elem(t, m, x), &zy, e, f)
				if m.Equal(&zx, &z) != 1 || m.Equal(&zy, &z) != 1 {
					t.Fatalf("%s: aliased result differs", k.name)
				}
				n++
			}
		}
		t.Logf("%s: %d cases", k.name, n)
	}
}

// slide's windows rebuild e: Σ over windows of (2·idx+1)·2^(shift) = e,
// each window odd and at most slideBits long, and the squarings add up to
// e's bit length from its top 1 bit (plus the leading zeros).
func TestSlideWindows(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{'s', 'w'}))
	for i := range 2000 {
		e := make([]byte, i%40)
		for j := range e {
			e[j] = byte(r.Uint32())
			if i%3 == 0 {
				m1, m2 := byte(r.Uint32()), byte(r.Uint32())
				e[j] &= m1 & m2 // sparse
			}
		}
		acc := new(big.Int)
		total := 0
		slide(e, func(sqrs, idx int) {
			if sqrs <= 0 || idx >= 1<<(slideBits-1) {
				t.Fatalf("e %x: step(%d, %d)", e, sqrs, idx)
			}
			acc.Lsh(acc, uint(sqrs))
			if idx >= 0 {
				acc.Add(acc, big.NewInt(int64(2*idx+1)))
			}
			total += sqrs
		})
		if acc.Cmp(new(big.Int).SetBytes(e)) != 0 || total != 8*len(e) {
			t.Fatalf("e %x: windows give %x over %d bits", e, acc, total)
		}
	}
}
