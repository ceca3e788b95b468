// Package ct is a timing-leak harness after the dudect method (O. Reparaz,
// J. Balasch, I. Verbauwhede, "Dude, is my code constant time?", DATE 2017).
//
// A Target prepares inputs of two classes — class 0 a fixed secret, class 1
// a fresh random secret — outside the timed region. Measure interleaves the
// two classes in a random order, times each operation with the monotonic
// clock, and feeds the durations to Welch's t-test: once on all
// measurements, and once per cropping threshold, where measurements above a
// percentile of the first (calibration) batch are dropped, so that the long
// tail of a busy machine (interrupts, garbage collection, other processes)
// does not hide a small, steady difference. The result is the largest |t|
// over all those tests. |t| above 4.5 is the method's conventional evidence
// of a leak; a constant-time operation stays below it however many samples
// are taken, a leaky one grows with √n.
//
// The package only measures; the targets (srp, filippo.io/bigmod,
// internal/mont and the deliberately variable-time math/big reference) and
// the pass/fail thresholds are in its tests. See README.md for the commands.
package ct

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"
)

// Target is one operation under test.
type Target struct {
	// Name identifies the target in reports, e.g. "srp/claim/password".
	Name string
	// Prepare returns the operation to time for one measurement of the given
	// class (0: fixed secret, 1: random secret), with its input bound. It is
	// called outside the timed region.
	Prepare func(class int) func()
	// Scrub, if set, runs before every measurement, outside the timed
	// region. It is for experiments on the machine's state: running an
	// unrelated operation between measurements erases whatever the
	// previous measurement left behind (caches, predictors, power state).
	Scrub func()
}

// Options size a measurement run.
type Options struct {
	// PerClass is the number of measurements wanted in each class. The run
	// stops when both classes have at least this many.
	PerClass int
	// Batch is the number of measurements prepared, then timed, at a time.
	// The first batch only calibrates the cropping thresholds.
	Batch int
	// Reps is the number of calls per measurement, to get above the timer's
	// resolution for fast operations. Zero means one.
	Reps int
	// Seed makes the class order reproducible.
	Seed uint64
	// Progress, when set, is called after every batch.
	Progress func(Result)
}

// Result is the outcome of a run.
type Result struct {
	Name string
	// N is the number of measurements per class.
	N [2]int
	// MaxT is the largest |t| over the uncropped and the cropped tests that
	// had enough measurements.
	MaxT float64
	// MaxTest names the test that gave MaxT ("all" or "crop<p%>").
	MaxTest string
	// T is the t statistic on all measurements, uncropped.
	T float64
	// Mean is the mean duration per call of each class.
	Mean [2]time.Duration
	// Elapsed is the wall time of the run so far.
	Elapsed time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%s: n=%d/%d max|t|=%.2f (%s) t_all=%.2f mean=%v/%v elapsed=%v",
		r.Name, r.N[0], r.N[1], r.MaxT, r.MaxTest, r.T, r.Mean[0], r.Mean[1], r.Elapsed.Round(time.Second))
}

// welch accumulates the two classes' means and variances online (Welford).
type welch struct {
	n    [2]float64
	mean [2]float64
	m2   [2]float64
}

func (w *welch) add(class int, x float64) {
	w.n[class]++
	d := x - w.mean[class]
	w.mean[class] += d / w.n[class]
	w.m2[class] += d * (x - w.mean[class])
}

// t returns Welch's t statistic, or 0 when a class has fewer than two
// measurements.
func (w *welch) t() float64 {
	if w.n[0] < 2 || w.n[1] < 2 {
		return 0
	}
	v0 := w.m2[0] / (w.n[0] - 1)
	v1 := w.m2[1] / (w.n[1] - 1)
	den := math.Sqrt(v0/w.n[0] + v1/w.n[1])
	if den == 0 {
		return 0
	}
	return (w.mean[0] - w.mean[1]) / den
}

// numCrops is the number of cropping thresholds. Threshold i keeps the
// measurements below the 1 − 0.5^(10(i+1)/numCrops) quantile of the
// calibration batch: from the fastest 6.7 % up to all but the slowest 0.1 %,
// denser near the top, as in the paper's reference implementation.
const numCrops = 100

// minPerClass is the number of measurements a class needs in one test for
// that test to count towards MaxT.
const minPerClass = 100

// Measure runs target t with options o and returns the result.
func Measure(t Target, o Options) Result {
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.Reps <= 0 {
		o.Reps = 1
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x63742d64756465))
	classes := make([]int, o.Batch)
	ops := make([]func(), o.Batch)
	durs := make([]float64, o.Batch)

	// batch prepares one batch in random class order and times it.
	batch := func() {
		for i := range ops {
			classes[i] = rng.IntN(2)
			ops[i] = t.Prepare(classes[i])
		}
		runtime.GC() // start every batch with a clean heap
		for i, op := range ops {
			if t.Scrub != nil {
				t.Scrub()
			}
			start := time.Now()
			for range o.Reps {
				op()
			}
			durs[i] = float64(time.Since(start))
		}
	}

	start := time.Now()
	batch()
	sorted := slices.Clone(durs)
	slices.Sort(sorted)
	crops := make([]float64, numCrops)
	for i := range crops {
		q := 1 - math.Pow(0.5, 10*float64(i+1)/numCrops)
		crops[i] = sorted[int(q*float64(len(sorted)-1))]
	}

	var all welch
	cropped := make([]welch, numCrops)
	var sum [2]float64
	var res Result
	res.Name = t.Name
	for res.N[0] < o.PerClass || res.N[1] < o.PerClass {
		batch()
		for i, d := range durs {
			c := classes[i]
			all.add(c, d)
			sum[c] += d
			res.N[c]++
			for k := range cropped {
				if d < crops[k] {
					cropped[k].add(c, d)
				}
			}
		}
		res.T = all.t()
		res.MaxT, res.MaxTest = math.Abs(res.T), "all"
		for k := range cropped {
			w := &cropped[k]
			if w.n[0] < minPerClass || w.n[1] < minPerClass {
				continue
			}
			if a := math.Abs(w.t()); a > res.MaxT {
				q := 1 - math.Pow(0.5, 10*float64(k+1)/numCrops)
				res.MaxT, res.MaxTest = a, fmt.Sprintf("crop%.1f%%", 100*q)
			}
		}
		for c := range 2 {
			if res.N[c] > 0 {
				res.Mean[c] = time.Duration(sum[c] / float64(res.N[c]*o.Reps))
			}
		}
		res.Elapsed = time.Since(start)
		if o.Progress != nil {
			o.Progress(res)
		}
	}
	return res
}
