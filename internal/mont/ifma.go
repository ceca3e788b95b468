package mont

import "crypto/subtle"

// The radix-2^52 representation used by the AVX-512 IFMA kernel.
//
// VPMADD52LUQ and VPMADD52HUQ multiply the low 52 bits of each 64-bit lane and
// add the low or high 52 bits of the 104-bit product to a 64-bit accumulator
// lane. A 3072-bit value is 60 such limbs (3120 bits), padded with zero lanes
// to 64 (a whole number of 512-bit vectors). Montgomery multiplication in
// this radix divides by R' = 2^3120 instead of R = 2^3072, and since R' > 4N
// it is an almost Montgomery multiplication: inputs below 2N give an output
// below 2N, so no final subtraction is needed between multiplications.
//
// Only [Modulus.Exp] and [FixedBase.Exp] use it: they convert their inputs from
// the [Elem] form x·R mod N into x·R' (one multiplication by 2^3168 mod N),
// work in radix 2^52, and convert the result back (one multiplication by R mod
// N and a masked final subtraction). Mul, Sqr and the other Elem operations
// keep the 64-bit kernel.

const (
	limbs52 = 60
	lanes52 = 64
	mask52  = 1<<52 - 1
)

// elem52 is an integer in radix 2^52, limb i in element i, limbs 60 to 63
// zero. In the IFMA domain it holds x·R' mod N, possibly plus N.
type elem52 [lanes52]uint64

// ifmaConsts are a modulus's constants for the IFMA kernel.
type ifmaConsts struct {
	n   elem52 // N
	k0  uint64 // −N⁻¹ mod 2^52
	rr  elem52 // 2^3168 mod N: multiplying x·R by it gives x·R'
	r   elem52 // R mod N: multiplying x·R' by it gives x·R
	one elem52 // R' mod N: 1 in the IFMA domain
}

// initIFMA computes the IFMA constants of m, or leaves m.ifma nil when the CPU
// cannot run the kernel.
func (m *Modulus) initIFMA() {
	if !hasIFMA {
		return
	}
	c := &ifmaConsts{k0: m.n0 & mask52}
	to52(&c.n, &m.n)
	to52(&c.r, &m.one.l)
	t := m.one.l // R mod N = 2^3072 mod N, doubled: 2^3120 = R', then 2^3168
	for range 48 {
		m.addWords(&t, &t, &t)
	}
	to52(&c.one, &t)
	for range 48 {
		m.addWords(&t, &t, &t)
	}
	to52(&c.rr, &t)
	m.ifma = c
}

// ifmaOn reports whether Exp and FixedBase.Exp run the IFMA kernel.
func (m *Modulus) ifmaOn() bool { return useIFMA && m.ifma != nil && !m.generic && !m.noIFMA }

// to52 sets z to x in radix 2^52. The shifts depend on the limb index only.
func to52(z *elem52, x *[nWords]uint64) {
	for k := range limbs52 {
		w, s := 52*k/64, uint(52*k%64)
		v := x[w] >> s
		if s > 12 && w+1 < nWords {
			v |= x[w+1] << (64 - s)
		}
		z[k] = v & mask52
	}
	for k := limbs52; k < lanes52; k++ {
		z[k] = 0
	}
}

// from52 sets z to the low 3072 bits of the normalized radix-2^52 value x and
// returns the bits above them.
func from52(z *[nWords]uint64, x *elem52) (hi uint64) {
	var acc uint64 // pending bits, nacc of them
	var nacc uint
	w := 0
	for k := range limbs52 {
		l := x[k]
		acc |= l << nacc
		if nacc+52 < 64 {
			nacc += 52
			continue
		}
		if w < nWords {
			z[w] = acc
		} else {
			hi |= acc
		}
		w++
		acc = l >> (64 - nacc) // 0 when nacc = 0
		nacc = nacc + 52 - 64
	}
	return hi | acc
}

// toIFMA sets z = x·R' mod N in radix 2^52, from x in Elem form (x·R mod N).
func (m *Modulus) toIFMA(z *elem52, x *Elem) {
	var t elem52
	to52(&t, &x.l)
	mulIFMA(z, &t, &m.ifma.rr, &m.ifma.n, m.ifma.k0)
}

// fromIFMA sets z to x in Elem form, reduced below N.
func (m *Modulus) fromIFMA(z *Elem, x *elem52) {
	var t elem52
	mulIFMA(&t, x, &m.ifma.r, &m.ifma.n, m.ifma.k0) // below 2N
	var w [nWords]uint64
	hi := from52(&w, &t)
	finalSub(&z.l, &w, hi, &m.n)
}

// exp52 is Exp on the IFMA kernel: the same windows, squarings,
// multiplications and table scans, in radix 2^52.
func (m *Modulus) exp52(z, base *Elem, e []byte) {
	c := m.ifma
	var table [tableSize]elem52
	table[0] = c.one
	m.toIFMA(&table[1], base)
	for i := 2; i < tableSize; i += 2 {
		sqrIFMA(&table[i], &table[i/2], &c.n, c.k0)
		mulIFMA(&table[i+1], &table[i], &table[1], &c.n, c.k0)
	}
	top := (8*len(e) + windowBits - 1) / windowBits // > 0: Exp handles empty e
	var acc, t elem52
	lookupIFMA(&acc, &table, window(e, (top-1)*windowBits))
	for w := top - 2; w >= 0; w-- {
		for range windowBits {
			sqrIFMA(&acc, &acc, &c.n, c.k0)
		}
		lookupIFMA(&t, &table, window(e, w*windowBits))
		mulIFMA(&acc, &acc, &t, &c.n, c.k0)
	}
	m.fromIFMA(z, &acc)
}

// tables52 converts comb tables to the IFMA domain.
func (m *Modulus) tables52(tables [][tableSize]Elem) [][tableSize]elem52 {
	t52 := make([][tableSize]elem52, len(tables))
	for q := range tables {
		for v := range tables[q] {
			m.toIFMA(&t52[q][v], &tables[q][v])
		}
	}
	return t52
}

// exp52 is FixedBase.Exp on the IFMA kernel, for 0 < groups ≤ len(f.t52).
func (f *FixedBase) exp52(z *Elem, e []byte, groups int) {
	c := f.m.ifma
	var acc, t elem52
	for col := combHeight - 1; col >= 0; col-- {
		if col != combHeight-1 {
			sqrIFMA(&acc, &acc, &c.n, c.k0)
		}
		for q := range groups {
			idx := combIndex(e, q, col)
			if col == combHeight-1 && q == 0 {
				lookupIFMA(&acc, &f.t52[q], idx)
				continue
			}
			lookupIFMA(&t, &f.t52[q], idx)
			mulIFMA(&acc, &acc, &t, &c.n, c.k0)
		}
	}
	f.m.fromIFMA(z, &acc)
}

// lookup52Generic is lookupIFMA in Go, for tests.
func lookup52Generic(z *elem52, table *[tableSize]elem52, idx int) {
	var r elem52
	for i := range table {
		mask := -uint64(subtle.ConstantTimeEq(int32(i), int32(idx)))
		for k := range r {
			r[k] |= table[i][k] & mask
		}
	}
	*z = r
}
