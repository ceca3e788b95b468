package testvectors

import (
	"crypto/sha256"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// Source: Mozilla PiCl / Firefox Accounts onepw Key Server Protocol
// (wiki.mozilla.org/Identity/AttachedServices/KeyServerProtocol) via
// homebridge/fast-srp, testdata/mozilla-picl-srp6a-sha256-2048.json.
// Values keep their leading zero bytes: these four cases catch padding bugs.
// K = SHA256(PAD(S)) is the session's Key; M1 = SHA256(PAD(A) | PAD(B) |
// PAD(S)) is not RFC 2945's, so it is computed here from the values the
// sessions expose.
func TestMozilla(t *testing.T) {
	var f struct {
		N           string `json:"N"`
		TestVectors []struct {
			genericVector
			Name string `json:"name"`
			IHex string `json:"I_hex"`
			PHex string `json:"P_hex"`
		} `json:"test_vectors"`
	}
	load(t, "mozilla-picl-srp6a-sha256-2048.json", &f)
	var n counter
	for _, v := range f.TestVectors {
		t.Run(v.Name, func(t *testing.T) {
			g, err := srp.RFC5054(v.GroupBits, hashByName(t, v.H))
			if err != nil {
				t.Fatal(err)
			}
			if string(unhex(t, v.IHex)) != v.I {
				t.Fatalf("I_hex does not encode I")
			}
			gv := v.genericVector
			gv.P = string(unhex(t, v.PHex)) // P is a 32-byte key, not text
			gv.N = f.N
			c, cs, ss := runGeneric(t, g, gv)
			// Fixed widths: the PAD() encodings, byte for byte.
			wantBytes(t, "k", pad(g.K(), 32), v.K)
			wantBytes(t, "v", g.Verifier([]byte(gv.I), []byte(gv.P), unhex(t, v.Salt)), v.V)
			wantBytes(t, "A", c.A, v.A)
			s, err := g.NewServerFromSecret(unhex(t, v.V), unhex(t, v.PrivB))
			if err != nil {
				t.Fatal(err)
			}
			wantBytes(t, "B", s.B, v.B)
			wantBytes(t, "u", cs.U(), v.U)
			wantBytes(t, "S", cs.PremasterSecret(), v.S)
			wantBytes(t, "K (client)", cs.Key(), v.KK)
			wantBytes(t, "K (server)", ss.Key(), v.KK)
			h := sha256.New()
			h.Write(c.A)
			h.Write(s.B)
			h.Write(cs.PremasterSecret())
			wantBytes(t, "M1", h.Sum(nil), v.M1)
		})
		n.ran()
	}
	n.check(t, "mozilla-picl-srp6a-sha256-2048.json", 4)
}

// pad left-pads b with zeros to n bytes.
func pad(b []byte, n int) []byte {
	b = trimZeros(b)
	out := make([]byte, n-len(b), n)
	return append(out, b...)
}
