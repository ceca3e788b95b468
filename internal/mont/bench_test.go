package mont

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"filippo.io/bigmod"
)

// benchInputs returns a random base below N and a random exponent of the
// given bit length with its top bit set.
func benchInputs(b *testing.B, expBits int) (x *big.Int, e []byte) {
	r := rand.New(rand.NewChaCha8([32]byte{'b'}))
	buf := make([]byte, nBytes)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	x = new(big.Int).Mod(new(big.Int).SetBytes(buf), nBig(b))
	e = make([]byte, (expBits+7)/8)
	for i := range e {
		e[i] = byte(r.Uint32())
	}
	e[0] &= byte(1<<((expBits-1)%8+1) - 1)
	e[0] |= byte(1 << ((expBits - 1) % 8))
	return x, e
}

type impl struct {
	name string
	run  func(b *testing.B)
}

func runImpls(b *testing.B, impls []impl) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			b.ReportAllocs()
			im.run(b)
		})
	}
}

func benchModulus(b *testing.B, generic bool) *Modulus {
	m, err := NewModulus(nBytesRFC3526(b))
	if err != nil {
		b.Fatal(err)
	}
	m.generic = generic
	return m
}

func benchBigmod(b *testing.B, x *big.Int) (*bigmod.Modulus, *bigmod.Nat) {
	bm, err := bigmod.NewModulus(nBytesRFC3526(b))
	if err != nil {
		b.Fatal(err)
	}
	bx, err := bigmod.NewNat().SetBytes(pad384(x), bm)
	if err != nil {
		b.Fatal(err)
	}
	return bm, bx
}

func mulImpls(b *testing.B, square bool) []impl {
	x, _ := benchInputs(b, 8)
	y := new(big.Int).Sub(x, big.NewInt(12345))
	if square {
		y = x
	}
	N := nBig(b)
	montRun := func(generic bool) func(b *testing.B) {
		return func(b *testing.B) {
			m := benchModulus(b, generic)
			ex, ey := elem(b, m, x), elem(b, m, y)
			var z Elem
			for b.Loop() {
				if square {
					m.Sqr(&z, ex)
				} else {
					m.Mul(&z, ex, ey)
				}
			}
		}
	}
	return []impl{
		{"mont", montRun(false)},
		{"purego", montRun(true)},
		{"mathbig", func(b *testing.B) {
			z := new(big.Int)
			for b.Loop() {
				z.Mul(x, y)
				z.Mod(z, N)
			}
		}},
		{"bigmod", func(b *testing.B) {
			bm, z := benchBigmod(b, x) // z = z·y in place
			_, by := benchBigmod(b, y)
			for b.Loop() {
				z.Mul(by, bm)
			}
		}},
	}
}

func BenchmarkMul(b *testing.B) { runImpls(b, mulImpls(b, false)) }

func BenchmarkSqr(b *testing.B) { runImpls(b, mulImpls(b, true)) }

// BenchmarkExp is the S = base^(a+u·x) step of docs/protocol.md §3: a random base
// and a 1025-bit exponent.
func BenchmarkExp(b *testing.B) {
	x, e := benchInputs(b, 1025)
	N := nBig(b)
	montRun := func(generic bool) func(b *testing.B) {
		return func(b *testing.B) {
			m := benchModulus(b, generic)
			ex := elem(b, m, x)
			var z Elem
			for b.Loop() {
				m.Exp(&z, ex, e)
			}
		}
	}
	runImpls(b, []impl{
		{"mont", montRun(false)},
		{"purego", montRun(true)},
		{"mathbig", func(b *testing.B) {
			z, be := new(big.Int), new(big.Int).SetBytes(e)
			for b.Loop() {
				z.Exp(x, be, N)
			}
		}},
		{"bigmod", func(b *testing.B) {
			bm, bx := benchBigmod(b, x)
			z := bigmod.NewNat()
			for b.Loop() {
				z.Exp(bx, e, bm)
			}
		}},
	})
}

// BenchmarkFixedBase is A = g^a (1024-bit a) and g^x (256-bit x) of
// docs/protocol.md §3 and §6, with g = 2; mont uses a FixedBase built for 1040 bits.
func BenchmarkFixedBase(b *testing.B) {
	N := nBig(b)
	two := big.NewInt(2)
	for _, bits := range []int{1024, 256} {
		_, e := benchInputs(b, bits)
		montRun := func(generic bool) func(b *testing.B) {
			return func(b *testing.B) {
				m := benchModulus(b, generic)
				fb := newGTable(b, m)
				var z Elem
				for b.Loop() {
					fb.Exp(&z, e)
				}
			}
		}
		b.Run("bits="+strconv.Itoa(bits), func(b *testing.B) {
			runImpls(b, []impl{
				{"mont", montRun(false)},
				{"purego", montRun(true)},
				{"mathbig", func(b *testing.B) {
					z, be := new(big.Int), new(big.Int).SetBytes(e)
					for b.Loop() {
						z.Exp(two, be, N)
					}
				}},
				{"bigmod", func(b *testing.B) {
					bm, bg := benchBigmod(b, two)
					z := bigmod.NewNat()
					for b.Loop() {
						z.Exp(bg, e, bm)
					}
				}},
			})
		})
	}
}

// BenchmarkNewFixedBase is the one-time cost of the g table for 1040 bits.
func BenchmarkNewFixedBase(b *testing.B) {
	b.ReportAllocs()
	m := benchModulus(b, false)
	for b.Loop() {
		newGTable(b, m)
	}
}

// BenchmarkLookup is one constant-time scan of a 32-entry table.
func BenchmarkLookup(b *testing.B) {
	var table [tableSize]Elem
	for _, im := range []struct {
		name string
		f    func(z *[nWords]uint64, table *[tableSize]Elem, idx int)
	}{{"avx2", lookupAVX2}, {"purego", lookupGeneric}} {
		b.Run("impl="+im.name, func(b *testing.B) {
			var z Elem
			i := 0
			for b.Loop() {
				im.f(&z.l, &table, i&31)
				i++
			}
		})
	}
}

// BenchmarkKernel is one Montgomery multiplication (op=mul) or squaring
// (op=sqr) on each kernel this CPU runs, called directly: the 64-bit ones
// (adx, purego) include their final subtraction, the radix-2^52 IFMA ones
// (ifma-zmm: 512-bit registers, ifma-ymm: 256-bit) need none.
func BenchmarkKernel(b *testing.B) {
	m := benchModulus(b, false)
	x, _ := benchInputs(b, 8)
	var xw [nWords]uint64
	bytesToWords(&xw, pad384(x))
	for _, op := range []string{"mul", "sqr"} {
		b.Run("op="+op, func(b *testing.B) {
			var z [nWords]uint64
			run := func(name string, f func()) {
				b.Run("impl="+name, func(b *testing.B) {
					for b.Loop() {
						f()
					}
				})
			}
			if useADX {
				if op == "mul" {
					run("adx", func() { montMulADX(&z, &xw, &xw, &m.n, m.n0) })
				} else {
					run("adx", func() { montSqrADX(&z, &xw, &m.n, m.n0) })
				}
			}
			if m.ifma != nil {
				c := m.ifma
				var x52, z52 elem52
				to52(&x52, &xw)
				for _, w := range []string{"ymm", "zmm"} {
					f := ifmaAsm[w]
					run("ifma-"+w, func() { f(&z52, &x52, &x52, &c.n, c.k0) })
				}
			}
			if op == "mul" {
				run("purego", func() { montMulGeneric(&z, &xw, &xw, &m.n, m.n0) })
			} else {
				run("purego", func() { montSqrGeneric(&z, &xw, &m.n, m.n0) })
			}
		})
	}
}
