package ct

import (
	"testing"
)

// TestSmoke is the cheap version of the harness for the default test run:
// a few hundred measurements per class, loose thresholds. It asserts that
// the harness detects the variable-time math/big reference, and that the
// srp targets stay below a loose bound. The real evidence is the full run
// (build tag ct, see README.md), which needs ≥ 10^5 measurements per class.
func TestSmoke(t *testing.T) {
	const (
		detected = 20.0 // the reference must exceed this
		loose    = 10.0 // a constant-time target must stay below this
	)
	t.Run("reference", func(t *testing.T) {
		// A 32-byte exponent keeps this fast; 1 vs random 256-bit values.
		res := Measure(targetBigExpSecretExponent(32), Options{PerClass: 300, Batch: 100, Seed: 1})
		t.Log(res)
		if res.MaxT < detected {
			t.Errorf("math/big Exp: max|t| = %.2f, want > %v: the harness failed to detect a known leak", res.MaxT, detected)
		}
	})
	t.Run("srp", func(t *testing.T) {
		if testing.Short() || raceEnabled {
			t.Skip("timing is meaningless under -race, and too slow for -short")
		}
		for _, tg := range []Target{
			targetSRPExpSecretExponent(t),
			targetSRPPasswordClaim(t, 4),
		} {
			res := Measure(tg, Options{PerClass: 250, Batch: 100, Seed: 1})
			t.Log(res)
			if res.MaxT > loose {
				t.Errorf("%s: max|t| = %.2f after %v measurements, want < %v", tg.Name, res.MaxT, res.N, loose)
			}
		}
	})
}

func TestWelch(t *testing.T) {
	// Two classes with means 1 and 3, variance 1 each (population of
	// {0, 2} and {2, 4}, sample variance 4/3 with n = 4):
	// t = (1 − 3) / sqrt(4/3/4 + 4/3/4) = −2 / sqrt(2/3) = −2.449…
	var w welch
	for _, x := range []float64{0, 2, 0, 2} {
		w.add(0, x)
	}
	for _, x := range []float64{2, 4, 2, 4} {
		w.add(1, x)
	}
	if got, want := w.t(), -2.449489742783178; got < want-1e-12 || got > want+1e-12 {
		t.Errorf("t = %v, want %v", got, want)
	}
}

// TestTargets builds every target of the full run and runs each class
// once, so that a fixture broken by an API change shows up in the default
// test run rather than an hour into the tagged one.
func TestTargets(t *testing.T) {
	for _, tg := range append([]Target{
		targetSRPPasswordClaim(t, 2),
		targetSRPPasswordClaimFixedFixed(t, 2),
		targetSRPPasswordClaimAA(t, 2),
		targetSRPPasswordClaimShifted(t, 2),
		targetSRPPasswordClaimRandomPublic(t, 2),
		targetSRPDeviceClaimRandomPublic(t, 2),
		targetSRPVerifyClaim(t),
		targetSRPDeviceClaim(t, 2),
		targetSRPExpSecretExponent(t),
		targetSRPExpSecretExponentOne(t),
		targetMontCombSecretExponent(t),
		targetBigmodExpSecretBase(t),
		targetMontExpSecretExponent(t),
		targetMontExpSecretBase(t),
		targetMontExpSecretBaseFixedRandom(t),
		targetMontExpSecretBaseAA(t),
		targetMontExpSecretBaseFixedFixed(t),
		targetMontExpSecretBaseFixedRandomShifted(t),
		targetMontExpSecretBaseFixedRandomScrubbed(t),
		targetBigExpSecretExponent(secretLen),
		targetBigExpSecretBase(),
	}, kernelTargets(t)...) {
		if tg.Scrub != nil {
			tg.Scrub()
		}
		for class := range 2 {
			tg.Prepare(class)()
		}
	}
}
