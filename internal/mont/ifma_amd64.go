//go:build amd64 && !purego

package mont

import "golang.org/x/sys/cpu"

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
func mulIFMA(z, x, y, n *elem52, k0 uint64) { montMulIFMA512(z, x, y, n, k0) }

// sqrIFMA sets z = x²/R' mod N, below 2N for x below 2N. z may alias x.
func sqrIFMA(z, x, n *elem52, k0 uint64) { montMulIFMA512(z, x, x, n, k0) }
