package mont

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wordsBig returns the value of the little-endian words w.
func wordsBig(w []uint64) *big.Int {
	b := make([]byte, 8*len(w))
	for i, v := range w {
		for k := range 8 {
			b[len(b)-1-8*i-k] = byte(v >> (8 * k))
		}
	}
	return new(big.Int).SetBytes(b)
}

// karatsubaOperands returns 48-word operands that exercise the signs and
// carries of the Karatsuba middle term: equal halves, halves that differ by
// one either way, zero and all-ones halves, and random words.
func karatsubaOperands(r *rand.Rand) [][nWords]uint64 {
	var ops [][nWords]uint64
	half := func(lo, hi func(i int) uint64) [nWords]uint64 {
		var w [nWords]uint64
		for i := range halfWords {
			w[i], w[halfWords+i] = lo(i), hi(i)
		}
		return w
	}
	zero := func(int) uint64 { return 0 }
	ones := func(int) uint64 { return ^uint64(0) }
	rnd := func(int) uint64 { return r.Uint64() }
	one := func(i int) uint64 {
		if i == 0 {
			return 1
		}
		return 0
	}
	for _, lo := range []func(int) uint64{zero, ones, one, rnd} {
		for _, hi := range []func(int) uint64{zero, ones, one, rnd} {
			ops = append(ops, half(lo, hi))
		}
	}
	for range 8 {
		w := half(rnd, rnd)
		copy(w[halfWords:], w[:halfWords]) // x0 = x1
		ops = append(ops, w)
		w[0]++ // x0 = x1 + 1 (or x1 − 2^64 + 1 when it wraps)
		ops = append(ops, w)
		w[0] -= 2 // x0 = x1 − 1
		ops = append(ops, w)
	}
	return ops
}

// TestKaratsuba checks the 96-word products of the portable kernel against
// math/big for every pair of operands of karatsubaOperands, including values
// above any modulus (the products do not assume x, y < n).
func TestKaratsuba(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{'k'}))
	ops := karatsubaOperands(r)
	for i := range ops {
		x := &ops[i]
		X := wordsBig(x[:])
		var z [2 * nWords]uint64
		sqrKaratsuba(&z, x)
		if got, want := wordsBig(z[:]), new(big.Int).Mul(X, X); got.Cmp(want) != 0 {
			t.Fatalf("sqrKaratsuba(op %d = %x) = %x, want %x", i, X, got, want)
		}
		for j := range ops {
			y := &ops[j]
			Y := wordsBig(y[:])
			mulKaratsuba(&z, x, y)
			if got, want := wordsBig(z[:]), new(big.Int).Mul(X, Y); got.Cmp(want) != 0 {
				t.Fatalf("mulKaratsuba(op %d, op %d) = %x, want %x", i, j, got, want)
			}
		}
	}
}

// TestPortableGenerated checks that kernel_portable.go is what
// gen_portable.go produces now.
func TestPortableGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	out := filepath.Join(t.TempDir(), "kernel_portable.go")
	if b, err := exec.Command(goBin, "run", "gen_portable.go", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run gen_portable.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("kernel_portable.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("kernel_portable.go is stale: run go generate ./internal/mont")
	}
}

// TestPortableNoBoundsChecks compiles the package with the compiler's
// bounds-check report and fails if any check is left in the portable
// kernel's files: their speed depends on every index being proved in range
// (fixed-size arrays, constant indexes).
func TestPortableNoBoundsChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package with the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	cmd := exec.Command(goBin, "build", "-tags", "purego", "-o", os.DevNull,
		"-gcflags=-d=ssa/check_bce/debug=1", ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, "kernel_generic.go:") || strings.Contains(line, "kernel_portable.go:") {
			t.Errorf("bounds check left: %s", strings.TrimSpace(line))
		}
	}
	if !strings.Contains(string(out), "Found IsInBounds") {
		t.Error("the compiler reported no bounds check at all: is the flag still honoured?")
	}
}
