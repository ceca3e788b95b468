package srp

import (
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
	// checkVerifier reports ErrTooWide unless the secret b is below N, and
	// whether b is 0, 1 or N − 1, in constant time for a fixed len(b):
	// only the two outcomes are revealed.
	checkVerifier(b []byte) (degenerate bool, err error)
	// expG appends g^e mod N to dst.
	expG(dst, e []byte) []byte
	// clientPremaster appends (B − k·g^x)^e mod N (RFC 5054, Section 2.6)
	// to dst, for a public B already checked by checkPublic.
	clientPremaster(dst, B, x, e []byte) []byte
	// serverPublic appends k·v + g^b mod N (RFC 5054, Section 2.5.3).
	serverPublic(dst, v, b []byte) []byte
	// serverPremaster appends (A · v^u)^b mod N (RFC 5054, Section 2.6),
	// for a public A already checked by checkPublic.
	serverPremaster(dst, v, u, A, b []byte) []byte
}

// appendClientExponent appends a + u·x to dst as big-endian bytes of a
// length that only depends on the lengths of its inputs: max(len(a),
// len(u)+len(x)) + 1. acc is scratch space, grown if needed and returned. It
// runs in constant time (schoolbook multiplication on 64-bit words with
// math/bits carries, no data-dependent branches). The sum is not reduced: the
// reference clients do not reduce it either (docs/protocol.md §3 step 5).
func appendClientExponent(dst []byte, acc []uint64, a, u, x []byte) ([]byte, []uint64) {
	na, nu, nx := words(a), words(u), words(x)
	n := max(na, nu+nx) + 1
	if cap(acc) < n {
		acc = make([]uint64, n)
	}
	acc = acc[:n]
	for i := range acc {
		acc[i] = wordAt(a, i)
	}
	for i := range nu {
		ui := wordAt(u, i)
		var carry uint64
		for j := range nx {
			hi, lo := bits.Mul64(ui, wordAt(x, j))
			lo, c1 := bits.Add64(lo, acc[i+j], 0)
			lo, c2 := bits.Add64(lo, carry, 0)
			acc[i+j] = lo
			carry = hi + c1 + c2
		}
		for k := i + nx; k < n; k++ {
			acc[k], carry = bits.Add64(acc[k], carry, 0)
		}
	}
	outLen := max(len(a), len(u)+len(x)) + 1
	for i := outLen - 1; i >= 0; i-- {
		dst = append(dst, byte(acc[i/8]>>(8*(i%8))))
	}
	clear(acc)
	return dst, acc
}

// words returns the number of 64-bit words of a big-endian byte string.
func words(b []byte) int { return (len(b) + 7) / 8 }

// wordAt returns the i-th least significant 64-bit word of the big-endian
// byte string b (zero beyond its end). Its memory accesses depend only on
// len(b) and i.
func wordAt(b []byte, i int) uint64 {
	var w uint64
	for k := range 8 {
		if p := len(b) - 1 - 8*i - k; p >= 0 {
			w |= uint64(b[p]) << (8 * k)
		}
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
