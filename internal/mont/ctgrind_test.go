//go:build valgrind

package mont

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// These tests only mean something when run under Valgrind's Memcheck by
// bench/ct's TestMemcheck, which builds this package with the valgrind tag.
// They mark the secret operands with ctgrind.Secret, compute, then mark the
// results public and check them against math/big. Memcheck reports any branch
// or memory address that depended on a secret in between.

// TestCTGrind covers every operation that receives secrets in srp: Exp with a
// secret base and a secret exponent, the comb with a secret exponent, Mul,
// Sqr, Add, Sub, Equal, IsZero, SetBytesReduce and Bytes, on each kernel and
// with both table scans. SetBytes is left out: it reveals, by design, whether
// its input is below N (srp uses it for public values only).
func TestCTGrind(t *testing.T) {
	if !ctgrind.Enabled() {
		t.Skip("built without the valgrind tag")
	}
	forceADX(t)
	N := nBig(t)
	r := rand.New(rand.NewChaCha8([32]byte{'c', 't'}))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	scans := []bool{false}
	if useAVX2 {
		scans = append(scans, true)
	}
	defer func(v bool) { useAVX2 = v }(useAVX2)
	for _, k := range kernels(t) {
		for _, avx := range scans {
			useAVX2 = avx
			m := k.m
			t.Logf("kernel %s, AVX2 scan %v", k.name, avx)

			var g Elem
			m.SetBytesReduce(&g, []byte{2})
			fb := m.NewFixedBase(&g, 1040)

			xb, yb, e := rnd(nBytes), rnd(nBytes), rnd(128)
			ctgrind.Secret(xb)
			ctgrind.Secret(yb)
			ctgrind.Secret(e)

			var x, y, z, w, ge Elem
			m.SetBytesReduce(&x, xb)
			m.SetBytesReduce(&y, yb)
			m.Exp(&z, &x, e)   // secret base, secret exponent
			fb.Exp(&ge, e)     // g^e, secret exponent
			m.Mul(&w, &z, &y)  // z·y
			m.Sqr(&w, &w)      // (z·y)²
			m.Add(&w, &w, &ge) // + g^e
			m.Sub(&w, &w, &x)  // − x
			eq := m.Equal(&w, &x) | m.IsZero(&w)
			out := m.Bytes(&w)

			ctgrind.Public(xb)
			ctgrind.Public(yb)
			ctgrind.Public(e)
			ctgrind.Public(out)
			ctgrind.PublicValue(&eq)

			X := new(big.Int).Mod(new(big.Int).SetBytes(xb), N)
			Y := new(big.Int).Mod(new(big.Int).SetBytes(yb), N)
			E := new(big.Int).SetBytes(e)
			W := new(big.Int).Exp(X, E, N)
			W.Mul(W, Y).Mod(W, N)
			W.Mul(W, W).Mod(W, N)
			W.Add(W, new(big.Int).Exp(big.NewInt(2), E, N))
			W.Sub(W, X).Mod(W, N)
			if !bytes.Equal(out, pad384(W)) || eq != 0 {
				t.Errorf("%s: wrong result", k.name)
			}
		}
	}
}

// forceADX enables the assembly kernels when the runner says the host has
// ADX and BMI2: Valgrind's virtual CPU hides those flags from
// golang.org/x/sys/cpu, but it executes the instructions.
//
// The IFMA kernel never runs here: Valgrind (3.19, and no release since)
// does not implement AVX-512 and hides it from CPUID, so hasIFMA is false
// under it (and an EVEX-encoded instruction would stop the run with SIGILL).
// useIFMA is cleared all the same, so that Exp and FixedBase.Exp take the
// ADX kernel even under a Valgrind that advertised AVX-512. The IFMA kernel's
// constant-time evidence is TestAsmStatic and the dudect targets mont/ifma/….
func forceADX(t *testing.T) {
	if os.Getenv("CALDERA_CTGRIND_ADX") == "1" && !useADX {
		useADX = true
		t.Cleanup(func() { useADX = false })
	}
	if useIFMA {
		useIFMA = false
		t.Cleanup(func() { useIFMA = true })
	}
	t.Log("IFMA kernel: not run under Memcheck (Valgrind does not implement AVX-512)")
}

// TestCTGrindLeaky is the control: math/big's Exp is variable time, and
// Memcheck must report it when its base and exponent are secret.
func TestCTGrindLeaky(t *testing.T) {
	if !ctgrind.Enabled() {
		t.Skip("built without the valgrind tag")
	}
	b := bytes.Repeat([]byte{0x5a}, 128)
	e := bytes.Repeat([]byte{0xa5}, 32)
	ctgrind.Secret(b)
	ctgrind.Secret(e)
	z := new(big.Int).Exp(new(big.Int).SetBytes(b), new(big.Int).SetBytes(e), nBig(t))
	out := z.FillBytes(make([]byte, nBytes))
	ctgrind.Public(out)
	if z.Sign() == 0 {
		t.Error("unexpected zero")
	}
}
