package srp

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"filippo.io/bigmod"
)

// This file is the only place that does modular arithmetic. Secret values
// (exponents a, b, x, a + u·x; the verifier v; g^x; S) only ever pass through
// filippo.io/bigmod, whose operations are constant-time in the values for a
// fixed modulus and fixed exponent length.

// natFromPublic parses the public big-endian integer b (leading zeros
// allowed) into [0, N). Values with more bits than N are refused with
// ErrTooWide; values in [N, 2^bitlen(N)) are reduced, as Cognito clients hash
// B as received but compute with B mod N.
func (g *Group) natFromPublic(b []byte) (*bigmod.Nat, error) {
	b = trimLeadingZeros(b)
	if len(b) > g.size {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooWide, len(b))
	}
	n, err := bigmod.NewNat().SetOverflowingBytes(b, g.m)
	if err != nil {
		return nil, fmt.Errorf("%w: %d bits", ErrTooWide, bitLen(b))
	}
	return n, nil
}

// natFromSecret loads a secret value that is known to be < N (a verifier
// produced by this package or a stored one). It is constant-time for a
// fixed input length.
func (g *Group) natFromSecret(b []byte) (*bigmod.Nat, error) {
	if len(b) > g.size {
		return nil, fmt.Errorf("%w: secret value longer than N", ErrTooWide)
	}
	n, err := bigmod.NewNat().SetBytes(b, g.m)
	if err != nil {
		return nil, fmt.Errorf("%w: secret value not below N", ErrTooWide)
	}
	return n, nil
}

// expG returns g^e mod N. Constant-time in e for a fixed len(e).
func (g *Group) expG(e []byte) *bigmod.Nat {
	return bigmod.NewNat().Exp(g.gNat, e, g.m)
}

// exp returns base^e mod N. Constant-time in base and e for a fixed len(e).
func (g *Group) exp(base *bigmod.Nat, e []byte) *bigmod.Nat {
	return bigmod.NewNat().Exp(base, e, g.m)
}

// bytesOf returns x as big-endian bytes of exactly the length of N.
func (g *Group) bytesOf(x *bigmod.Nat) []byte { return x.Bytes(g.m) }

// clientExponent returns a + u·x as big-endian bytes of a length that only
// depends on the lengths of its inputs: max(len(a), len(u)+len(x)) + 1. It
// runs in constant time (schoolbook multiplication on 64-bit words with
// math/bits-style carries, no data-dependent branches).
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

func bitLen(b []byte) int {
	b = trimLeadingZeros(b)
	if len(b) == 0 {
		return 0
	}
	n := 8 * len(b)
	for c := b[0]; c&0x80 == 0; c <<= 1 {
		n--
	}
	return n
}
