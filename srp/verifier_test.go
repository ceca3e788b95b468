package srp

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"math/big"
	"testing"

	"github.com/caldera-srp/caldera/hkdf"
)

// degenerateVerifiers are the verifiers that let anyone in (issue 11 item 7):
// v ≡ 0 gives S = 0 whatever the client knows; v ≡ 1 gives B − k = g^b and
// S = (A·1)^b = (g^b)^a; v ≡ −1 gives S = (±A)^b, again (g^b)^(±a). Each is
// written in several encodings (minimal, padded to N, with extra leading
// zeros) because the check must not depend on how v is spelt. Values ≥ N are
// refused too: they are not reduced residues and a server never makes one.
func degenerateVerifiers(g *Group) map[string][]byte {
	n := new(big.Int).SetBytes(g.N())
	pad := func(x *big.Int, size int) []byte { return x.FillBytes(make([]byte, size)) }
	nm1 := new(big.Int).Sub(n, big.NewInt(1))
	return map[string][]byte{
		"0 minimal":          {0},
		"0 padded":           make([]byte, g.Size()),
		"1 minimal":          {1},
		"1 padded":           pad(big.NewInt(1), g.Size()),
		"1 extra zeros":      pad(big.NewInt(1), g.Size()+3),
		"N-1":                nm1.Bytes(),
		"N-1 extra zero":     pad(nm1, g.Size()+1),
		"N":                  n.Bytes(),
		"N+1":                new(big.Int).Add(n, big.NewInt(1)).Bytes(),
		"2N-1":               new(big.Int).Sub(new(big.Int).Lsh(n, 1), big.NewInt(1)).Bytes(),
		"all ones of N size": pad(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(n.BitLen())), big.NewInt(1)), g.Size()),
	}
}

func TestCheckVerifier(t *testing.T) {
	rfc1024, err := RFC5054(1024, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	portable, err := NewGroup(GroupParams{Name: "cognito-bigmod", N: Cognito().N(), G: 2, Hash: crypto.SHA256,
		Encoding: EncodePadHex, SecretSize: 128, portableArith: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Group{Cognito(), portable, rfc1024} {
		t.Run(g.Name(), func(t *testing.T) {
			n := new(big.Int).SetBytes(g.N())
			for name, v := range degenerateVerifiers(g) {
				err := g.CheckVerifier(v)
				if !errors.Is(err, ErrDegenerateVerifier) {
					t.Errorf("%s: CheckVerifier = %v, want ErrDegenerateVerifier", name, err)
				}
				if new(big.Int).SetBytes(v).Cmp(n) >= 0 && !errors.Is(err, ErrTooWide) {
					t.Errorf("%s (≥ N): CheckVerifier = %v, want ErrTooWide too (the error of earlier releases)", name, err)
				}
				if _, err := g.NewServerFromSecret(v, []byte{7, 7, 7}); !errors.Is(err, ErrDegenerateVerifier) {
					t.Errorf("%s: NewServerFromSecret = %v, want ErrDegenerateVerifier", name, err)
				}
			}
			good := map[string][]byte{
				"2":   {2},
				"N-2": new(big.Int).Sub(n, big.NewInt(2)).Bytes(),
				"g^x": g.Verifier([]byte("alice"), []byte("password123"), []byte{1, 2, 3}),
			}
			for name, v := range good {
				if err := g.CheckVerifier(v); err != nil {
					t.Errorf("%s: CheckVerifier = %v, want nil", name, err)
				}
			}
			if err := g.CheckVerifier(nil); !errors.Is(err, ErrEmpty) {
				t.Errorf("empty: CheckVerifier = %v, want ErrEmpty", err)
			}
		})
	}
}

// TestParseDeviceSecretVerifierConfigDegenerate is the attack of issue 11
// item 7: a client that uploads v = 1 (or 0, or N − 1) with ConfirmDevice
// would let anyone who knows the device key answer DEVICE_PASSWORD_VERIFIER
// without the device password. The first case shows the attack works on the
// server primitives when the check is skipped.
func TestParseDeviceSecretVerifierConfigDegenerate(t *testing.T) {
	g := Cognito()
	// The attack: with v = 1, a client that knows no password computes S as
	// (B − k)^a and signs a claim the server accepts.
	srv, err := g.newServerUnchecked([]byte{1}, bytes.Repeat([]byte{0x5a}, 128))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := g.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !forgedDeviceClaimVerifies(t, srv, cl) {
		t.Fatal("a forged claim against v = 1 did not verify: the attack this check prevents is not reproduced")
	}

	enc := func(v []byte) string { return base64.StdEncoding.EncodeToString(PadHex(v)) }
	for name, v := range degenerateVerifiers(g) {
		_, err := ParseDeviceSecretVerifierConfig(DeviceSecretVerifierConfig{PasswordVerifier: enc(v), Salt: "AQID"})
		if !errors.Is(err, ErrDegenerateVerifier) {
			t.Errorf("%s: ParseDeviceSecretVerifierConfig = %v, want ErrDegenerateVerifier", name, err)
		}
	}
	dv, err := DeviceVerifierFromSecrets("grp", "dev", "device-password", []byte{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseDeviceSecretVerifierConfig(dv.Config); err != nil {
		t.Errorf("a real device verifier: %v", err)
	}
}

// forgedDeviceClaimVerifies signs a DEVICE_PASSWORD_VERIFIER claim for a
// server whose verifier is 1, knowing no password: S = (B − k)^a.
func forgedDeviceClaimVerifies(t *testing.T, srv *Server, cl *Client) bool {
	t.Helper()
	g := srv.g
	u, err := g.scramble(cl.A, srv.B)
	if err != nil {
		t.Fatal(err)
	}
	n := new(big.Int).SetBytes(g.N())
	base := new(big.Int).Sub(new(big.Int).SetBytes(srv.B), new(big.Int).SetBytes(g.K()))
	base.Mod(base, n)
	S := new(big.Int).Exp(base, new(big.Int).SetBytes(cl.a), n)
	var key [16]byte
	var sig [32]byte
	hkdf.CognitoKeyTo(&key, PadHex(S.Bytes()), PadHex(u))
	claimSignature(&sig, nil, key[:], "grp", "dev", []byte{1, 2, 3}, "Tue Jan 1 06:06:09 UTC 2019")
	err = srv.VerifyPasswordClaim(VerifyClaimParams{PoolName: "grp", UserIDForSRP: "dev", SRPA: cl.PublicHex(),
		SecretBlock: []byte{1, 2, 3}, Timestamp: "Tue Jan 1 06:06:09 UTC 2019", Signature: base64.StdEncoding.EncodeToString(sig[:])})
	return err == nil
}
