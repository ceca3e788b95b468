//go:build !amd64 || purego

package mont

import "fmt"

const hasIFMA = false

// useIFMA is a variable, as on amd64, so that the valgrind-tagged tests,
// which switch kernels, also build with the purego tag and elsewhere.
var useIFMA = false

// mulIFMA and sqrIFMA are never called: hasIFMA is false. They fail
// through a variable, not a direct panic, so that static analysis of the
// callers shared with the amd64 build (exp52in, prodExp52) does not treat
// their loops as ending at the first call.
func mulIFMA(z, x, y, n *elem52, k0 uint64) { noIFMA() }

func sqrIFMA(z, x, n *elem52, k0 uint64) { noIFMA() }

var noIFMA = func() { panic("mont: no IFMA kernel") }

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
