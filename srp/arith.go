package srp

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// arith is the modular arithmetic of one group. Every value crosses it as
// big-endian bytes; results have the byte length of N. Two implementations:
// montArith (internal/mont: the fast 3072-bit kernels and a fixed-base comb
// for g), used whenever N has exactly 3072 bits, and bigmodArith
// (filippo.io/bigmod) for every other size. Both are constant-time in every
// secret input (exponents, v, and the intermediate values) for fixed input
// lengths; public inputs (A, B, u, g, k, N) may be handled with ordinary
// code, but are not.
type arith interface {
	// checkPublic validates a public value: more bits than N is ErrTooWide;
	// it reports whether the value is zero mod N.
	checkPublic(b []byte) (zero bool, err error)
	// checkSecret reports ErrTooWide unless the secret value b is below N,
	// in constant time for a fixed len(b).
	checkSecret(b []byte) error
	// expG returns g^e mod N.
	expG(e []byte) []byte
	// clientPremaster returns (B − k·g^x)^e mod N (RFC 5054, Section 2.6),
	// for a public B already checked by checkPublic.
	clientPremaster(B, x, e []byte) []byte
	// serverPublic returns k·v + g^b mod N (RFC 5054, Section 2.5.3).
	serverPublic(v, b []byte) []byte
	// serverPremaster returns (A · v^u)^b mod N (RFC 5054, Section 2.6),
	// for a public A already checked by checkPublic.
	serverPremaster(v, u, A, b []byte) []byte
}

// clientExponent returns a + u·x as big-endian bytes of a length that only
// depends on the lengths of its inputs: max(len(a), len(u)+len(x)) + 1. It
// runs in constant time (schoolbook multiplication on 64-bit words with
// math/bits carries, no data-dependent branches). The sum is not reduced:
// the reference clients do not reduce it either (PROTOCOL.md §3 step 5).
func clientExponent(a, u, x []byte) []byte {
	aw, uw, xw := toWords(a), toWords(u), toWords(x)
	n := len(uw) + len(xw)
	if len(aw) > n {
		n = len(aw)
	}
	n++
	acc := make([]uint64, n)
	copy(acc, aw)
	for i, ui := range uw {
		var carry uint64
		for j, xj := range xw {
			hi, lo := bits.Mul64(ui, xj)
			lo, c1 := bits.Add64(lo, acc[i+j], 0)
			lo, c2 := bits.Add64(lo, carry, 0)
			acc[i+j] = lo
			carry = hi + c1 + c2
		}
		for k := i + len(xw); k < n; k++ {
			acc[k], carry = bits.Add64(acc[k], carry, 0)
		}
	}
	outLen := len(a)
	if l := len(u) + len(x); l > outLen {
		outLen = l
	}
	outLen++
	out := make([]byte, n*8)
	for i, w := range acc {
		binary.BigEndian.PutUint64(out[len(out)-8*(i+1):], w)
	}
	return out[len(out)-outLen:]
}

// toWords converts big-endian bytes to little-endian 64-bit words.
func toWords(b []byte) []uint64 {
	w := make([]uint64, (len(b)+7)/8)
	for i := range b {
		v := b[len(b)-1-i]
		w[i/8] |= uint64(v) << (8 * (i % 8))
	}
	return w
}

// bitLen returns the bit length of a public big-endian integer.
func bitLen(b []byte) int {
	b = trimLeadingZeros(b)
	if len(b) == 0 {
		return 0
	}
	return 8*len(b) - bits.LeadingZeros8(b[0])
}

// tooWide is the error for a public value with more bits than N.
func tooWide(b []byte) error {
	return fmt.Errorf("%w: %d bits", ErrTooWide, bitLen(b))
}
