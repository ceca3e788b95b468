//go:build amd64 && !purego

package mont

import (
	"fmt"

	"golang.org/x/sys/cpu"
)

// hasIFMA reports whether the CPU runs the radix-2^52 kernels of
// ifma_amd64.s: AVX-512 F, VL and IFMA, with the OS saving the vector state
// (golang.org/x/sys/cpu checks that).
var hasIFMA = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512IFMA

// useIFMA selects the IFMA kernel for Exp and FixedBase.Exp.
var useIFMA = hasIFMA

// montMulIFMA512 is the IFMA multiplication with zmm (8-lane) registers.
//
//go:noescape
func montMulIFMA512(z, x, y, n *elem52, k0 uint64)

// montMulIFMA256 is the IFMA multiplication with ymm (4-lane) registers.
//
//go:noescape
func montMulIFMA256(z, x, y, n *elem52, k0 uint64)

// lookupIFMA is lookup52Generic for CPUs with AVX-512.
//
//go:noescape
func lookupIFMA(z *elem52, table *[tableSize]elem52, idx int)

// mulIFMA sets z = x·y/R' mod N, below 2N for x, y below 2N. z may alias x or y.
func mulIFMA(z, x, y, n *elem52, k0 uint64) { montMulIFMA256(z, x, y, n, k0) }

// sqrIFMA sets z = x²/R' mod N, below 2N for x below 2N. z may alias x.
func sqrIFMA(z, x, n *elem52, k0 uint64) { montMulIFMA256(z, x, x, n, k0) }

// hasADX reports whether the CPU runs the 64-bit kernels of mont_amd64.s.
var hasADX = cpu.X86.HasADX && cpu.X86.HasBMI2

// Kernels returns the names of the kernels this CPU runs, the default first:
// "ifma" (AVX-512 IFMA, used by Exp and FixedBase.Exp), "adx" (MULX/ADCX/ADOX)
// and "purego" (math/bits). It is for benchmarks and tests, with
// [ForceKernel].
func Kernels() []string {
	var ks []string
	if hasIFMA {
		ks = append(ks, "ifma")
	}
	if hasADX {
		ks = append(ks, "adx")
	}
	return append(ks, "purego")
}

// ForceKernel makes every Modulus use the named kernel (one of [Kernels])
// until restore is called, for benchmarks and tests that compare kernels in
// one process. It must not run concurrently with any arithmetic. "adx" runs
// Exp and FixedBase.Exp on the ADX kernel too; "purego" runs everything on
// the portable kernel (the AVX2 table scan stays). Calls do not nest: each
// restore returns to the state before the last ForceKernel. It allocates
// nothing, so timing harnesses may call it inside a measurement.
func ForceKernel(name string) (restore func(), err error) {
	prevADX, prevIFMA = useADX, useIFMA
	switch {
	case name == "ifma" && hasIFMA:
		useADX, useIFMA = hasADX, true
	case name == "adx" && hasADX:
		useADX, useIFMA = true, false
	case name == "purego":
		useADX, useIFMA = false, false
	default:
		return nil, fmt.Errorf("mont: kernel %q not available on this CPU", name)
	}
	return restoreKernel, nil
}

// prevADX and prevIFMA are the state before the last ForceKernel.
var prevADX, prevIFMA bool

func restoreKernel() { useADX, useIFMA = prevADX, prevIFMA }
