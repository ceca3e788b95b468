package srp

import (
	"fmt"
	"sync"

	"github.com/caldera-srp/caldera/internal/ctgrind"
	"github.com/caldera-srp/caldera/internal/mont"
)

// montArith is the arithmetic for 3072-bit groups (Cognito's among them):
// internal/mont's Montgomery kernels and, for powers of g, a fixed-base comb
// built on first use and shared by every exchange of the group.
type montArith struct {
	m    *mont.Modulus
	g, k mont.Elem
	comb func() *mont.FixedBase
}

// combMaxBits covers the 1024-bit ephemeral a of the Cognito clients (plus
// slack) and every 256-bit x; longer exponents fall back to Exp.
const combMaxBits = 1040

func newMontArith(n []byte, g, k []byte) (*montArith, error) {
	m, err := mont.NewModulus(n)
	if err != nil {
		return nil, err
	}
	ar := &montArith{m: m}
	if err := ar.public(&ar.g, g); err != nil {
		return nil, err
	}
	if err := ar.public(&ar.k, k); err != nil {
		return nil, err
	}
	ar.comb = sync.OnceValue(func() *mont.FixedBase { return m.NewFixedBase(&ar.g, combMaxBits) })
	return ar, nil
}

// public loads a public value, refusing more bits than N (3072) and
// reducing values in [N, 2^3072).
func (ar *montArith) public(z *mont.Elem, b []byte) error {
	// Only a value longer than N needs its leading zeros counted; a value of
	// N's length or shorter (every A and B this package computes) is loaded
	// in time that depends on its length alone.
	if len(b) > 384 && bitLen(b) > 3072 {
		return tooWide(b)
	}
	ar.m.SetBytesReduce(z, b)
	return nil
}

func (ar *montArith) checkPublic(b []byte) (bool, error) {
	var z mont.Elem
	if err := ar.public(&z, b); err != nil {
		return false, err
	}
	return ar.m.IsZero(&z) == 1, nil
}

func (ar *montArith) secret(z *mont.Elem, b []byte) error {
	if err := ar.m.SetBytes(z, b); err != nil {
		return fmt.Errorf("%w: secret value not below N", ErrTooWide)
	}
	return nil
}

func (ar *montArith) checkSecret(b []byte) error {
	var z mont.Elem
	return ar.secret(&z, b)
}

func (ar *montArith) checkVerifier(b []byte) (bool, error) {
	var v, one, minusOne mont.Elem
	if err := ar.secret(&v, b); err != nil {
		return false, err
	}
	ar.m.SetOne(&one)
	ar.m.Sub(&minusOne, &minusOne, &one) // 0 − 1 = N − 1
	bad := ar.m.IsZero(&v) | ar.m.Equal(&v, &one) | ar.m.Equal(&v, &minusOne)
	ctgrind.PublicValue(&bad) // the verdict decides whether v is refused
	wipeElems(&v)
	return bad == 1, nil
}

func (ar *montArith) expG(dst, e []byte) []byte {
	var z mont.Elem
	ar.comb().Exp(&z, e)
	return ar.m.AppendBytes(dst, &z)
}

func (ar *montArith) clientPremaster(dst, B, x, e []byte) []byte {
	var base, kgx, s mont.Elem
	ar.m.SetBytesReduce(&base, B)
	ar.comb().Exp(&kgx, x)
	ar.m.Mul(&kgx, &kgx, &ar.k)
	ar.m.Sub(&base, &base, &kgx)
	ar.m.Exp(&s, &base, e)
	dst = ar.m.AppendBytes(dst, &s)
	wipeElems(&base, &kgx, &s) // k·g^x, B − k·g^x and S
	return dst
}

// wipeElems zeroes this package's own temporaries that held secrets. It is
// not inlined, so the stores cannot be dropped as dead. The copies inside
// internal/mont's finished stack frames (its window tables, its
// conversions) are not wiped: they are overwritten by the goroutine's
// later calls, and clearing them would need the same non-inlined stores in
// every exponentiation.
//
//go:noinline
func wipeElems(es ...*mont.Elem) {
	for _, e := range es {
		*e = mont.Elem{}
	}
}

func (ar *montArith) serverPublic(dst, v, b []byte) []byte {
	var vn, gb mont.Elem
	_ = ar.secret(&vn, v) // checked by the caller
	ar.comb().Exp(&gb, b)
	ar.m.Mul(&vn, &vn, &ar.k)
	ar.m.Add(&vn, &vn, &gb)
	return ar.m.AppendBytes(dst, &vn)
}

// serverPremaster computes (A·v^u)^b with mont's ProdExp: u is public
// (H(A, B)), so v^u may use sliding windows over u, and on the IFMA kernel
// the whole computation stays in radix 2^52.
func (ar *montArith) serverPremaster(dst, v, u, A, b []byte) []byte {
	var vn, base, s mont.Elem
	_ = ar.secret(&vn, v) // checked by the caller
	ar.m.SetBytesReduce(&base, A)
	ar.m.ProdExp(&s, &base, &vn, u, b)
	dst = ar.m.AppendBytes(dst, &s)
	wipeElems(&vn, &s) // v and S
	return dst
}
