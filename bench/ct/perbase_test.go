//go:build ct

package ct

import (
	"flag"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/caldera-srp/caldera/internal/mont"
)

var (
	flagBases = flag.Int("ct.bases", 1000, "TestPerBase: number of random bases")
	flagReps  = flag.Int("ct.reps", 100, "TestPerBase: measurements per base")
)

// TestPerBase asks directly whether mont's Exp takes longer on some bases
// than on others: it times Exp on many random bases, each many times, in a
// random interleaved order, and correlates, across bases, the median time
// of each base's even-numbered measurements with that of its odd-numbered
// ones. If the time depends on the base, a base slow in one half is slow in
// the other (r > 0); if not, r is noise, about N(0, 1/√bases).
func TestPerBase(t *testing.T) {
	m, e, bases := perBaseFixture(t, 24, *flagBases)
	nb, reps := len(bases), *flagReps
	start := time.Now()
	times := timeBases(m, e, bases, indices(nb), reps, rand.New(rand.NewPCG(1, 2)))
	half := func(ts []float64, parity int) float64 {
		var h []float64
		for k := parity; k < len(ts); k += 2 {
			h = append(h, ts[k])
		}
		slices.Sort(h)
		return h[len(h)/2]
	}
	a, b := make([]float64, nb), make([]float64, nb)
	for i := range nb {
		a[i], b[i] = half(times[i], 0), half(times[i], 1)
	}
	rr := pearson(a, b)
	t.Logf("%d bases × %d: r(even medians, odd medians) = %.4f (null sd %.4f, z = %.2f), %v",
		nb, reps, rr, 1/math.Sqrt(float64(nb)), rr*math.Sqrt(float64(nb)), time.Since(start).Round(time.Second))
	s := make([]float64, nb)
	for i := range nb {
		s[i] = (a[i] + b[i]) / 2
	}
	slices.Sort(s)
	t.Logf("per-base median time: min %.0f ns, p10 %.0f, p50 %.0f, p90 %.0f, max %.0f",
		s[0], s[nb/10], s[nb/2], s[nb*9/10], s[nb-1])
}

// perBaseFixture returns the modulus, the exponent of the
// mont/exp-secret-base targets and n random bases drawn from seed.
func perBaseFixture(tb testing.TB, seed uint64, n int) (*mont.Modulus, []byte, []mont.Elem) {
	m, e := montSecretBase(newRand(4))
	r := newRand(seed)
	bases := make([]mont.Elem, n)
	for i := range bases {
		if err := m.SetBytes(&bases[i], randBelowN(r)); err != nil {
			tb.Fatal(err)
		}
	}
	return m, e, bases
}

// indices returns 0, 1, …, n−1.
func indices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// timeBases times Exp on bases[idx[k]], reps times for each k, in an order
// shuffled by rng, and returns the durations (ns) for each k in the order
// they were taken. Each measurement exponentiates a fresh copy of the base,
// as the dudect targets do.
func timeBases(m *mont.Modulus, e []byte, bases []mont.Elem, idx []int, reps int, rng *rand.Rand) [][]float64 {
	order := make([]int, 0, len(idx)*reps)
	for k := range idx {
		for range reps {
			order = append(order, k)
		}
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	times := make([][]float64, len(idx))
	for _, k := range order {
		x := bases[idx[k]]
		var z mont.Elem
		t0 := time.Now()
		m.Exp(&z, &x, e)
		times[k] = append(times[k], float64(time.Since(t0)))
	}
	return times
}

func pearson(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// TestPerBaseReplicate is the follow-up of TestPerBase: a first phase ranks
// random bases by their mean time; a second, independent phase re-times the
// slowest and the fastest tenth, interleaved, and compares the two groups
// (Welch's t). A difference that replicates means some bases really are
// slower. It then compares, between the groups, a property of the values
// the computation stores: how many 64-bit words of the table and of the
// running product have their top 16 bits all zero or all one (values that
// look like addresses to a data-dependent prefetcher).
func TestPerBaseReplicate(t *testing.T) {
	m, e, bases := perBaseFixture(t, 25, *flagBases)
	nb, reps := len(bases), *flagReps
	rng := rand.New(rand.NewPCG(3, 4))
	run := func(idx []int, reps int) [][]float64 { return timeBases(m, e, bases, idx, reps, rng) }
	all := indices(nb)
	trimmedMean := func(ts []float64) float64 {
		s := slices.Clone(ts)
		slices.Sort(s)
		s = s[:len(s)*9/10] // drop the slowest tenth (interrupts)
		var sum float64
		for _, v := range s {
			sum += v
		}
		return sum / float64(len(s))
	}
	first := run(all, reps)
	means := make([]float64, nb)
	for i := range nb {
		means[i] = trimmedMean(first[i])
	}
	rank := slices.Clone(all)
	slices.SortFunc(rank, func(a, b int) int { return int(means[a] - means[b]) })
	k := nb / 10
	fast, slow := rank[:k], rank[nb-k:]
	second := run(append(slices.Clone(fast), slow...), 4*reps)
	var w welch
	for j, ts := range second {
		class := 0
		if j >= k {
			class = 1
		}
		s := slices.Clone(ts)
		slices.Sort(s)
		for _, v := range s[:len(s)*9/10] {
			w.add(class, v)
		}
	}
	t.Logf("phase 2: fastest tenth %.0f ns, slowest tenth %.0f ns (ranked in phase 1), Welch t = %.2f",
		w.mean[0], w.mean[1], w.t())
	feat := func(group []int) float64 {
		var total float64
		for _, i := range group {
			total += float64(addressLikeWords(m, &bases[i], e))
		}
		return total / float64(len(group))
	}
	t.Logf("address-like words per Exp: fastest tenth %.2f, slowest tenth %.2f", feat(fast), feat(slow))
}

// addressLikeWords replays Exp's 5-bit fixed-window schedule through the
// public API and counts the stored 64-bit words (table entries, and the
// running product after each step) whose top 16 bits are all 0 or all 1.
func addressLikeWords(m *mont.Modulus, base *mont.Elem, e []byte) int {
	words := func(x *mont.Elem) *[48]uint64 { return (*[48]uint64)(unsafe.Pointer(x)) }
	n := 0
	count := func(x *mont.Elem) {
		for _, w := range words(x) {
			if top := w >> 48; top == 0 || top == 0xffff {
				n++
			}
		}
	}
	var table [32]mont.Elem
	m.SetOne(&table[0])
	table[1] = *base
	for i := 2; i < 32; i += 2 {
		m.Sqr(&table[i], &table[i/2])
		m.Mul(&table[i+1], &table[i], base)
	}
	for i := range table {
		count(&table[i])
	}
	nbits := 8 * len(e)
	top := (nbits + 4) / 5
	win := func(pos int) int {
		i := len(e) - 1 - pos/8
		v := int(e[i])
		if i > 0 {
			v |= int(e[i-1]) << 8
		}
		return (v >> (pos % 8)) & 31
	}
	acc := table[win((top-1)*5)]
	for w := top - 2; w >= 0; w-- {
		for range 5 {
			m.Sqr(&acc, &acc)
			count(&acc)
		}
		m.Mul(&acc, &acc, &table[win(w*5)])
		count(&acc)
	}
	return n
}
