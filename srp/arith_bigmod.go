package srp

import (
	"crypto/subtle"
	"fmt"

	"filippo.io/bigmod"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// bigmodArith is the arithmetic for groups of any size, on filippo.io/bigmod,
// whose operations are constant-time in the values for a fixed modulus and
// fixed exponent length.
type bigmodArith struct {
	m    *bigmod.Modulus
	g, k *bigmod.Nat
}

func newBigmodArith(n []byte, g, k []byte) (*bigmodArith, error) {
	m, err := bigmod.NewModulus(n)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrGroup, err)
	}
	ar := &bigmodArith{m: m}
	if ar.g, err = ar.public(g); err != nil {
		return nil, err
	}
	if ar.k, err = ar.public(k); err != nil {
		return nil, err
	}
	return ar, nil
}

// public loads a public value, reducing values in [N, 2^bitlen(N)).
func (ar *bigmodArith) public(b []byte) (*bigmod.Nat, error) {
	if len(b) > ar.m.Size() {
		// Only a value longer than N has its leading zeros counted.
		b = trimLeadingZeros(b)
		if len(b) > ar.m.Size() {
			return nil, tooWide(b)
		}
	}
	n, err := bigmod.NewNat().SetOverflowingBytes(b, ar.m)
	if err != nil {
		return nil, tooWide(b)
	}
	return n, nil
}

func (ar *bigmodArith) secret(b []byte) (*bigmod.Nat, error) {
	if len(b) > ar.m.Size() {
		// Leading zero bytes are allowed, as internal/mont allows them: OR
		// the extra bytes together without branching on them.
		var extra byte
		for _, x := range b[:len(b)-ar.m.Size()] {
			extra |= x
		}
		nonzero := 1 ^ subtle.ConstantTimeByteEq(extra, 0)
		ctgrind.PublicValue(&nonzero) // the range check's outcome is public
		if nonzero == 1 {
			return nil, fmt.Errorf("%w: secret value longer than N", ErrTooWide)
		}
		b = b[len(b)-ar.m.Size():]
	}
	n, err := bigmod.NewNat().SetBytes(b, ar.m)
	if err != nil {
		return nil, fmt.Errorf("%w: secret value not below N", ErrTooWide)
	}
	return n, nil
}

func (ar *bigmodArith) checkPublic(b []byte) (bool, error) {
	n, err := ar.public(b)
	if err != nil {
		return false, err
	}
	return n.IsZero() == 1, nil
}

func (ar *bigmodArith) checkSecret(b []byte) error {
	_, err := ar.secret(b)
	return err
}

func (ar *bigmodArith) checkVerifier(b []byte) (bool, error) {
	v, err := ar.secret(b)
	if err != nil {
		return false, err
	}
	bad := v.IsZero() | v.IsOne() | v.IsMinusOne(ar.m)
	ctgrind.PublicValue(&bad) // the verdict decides whether v is refused
	return bad == 1, nil
}

func (ar *bigmodArith) expG(dst, e []byte) []byte {
	return append(dst, bigmod.NewNat().Exp(ar.g, e, ar.m).Bytes(ar.m)...)
}

func (ar *bigmodArith) clientPremaster(dst, B, x, e []byte) []byte {
	Bn, _ := ar.public(B)
	kgx := bigmod.NewNat().Exp(ar.g, x, ar.m).Mul(ar.k, ar.m)
	base := Bn.Sub(kgx, ar.m)
	return append(dst, bigmod.NewNat().Exp(base, e, ar.m).Bytes(ar.m)...)
}

func (ar *bigmodArith) serverPublic(dst, v, b []byte) []byte {
	vn, _ := ar.secret(v)
	gb := bigmod.NewNat().Exp(ar.g, b, ar.m)
	return append(dst, vn.Mul(ar.k, ar.m).Add(gb, ar.m).Bytes(ar.m)...)
}

func (ar *bigmodArith) serverPremaster(dst, v, u, A, b []byte) []byte {
	vn, _ := ar.secret(v)
	An, _ := ar.public(A)
	base := bigmod.NewNat().Exp(vn, u, ar.m).Mul(An, ar.m)
	return append(dst, bigmod.NewNat().Exp(base, b, ar.m).Bytes(ar.m)...)
}
