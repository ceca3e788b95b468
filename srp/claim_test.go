package srp

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"testing"
)

type seededReader struct{ r *rand.ChaCha8 }

func (s seededReader) Read(p []byte) (int, error) { return s.r.Read(p) }

func newSeeded(seed byte) seededReader {
	return seededReader{rand.NewChaCha8([32]byte{seed})}
}

// AppendPasswordClaim on a regenerated client gives the same signature as
// PasswordClaim on a fresh client with the same a, and allocates nothing
// once warm.
func TestAppendPasswordClaim(t *testing.T) {
	p := &PasswordClaimParams{PoolName: "Pj8nlkpKR", UserIDForSRP: "User5", Password: "Password1!",
		SRPB: "f6c76f03232c3a93a634f5e49a74efbfffcd2b81f0dacb2bce0274ae6860", Salt: "b704a27deb8cf5efec43a40eac5b60d2",
		SecretBlock: "iZY+s7lYj4/5me1dgBZ9QR0vYOoatfBhec3Rc3kqPFAGIWAwxmaoXkOR1+kE", Timestamp: "Thu Jun 15 07:00:00 UTC 2017"}
	reused, err := Cognito().NewClient(newSeeded(1))
	if err != nil {
		t.Fatal(err)
	}
	rng := newSeeded(2)
	var buf []byte
	for i := range 3 {
		if err := reused.Regenerate(rng); err != nil {
			t.Fatal(err)
		}
		fresh, err := Cognito().NewClientFromSecret(reused.a)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.PasswordClaim(*p)
		if err != nil {
			t.Fatal(err)
		}
		buf, err = reused.AppendPasswordClaim(buf[:0], p)
		if err != nil {
			t.Fatal(err)
		}
		if string(buf) != want.Signature {
			t.Fatalf("claim %d: %s, want %s", i, buf, want.Signature)
		}
	}
	if raceEnabled {
		t.Log("allocation count not checked under the race detector")
		return
	}
	allocs := testing.AllocsPerRun(20, func() {
		if err := reused.Regenerate(rng); err != nil {
			t.Fatal(err)
		}
		if buf, err = reused.AppendPasswordClaim(buf[:0], p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Regenerate + AppendPasswordClaim allocate %v times, want 0", allocs)
	}
}

// a + u·x against math/big over random lengths, including empty and
// all-ones inputs.
func TestClientExponentMathBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if n > 0 && rng.IntN(4) == 0 {
			for i := range b {
				b[i] = 0xff
			}
		}
		return b
	}
	var acc []uint64
	for range 2000 {
		a, u, x := rnd(rng.IntN(140)), rnd(rng.IntN(40)), rnd(rng.IntN(40))
		var got []byte
		got, acc = appendClientExponent(nil, acc, a, u, x)
		want := new(big.Int).Mul(new(big.Int).SetBytes(u), new(big.Int).SetBytes(x))
		want.Add(want, new(big.Int).SetBytes(a))
		if len(got) != max(len(a), len(u)+len(x))+1 || want.Cmp(new(big.Int).SetBytes(got)) != 0 {
			t.Fatalf("a=%x u=%x x=%x: got %x, want %x", a, u, x, got, want)
		}
	}
}

func TestAppendSignedPadHex(t *testing.T) {
	for _, s := range []string{"0", "00", "7f", "80", "0080", "abc", "ABC", "-80", "-81", "ff", "1", "000001"} {
		want, err := SignedPadHex(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendSignedPadHex([]byte{9}, s)
		if err != nil || !bytes.Equal(got[1:], want) || got[0] != 9 {
			t.Errorf("%q: got %x, want 09%x", s, got, want)
		}
	}
}
