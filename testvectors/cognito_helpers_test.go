package testvectors

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// obj is a decoded JSON object; str walks a path of keys and fails the test
// when a key is missing or the value is not a string, so that a renamed
// field cannot silently drop a check.
type obj = map[string]any

// walk follows path from m and fails the test when a step is not an object
// or a key is missing.
func walk(t *testing.T, m obj, path []string) any {
	t.Helper()
	var v any = m
	for _, k := range path {
		o, ok := v.(obj)
		if !ok {
			t.Fatalf("%s: not an object", strings.Join(path, "."))
		}
		if v, ok = o[k]; !ok {
			t.Fatalf("%s: missing", strings.Join(path, "."))
		}
	}
	return v
}

func str(t *testing.T, m obj, path ...string) string {
	t.Helper()
	s, ok := walk(t, m, path).(string)
	if !ok {
		t.Fatalf("%s: not a string", strings.Join(path, "."))
	}
	return s
}

func sub(t *testing.T, m obj, path ...string) obj {
	t.Helper()
	o, ok := walk(t, m, path).(obj)
	if !ok {
		t.Fatalf("%s: not an object", strings.Join(path, "."))
	}
	return o
}

// claimIn are the inputs of one Cognito claim as the vector files give them.
type claimIn struct {
	a                                    string // hex secret exponent
	pool, user, password, srpB, salt, sb string
	timestamp                            string
}

// cognitoClaim computes a claim with srp. Exponents wider than srp accepts
// (the .NET vector's 8184-bit a) are reduced mod N−1 first: g and every base
// have an order dividing N−1, so A and S are unchanged.
func cognitoClaim(t *testing.T, in claimIn) (*srp.Client, *tracedClaim) {
	t.Helper()
	g := srp.Cognito()
	a := unhex(t, in.a)
	c, err := g.NewClientFromSecret(a)
	if errors.Is(err, srp.ErrTooWide) {
		nm1 := new(big.Int).Sub(cognitoN(), big.NewInt(1))
		t.Logf("srp refuses a %d-byte exponent (%v); using a mod (N-1)", len(a), err)
		c, err = g.NewClientFromSecret(new(big.Int).Mod(new(big.Int).SetBytes(a), nm1).Bytes())
	}
	if err != nil {
		t.Fatal(err)
	}
	if in.sb == "" {
		in.sb = "AAAA"
	}
	cl, tr, err := c.PasswordClaimTrace(srp.PasswordClaimParams{
		PoolName: in.pool, UserIDForSRP: in.user, Password: in.password,
		SRPB: in.srpB, Salt: in.salt, SecretBlock: in.sb, Timestamp: in.timestamp,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, &tracedClaim{Claim: cl, trace: tr}
}

// tracedClaim is a claim with its intermediate values, from
// srp.Client.PasswordClaimTrace (a Claim itself holds no secrets).
type tracedClaim struct {
	*srp.Claim
	trace srp.ClaimTrace
}

// Trace returns the claim's intermediate values.
func (c *tracedClaim) Trace() srp.ClaimTrace { return c.trace }

// freshClient returns a client with the exponent a (hex): a claim uses a
// client's a up, so each claim of a vector gets its own client.
func freshClient(t *testing.T, aHex string) *srp.Client {
	t.Helper()
	c, err := srp.Cognito().NewClientFromSecret(unhex(t, aHex))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// usernamePasswordHash is H(UTF-8(poolName ‖ userID ‖ ":" ‖ password)), the
// inner hash of x (docs/protocol.md §3 step 4). srp keeps it internal; the tests
// check it against the published value and then check srp's x against
// H(padHex(salt) ‖ it).
func usernamePasswordHash(pool, user, password string) []byte {
	s := sha256.Sum256([]byte(pool + user + ":" + password))
	return s[:]
}

func checkX(t *testing.T, tr srp.ClaimTrace, salt string, inner []byte) {
	t.Helper()
	ps, err := srp.SignedPadHex(salt)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(append(ps, inner...))
	if !sameInt(tr.X, want[:]) {
		t.Errorf("x = %x, want H(padHex(salt) ‖ H(pool‖user‖:‖pw)) = %x", tr.X, want)
	}
}

// checkDerived compares a claim trace with a derived_not_published block
// (debugging checkpoints recomputed by the vector set's Python
// implementation). Every key is checked (an unknown key fails the test); the
// number of checkpoints is returned.
func checkDerived(t *testing.T, d obj, c *srp.Client, cl *tracedClaim, salt string) int {
	t.Helper()
	tr := cl.Trace()
	n := 0
	for k := range d {
		want := str(t, d, k)
		switch k {
		case "note":
			continue
		case "A_padhex":
			wantBytes(t, "derived A_padhex", srp.PadHex(c.Public()), want)
		case "u_padhex":
			wantBytes(t, "derived u_padhex", tr.HKDFSalt, want)
		case "x_padhex":
			wantBytes(t, "derived x_padhex", srp.PadHex(tr.X), want)
		case "S_padhex":
			wantBytes(t, "derived S_padhex", tr.HKDFIkm, want)
		case "hkdf_key":
			wantBytes(t, "derived hkdf_key", tr.Key, want)
		case "PASSWORD_CLAIM_SIGNATURE", "PASSWORD_CLAIM_SIGNATURE_with_decoded_key":
			if cl.Signature != want {
				t.Errorf("derived signature = %s, want %s", cl.Signature, want)
			}
		case "username_password_hash":
			checkX(t, tr, salt, unhex(t, want))
		default:
			t.Errorf("derived_not_published.%s: no check for this key", k)
			continue
		}
		n++
	}
	return n
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func hexs(b []byte) string { return hex.EncodeToString(b) }
