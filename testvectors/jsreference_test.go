package testvectors

import (
	"errors"
	"testing"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// jsCase is one case of cognito-js-reference.json.
type jsCase struct {
	ID    string `json:"id"`
	Note  string `json:"note"`
	Input struct {
		PoolName, Username, Password, SmallA, SrpB, Salt, SecretBlock, Timestamp string
		ClientID, ClientSecret                                                   string
		DeviceGroupKey, DeviceKey, DevicePassword, DeviceSalt                    string
	} `json:"input"`
	Expected struct {
		PasswordClaim  obj `json:"password_claim"`
		DeviceClaim    obj `json:"device_claim"`
		DeviceVerifier struct {
			Config         srp.DeviceSecretVerifierConfig `json:"deviceSecretVerifierConfig"`
			DevicePassword string                         `json:"devicePassword"`
		} `json:"device_verifier"`
		SecretHash struct {
			SecretHash string `json:"secretHash"`
		} `json:"secret_hash"`
	} `json:"expected"`
}

// Source: amazon-cognito-identity-js 6.3.21 (claims and device verifier)
// and cognito-srp-helper 2.3.4 (SECRET_HASH) with injected randomness and
// clock, testdata/cognito-js-reference.json: 72 cases × 4 operations,
// compared field by field.
func TestJSReference(t *testing.T) {
	var f struct{ Cases []jsCase }
	load(t, "cognito-js-reference.json", &f)
	var n, refusals counter
	for _, c := range f.Cases {
		t.Run(c.ID, func(t *testing.T) {
			in := c.Input
			for _, op := range []struct {
				name                 string
				want                 obj
				pool, user, password string
				deviceKey            string
			}{
				{"password_claim", c.Expected.PasswordClaim, in.PoolName, in.Username, in.Password, ""},
				{"device_claim", c.Expected.DeviceClaim, in.DeviceGroupKey, in.DeviceKey, in.DevicePassword, in.DeviceKey},
			} {
				cl, err := srp.Cognito().NewClientFromSecret(unhex(t, in.SmallA))
				if err != nil {
					t.Fatal(err)
				}
				claim, tr, err := cl.PasswordClaimTrace(srp.PasswordClaimParams{
					PoolName: op.pool, UserIDForSRP: op.user, Password: op.password,
					SRPB: in.SrpB, Salt: in.Salt, SecretBlock: in.SecretBlock, Timestamp: in.Timestamp,
				})
				if _, refused := op.want["error"]; refused {
					// The reference refuses B ≡ 0 (mod N). srp must refuse
					// with a typed error: ErrBZero, or ErrTooWide for a B
					// wider than N (B = 2N).
					if !errors.Is(err, srp.ErrBZero) && !errors.Is(err, srp.ErrTooWide) {
						t.Errorf("%s: err = %v, want ErrBZero or ErrTooWide (reference: %s)", op.name, err, str(t, op.want, "error"))
					}
					refusals.ran()
					n.ran()
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", op.name, err)
				}
				got := map[string]string{
					"A": cl.PublicHex(), "u": minHex(tr.U), "x": minHex(tr.X), "S": minHex(tr.S),
					"hkdfIkm": hexs(tr.HKDFIkm), "hkdfSalt": hexs(tr.HKDFSalt), "hkdfKey": hexs(tr.Key),
					"signature": claim.Signature, "timestamp": claim.Timestamp,
				}
				for k, v := range got {
					if w := str(t, op.want, k); v != w {
						t.Errorf("%s.%s = %s, want %s", op.name, k, v, w)
					}
				}
				cr := sub(t, op.want, "challengeResponses")
				wantCR := map[string]string{"USERNAME": in.Username, "TIMESTAMP": claim.Timestamp, "PASSWORD_CLAIM_SIGNATURE": claim.Signature}
				if op.deviceKey != "" {
					wantCR["DEVICE_KEY"] = op.deviceKey
				}
				if len(cr) != len(wantCR) {
					t.Errorf("%s.challengeResponses has %d keys, want %d", op.name, len(cr), len(wantCR))
				}
				for k, v := range wantCR {
					if w := str(t, cr, k); v != w {
						t.Errorf("%s.challengeResponses.%s = %s, want %s", op.name, k, v, w)
					}
				}
				if op.want["secretBlockEchoed"] != true || claim.SecretBlock != in.SecretBlock {
					t.Errorf("%s: SECRET_BLOCK not echoed verbatim", op.name)
				}
				// A forced, non-canonical TIMESTAMP is signed as given; the
				// library would have sent its canonical form.
				canon, err := challenge.CanonicalTimestamp(in.Timestamp)
				if err != nil {
					t.Fatalf("TIMESTAMP %q: %v", in.Timestamp, err)
				}
				switch src := str(t, op.want, "timestampSource"); src {
				case "library-clock":
					if canon != in.Timestamp {
						t.Errorf("library-clock TIMESTAMP %q is not canonical (%q)", in.Timestamp, canon)
					}
				case "forced":
					if w := str(t, op.want, "libraryWouldSendTimestamp"); canon != w || canon == in.Timestamp {
						t.Errorf("canonical TIMESTAMP = %q, reference would send %q", canon, w)
					}
				default:
					t.Errorf("timestampSource %q", src)
				}
				n.ran()
			}

			dv, err := srp.DeviceVerifierFromSecrets(in.DeviceGroupKey, in.DeviceKey, in.DevicePassword, unhex(t, in.DeviceSalt))
			if err != nil {
				t.Fatal(err)
			}
			if dv.Config != c.Expected.DeviceVerifier.Config {
				t.Errorf("deviceSecretVerifierConfig = %+v, want %+v", dv.Config, c.Expected.DeviceVerifier.Config)
			}
			if dv.DevicePassword != c.Expected.DeviceVerifier.DevicePassword {
				t.Errorf("devicePassword = %q", dv.DevicePassword)
			}
			n.ran()

			if got := challenge.SecretHash(in.ClientSecret, in.Username, in.ClientID); got != c.Expected.SecretHash.SecretHash {
				t.Errorf("secretHash = %s, want %s", got, c.Expected.SecretHash.SecretHash)
			}
			n.ran()
		})
	}
	n.check(t, "cognito-js-reference.json", 72*4)
	refusals.check(t, "cognito-js-reference.json refusals", 6)
}
