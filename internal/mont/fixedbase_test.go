package mont

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"testing"
)

// newGTable builds the g = 2 table of docs/protocol.md §1 for exponents of up to
// 1040 bits.
func newGTable(tb testing.TB, m *Modulus) *FixedBase {
	var g Elem
	if err := m.SetBytes(&g, []byte{2}); err != nil {
		tb.Fatal(err)
	}
	return m.NewFixedBase(&g, 1040)
}

func TestFixedBase(t *testing.T) {
	N := nBig(t)
	r := rand.New(rand.NewChaCha8([32]byte{5}))
	var lengths []int
	for l := range 40 {
		lengths = append(lengths, l)
	}
	// 32: g^x; 128: g^a; 130: the table's limit; 131, 200: the Exp fallback.
	lengths = append(lengths, 64, 65, 97, 127, 128, 129, 130, 131, 200)
	for _, k := range kernels(t) {
		fb := newGTable(t, k.m)
		for _, l := range lengths {
			for _, fill := range []string{"random", "ones", "zero", "top"} {
				e := make([]byte, l)
				for i := range e {
					switch fill {
					case "random":
						e[i] = byte(r.Uint32())
					case "ones":
						e[i] = 0xff
					}
				}
				if fill == "top" && l > 0 {
					e[0] = 0x80
				}
				var z Elem
				fb.Exp(&z, e)
				want := pad384(new(big.Int).Exp(big.NewInt(2), new(big.Int).SetBytes(e), N))
				if got := k.m.Bytes(&z); !bytes.Equal(got, want) {
					t.Fatalf("%s: 2^%x: got %x, want %x", k.name, e, got, want)
				}
			}
		}
	}
}

// TestFixedBaseOtherBase uses a large base and a table sized for 256 bits.
func TestFixedBaseOtherBase(t *testing.T) {
	N := nBig(t)
	r := rand.New(rand.NewChaCha8([32]byte{6}))
	x := randBelow(r, N, 0)
	for _, k := range kernels(t) {
		fb := k.m.NewFixedBase(elem(t, k.m, x), 256)
		for _, l := range []int{0, 1, 31, 32, 33, 64} { // 33 bytes: beyond 260 bits, Exp fallback
			e := make([]byte, l)
			for i := range e {
				e[i] = byte(r.Uint32())
			}
			var z Elem
			fb.Exp(&z, e)
			want := pad384(new(big.Int).Exp(x, new(big.Int).SetBytes(e), N))
			if got := k.m.Bytes(&z); !bytes.Equal(got, want) {
				t.Fatalf("%s: %x^%x: got %x, want %x", k.name, x, e, got, want)
			}
		}
	}
}
