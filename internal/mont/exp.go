package mont

import "crypto/subtle"

const (
	windowBits = 5
	tableSize  = 1 << windowBits
)

// Exp sets z = base^e mod N, where e is a big-endian exponent of any length
// (an empty e gives 1; 0^0 is 1). It is constant time in the values of base
// and e: 5-bit fixed windows, the same squarings and multiplications for
// every e of the same length, and each table entry read by a scan of the
// whole 32-entry table. z may alias base. It allocates nothing; it uses about
// 13 KiB of stack, 19 KiB on the IFMA kernel.
func (m *Modulus) Exp(z, base *Elem, e []byte) {
	if len(e) > 0 && m.ifmaOn() {
		m.exp52(z, base, e)
		return
	}
	m.exp64(z, base, e)
}

// exp64 is Exp on the radix-2^64 kernels; it is a function of its own so
// that the IFMA path does not reserve its 12 KiB table.
func (m *Modulus) exp64(z, base *Elem, e []byte) {
	var table [tableSize]Elem
	table[0] = m.one
	table[1] = *base
	for i := 2; i < tableSize; i += 2 {
		m.Sqr(&table[i], &table[i/2])
		m.Mul(&table[i+1], &table[i], base)
	}

	nbits := 8 * len(e)
	// Windows are aligned to the low end of e; the top one may be partial.
	top := (nbits + windowBits - 1) / windowBits
	if top == 0 {
		*z = m.one
		return
	}
	var acc, t Elem
	lookup(&acc, &table, window(e, (top-1)*windowBits))
	for w := top - 2; w >= 0; w-- {
		for range windowBits {
			m.Sqr(&acc, &acc)
		}
		lookup(&t, &table, window(e, w*windowBits))
		m.Mul(&acc, &acc, &t)
	}
	*z = acc
}

// window returns the 5 bits of e starting at bit position pos (counted from
// the least significant bit of the big-endian e), with zeros beyond its top.
// The positions read depend on pos and len(e) only.
func window(e []byte, pos int) int {
	i := len(e) - 1 - pos/8 // byte holding bit pos
	v := int(e[i])
	if i > 0 {
		v |= int(e[i-1]) << 8
	}
	return (v >> (pos % 8)) & (tableSize - 1)
}

// lookup sets z = table[idx], reading every entry.
func lookup(z *Elem, table *[tableSize]Elem, idx int) {
	if useAVX2 {
		lookupAVX2(&z.l, table, idx)
		return
	}
	lookupGeneric(&z.l, table, idx)
}

// lookupGeneric is the portable lookup: each entry is ANDed with a mask that
// is all ones only for the wanted index. It works four words at a time, kept
// in registers across the 32 entries (eight would spill on amd64), so that
// each word of the table costs one load, one AND and one OR.
func lookupGeneric(z *[nWords]uint64, table *[tableSize]Elem, idx int) {
	var masks [tableSize]uint64
	for i := range masks {
		masks[i] = -uint64(subtle.ConstantTimeEq(int32(i), int32(idx)))
	}
	for b := range nWords / 4 {
		var r0, r1, r2, r3 uint64
		for i := range table {
			w, m := (*[4]uint64)(table[i].l[4*b:]), masks[i]
			r0 |= w[0] & m
			r1 |= w[1] & m
			r2 |= w[2] & m
			r3 |= w[3] & m
		}
		// Entry words 4b to 4b+3 have all been read: z may alias an entry.
		zb := (*[4]uint64)(z[4*b:])
		zb[0], zb[1], zb[2], zb[3] = r0, r1, r2, r3
	}
}
