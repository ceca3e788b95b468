package mont

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rfc3526Prime3072 is the 3072-bit MODP prime of RFC 3526, Section 4 (the
// Cognito N of docs/protocol.md §1).
const rfc3526Prime3072 = "" +
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

func nBytesRFC3526(tb testing.TB) []byte {
	b, err := hex.DecodeString(rfc3526Prime3072)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func nBig(tb testing.TB) *big.Int { return new(big.Int).SetBytes(nBytesRFC3526(tb)) }

type kernel struct {
	name string
	m    *Modulus
	ifma bool // Mul and Sqr go through the IFMA kernel (see Mul)
}

// Mul is m.Mul, except on the IFMA kernel, where it converts to radix 2^52,
// multiplies with the IFMA kernel and converts back, so that the differential
// tests cover that kernel with Mul and Sqr cases as well as with Exp.
func (k kernel) Mul(z, x, y *Elem) {
	if !k.ifma {
		k.m.Mul(z, x, y)
		return
	}
	var a, b elem52
	k.m.toIFMA(&a, x)
	k.m.toIFMA(&b, y)
	mulIFMA(&a, &a, &b, &k.m.ifma.n, k.m.ifma.k0)
	k.m.fromIFMA(z, &a)
}

// Sqr is m.Sqr, or the IFMA squaring as in Mul.
func (k kernel) Sqr(z, x *Elem) {
	if !k.ifma {
		k.m.Sqr(z, x)
		return
	}
	var a elem52
	k.m.toIFMA(&a, x)
	sqrIFMA(&a, &a, &k.m.ifma.n, k.m.ifma.k0)
	k.m.fromIFMA(z, &a)
}

// kernels returns the modulus once per kernel available on this machine, so
// that every test covers the portable kernel, the ADX kernel and the IFMA
// kernel (Exp and FixedBase.Exp) where the CPU has them.
func kernels(tb testing.TB) []kernel {
	m, err := NewModulus(nBytesRFC3526(tb))
	if err != nil {
		tb.Fatal(err)
	}
	g := *m
	g.generic = true
	ks := []kernel{{name: "generic", m: &g}}
	if useADX {
		a := *m
		a.noIFMA = true
		ks = append(ks, kernel{name: "adx", m: &a})
	} else {
		tb.Log("assembly kernel not available here; testing the portable kernel only")
	}
	if m.ifmaOn() {
		ks = append(ks, kernel{name: "ifma", m: m, ifma: true})
	} else {
		tb.Logf("IFMA kernel not tested: %s", ifmaMissing)
	}
	return ks
}

func pad384(x *big.Int) []byte { return x.FillBytes(make([]byte, nBytes)) }

func elem(tb testing.TB, m *Modulus, x *big.Int) *Elem {
	var e Elem
	if err := m.SetBytes(&e, x.Bytes()); err != nil {
		tb.Fatalf("SetBytes(%x): %v", x, err)
	}
	return &e
}

func TestNewModulus(t *testing.T) {
	n := nBytesRFC3526(t)
	if _, err := NewModulus(append([]byte{0, 0}, n...)); err != nil {
		t.Errorf("leading zeros: %v", err)
	}
	even := bytes.Clone(n)
	even[len(even)-1] &^= 1
	short := bytes.Clone(n)
	short[0] = 0x7f
	for name, b := range map[string][]byte{
		"even": even, "3071 bits": short, "3080 bits": append([]byte{1}, n...),
		"2048 bits": n[128:], "empty": nil,
	} {
		if _, err := NewModulus(b); !errors.Is(err, ErrModulus) {
			t.Errorf("%s: got %v, want ErrModulus", name, err)
		}
	}
}

func TestMinusInverse(t *testing.T) {
	m, _ := NewModulus(nBytesRFC3526(t))
	if got := m.n[0] * m.n0; got != ^uint64(0) {
		t.Errorf("n·n0 = %#x, want −1", got)
	}
}

func TestSetBytes(t *testing.T) {
	N := nBig(t)
	for _, k := range kernels(t) {
		m := k.m
		var e Elem
		for _, tc := range []struct {
			name string
			b    []byte
			ok   bool
		}{
			{"empty", nil, true},
			{"zero", []byte{0}, true},
			{"N-1", new(big.Int).Sub(N, big.NewInt(1)).Bytes(), true},
			{"N-1 padded", append(make([]byte, 20), new(big.Int).Sub(N, big.NewInt(1)).Bytes()...), true},
			{"N", N.Bytes(), false},
			{"N+1", new(big.Int).Add(N, big.NewInt(1)).Bytes(), false},
			{"2^3072-1", bytes.Repeat([]byte{0xff}, nBytes), false},
			{"2^3072", append([]byte{1}, make([]byte, nBytes)...), false},
			{"1 with junk on top", append(append([]byte{1}, make([]byte, nBytes-1)...), 1), false},
		} {
			err := m.SetBytes(&e, tc.b)
			if tc.ok && err != nil || !tc.ok && !errors.Is(err, ErrRange) {
				t.Errorf("%s: %s: err = %v", k.name, tc.name, err)
				continue
			}
			if tc.ok {
				want := pad384(new(big.Int).SetBytes(tc.b))
				if got := m.Bytes(&e); !bytes.Equal(got, want) {
					t.Errorf("%s: %s: round trip %x", k.name, tc.name, got)
				}
			}
		}
	}
}

func TestSetBytesReduce(t *testing.T) {
	N := nBig(t)
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	for _, k := range kernels(t) {
		for _, l := range []int{0, 1, 383, 384, 385, 767, 768, 769, 1000} {
			for _, fill := range []string{"random", "ones", "N"} {
				b := make([]byte, l)
				switch fill {
				case "random":
					for i := range b {
						b[i] = byte(r.Uint32())
					}
				case "ones":
					for i := range b {
						b[i] = 0xff
					}
				case "N":
					if l < nBytes {
						continue
					}
					copy(b[l-nBytes:], N.Bytes())
				}
				var e Elem
				k.m.SetBytesReduce(&e, b)
				want := pad384(new(big.Int).Mod(new(big.Int).SetBytes(b), N))
				if got := k.m.Bytes(&e); !bytes.Equal(got, want) {
					t.Errorf("%s: len %d %s: got %x, want %x", k.name, l, fill, got, want)
				}
			}
		}
	}
}

// TestKernelsAgree calls the kernels directly on random inputs below N,
// including values near N where the final subtraction matters.
func TestKernelsAgree(t *testing.T) {
	if !useADX {
		t.Skip("no assembly kernel")
	}
	m, _ := NewModulus(nBytesRFC3526(t))
	r := rand.New(rand.NewChaCha8([32]byte{2}))
	N := nBig(t)
	for i := range 2000 {
		x, y := randBelow(r, N, i), randBelow(r, N, i+1)
		var xw, yw, z1, z2 [nWords]uint64
		bytesToWords(&xw, pad384(x))
		bytesToWords(&yw, pad384(y))
		montMulGeneric(&z1, &xw, &yw, &m.n, m.n0)
		montMulADX(&z2, &xw, &yw, &m.n, m.n0)
		if z1 != z2 {
			t.Fatalf("mul %d: kernels disagree for x=%x y=%x", i, x, y)
		}
		montSqrGeneric(&z1, &xw, &m.n, m.n0)
		montSqrADX(&z2, &xw, &m.n, m.n0)
		if z1 != z2 {
			t.Fatalf("sqr %d: kernels disagree for x=%x", i, x)
		}
	}
}

// randBelow returns a random value below N, drawn in a way that often hits
// the edges: small values, values near N, and words of all ones.
func randBelow(r *rand.Rand, N *big.Int, i int) *big.Int {
	b := make([]byte, nBytes)
	for j := range b {
		b[j] = byte(r.Uint32())
	}
	x := new(big.Int).SetBytes(b)
	switch i % 7 {
	case 1: // near N
		x.Sub(N, new(big.Int).SetBytes(b[:r.IntN(60)]))
		x.Sub(x, big.NewInt(1))
	case 2: // small
		x.SetBytes(b[:r.IntN(20)])
	case 3: // runs of ones
		for j := range b {
			if r.IntN(2) == 0 {
				b[j] = 0xff
			}
		}
		x.SetBytes(b)
	}
	return x.Mod(x, N)
}

// accumulated runs count random cases — Mul, Sqr, and Exp with exponents of
// 0 to 131 bytes — and returns the SHA-256 of all results. With check set it
// compares every result with math/big as it goes.
func accumulated(t *testing.T, k kernel, count int, check bool) []byte {
	N := nBig(t)
	m := k.m
	r := rand.New(rand.NewChaCha8([32]byte{'a', 'c', 'c'}))
	h := sha256.New()
	for i := range count {
		x, y := randBelow(r, N, i), randBelow(r, N, i+3)
		ex, ey := elem(t, m, x), elem(t, m, y)
		var z Elem
		var want *big.Int
		var what func() string
		switch {
		case i%20 == 19:
			e := make([]byte, r.IntN(132))
			for j := range e {
				e[j] = byte(r.Uint32())
			}
			if len(e) > 0 && i%40 == 39 {
				e[0] = 1 // a 1025-bit exponent when len(e) = 129
			}
			m.Exp(&z, ex, e)
			what = func() string { return fmt.Sprintf("Exp(%x, %x)", x, e) }
			if check {
				want = new(big.Int).Exp(x, new(big.Int).SetBytes(e), N)
			}
		case i%2 == 0:
			k.Mul(&z, ex, ey)
			what = func() string { return fmt.Sprintf("Mul(%x, %x)", x, y) }
			if check {
				want = new(big.Int).Mul(x, y)
				want.Mod(want, N)
			}
		default:
			k.Sqr(&z, ex)
			what = func() string { return fmt.Sprintf("Sqr(%x)", x) }
			if check {
				want = new(big.Int).Mul(x, x)
				want.Mod(want, N)
			}
		}
		got := m.Bytes(&z)
		if check && !bytes.Equal(got, pad384(want)) {
			t.Fatalf("%s: case %d: %s = %x, want %x", k.name, i, what(), got, pad384(want))
		}
		h.Write(got)
	}
	return h.Sum(nil)
}

// TestAccumulated compares a stream of random Mul, Sqr and Exp results with
// math/big, case by case, and pins the digest of the whole stream. The default
// run does 2,000 cases per kernel; MONT_FULL=1 runs the 100,000 per
// kernel (about a minute on the project's machine):
//
//	MONT_FULL=1 go test -run TestAccumulated -timeout 30m ./internal/mont/
func TestAccumulated(t *testing.T) {
	count, digest := 2000, accDigest2000
	if v := os.Getenv("MONT_FULL"); v != "" && v != "0" {
		count, digest = 100000, accDigest100000
	}
	if n, err := strconv.Atoi(os.Getenv("MONT_ACC_N")); err == nil {
		count, digest = n, "" // exploratory runs: math/big check only
	}
	for _, k := range kernels(t) {
		got := hex.EncodeToString(accumulated(t, k, count, true))
		if digest != "" && got != digest {
			t.Errorf("%s: digest of %d cases = %s, want %s", k.name, count, got, digest)
		}
		t.Logf("%s: %d cases, digest %s", k.name, count, got)
	}
}

// Digests of the accumulated streams, produced by this test's math/big check
// (every case compared with math/big before hashing).
const (
	accDigest2000   = "94238108583bb38de929a579ae2cd44e4bf5b072ef9d3155b4478c7eb94a4818"
	accDigest100000 = "ffc16c62752b6e1626ccc282e2899a774552d03168d6ef3eec608a405f01cf91"
)

func TestExpEdges(t *testing.T) {
	N := nBig(t)
	Nm1 := new(big.Int).Sub(N, big.NewInt(1))
	r := rand.New(rand.NewChaCha8([32]byte{3}))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	ones := func(n int) []byte { return bytes.Repeat([]byte{0xff}, n) }
	e1025 := append([]byte{1}, rnd(128)...)
	bases := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), Nm1, new(big.Int).SetBytes(rnd(nBytes - 1))}
	exps := [][]byte{nil, {0}, {0, 0, 0}, {1}, {2}, {0, 1}, ones(1), ones(32), ones(128), ones(129), ones(130),
		e1025, append([]byte{1}, make([]byte, 128)...), rnd(32), rnd(128)}
	for _, k := range kernels(t) {
		for _, x := range bases {
			for _, e := range exps {
				var z Elem
				k.m.Exp(&z, elem(t, k.m, x), e)
				want := pad384(new(big.Int).Exp(x, new(big.Int).SetBytes(e), N))
				if got := k.m.Bytes(&z); !bytes.Equal(got, want) {
					t.Errorf("%s: %x^%x: got %x, want %x", k.name, x, e, got, want)
				}
			}
		}
	}
}

func TestAddSubEqual(t *testing.T) {
	N := nBig(t)
	r := rand.New(rand.NewChaCha8([32]byte{4}))
	for _, k := range kernels(t) {
		m := k.m
		for i := range 500 {
			x, y := randBelow(r, N, i), randBelow(r, N, i+2)
			if i%50 == 0 {
				y.Set(x)
			}
			ex, ey := elem(t, m, x), elem(t, m, y)
			var z Elem
			m.Add(&z, ex, ey)
			if got, want := m.Bytes(&z), pad384(new(big.Int).Mod(new(big.Int).Add(x, y), N)); !bytes.Equal(got, want) {
				t.Fatalf("%s: %x + %x = %x, want %x", k.name, x, y, got, want)
			}
			m.Sub(&z, ex, ey)
			if got, want := m.Bytes(&z), pad384(new(big.Int).Mod(new(big.Int).Sub(x, y), N)); !bytes.Equal(got, want) {
				t.Fatalf("%s: %x − %x = %x, want %x", k.name, x, y, got, want)
			}
			if got, want := m.Equal(ex, ey), x.Cmp(y) == 0; got != b2i(want) {
				t.Fatalf("%s: Equal(%x, %x) = %d", k.name, x, y, got)
			}
			if got := m.IsZero(&z); got != b2i(x.Cmp(y) == 0) {
				t.Fatalf("%s: IsZero(x−y) = %d for x=%x y=%x", k.name, got, x, y)
			}
		}
		var one Elem
		m.SetOne(&one)
		if got := m.Bytes(&one); got[nBytes-1] != 1 || !bytes.Equal(got[:nBytes-1], make([]byte, nBytes-1)) {
			t.Errorf("%s: SetOne gives %x", k.name, got)
		}
		if got := m.AppendBytes([]byte("prefix"), &one); !bytes.HasPrefix(got, []byte("prefix")) || len(got) != 6+nBytes {
			t.Errorf("%s: AppendBytes gives %x", k.name, got)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func FuzzMul(f *testing.F) {
	f.Add([]byte{2}, []byte{3})
	f.Add(bytes.Repeat([]byte{0xff}, nBytes), bytes.Repeat([]byte{0xff}, nBytes))
	f.Add(nBytesRFC3526(f), []byte{})
	N := nBig(f)
	ks := kernels(f)
	f.Fuzz(func(t *testing.T, xb, yb []byte) {
		x := new(big.Int).Mod(new(big.Int).SetBytes(xb), N)
		y := new(big.Int).Mod(new(big.Int).SetBytes(yb), N)
		for _, k := range ks {
			var ex, ey, z Elem
			k.m.SetBytesReduce(&ex, xb)
			k.m.SetBytesReduce(&ey, yb)
			k.Mul(&z, &ex, &ey)
			if got, want := k.m.Bytes(&z), pad384(new(big.Int).Mod(new(big.Int).Mul(x, y), N)); !bytes.Equal(got, want) {
				t.Fatalf("%s: Mul(%x, %x) = %x, want %x", k.name, x, y, got, want)
			}
			k.Sqr(&z, &ex)
			if got, want := k.m.Bytes(&z), pad384(new(big.Int).Mod(new(big.Int).Mul(x, x), N)); !bytes.Equal(got, want) {
				t.Fatalf("%s: Sqr(%x) = %x, want %x", k.name, x, got, want)
			}
		}
	})
}

func FuzzExp(f *testing.F) {
	f.Add([]byte{2}, []byte{})
	f.Add([]byte{0}, []byte{0})
	f.Add(bytes.Repeat([]byte{0xff}, nBytes), []byte{0xff, 0xff, 0xff})
	f.Add([]byte{2}, append([]byte{1}, bytes.Repeat([]byte{0xa5}, 128)...))
	N := nBig(f)
	ks := kernels(f)
	var gs []*FixedBase
	for _, k := range ks {
		gs = append(gs, newGTable(f, k.m))
	}
	f.Fuzz(func(t *testing.T, xb, e []byte) {
		if len(e) > 140 {
			t.Skip("exponents longer than 140 bytes are not used")
		}
		x := new(big.Int).Mod(new(big.Int).SetBytes(xb), N)
		want := pad384(new(big.Int).Exp(x, new(big.Int).SetBytes(e), N))
		for _, k := range ks {
			var ex, z Elem
			k.m.SetBytesReduce(&ex, xb)
			k.m.Exp(&z, &ex, e)
			if got := k.m.Bytes(&z); !bytes.Equal(got, want) {
				t.Fatalf("%s: Exp(%x, %x) = %x, want %x", k.name, x, e, got, want)
			}
		}
		want = pad384(new(big.Int).Exp(big.NewInt(2), new(big.Int).SetBytes(e), N))
		for i, k := range ks {
			var z Elem
			gs[i].Exp(&z, e)
			if got := k.m.Bytes(&z); !bytes.Equal(got, want) {
				t.Fatalf("%s: FixedBase 2^%x = %x, want %x", k.name, e, got, want)
			}
		}
	})
}

// TestNoMathBig checks that math/big, which is variable time, is used by
// tests only.
func TestNoMathBig(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			if imp.Path.Value == `"math/big"` {
				t.Errorf("%s imports math/big", f)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	var table [tableSize]Elem
	r := rand.New(rand.NewChaCha8([32]byte{7}))
	for i := range table {
		for k := range table[i].l {
			table[i].l[k] = r.Uint64()
		}
	}
	for idx := range tableSize {
		var z1, z2 [nWords]uint64
		lookupGeneric(&z1, &table, idx)
		lookupAVX2(&z2, &table, idx)
		if z1 != table[idx].l || z2 != table[idx].l {
			t.Errorf("lookup(%d): generic %v, avx2 %v", idx, z1 == table[idx].l, z2 == table[idx].l)
		}
	}
}

// TestNoAllocs checks that the hot paths allocate nothing.
func TestNoAllocs(t *testing.T) {
	for _, k := range kernels(t) {
		m := k.m
		fb := newGTable(t, m)
		var x, z Elem
		m.SetBytesReduce(&x, []byte{7, 7, 7})
		e := bytes.Repeat([]byte{0xa5}, 129)
		buf := make([]byte, 0, nBytes)
		for name, f := range map[string]func(){
			"Mul":           func() { m.Mul(&z, &x, &x) },
			"Sqr":           func() { m.Sqr(&z, &x) },
			"Exp":           func() { m.Exp(&z, &x, e) },
			"FixedBase.Exp": func() { fb.Exp(&z, e[:128]) },
			"ProdExp":       func() { m.ProdExp(&z, &x, &x, e[:32], e[:64]) },
			"AppendBytes":   func() { buf = m.AppendBytes(buf[:0], &x) },
		} {
			if got := testing.AllocsPerRun(3, f); got != 0 {
				t.Errorf("%s: %s: %v allocations, want 0", k.name, name, got)
			}
		}
	}
}

// TestKernelEdges calls every kernel directly on edge values, comparing with
// x·y·2^−3072 mod N computed by math/big.
func TestKernelEdges(t *testing.T) {
	m, _ := NewModulus(nBytesRFC3526(t))
	N := nBig(t)
	rInv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 3072), N)
	one := big.NewInt(1)
	edges := []*big.Int{
		big.NewInt(0), one, big.NewInt(2),
		new(big.Int).Sub(N, one), new(big.Int).Sub(N, big.NewInt(2)),
		new(big.Int).Lsh(one, 3071), new(big.Int).Sub(new(big.Int).Lsh(one, 3071), one),
		new(big.Int).Sub(new(big.Int).Lsh(one, 64), one), new(big.Int).Lsh(one, 3008),
	}
	type mulFn func(z, x, y, n *[nWords]uint64, n0 uint64)
	muls := map[string]mulFn{"generic": montMulGeneric}
	sqrs := map[string]mulFn{"generic": func(z, x, _, n *[nWords]uint64, n0 uint64) { montSqrGeneric(z, x, n, n0) }}
	if useADX {
		muls["adx"] = montMulADX
		sqrs["adx"] = func(z, x, _, n *[nWords]uint64, n0 uint64) { montSqrADX(z, x, n, n0) }
	}
	for _, x := range edges {
		for _, y := range edges {
			var xw, yw, z [nWords]uint64
			bytesToWords(&xw, pad384(x))
			bytesToWords(&yw, pad384(y))
			want := new(big.Int).Mul(x, y)
			want.Mul(want, rInv).Mod(want, N)
			for name, f := range muls {
				f(&z, &xw, &yw, &m.n, m.n0)
				var wantW [nWords]uint64
				bytesToWords(&wantW, pad384(want))
				if z != wantW {
					t.Errorf("%s: mul(%x, %x) wrong", name, x, y)
				}
				if x == y {
					sqrs[name](&z, &xw, nil, &m.n, m.n0)
					if z != wantW {
						t.Errorf("%s: sqr(%x) wrong", name, x)
					}
				}
			}
		}
	}
}
