//go:build !amd64 || purego

package mont

// Variables rather than constants, so that the valgrind-tagged tests (which
// set them) also build with the purego tag: the portable kernel is the only
// one here either way.
var (
	useADX  = false
	useAVX2 = false
)

func montMulADX(z, x, y, n *[nWords]uint64, n0 uint64) { montMulGeneric(z, x, y, n, n0) }

func montSqrADX(z, x, n *[nWords]uint64, n0 uint64) { montSqrGeneric(z, x, n, n0) }

func lookupAVX2(z *[nWords]uint64, table *[tableSize]Elem, idx int) { lookupGeneric(z, table, idx) }
