package srp

import (
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// TestAppendBase64 checks the constant-time encoder against encoding/base64:
// every 6-bit value in every position, and random inputs of every length up
// to 100 bytes.
func TestAppendBase64(t *testing.T) {
	var all []byte // 0x00…0xff three times, so each byte value meets each position
	for range 3 {
		for i := range 256 {
			all = append(all, byte(i))
		}
	}
	all = append(all, 0xfb, 0xff, 0xbf) // "+/" and "/" strings
	if got, want := string(appendBase64(nil, all)), base64.StdEncoding.EncodeToString(all); got != want {
		t.Fatalf("appendBase64(all bytes) = %s, want %s", got, want)
	}
	r := rand.New(rand.NewChaCha8([32]byte{'b', '6', '4'}))
	for n := range 101 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if got, want := string(appendBase64([]byte("x"), b)), "x"+base64.StdEncoding.EncodeToString(b); got != want {
			t.Errorf("len %d: got %s, want %s", n, got, want)
		}
	}
}
