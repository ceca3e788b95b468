package mont

import "math/bits"

// montMulGeneric sets z = x·y·2^−3072 mod n for x, y < n, with n odd and
// n0 = −n⁻¹ mod 2^64. It is the portable kernel: word-by-word Montgomery
// multiplication (coarsely integrated operand scanning), then one masked
// subtraction. z may alias x or y.
func montMulGeneric(z, x, y, n *[nWords]uint64, n0 uint64) {
	// t < 2n holds after each round, so t fits in 49 words; the 50th word
	// holds the carry of the multiplication half of a round.
	var t [nWords + 2]uint64
	for i := range nWords {
		// t += x·y[i]
		yi := y[i]
		var c uint64
		for j := range nWords {
			hi, lo := bits.Mul64(x[j], yi)
			var cc uint64
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		t[nWords], t[nWords+1] = bits.Add64(t[nWords], c, 0)

		// t = (t + m·n) / 2^64, with m chosen so that the low word cancels.
		m := t[0] * n0
		hi, lo := bits.Mul64(n[0], m)
		_, cc := bits.Add64(lo, t[0], 0)
		c = hi + cc
		for j := 1; j < nWords; j++ {
			hi, lo := bits.Mul64(n[j], m)
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j-1], c = lo, hi
		}
		t[nWords-1], cc = bits.Add64(t[nWords], c, 0)
		t[nWords] = t[nWords+1] + cc
	}
	finalSub(z, (*[nWords]uint64)(t[:nWords]), t[nWords], n)
}

// montSqrGeneric sets z = x²·2^−3072 mod n for x < n: the full square from
// half the cross products, then a separate Montgomery reduction. z may alias x.
func montSqrGeneric(z, x, n *[nWords]uint64, n0 uint64) {
	var p [2 * nWords]uint64
	// Cross products x[i]·x[j], i < j.
	for i := range nWords - 1 {
		xi := x[i]
		var c uint64
		for j := i + 1; j < nWords; j++ {
			hi, lo := bits.Mul64(x[j], xi)
			var cc uint64
			lo, cc = bits.Add64(lo, p[i+j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			p[i+j], c = lo, hi
		}
		p[i+nWords] = c
	}
	// Double them and add the squares x[i]².
	var c uint64
	for k := range p {
		p[k], c = p[k]<<1|c, p[k]>>63
	}
	c = 0
	for i := range nWords {
		hi, lo := bits.Mul64(x[i], x[i])
		var cc uint64
		p[2*i], cc = bits.Add64(p[2*i], lo, c)
		p[2*i+1], c = bits.Add64(p[2*i+1], hi, cc)
	}
	// Montgomery reduction: for each low word, add m·n·2^(64i) so that it
	// cancels; top carries the overflow into word i+48 over the rounds.
	var top uint64
	for i := range nWords {
		m := p[i] * n0
		var c uint64
		for j := range nWords {
			hi, lo := bits.Mul64(n[j], m)
			var cc uint64
			lo, cc = bits.Add64(lo, p[i+j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			p[i+j], c = lo, hi
		}
		s, c1 := bits.Add64(p[i+nWords], c, 0)
		s, c2 := bits.Add64(s, top, 0)
		p[i+nWords], top = s, c1+c2
	}
	finalSub(z, (*[nWords]uint64)(p[nWords:]), top, n)
}

// finalSub sets z = hi·2^3072 + t − n if that is not negative and z = t
// otherwise, selecting by mask rather than by branch.
func finalSub(z, t *[nWords]uint64, hi uint64, n *[nWords]uint64) {
	var d [nWords]uint64
	var b uint64
	for i := range d {
		d[i], b = bits.Sub64(t[i], n[i], b)
	}
	_, keep := bits.Sub64(hi, b, 0) // keep t iff hi = 0 and t < n
	mask := -keep
	for i := range z {
		z[i] = d[i] ^ ((d[i] ^ t[i]) & mask)
	}
}
