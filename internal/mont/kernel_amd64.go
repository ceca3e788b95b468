//go:build amd64 && !purego

package mont

import "golang.org/x/sys/cpu"

//go:generate go run gen_amd64.go

// useADX selects the assembly kernels of mont_amd64.s, which need MULX (BMI2)
// and ADCX/ADOX (ADX).
var useADX = hasADX

// useAVX2 selects lookupAVX2.
var useAVX2 = cpu.X86.HasAVX2

// montMulADX is montMulGeneric for CPUs with ADX and BMI2.
//
//go:noescape
func montMulADX(z, x, y, n *[nWords]uint64, n0 uint64)

// montSqrADX is montSqrGeneric for CPUs with ADX and BMI2.
//
//go:noescape
func montSqrADX(z, x, n *[nWords]uint64, n0 uint64)

// lookupAVX2 is lookupGeneric for CPUs with AVX2.
//
//go:noescape
func lookupAVX2(z *[nWords]uint64, table *[tableSize]Elem, idx int)
