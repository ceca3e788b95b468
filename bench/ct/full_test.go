//go:build ct

package ct

import (
	"flag"
	"strings"
	"testing"
	"time"
)

var (
	flagN       = flag.Int("ct.n", 100000, "measurements per class and target")
	flagTargets = flag.String("ct.targets", "srp", "comma-separated target names or prefixes (\"srp\", \"mont\", \"srp/claim/password\", \"all\")")
	flagBatch   = flag.Int("ct.batch", 1000, "measurements per batch")
	flagEvery   = flag.Duration("ct.progress", time.Minute, "interval between progress lines")
)

// TestFull is the full dudect run: go test -tags ct -run TestFull -timeout 0 -v ./bench/ct
// (see README.md for the sizes and the per-target commands). Constant-time
// targets must end with max|t| < 4.5, the math/big references above it.
func TestFull(t *testing.T) {
	type entry struct {
		name  string
		build func() Target
		leaky bool
	}
	entries := []entry{
		{"srp/claim/password", func() Target { return targetSRPPasswordClaim(t, clientPool) }, false},
		{"srp/claim/password/fixed-fixed", func() Target { return targetSRPPasswordClaimFixedFixed(t, clientPool) }, false},
		{"srp/claim/password/random-random", func() Target { return targetSRPPasswordClaimAA(t, clientPool) }, false},
		{"srp/claim/password/shifted", func() Target { return targetSRPPasswordClaimShifted(t, clientPool) }, false},
		{"srp/claim/password/random-public", func() Target { return targetSRPPasswordClaimRandomPublic(t, clientPool) }, false},
		{"srp/claim/device/random-public", func() Target { return targetSRPDeviceClaimRandomPublic(t, clientPool) }, false},
		{"srp/verify-claim", func() Target { return targetSRPVerifyClaim(t) }, false},
		{"srp/claim/device", func() Target { return targetSRPDeviceClaim(t, clientPool) }, false},
		{"srp/exp-secret-exponent", func() Target { return targetSRPExpSecretExponent(t) }, false},
		{"srp/exp-secret-exponent/a=1", func() Target { return targetSRPExpSecretExponentOne(t) }, false},
		{"mont/comb-secret-exponent", func() Target { return targetMontCombSecretExponent(t) }, false},
		{"bigmod/exp-secret-base", func() Target { return targetBigmodExpSecretBase(t) }, false},
		{"mont/exp-secret-exponent", func() Target { return targetMontExpSecretExponent(t) }, false},
		{"mont/exp-secret-base", func() Target { return targetMontExpSecretBase(t) }, false},
		{"mont/exp-secret-base/fixed-random", func() Target { return targetMontExpSecretBaseFixedRandom(t) }, false},
		{"mont/exp-secret-base/random-random", func() Target { return targetMontExpSecretBaseAA(t) }, false},
		{"mont/exp-secret-base/fixed-fixed", func() Target { return targetMontExpSecretBaseFixedFixed(t) }, false},
		{"mont/exp-secret-base/fixed-random-shifted", func() Target { return targetMontExpSecretBaseFixedRandomShifted(t) }, false},
		{"mont/exp-secret-base/fixed-random-scrubbed", func() Target { return targetMontExpSecretBaseFixedRandomScrubbed(t) }, false},
		{"mathbig/exp-secret-exponent", func() Target { return targetBigExpSecretExponent(secretLen) }, true},
		{"mathbig/exp-secret-base", targetBigExpSecretBase, true},
	}
	for _, tg := range kernelTargets(t) {
		entries = append(entries, entry{tg.Name, func() Target { return tg }, false})
	}
	want := strings.Split(*flagTargets, ",")
	selected := func(name string) bool {
		for _, w := range want {
			if w == "all" || name == w || strings.HasPrefix(name, w+"/") || (strings.HasSuffix(w, "/") && strings.HasPrefix(name, w)) {
				return true
			}
		}
		return false
	}
	ran := 0
	for _, e := range entries {
		if !selected(e.name) {
			continue
		}
		ran++
		t.Run(e.name, func(t *testing.T) {
			last := time.Now()
			res := Measure(e.build(), Options{
				PerClass: *flagN, Batch: *flagBatch, Seed: 1,
				Progress: func(r Result) {
					if time.Since(last) >= *flagEvery {
						last = time.Now()
						t.Log(r)
					}
				},
			})
			t.Log("final:", res)
			switch {
			case e.leaky && res.MaxT <= 4.5:
				t.Errorf("%s is a variable-time reference but max|t| = %.2f: the harness did not detect it", e.name, res.MaxT)
			case !e.leaky && res.MaxT >= 4.5:
				t.Errorf("%s: max|t| = %.2f ≥ 4.5 (%s): timing depends on the secret", e.name, res.MaxT, res.MaxTest)
			}
		})
	}
	if ran == 0 {
		t.Fatalf("no target matches -ct.targets=%q", *flagTargets)
	}
}
