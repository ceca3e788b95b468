package ct

import (
	"slices"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/internal/mont"
)

// onKernel runs the internal/mont target tg on one kernel ("ifma" or "adx",
// see mont.Kernels) and names it mont/KERNEL/…: the untagged mont/… targets
// run on the default kernel, IFMA on a CPU that has it. The kernel is chosen
// inside the timed operation (two variable stores, the same for both classes),
// so that every measurement runs on it whatever else the process does.
func onKernel(kernel string, tg Target) Target {
	prepare := tg.Prepare
	tg.Name = "mont/" + kernel + "/" + strings.TrimPrefix(tg.Name, "mont/")
	tg.Prepare = func(class int) func() {
		op := prepare(class)
		return func() {
			restore, err := mont.ForceKernel(kernel)
			if err != nil {
				panic(err) // kernelTargets offers available kernels only
			}
			op()
			restore()
		}
	}
	return tg
}

// kernelTargets returns the per-kernel variants of the internal/mont
// targets for the kernels this CPU runs (the IFMA ones only with AVX-512
// IFMA), and logs the ones it cannot run.
func kernelTargets(tb testing.TB) []Target {
	var ts []Target
	for _, k := range []string{"ifma", "adx"} {
		if !slices.Contains(mont.Kernels(), k) {
			tb.Logf("kernel %s not available on this CPU: its mont/%s/… targets are skipped", k, k)
			continue
		}
		ts = append(ts,
			onKernel(k, targetMontExpSecretExponent(tb)),
			onKernel(k, targetMontExpSecretBase(tb)),
			onKernel(k, targetMontCombSecretExponent(tb)),
		)
	}
	return ts
}
