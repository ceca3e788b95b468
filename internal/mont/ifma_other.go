//go:build !amd64 || purego

package mont

import "fmt"

const (
	hasIFMA = false
	useIFMA = false
)

// mulIFMA and sqrIFMA are never called: hasIFMA is false.
func mulIFMA(z, x, y, n *elem52, k0 uint64) { panic("mont: no IFMA kernel") }

func sqrIFMA(z, x, n *elem52, k0 uint64) { panic("mont: no IFMA kernel") }

func lookupIFMA(z *elem52, table *[tableSize]elem52, idx int) { lookup52Generic(z, table, idx) }

// Kernels returns the names of the kernels this CPU runs: "purego" only in
// this build.
func Kernels() []string { return []string{"purego"} }

// ForceKernel makes every Modulus use the named kernel until restore is
// called; only "purego" is available in this build.
func ForceKernel(name string) (restore func(), err error) {
	if name != "purego" {
		return nil, fmt.Errorf("mont: kernel %q not available on this CPU", name)
	}
	return func() {}, nil
}
