package bench

import (
	"math/big"
	"os"
	"slices"
	"testing"
	"time"

	"filippo.io/bigmod"
	"github.com/caldera-srp/caldera/srp"
	"github.com/stretchr/testify/require"
)

// TestPairedFixedBase measures the powers of g of BenchmarkGA and
// BenchmarkGX by turns: for each random exponent, caldera, circl-mlsbset,
// bigmod and mathbig run one after the other, and the ratios are taken per
// exponent, then their median. On a machine shared with other work a
// benchmark run's absolute times swing by tens of percent; ratios of
// back-to-back calls swing far less. It also checks that the four results
// agree. It runs only with BENCH_PAIRED=1 (about 15 s):
//
//	BENCH_PAIRED=1 go test -run=TestPairedFixedBase -v ./bench/
func TestPairedFixedBase(t *testing.T) {
	if os.Getenv("BENCH_PAIRED") == "" {
		t.Skip("set BENCH_PAIRED=1 to measure")
	}
	N, g, _ := newMathbigGroup()
	bg := newBigmodGroup(t)
	group := srp.Cognito()
	for _, n := range []int{128, 32} {
		gr, err := newCirclGroup(uint(8 * n))
		require.NoError(t, err)
		const rounds = 150
		times := map[string][]float64{}
		ratios := map[string][]float64{}
		for range rounds {
			e := randomBytes(t, n)
			var A []byte
			var fromCircl, fromBigmod *bigmod.Nat
			var fromMathbig *big.Int
			d := map[string]float64{}
			timed := func(name string, f func()) {
				start := time.Now()
				f()
				d[name] = time.Since(start).Seconds()
				times[name] = append(times[name], d[name])
			}
			timed("caldera", func() {
				c, err := group.NewClientFromSecret(e)
				require.NoError(t, err)
				A = c.Public()
			})
			timed("circl-mlsbset", func() {
				fromCircl, err = gr.exp(e)
				require.NoError(t, err)
			})
			timed("bigmod", func() { fromBigmod = bigmod.NewNat().Exp(bg.g, e, bg.m) })
			timed("mathbig", func() { fromMathbig = new(big.Int).Exp(g, new(big.Int).SetBytes(e), N) })
			want := fromMathbig.FillBytes(make([]byte, 384))
			require.Equal(t, want, fromCircl.Bytes(gr.m))
			require.Equal(t, want, fromBigmod.Bytes(bg.m))
			require.Equal(t, fromMathbig.Bytes(), A)
			ratios["caldera/circl-mlsbset"] = append(ratios["caldera/circl-mlsbset"], d["caldera"]/d["circl-mlsbset"])
			ratios["circl-mlsbset/bigmod"] = append(ratios["circl-mlsbset/bigmod"], d["circl-mlsbset"]/d["bigmod"])
			ratios["caldera/mathbig"] = append(ratios["caldera/mathbig"], d["caldera"]/d["mathbig"])
		}
		median := func(x []float64) float64 { slices.Sort(x); return x[len(x)/2] }
		for _, name := range []string{"caldera", "circl-mlsbset", "bigmod", "mathbig"} {
			t.Logf("g^e, %4d-bit e: %-14s median %.3f ms", 8*n, name, 1e3*median(times[name]))
		}
		for _, r := range []string{"caldera/circl-mlsbset", "circl-mlsbset/bigmod", "caldera/mathbig"} {
			t.Logf("g^e, %4d-bit e: %-22s median ratio %.3f", 8*n, r, median(ratios[r]))
		}
	}
}
