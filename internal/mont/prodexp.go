package mont

// slideBits is the longest window of the public-exponent exponentiation in
// [Modulus.ProdExp]: the odd powers y, y³, …, y³¹ are precomputed.
const slideBits = 5

// ProdExp sets z = (x · y^e)^f mod N, where e and f are big-endian exponents
// of any length (an empty one is 0). It is SRP-6a's server premaster secret,
// S = (A · v^u)^b (RFC 5054, Section 2.6), in one pass: on the IFMA kernel
// the values stay in radix 2^52 from the inputs to z (three conversions
// instead of four, no 64-bit multiplication in between).
//
// It is constant time in the values of x, y and f, as [Modulus.Exp] is.
// The exponent e is public: y^e uses sliding windows over e (one squaring
// per bit of e, one multiplication per window whose position and table
// entry come from the bits of e, the entry read directly), so the sequence
// of operations reveals e, and only e. In SRP, e is u = H(A, B), computed
// from public values. z may alias x or y. It allocates nothing.
func (m *Modulus) ProdExp(z, x, y *Elem, e, f []byte) {
	if len(f) > 0 && m.ifmaOn() {
		m.prodExp52(z, x, y, e, f)
		return
	}
	var t Elem
	m.expPublic(&t, y, e)
	m.Mul(&t, x, &t)
	m.Exp(z, &t, f)
}

// slide walks the public exponent e from its most significant bit in
// sliding windows of at most slideBits bits, each starting and ending with
// a 1 bit. For each window it calls step(sqrs, idx): square sqrs times (the
// zero bits before the window and the window's length), then multiply by
// y^(2·idx+1). Zero bits after the last window end with step(sqrs, -1).
// Everything it does depends on e alone.
func slide(e []byte, step func(sqrs, idx int)) {
	sqrs := 0
	for i := 8*len(e) - 1; i >= 0; {
		if bit(e, i) == 0 {
			sqrs++
			i--
			continue
		}
		j := max(i-slideBits+1, 0)
		for bit(e, j) == 0 {
			j++
		}
		v := 0
		for k := i; k >= j; k-- {
			v = v<<1 | bit(e, k)
		}
		step(sqrs+i-j+1, v>>1)
		sqrs = 0
		i = j - 1
	}
	if sqrs > 0 {
		step(sqrs, -1)
	}
}

// expPublic sets z = y^e mod N for a public e on the 64-bit kernels, by
// sliding windows; constant time in y.
func (m *Modulus) expPublic(z, y *Elem, e []byte) {
	var odd [1 << (slideBits - 1)]Elem // odd[i] = y^(2i+1)
	var y2 Elem
	odd[0] = *y
	m.Sqr(&y2, y)
	for i := 1; i < len(odd); i++ {
		m.Mul(&odd[i], &odd[i-1], &y2)
	}
	acc, started := m.one, false
	slide(e, func(sqrs, idx int) {
		if !started { // squarings of 1 are skipped
			if idx >= 0 {
				acc, started = odd[idx], true
			}
			return
		}
		for range sqrs {
			m.Sqr(&acc, &acc)
		}
		if idx >= 0 {
			m.Mul(&acc, &acc, &odd[idx])
		}
	})
	*z = acc
}

// prodExp52 is ProdExp on the IFMA kernel, for a non-empty f.
func (m *Modulus) prodExp52(z, x, y *Elem, e, f []byte) {
	c := m.ifma
	var odd [1 << (slideBits - 1)]elem52 // odd[i] = y^(2i+1)
	var y2 elem52
	m.toIFMA(&odd[0], y)
	sqrIFMA(&y2, &odd[0], &c.n, c.k0)
	for i := 1; i < len(odd); i++ {
		mulIFMA(&odd[i], &odd[i-1], &y2, &c.n, c.k0)
	}
	acc, started := c.one, false
	slide(e, func(sqrs, idx int) {
		if !started {
			if idx >= 0 {
				acc, started = odd[idx], true
			}
			return
		}
		for range sqrs {
			sqrIFMA(&acc, &acc, &c.n, c.k0)
		}
		if idx >= 0 {
			mulIFMA(&acc, &acc, &odd[idx], &c.n, c.k0)
		}
	})
	var x52 elem52
	m.toIFMA(&x52, x)
	mulIFMA(&acc, &acc, &x52, &c.n, c.k0)
	m.exp52in(&acc, &acc, f)
	m.fromIFMA(z, &acc)
}
