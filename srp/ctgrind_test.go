//go:build valgrind

package srp

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // the RFC 5054 groups below hash with SHA-1 and SHA-512
	_ "crypto/sha512"
	"encoding/base64"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// These tests mean something only under Valgrind's Memcheck, run by
// bench/ct's TestMemcheck with the valgrind build tag. Every secret — the
// password, the device password, a, b, x, v — is marked with
// internal/ctgrind as it is created; srp itself declassifies what the
// protocol publishes (A, B, the claim, M1, whether a proof matched, the
// length of padHex(S)). Memcheck then reports any branch or memory address
// that depends on a secret anywhere in between, including in the standard
// library code srp calls (SHA-256, HMAC, filippo.io/bigmod).

// secretReader marks everything it produces as secret.
type secretReader struct{ r io.Reader }

func (s secretReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	ctgrind.Secret(p[:n])
	return n, err
}

func ctRand(seed byte) io.Reader {
	return secretReader{rand.NewChaCha8([32]byte{'c', 't', seed})}
}

// secretString returns a fresh copy of s marked secret.
func secretString(s string) string {
	b := []byte(s)
	ctgrind.Secret(b)
	return string(b) // a copy of undefined bytes stays undefined
}

func TestCTGrind(t *testing.T) {
	if !ctgrind.Enabled() {
		t.Skip("built without the valgrind tag")
	}
	const pool, user = "abcdefghi", "a3f0c2d4-5b6e-4f70-8a91-b2c3d4e5f607"
	const ts = "Tue Jan 1 06:06:09 UTC 2019"
	block := bytes.Repeat([]byte{7}, 64)
	blockB64 := base64.StdEncoding.EncodeToString(block)

	// serve is the server's half: a secret b, then the claim check.
	serve := func(t *testing.T, v *Verifier, seed byte) *Server {
		ctgrind.Secret(v.V)
		s, err := NewCognitoServer(v, ctRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// No subtests: Memcheck is surest of the stack of the test's own
	// goroutine (Go's valgrind support is young, and fresh goroutine stacks
	// produce spurious reports in the runtime and the testing package).
	{ // password
		password := secretString("correct horse battery staple")
		v, err := NewPasswordVerifier(ctRand(1), pool, user, password)
		if err != nil {
			t.Fatal(err)
		}
		s := serve(t, v, 2)
		c, err := Cognito().NewClient(ctRand(3))
		if err != nil {
			t.Fatal(err)
		}
		claim, err := c.PasswordClaim(PasswordClaimParams{
			PoolName: pool, UserIDForSRP: user, Password: password,
			SRPB: s.PublicHex(), Salt: v.SaltHex(), SecretBlock: blockB64, Timestamp: ts,
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.VerifyPasswordClaim(VerifyClaimParams{
			PoolName: pool, UserIDForSRP: user, SRPA: c.PublicHex(),
			SecretBlock: block, Timestamp: ts, Signature: claim.Signature,
		})
		if err != nil {
			t.Fatalf("claim refused: %v", err)
		}
		// The allocation-free path, with a wrong password: refused.
		s2 := serve(t, v, 4)
		if err := c.Regenerate(ctRand(5)); err != nil {
			t.Fatal(err)
		}
		sig, err := c.AppendPasswordClaim(nil, &PasswordClaimParams{
			PoolName: pool, UserIDForSRP: user, Password: secretString("correct horse battery stapler"),
			SRPB: s2.PublicHex(), Salt: v.SaltHex(), SecretBlock: blockB64, Timestamp: ts,
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s2.VerifyPasswordClaim(VerifyClaimParams{
			PoolName: pool, UserIDForSRP: user, SRPA: c.PublicHex(),
			SecretBlock: block, Timestamp: ts, Signature: string(sig),
		})
		if err == nil {
			t.Fatal("a claim with the wrong password was accepted")
		}
	}

	{ // device
		const dgk, dk = "-abcDEF12", "us-east-1_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
		dv, err := NewDeviceVerifier(ctRand(6), dgk, dk)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ParseDeviceSecretVerifierConfig(dv.Config)
		if err != nil {
			t.Fatal(err)
		}
		s := serve(t, v, 7)
		c, err := Cognito().NewClient(ctRand(8))
		if err != nil {
			t.Fatal(err)
		}
		claim, err := c.DeviceClaim(dgk, dk, dv.DevicePassword, s.PublicHex(), v.SaltHex(), blockB64, ts)
		if err != nil {
			t.Fatal(err)
		}
		err = s.VerifyPasswordClaim(VerifyClaimParams{
			PoolName: dgk, UserIDForSRP: dk, SRPA: c.PublicHex(),
			SecretBlock: block, Timestamp: ts, Signature: claim.Signature,
		})
		if err != nil {
			t.Fatalf("device claim refused: %v", err)
		}
	}

	// A degenerate verifier (1, N − 1) is refused, on both arithmetics,
	// without a branch on its value: only the verdict is declassified.
	for _, bits := range []int{3072, 2048} {
		g := Cognito()
		if bits != 3072 {
			var err error
			if g, err = RFC5054(bits, crypto.SHA256); err != nil {
				t.Fatal(err)
			}
		}
		one := make([]byte, g.Size())
		one[len(one)-1] = 1
		minusOne := g.N()
		minusOne[len(minusOne)-1]-- // N is odd
		for _, v := range [][]byte{one, minusOne} {
			ctgrind.Secret(v)
			if err := g.CheckVerifier(v); !errors.Is(err, ErrDegenerateVerifier) {
				t.Fatalf("%d bits: degenerate verifier: %v", bits, err)
			}
		}
	}

	// Generic SRP-6a on both arithmetics: internal/mont (3072 bits) and
	// filippo.io/bigmod (1024 and 2048 bits).
	for _, tc := range []struct {
		bits int
		h    crypto.Hash
	}{{1024, crypto.SHA1}, {2048, crypto.SHA256}, {3072, crypto.SHA512}} {
		func() {
			g, err := RFC5054(tc.bits, tc.h)
			if err != nil {
				t.Fatal(err)
			}
			identity, salt := []byte("alice"), []byte("salt of alice")
			password := []byte(secretString("password123"))
			v := g.Verifier(identity, password, salt)
			srv, err := g.NewServer(v, ctRand(9))
			if err != nil {
				t.Fatal(err)
			}
			cl, err := g.NewClient(ctRand(10))
			if err != nil {
				t.Fatal(err)
			}
			cs, err := cl.Session(identity, password, salt, srv.Public())
			if err != nil {
				t.Fatal(err)
			}
			ss, err := srv.Session(identity, salt, cl.Public())
			if err != nil {
				t.Fatal(err)
			}
			if err := ss.VerifyM1(cs.M1()); err != nil {
				t.Fatalf("%d bits: M1 refused: %v", tc.bits, err)
			}
			m2 := ss.M2()
			ctgrind.Public(m2) // sent once M1 verified
			if err := cs.VerifyM2(m2); err != nil {
				t.Fatalf("%d bits: M2 refused: %v", tc.bits, err)
			}
		}()
	}
}
