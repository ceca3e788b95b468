package testvectors

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/totp"
)

// Source: RFC 6238, Appendix B (with the per-mode seeds of its reference
// code) and the RFC 4226 Appendix D HOTP values quoted in the file's notes,
// testdata/rfc6238.json. The totp package's own tests own this file too;
// it runs here so that every file in testdata/ has a test.
func TestRFC6238(t *testing.T) {
	var f struct {
		Parameters struct {
			T0, X, Digits int
		} `json:"parameters"`
		SeedsASCII  map[string]string `json:"seeds_ascii"`
		SeedsHex    map[string]string `json:"seeds_hex"`
		Notes       []string          `json:"notes"`
		TestVectors []struct {
			Time    int64  `json:"time"`
			UTCTime string `json:"utc_time"`
			TOTP    string `json:"totp"`
			Mode    string `json:"mode"`
		} `json:"test_vectors"`
	}
	load(t, "rfc6238.json", &f)
	if f.Parameters.T0 != 0 || f.Parameters.X != 30 || f.Parameters.Digits != 8 {
		t.Fatalf("parameters %+v", f.Parameters)
	}
	var n counter
	hashes := map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}
	for _, v := range f.TestVectors {
		h, ok := hashes[v.Mode]
		if !ok {
			t.Fatalf("mode %q", v.Mode)
		}
		seed := []byte(f.SeedsASCII[v.Mode])
		if hexs(seed) != f.SeedsHex[v.Mode] {
			t.Fatalf("seed %s", v.Mode)
		}
		at := time.Unix(v.Time, 0)
		if at.UTC().Format(time.DateTime) != v.UTCTime {
			t.Errorf("utc_time %s", v.UTCTime)
		}
		p := totp.Params{Digits: 8, Period: 30 * time.Second, Hash: h}
		got, err := p.Code(seed, at)
		if err != nil || got != v.TOTP {
			t.Errorf("%s t=%d: code %q, %v; want %s", v.Mode, v.Time, got, err, v.TOTP)
		}
		if !p.Validate(seed, v.TOTP, at, 0) {
			t.Errorf("%s t=%d: Validate refused the published code", v.Mode, v.Time)
		}
		n.ran()
	}
	var hotp []string
	for _, note := range f.Notes {
		if strings.HasPrefix(note, "RFC 4226 Appendix D") {
			hotp = regexp.MustCompile(`\b\d{6}\b`).FindAllString(note, -1)
		}
	}
	for c, want := range hotp {
		got, err := totp.Params{}.HOTP([]byte(f.SeedsASCII["SHA1"]), uint64(c))
		if err != nil || got != want {
			t.Errorf("HOTP(%d) = %q, %v; want %s", c, got, err, want)
		}
		n.ran()
	}
	n.check(t, "rfc6238.json", 18+10)
}
