// Package mont implements constant-time arithmetic modulo the 3072-bit prime of
// the Cognito SRP group (RFC 3526, Section 4; docs/protocol.md §1), or any other odd
// modulus of exactly 3072 bits.
//
// Elements are kept in Montgomery form (x·R mod N, R = 2^3072) in a fixed-size
// [Elem], always fully reduced into [0, N). Multiplication and squaring use a
// 48-word Montgomery kernel: on amd64 with ADX and BMI2 an assembly kernel
// built on MULX/ADCX/ADOX (chosen at run time), elsewhere, or with the purego
// build tag, a portable math/bits kernel. Both end with a final subtraction of
// N done by masking, never by a branch.
//
// On amd64 CPUs with AVX-512 F, VL and IFMA, [Modulus.Exp], [Modulus.ProdExp]
// and [FixedBase.Exp] run a third kernel (ifma.go): almost Montgomery multiplication in radix
// 2^52 with VPMADD52LUQ/VPMADD52HUQ, 60 limbs in fifteen 256-bit registers,
// converted in and out once per exponentiation. See "Kernels" below for the
// costs and the choice of register width.
//
// # Constant time
//
// Every operation on an [Elem] — [Modulus.Mul], [Modulus.Sqr], [Modulus.Add],
// [Modulus.Sub], [Modulus.Equal], [Modulus.IsZero], [Modulus.SetBytes],
// [Modulus.SetBytesReduce], [Modulus.Bytes] — runs in time independent of the
// element values, with no branch and no memory index depending on them.
// [Modulus.Exp] and [FixedBase.Exp] are constant time in the base and in the
// exponent's value: they use fixed windows, perform the same sequence of
// squarings and multiplications for every exponent of a given byte length, and
// read whole precomputed tables with a masked select for every lookup.
// [Modulus.ProdExp], (x·y^e)^f, is constant time in x, y and f in the same
// way; its exponent e is public (SRP's u) and is walked in sliding windows.
//
// bench/ct checks this: TestMemcheck runs these operations on the ADX and
// portable kernels and both 64-bit table scans under Valgrind's Memcheck with
// the operands marked secret (internal/ctgrind), and the dudect runs time
// them, on each kernel (targets mont/ifma/… and mont/adx/…). Valgrind does not
// implement AVX-512, so Memcheck cannot run the IFMA kernel: its evidence is
// its construction — generated straight-line code whose only branch is the
// public round counter and whose only addresses are constant offsets from
// the argument pointers, which TestAsmStatic checks on the generated file —
// and the dudect targets.
//
// What is public (may leak through timing): the modulus, the length in bytes
// of every input (exponents, encodings), the exponent e of ProdExp, which kernel the CPU runs, the base of
// a [FixedBase] (g is public in SRP), and whether [Modulus.SetBytes] reports an
// error. Building a [FixedBase] involves only its public base; it takes about
// 1.5 ms, so build it once per modulus, for example with sync.OnceValue.
//
// The portable kernel relies on math/bits compiling Mul64, Add64 and Sub64 to
// the CPU's constant-time multiply and carry instructions, as the Go compiler
// does on amd64, arm64 and the other 64-bit ports; on a CPU whose multiplier
// is variable time no Go code can promise more. Nothing here allocates on the
// heap per operation ([Modulus.Exp] keeps its table on the stack: 12 KiB,
// and 16 KiB more in radix 2^52 on the IFMA kernel).
//
// # Kernels
//
// ns per operation from BenchmarkKernel (go test -bench Kernel -count=6,
// the kernels interleaved in one run, benchstat medians) on the project's
// 2-core AMD EPYC (Zen 4, 3.6 GHz), idle, 3 December 2026; earlier runs on
// the loaded machine are in parentheses where they differ in an
// interesting way (the fastest 200-call batch).
//
//	kernel                      Mul                Sqr
//	ifma, ymm (the default)     720 ns (606 ns)    691 ns
//	ifma, zmm                   720 ns (662 ns)    735 ns
//	adx (MULX/ADCX/ADOX)        2104 ns            1721 ns
//	purego (portable kernel)    3520 ns            3391 ns
//
// The IFMA squaring is the multiplication with both operands equal; its
// 60 rounds cost about 37 cycles each (3.6 GHz). Measured variations (same
// runs, best batches): without a quarter of the VPMADD52 instructions (and
// so a sixth of the loop's instructions) it is 15% faster. A dedicated
// squaring that skips the products below the diagonal was written and
// passed the tests — 2·x[j] needs 53 bits, so it multiplies by the
// normalized 2x, with the lanes at the diagonal assembled by constant masks,
// which needs the 60 rounds fully unrolled — but it was only 2–4% faster
// than the multiplication (its 45 KB of code no longer fit the op cache),
// so it is not kept. Three other variants gained nothing and were dropped:
// keeping x and N in registers (no loads in the loop; zmm only, 24
// registers), forming the products in scratch registers so that each
// accumulator waits for one VPMADD52 per round instead of four, and keeping
// two limbs in scalar registers so that the chain from one round's quotient
// to the next has no vector-to-scalar move.
//
// Both register widths are generated and measured. The 256-bit one is kept:
// Zen 4 executes a 512-bit instruction as two 256-bit halves, so zmm
// registers buy no multiplier throughput, while fifteen ymm registers hold
// the 60 limbs exactly and eight zmm registers carry four idle lanes (6.7%
// more multiplications); the best batches put ymm 5–9% ahead, the medians
// of the loaded run within noise. On a CPU with full-width 512-bit units
// (Intel Ice Lake and later) the zmm variant may win; BenchmarkKernel shows
// both.
//
// # Fixed-base exponentiation
//
// [FixedBase] is a Lim–Lee comb of our own, not circl's mlsbset: in Z_N^* a
// signed digit needs a second table of inverses that a constant-time lookup
// must scan as well, so signed digits save nothing here, while mlsbset's
// refusal of even exponents and its carry-dependent final multiplication would
// need working around. The exponent is cut into columns of 52 bits; each
// group of 5 teeth (260 exponent bits) has a 32-entry table (12 KiB). An
// exponent of L bits costs 51 squarings and ⌈L/260⌉·52 multiplications, each
// after a scan of one whole table. The table for maxExpBits = 1040 holds 128
// elements, 48 KiB (on a CPU with IFMA, 64 KiB more for the same table in
// radix 2^52), and serves both the 1024-bit a of A = g^a (208
// multiplications) and the 256-bit x of g^x (52 multiplications: the column
// height of 52 is what lets one group cover a SHA-256 exponent).
//
// The size was chosen from costs measured on the project's 2-core machine
// (multiplication 1.57 µs, squaring 1.22 µs, AVX2 scan of 32 entries 0.085
// µs). Estimated for a 1024-bit exponent: 4 teeth 0.50 ms with 24 KiB;
// 5 teeth 0.41 ms with 48 KiB (measured: 0.44 ms); 6 teeth (43-bit columns)
// 0.35 ms with 96 KiB; 8 teeth 0.33 ms with 384 KiB. Beyond 5 teeth each
// doubling of memory buys less than 15%, and the table outgrows the 48 KiB
// first-level data cache of one core.
// A plain 5-bit window ([Modulus.Exp]) needs about 1,024 squarings and 205
// multiplications for the same exponent.
package mont

import (
	"crypto/subtle"
	"errors"
	"math/bits"
	"slices"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

const (
	nWords = 48         // 64-bit words in a 3072-bit number
	nBytes = nWords * 8 // 384
)

// ErrModulus is returned by [NewModulus] for a modulus that this package does
// not handle: not exactly 3072 bits long, or even.
var ErrModulus = errors.New("mont: modulus must be odd and exactly 3072 bits")

// ErrRange is returned by [Modulus.SetBytes] for a value that is not below the
// modulus.
var ErrRange = errors.New("mont: value out of range [0, N)")

// Elem is an integer modulo a 3072-bit [Modulus], in Montgomery form. The zero
// value is the element 0. An Elem is only meaningful together with the Modulus
// that produced it.
type Elem struct {
	l [nWords]uint64 // little-endian words of x·R mod N, always < N
}

// Modulus is an odd 3072-bit modulus with its Montgomery constants. It is
// read-only after [NewModulus] and safe for concurrent use.
type Modulus struct {
	n       [nWords]uint64 // little-endian words
	n0      uint64         // −N⁻¹ mod 2^64
	rr      [nWords]uint64 // R² mod N, R = 2^3072
	one     Elem           // R mod N: 1 in Montgomery form
	generic bool           // tests: force the portable kernel
	noIFMA  bool           // tests: force the 64-bit kernel in Exp
	ifma    *ifmaConsts    // nil unless the CPU has AVX-512 IFMA (ifma.go)
}

// NewModulus returns the modulus whose big-endian encoding is n. Leading zero
// bytes are allowed, but the value must be odd and exactly 3072 bits long;
// anything else returns [ErrModulus] (other sizes should use a general-purpose
// package such as filippo.io/bigmod).
func NewModulus(n []byte) (*Modulus, error) {
	for len(n) > 0 && n[0] == 0 { // the modulus is public
		n = n[1:]
	}
	if len(n) != nBytes || n[0]&0x80 == 0 || n[len(n)-1]&1 == 0 {
		return nil, ErrModulus
	}
	m := &Modulus{}
	bytesToWords(&m.n, n)
	m.n0 = minusInverse(m.n[0])
	// R mod N = 2^3072 − N, since 2^3071 < N < 2^3072.
	var b uint64
	for i := range m.one.l {
		m.one.l[i], b = bits.Sub64(0, m.n[i], b)
	}
	// R² mod N: double R mod N 3072 times.
	m.rr = m.one.l
	for range nBytes * 8 {
		m.addWords(&m.rr, &m.rr, &m.rr)
	}
	m.initIFMA()
	return m, nil
}

// minusInverse returns −x⁻¹ mod 2^64 for odd x, by Newton's iteration.
func minusInverse(x uint64) uint64 {
	y := x // correct to 3 bits for odd x
	for range 5 {
		y *= 2 - x*y
	}
	return -y
}

// bytesToWords sets z from exactly nBytes big-endian bytes.
func bytesToWords(z *[nWords]uint64, b []byte) {
	_ = b[nBytes-1]
	for i := range z {
		j := nBytes - 8*i
		z[i] = uint64(b[j-1]) | uint64(b[j-2])<<8 | uint64(b[j-3])<<16 | uint64(b[j-4])<<24 |
			uint64(b[j-5])<<32 | uint64(b[j-6])<<40 | uint64(b[j-7])<<48 | uint64(b[j-8])<<56
	}
}

// bytesToWordsPadded sets z from at most nBytes big-endian bytes.
func bytesToWordsPadded(z *[nWords]uint64, b []byte) {
	var buf [nBytes]byte
	copy(buf[nBytes-len(b):], b)
	bytesToWords(z, buf[:])
}

// SetBytes sets z to the value of the big-endian encoding b, which must be
// below N. Leading zero bytes are allowed (b may be longer than 384 bytes).
// It returns [ErrRange] if the value is N or more, leaving z unchanged. The
// check is constant time; only its outcome is revealed.
func (m *Modulus) SetBytes(z *Elem, b []byte) error {
	var extra byte
	for len(b) > nBytes {
		extra |= b[0]
		b = b[1:]
	}
	var x [nWords]uint64
	bytesToWordsPadded(&x, b)
	var borrow uint64
	for i := range x {
		_, borrow = bits.Sub64(x[i], m.n[i], borrow)
	}
	// In range iff no extra bytes are set and x − N borrows. The outcome is
	// public (see the package documentation), so it is declassified.
	ok := subtle.ConstantTimeByteEq(extra, 0) & int(borrow)
	ctgrind.PublicValue(&ok)
	if ok == 0 {
		return ErrRange
	}
	m.mulWords(&z.l, &x, &m.rr)
	return nil
}

// SetBytesReduce sets z to the value of the big-endian encoding b reduced
// modulo N. b may have any length; the time taken depends on len(b) only.
func (m *Modulus) SetBytesReduce(z *Elem, b []byte) {
	// Horner's rule in chunks of 384 bytes, high chunk first:
	// acc ← acc·2^3072 + chunk (mod N), with acc in normal (not Montgomery)
	// form: montMul(acc, R²) = acc·R.
	var acc, chunk [nWords]uint64
	first := len(b) % nBytes
	if first == 0 && len(b) > 0 {
		first = nBytes
	}
	for len(b) > 0 {
		bytesToWordsPadded(&chunk, b[:first])
		b = b[first:]
		first = nBytes
		m.reduceOnce(&chunk, &chunk, 0) // chunk < 2^3072 < 2N
		m.mulWords(&acc, &acc, &m.rr)
		m.addWords(&acc, &acc, &chunk)
	}
	m.mulWords(&z.l, &acc, &m.rr)
}

// Bytes returns the 384-byte big-endian encoding of x (the padded form; strip
// leading zeros for a minimal encoding).
func (m *Modulus) Bytes(x *Elem) []byte {
	return m.AppendBytes(make([]byte, 0, nBytes), x)
}

// AppendBytes appends the 384-byte big-endian encoding of x to dst.
func (m *Modulus) AppendBytes(dst []byte, x *Elem) []byte {
	var one, v [nWords]uint64
	one[0] = 1
	m.mulWords(&v, &x.l, &one) // x·R·R⁻¹
	dst = slices.Grow(dst, nBytes)
	for i := nWords - 1; i >= 0; i-- {
		w := v[i]
		dst = append(dst, byte(w>>56), byte(w>>48), byte(w>>40), byte(w>>32),
			byte(w>>24), byte(w>>16), byte(w>>8), byte(w))
	}
	return dst
}

// SetOne sets z to 1.
func (m *Modulus) SetOne(z *Elem) { *z = m.one }

// Mul sets z = x·y mod N. z may alias x or y.
func (m *Modulus) Mul(z, x, y *Elem) { m.mulWords(&z.l, &x.l, &y.l) }

// Sqr sets z = x² mod N. z may alias x.
func (m *Modulus) Sqr(z, x *Elem) { m.sqrWords(&z.l, &x.l) }

// Add sets z = x + y mod N. z may alias x or y.
func (m *Modulus) Add(z, x, y *Elem) { m.addWords(&z.l, &x.l, &y.l) }

// Sub sets z = x − y mod N. z may alias x or y.
func (m *Modulus) Sub(z, x, y *Elem) {
	var b uint64
	for i := range z.l {
		z.l[i], b = bits.Sub64(x.l[i], y.l[i], b)
	}
	mask := -b // add N back if x < y
	var c uint64
	for i := range z.l {
		z.l[i], c = bits.Add64(z.l[i], m.n[i]&mask, c)
	}
}

// Equal returns 1 if x == y and 0 otherwise, in constant time.
func (m *Modulus) Equal(x, y *Elem) int {
	var d uint64
	for i := range x.l {
		d |= x.l[i] ^ y.l[i]
	}
	return int(1 ^ (d|-d)>>63)
}

// IsZero returns 1 if x == 0 and 0 otherwise, in constant time.
func (m *Modulus) IsZero(x *Elem) int {
	var zero Elem
	return m.Equal(x, &zero)
}

// addWords sets z = x + y mod N for x, y < N.
func (m *Modulus) addWords(z, x, y *[nWords]uint64) {
	var t [nWords]uint64
	var c uint64
	for i := range t {
		t[i], c = bits.Add64(x[i], y[i], c)
	}
	m.reduceOnce(z, &t, c)
}

// reduceOnce sets z = hi·2^3072 + t mod N for hi·2^3072 + t < 2N.
func (m *Modulus) reduceOnce(z, t *[nWords]uint64, hi uint64) { finalSub(z, t, hi, &m.n) }

// mulWords sets z = x·y·R⁻¹ mod N with the fastest available kernel.
func (m *Modulus) mulWords(z, x, y *[nWords]uint64) {
	if useADX && !m.generic {
		montMulADX(z, x, y, &m.n, m.n0)
		return
	}
	montMulGeneric(z, x, y, &m.n, m.n0)
}

// sqrWords sets z = x²·R⁻¹ mod N with the fastest available kernel.
func (m *Modulus) sqrWords(z, x *[nWords]uint64) {
	if useADX && !m.generic {
		montSqrADX(z, x, &m.n, m.n0)
		return
	}
	montSqrGeneric(z, x, &m.n, m.n0)
}
