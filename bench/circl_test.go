package bench

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"math/big"
	"testing"

	"filippo.io/bigmod"
	"github.com/caldera-srp/caldera/srp"
	"github.com/cloudflare/circl/math/mlsbset"
	"github.com/stretchr/testify/require"
)

// The fixed-base baseline internal/mont's comb was chosen over: circl's
// math/mlsbset (the signed multi-table comb of Faz-Hernandez et al.), as a
// Group on filippo.io/bigmod, the constant-time arithmetic available outside
// internal/mont (whose Elem has no exported constant-time select, so
// mlsbset cannot run on our kernels without changing them). circl stays a
// test dependency: only this file imports it (internal/lint checks).
//
// Parameters: V = 4 tables of 2^(W−1) = 16 entries with W = 5, so 64
// entries and their 64 inverses, 48 KiB, as much as the comb's four 32-entry
// tables for 1040-bit exponents. T is the exponent's bit length. With these
// T, V·W does not divide T, so mlsbset never takes its extended
// multiplication (a branch on a secret carry, shared/ARITHMETIC.md).

const (
	circlV = 4
	circlW = 5
)

// circlGroup is an mlsbset.Group for powers of g = 2 modulo the Cognito N.
// Elements are *bigmod.Nat of N's size. Not safe for concurrent use (one
// scratch value).
type circlGroup struct {
	m       *bigmod.Modulus
	enc     mlsbset.Encoder
	p       mlsbset.Params
	tab     [][]*bigmod.Nat // tab[v][u] = T[v][u]
	inv     [][]*bigmod.Nat // their inverses, for the digits of sign −1
	ext     *bigmod.Nat     // g^(2^(W·D)), unused with these parameters
	one     *bigmod.Nat
	gInv    *bigmod.Nat // g⁻¹, to undo the odd encoding of an even exponent
	scratch *bigmod.Nat
}

// newCirclGroup builds the tables for exponents of up to bits bits. The
// tables are public (powers of g), so math/big builds them.
func newCirclGroup(bits uint) (*circlGroup, error) {
	enc, err := mlsbset.New(bits, circlV, circlW)
	if err != nil {
		return nil, err
	}
	if enc.IsExtended() {
		return nil, fmt.Errorf("mlsbset parameters T=%d V=%d W=%d need the extended element", bits, circlV, circlW)
	}
	N, _ := new(big.Int).SetString(cognitoNHex, 16)
	nb := N.Bytes()
	m, err := bigmod.NewModulus(nb)
	if err != nil {
		return nil, err
	}
	nat := func(x *big.Int) *bigmod.Nat {
		n, err := bigmod.NewNat().SetBytes(x.FillBytes(make([]byte, len(nb))), m)
		if err != nil {
			panic(err)
		}
		return n
	}
	g := big.NewInt(2)
	p := enc.GetParams()
	gr := &circlGroup{m: m, enc: enc, p: p, one: nat(big.NewInt(1)), scratch: nat(big.NewInt(0))}
	gr.gInv = nat(new(big.Int).ModInverse(g, N))
	size := 1 << (p.W - 1)
	for v := range p.V {
		var row, irow []*bigmod.Nat
		for u := range size {
			// T[v][u] = g^(2^(E·v) · (1 + Σ_i u_i · 2^(D·(i+1)))), u_i the bits of u.
			e := big.NewInt(1)
			for i := uint(0); i+1 < p.W; i++ {
				if u>>i&1 == 1 {
					e.Add(e, new(big.Int).Lsh(big.NewInt(1), p.D*(i+1)))
				}
			}
			e.Lsh(e, p.E*v)
			t := new(big.Int).Exp(g, e, N)
			row = append(row, nat(t))
			irow = append(irow, nat(new(big.Int).ModInverse(t, N)))
		}
		gr.tab = append(gr.tab, row)
		gr.inv = append(gr.inv, irow)
	}
	gr.ext = nat(new(big.Int).Exp(g, new(big.Int).Lsh(big.NewInt(1), p.W*p.D), N))
	return gr, nil
}

func (gr *circlGroup) fresh() *bigmod.Nat { return bigmod.NewNat().ExpandFor(gr.m) }

func (gr *circlGroup) Identity() mlsbset.EltG {
	z := gr.fresh()
	copy(z.Bits(), gr.one.Bits())
	return z
}

func (gr *circlGroup) NewEltP() mlsbset.EltP { return gr.fresh() }

func (gr *circlGroup) ExtendedEltP() mlsbset.EltP { return gr.ext }

func (gr *circlGroup) Sqr(x mlsbset.EltG) {
	z := x.(*bigmod.Nat)
	copy(gr.scratch.Bits(), z.Bits()) // bigmod's Mul does not allow x == y
	z.Mul(gr.scratch, gr.m)
}

func (gr *circlGroup) Mul(x mlsbset.EltG, y mlsbset.EltP) {
	x.(*bigmod.Nat).Mul(y.(*bigmod.Nat), gr.m)
}

// Lookup sets a = T[v][u]^s, s = ±1, scanning every entry of table v and its
// inverses with masks: no branch or index depends on s or u (v is public,
// the position in the recoding).
func (gr *circlGroup) Lookup(a mlsbset.EltP, v uint, s, u int32) {
	out := a.(*bigmod.Nat).Bits()
	clear(out)
	neg := -uint(uint32(s) >> 31) // all ones when s = −1
	for i, t := range gr.tab[v] {
		hit := -uint(subtle.ConstantTimeEq(int32(i), u))
		ti, ii := t.Bits(), gr.inv[v][i].Bits()
		for j := range out {
			out[j] |= hit & (ti[j]&^neg | ii[j]&neg)
		}
	}
}

// exp returns g^e for the big-endian exponent e (at most T bits). mlsbset
// encodes odd exponents only: it computes g^(e|1) and multiplies by g⁻¹ or
// by 1, selected with a mask, so that an even e costs the same.
func (gr *circlGroup) exp(e []byte) (*bigmod.Nat, error) {
	k := make([]byte, (gr.p.L+7)/8) // little-endian, as mlsbset wants it
	for i, b := range e {
		k[len(e)-1-i] = b
	}
	even := uint(k[0]&1) ^ 1
	k[0] |= 1
	pw, err := gr.enc.Encode(k)
	if err != nil {
		return nil, err
	}
	z := pw.Exp(gr).(*bigmod.Nat)
	fix := gr.fresh().Bits()
	mask := -even
	for j, o := range gr.one.Bits() {
		fix[j] = o&^mask | gr.gInv.Bits()[j]&mask
	}
	f := gr.fresh()
	copy(f.Bits(), fix)
	return z.Mul(f, gr.m), nil
}

// TestCirclMatches checks the circl-mlsbset baseline against math/big, and
// for 1024-bit exponents against srp's A = g^a (the comb on internal/mont),
// on edge exponents and random ones, for both benchmarked sizes.
func TestCirclMatches(t *testing.T) {
	N, g, _ := newMathbigGroup()
	for _, nbytes := range []int{32, 128} {
		gr, err := newCirclGroup(uint(8 * nbytes))
		require.NoError(t, err)
		exps := [][]byte{
			make([]byte, nbytes),                            // 0
			append(make([]byte, nbytes-1), 1),               // 1
			append(make([]byte, nbytes-1), 2),               // even
			bytes.Repeat([]byte{0xff}, nbytes),              // all ones
			append([]byte{0x80}, make([]byte, nbytes-1)...), // top bit only, even
		}
		n := 200
		if testing.Short() {
			n = 20
		}
		for range n {
			exps = append(exps, randomBytes(t, nbytes))
		}
		for _, e := range exps {
			got, err := gr.exp(e)
			require.NoError(t, err)
			want := new(big.Int).Exp(g, new(big.Int).SetBytes(e), N)
			require.Equal(t, want.FillBytes(make([]byte, 384)), got.Bytes(gr.m), "g^%x", e)
			if nbytes == 128 && new(big.Int).SetBytes(e).Sign() != 0 {
				c, err := srp.Cognito().NewClientFromSecret(e)
				require.NoError(t, err)
				require.Equal(t, want.Bytes(), c.Public(), "srp's A for a = %x", e)
			}
		}
	}
}
