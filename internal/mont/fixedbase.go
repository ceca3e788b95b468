package mont

const (
	combTeeth  = windowBits             // exponent bits per multiplication: 32-entry tables
	combHeight = 52                     // exponent bits between two teeth
	combSpan   = combTeeth * combHeight // exponent bits covered by one table (260)
)

// FixedBase computes powers of one fixed, public base, such as the SRP
// generator g, with a precomputed comb table (see the package doc for the
// layout and the choice of its size). It is read-only after
// [Modulus.NewFixedBase] and safe for concurrent use.
type FixedBase struct {
	m *Modulus
	g Elem
	// tables[q][v] = Π g^(2^((5q+t)·52)) over the bits t of v.
	tables [][tableSize]Elem
	t52    [][tableSize]elem52 // tables in the IFMA domain, if the CPU has IFMA
}

// NewFixedBase precomputes a table for powers of g with exponents of up to
// maxExpBits bits (rounded up to a multiple of 260): 12 KiB of table and
// about 52 squarings per 260 bits, and on a CPU with AVX-512 IFMA another
// 16 KiB per 260 bits for the same table in radix 2^52. Longer exponents are
// still accepted by [FixedBase.Exp] but take the slower [Modulus.Exp] path.
// Building takes a few milliseconds; do it once, for example with
// sync.OnceValue.
func (m *Modulus) NewFixedBase(g *Elem, maxExpBits int) *FixedBase {
	groups := max(1, (maxExpBits+combSpan-1)/combSpan)
	f := &FixedBase{m: m, g: *g, tables: make([][tableSize]Elem, groups)}
	pow := *g // g^(2^(52k)) for tooth k = 5q + t
	for q := range f.tables {
		tab := &f.tables[q]
		tab[0] = m.one
		for t := range combTeeth {
			if q > 0 || t > 0 {
				for range combHeight {
					m.Sqr(&pow, &pow)
				}
			}
			for v := 1 << t; v < 1<<(t+1); v++ {
				m.Mul(&tab[v], &tab[v-1<<t], &pow)
			}
		}
	}
	if m.ifma != nil {
		f.t52 = m.tables52(f.tables)
	}
	return f
}

// Exp sets z = g^e mod N for the big-endian exponent e. It is constant time in
// the value of e; its length is public. With e no longer than the table's
// maxExpBits it takes 51 squarings and 52 multiplications per 260 bits of e
// (rounded up), each multiplication after a scan of a whole 32-entry table.
func (f *FixedBase) Exp(z *Elem, e []byte) {
	m := f.m
	nbits := 8 * len(e)
	groups := (nbits + combSpan - 1) / combSpan
	if groups > len(f.tables) {
		m.Exp(z, &f.g, e)
		return
	}
	if groups == 0 {
		*z = m.one
		return
	}
	if f.t52 != nil && m.ifmaOn() {
		f.exp52(z, e, groups)
		return
	}
	var acc, t Elem
	for c := combHeight - 1; c >= 0; c-- {
		if c != combHeight-1 {
			m.Sqr(&acc, &acc)
		}
		for q := range groups {
			idx := combIndex(e, q, c)
			if c == combHeight-1 && q == 0 {
				lookup(&acc, &f.tables[q], idx)
				continue
			}
			lookup(&t, &f.tables[q], idx)
			m.Mul(&acc, &acc, &t)
		}
	}
	*z = acc
}

// combIndex returns the table index for group q and column c: the bits of e
// under the group's teeth.
func combIndex(e []byte, q, c int) int {
	idx := 0
	for tooth := range combTeeth {
		idx |= bit(e, (q*combTeeth+tooth)*combHeight+c) << tooth
	}
	return idx
}

// bit returns bit pos of the big-endian e (0 is the least significant), or 0
// beyond its length. The byte read depends on pos and len(e) only.
func bit(e []byte, pos int) int {
	i := len(e) - 1 - pos/8
	if i < 0 {
		return 0
	}
	return int(e[i]>>(pos%8)) & 1
}
