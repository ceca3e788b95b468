package testvectors

import (
	"fmt"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// Source: github.com/secure-remote-password/test-vectors srptools.json
// (idlesign/srptools), testdata/srp6a-test-vectors-srptools.json: 9 hashes
// × 6 groups, with K = H(S), M1 and M2 as RFC 2945.
func TestSRPTools(t *testing.T) {
	var f struct {
		TestVectors []genericVector `json:"test_vectors"`
	}
	load(t, "srp6a-test-vectors-srptools.json", &f)
	var n counter
	for _, v := range f.TestVectors {
		t.Run(fmt.Sprintf("%s/%d", v.H, v.Size), func(t *testing.T) {
			g, err := srp.RFC5054(v.Size, hashByName(t, v.H))
			if err != nil {
				t.Fatal(err)
			}
			_, cs, ss := runGeneric(t, g, v)
			wantInt(t, "K (client)", cs.Key(), v.KK)
			wantInt(t, "K (server)", ss.Key(), v.KK)
			wantInt(t, "M1", cs.M1(), v.M1)
			if err := ss.VerifyM1(unhex(t, v.M1)); err != nil {
				t.Errorf("server refused the published M1: %v", err)
			}
			wantInt(t, "M2", ss.M2(), v.M2)
			if err := cs.VerifyM2(unhex(t, v.M2)); err != nil {
				t.Errorf("client refused the published M2: %v", err)
			}
		})
		n.ran()
	}
	n.check(t, "srp6a-test-vectors-srptools.json", 54)
}

// Source: Apple HomeKit Accessory Protocol Specification R2, §5.5.2, via
// homebridge/fast-srp, testdata/hap-srp6a-sha512.json. K = SHA-512(PAD(S)),
// M1 as RFC 2945 with PAD(A), PAD(B).
func TestHAP(t *testing.T) {
	var f struct {
		TestVectors []genericVector `json:"test_vectors"`
	}
	load(t, "hap-srp6a-sha512.json", &f)
	var n counter
	for _, v := range f.TestVectors {
		g, err := srp.RFC5054(v.GroupBits, hashByName(t, v.H))
		if err != nil {
			t.Fatal(err)
		}
		if g.Generator() != 5 {
			t.Fatalf("g = %d, want 5", g.Generator())
		}
		_, cs, ss := runGeneric(t, g, v)
		wantInt(t, "K (client)", cs.Key(), v.KK)
		wantInt(t, "K (server)", ss.Key(), v.KK)
		wantInt(t, "M1", cs.M1(), v.M1)
		if err := ss.VerifyM1(unhex(t, v.M1)); err != nil {
			t.Errorf("server refused the published M1: %v", err)
		}
		n.ran()
	}
	n.check(t, "hap-srp6a-sha512.json", 1)
}
