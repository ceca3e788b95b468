package srp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/caldera-srp/caldera/hkdf"
)

// wipeFixture is a real PASSWORD_VERIFIER challenge: a server for a
// verifier of (pool, user, password) and the public values it sends.
type wipeFixture struct {
	srv    *Server
	params PasswordClaimParams
	block  []byte
	a      []byte
}

func newWipeFixture(t *testing.T) *wipeFixture {
	t.Helper()
	const pool, user, password = "KO6fcefgd", "alice", "correct horse battery staple"
	v, err := PasswordVerifierFromSalt(PadHex([]byte{0x9a, 0x11, 0x22, 0x33}), pool, user, password)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Cognito().NewServerFromSecret(v.V, slices.Repeat([]byte{0x42}, 128))
	if err != nil {
		t.Fatal(err)
	}
	block := []byte("secret block issued by the server")
	return &wipeFixture{
		srv: srv, block: block, a: slices.Repeat([]byte{0x17, 0x29}, 64),
		params: PasswordClaimParams{
			PoolName: pool, UserIDForSRP: user, Password: password,
			SRPB: srv.PublicHex(), Salt: v.SaltHex(), SecretBlock: base64.StdEncoding.EncodeToString(block),
			Timestamp: "Tue Jan 1 06:06:09 UTC 2019",
		},
	}
}

func (f *wipeFixture) client(t *testing.T) *Client {
	t.Helper()
	c, err := Cognito().NewClientFromSecret(f.a)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *wipeFixture) verify(t *testing.T, c *Client, sig string) {
	t.Helper()
	err := f.srv.VerifyPasswordClaim(VerifyClaimParams{PoolName: f.params.PoolName, UserIDForSRP: f.params.UserIDForSRP,
		SRPA: c.PublicHex(), SecretBlock: f.block, Timestamp: f.params.Timestamp, Signature: sig})
	if err != nil {
		t.Fatalf("the claim does not verify: %v", err)
	}
}

// TestClaimHoldsNoSecrets: a Claim is what goes on the wire and nothing
// else (issue 11 item 12): the intermediate values x, S and the derived key
// come only from the explicit PasswordClaimTrace.
func TestClaimHoldsNoSecrets(t *testing.T) {
	var fields []string
	ty := reflect.TypeFor[Claim]()
	for i := range ty.NumField() {
		fields = append(fields, ty.Field(i).Name+" "+ty.Field(i).Type.String())
	}
	want := []string{"Signature string", "SecretBlock string", "Timestamp string"}
	if !slices.Equal(fields, want) {
		t.Errorf("Claim fields = %q, want %q", fields, want)
	}
}

// TestPasswordClaimTrace checks the trace against the definitions of
// docs/protocol.md §3 and against the claim PasswordClaim makes with the
// same a.
func TestPasswordClaimTrace(t *testing.T) {
	f := newWipeFixture(t)
	c := f.client(t)
	plain, err := c.PasswordClaim(f.params)
	if err != nil {
		t.Fatal(err)
	}
	f.verify(t, c, plain.Signature)

	c = f.client(t)
	claim, tr, err := c.PasswordClaimTrace(f.params)
	if err != nil {
		t.Fatal(err)
	}
	if claim.Signature != plain.Signature || claim.SecretBlock != plain.SecretBlock || claim.Timestamp != plain.Timestamp {
		t.Errorf("PasswordClaimTrace claim = %+v, PasswordClaim = %+v", claim, plain)
	}
	u := sha256.Sum256(append(PadHex(c.A), PadHex(f.srv.B)...))
	if !slices.Equal(tr.U, trimLeadingZeros(u[:])) || !slices.Equal(tr.HKDFSalt, PadHex(u[:])) {
		t.Errorf("u = %x, HKDF salt = %x; want %x", tr.U, tr.HKDFSalt, u)
	}
	inner := sha256.Sum256([]byte(f.params.PoolName + f.params.UserIDForSRP + ":" + f.params.Password))
	salt, _ := SignedPadHex(f.params.Salt)
	x := sha256.Sum256(append(salt, inner[:]...))
	if !slices.Equal(tr.X, x[:]) {
		t.Errorf("x = %x, want %x", tr.X, x)
	}
	if !slices.Equal(tr.HKDFIkm, PadHex(tr.S)) || len(tr.S) < 300 {
		t.Errorf("HKDF ikm is not padHex(S) (S has %d bytes)", len(tr.S))
	}
	if k := hkdf.CognitoKey(tr.HKDFIkm, tr.HKDFSalt); !slices.Equal(tr.Key, k) {
		t.Errorf("key = %x, want HKDF(ikm, salt) = %x", tr.Key, k)
	}
	// The server's premaster secret is the same S.
	S := f.srv.premaster(c.A, u[:])
	if !slices.Equal(trimLeadingZeros(S), tr.S) {
		t.Error("S differs from the server's")
	}
	// The trace is a copy: the client's buffers are wiped, the trace is not.
	if allZero(tr.X) || allZero(tr.Key) || allZero(tr.S) {
		t.Error("the trace was wiped with the client's buffers")
	}
}

// TestClaimWipesEphemeralSecrets: once a claim is computed, whether it
// succeeded or not, the client's a and the scratch that held x, the
// exponent a + u·x, S, padHex(S), the derived key and the hashed messages
// are zero, and the client refuses a second claim until Regenerate.
func TestClaimWipesEphemeralSecrets(t *testing.T) {
	f := newWipeFixture(t)
	claims := map[string]func(c *Client) (string, error){
		"PasswordClaim": func(c *Client) (string, error) {
			cl, err := c.PasswordClaim(f.params)
			if err != nil {
				return "", err
			}
			return cl.Signature, nil
		},
		"AppendPasswordClaim": func(c *Client) (string, error) {
			sig, err := c.AppendPasswordClaim(nil, &f.params)
			return string(sig), err
		},
		"PasswordClaimTrace": func(c *Client) (string, error) {
			cl, _, err := c.PasswordClaimTrace(f.params)
			if err != nil {
				return "", err
			}
			return cl.Signature, nil
		},
		"DeviceClaim": func(c *Client) (string, error) {
			p := f.params
			cl, err := c.DeviceClaim(p.PoolName, p.UserIDForSRP, p.Password, p.SRPB, p.Salt, p.SecretBlock, p.Timestamp)
			if err != nil {
				return "", err
			}
			return cl.Signature, nil
		},
	}
	for name, claim := range claims {
		t.Run(name, func(t *testing.T) {
			c := f.client(t)
			sig, err := claim(c)
			if err != nil {
				t.Fatal(err)
			}
			f.verify(t, c, sig)
			checkWiped(t, c)
			if _, err := claim(c); !errors.Is(err, ErrEphemeralUsed) {
				t.Errorf("second claim with the same a: err = %v, want ErrEphemeralUsed", err)
			}
			// Regenerate re-arms the client with a fresh a (here f.a again).
			if err := c.Regenerate(readerOf(f.a)); err != nil {
				t.Fatal(err)
			}
			sig2, err := claim(c)
			if err != nil {
				t.Fatalf("after Regenerate: %v", err)
			}
			if sig2 != sig {
				t.Error("the same a after Regenerate gives another signature")
			}
			checkWiped(t, c)
		})
	}
	t.Run("refused", func(t *testing.T) {
		c := f.client(t)
		p := f.params
		p.SRPB = "0"
		if _, err := c.PasswordClaim(p); !errors.Is(err, ErrBZero) {
			t.Fatalf("B = 0: %v", err)
		}
		if !allZero(c.a) {
			t.Error("a refused claim left a in the client")
		}
	})
}

func checkWiped(t *testing.T, c *Client) {
	t.Helper()
	sc := &c.sc
	for name, b := range map[string][]byte{
		"a": c.a, "x": sc.x[:], "key": sc.key[:], "a+u·x": sc.e[:cap(sc.e)], "S": sc.s[:cap(sc.s)],
		"padHex(S)": sc.ikm[:cap(sc.ikm)], "hashed messages": sc.msg[:cap(sc.msg)],
	} {
		if len(b) == 0 {
			t.Errorf("%s: no buffer (the claim did not use the scratch?)", name)
		}
		if !allZero(b) {
			t.Errorf("%s is not wiped after the claim", name)
		}
	}
	for _, w := range sc.acc[:cap(sc.acc)] {
		if w != 0 {
			t.Error("the a + u·x accumulator is not wiped")
			break
		}
	}
}

func readerOf(b []byte) io.Reader { return bytes.NewReader(slices.Clone(b)) }
