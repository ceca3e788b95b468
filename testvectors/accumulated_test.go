package testvectors

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// accumulatedSeed seeds the ChaCha8 generator of the accumulated test. The
// sequence of ChaCha8 is specified, so the inputs and the pinned digests are
// the same on every platform and Go version.
var accumulatedSeed = [32]byte([]byte("caldera accumulated claims v1..."))

// claimInput is one random Cognito claim.
type claimInput struct {
	a, b           []byte // secret exponent a and SRP_B, big-endian
	salt           string // SALT as sent: hex, mixed case, maybe signed
	pool, user, pw string
	secretBlock    []byte
	timestamp      string
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randString(r *rand.Rand, min, max int, alphabet []rune) string {
	var sb strings.Builder
	for range min + r.IntN(max-min+1) {
		sb.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return sb.String()
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// genClaims draws n claim inputs: a of 1–128 bytes (some with leading zero
// bytes), B of 1–384 bytes (values up to 2^3072, so some ≥ N), salts of
// 1–32 bytes with odd lengths, upper case and minus signs, Unicode users and
// passwords, SECRET_BLOCKs of 1–1200 bytes and random instants.
func genClaims(n int) []claimInput {
	r := rand.New(rand.NewChaCha8(accumulatedSeed))
	N := cognitoN()
	text := []rune(alnum + ":-_.@ \t\"\\éü中文😀\u0301")
	out := make([]claimInput, 0, n)
	for len(out) < n {
		var c claimInput
		c.a = randBytes(r, 1+r.IntN(128))
		if r.IntN(8) == 0 {
			c.a[0] = 0
		}
		c.b = randBytes(r, 1+r.IntN(384))
		if r.IntN(4) == 0 {
			c.b = randBytes(r, 384) // full width: often ≥ N
		}
		// A = g^a is never 0 mod the prime N; B ≡ 0 is refused, which
		// other tests cover.
		if new(big.Int).Mod(new(big.Int).SetBytes(c.b), N).Sign() == 0 {
			continue
		}
		s := hex.EncodeToString(randBytes(r, 1+r.IntN(32)))
		switch r.IntN(6) {
		case 0:
			s = s[1:] // odd length
		case 1:
			s = strings.ToUpper(s)
		case 2:
			s = "-" + s
		}
		if strings.Trim(s, "-0") == "" {
			s = "1" // keep the salt non-zero so that its sign is meaningful
		}
		c.salt = s
		c.pool = randString(r, 1, 20, []rune(alnum))
		c.user = randString(r, 1, 40, text)
		c.pw = randString(r, 0, 64, text)
		c.secretBlock = randBytes(r, 1+r.IntN(1200))
		c.timestamp = challenge.FormatTimestamp(time.Unix(r.Int64N(1<<35), 0))
		out = append(out, c)
	}
	return out
}

// claimRecord is what both implementations output for one claim, in the
// order it is hashed.
func claimRecord(A, u, x, S, ikm, salt, key []byte, sig string) []byte {
	var rec []byte
	for _, f := range [][]byte{trimZeros(A), trimZeros(u), trimZeros(x), trimZeros(S), ikm, salt, key, []byte(sig)} {
		rec = binary.BigEndian.AppendUint32(rec, uint32(len(f)))
		rec = append(rec, f...)
	}
	return rec
}

func srpRecord(t *testing.T, c claimInput) []byte {
	cl, err := srp.Cognito().NewClientFromSecret(c.a)
	if err != nil {
		t.Errorf("NewClientFromSecret: %v", err)
		return nil
	}
	claim, tr, err := cl.PasswordClaimTrace(srp.PasswordClaimParams{
		PoolName: c.pool, UserIDForSRP: c.user, Password: c.pw,
		SRPB: hex.EncodeToString(c.b), Salt: c.salt,
		SecretBlock: base64.StdEncoding.EncodeToString(c.secretBlock), Timestamp: c.timestamp,
	})
	if err != nil {
		t.Errorf("PasswordClaim(salt %q): %v", c.salt, err)
		return nil
	}
	return claimRecord(cl.A, tr.U, tr.X, tr.S, tr.HKDFIkm, tr.HKDFSalt, tr.Key, claim.Signature)
}

func refRecord(c claimInput) []byte {
	salt, _ := new(big.Int).SetString(c.salt, 16)
	r := refCognitoClaim(new(big.Int).SetBytes(c.a), new(big.Int).SetBytes(c.b), salt,
		c.pool, c.user, c.pw, c.secretBlock, c.timestamp)
	return claimRecord(r.A.Bytes(), r.U.Bytes(), r.X.Bytes(), r.S.Bytes(), r.IKM, r.Salt, r.Key, r.Signature)
}

// accumulate computes every claim with f on all CPUs and returns the
// SHA-256 of the records in input order.
func accumulate(claims []claimInput, f func(claimInput) []byte) [32]byte {
	recs := make([][]byte, len(claims))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(claims); i += workers {
				recs[i] = f(claims[i])
			}
		})
	}
	wg.Wait()
	h := sha256.New()
	for _, r := range recs {
		h.Write(r)
	}
	return [32]byte(h.Sum(nil))
}

// Pinned SHA-256 digests of the outputs of the first 10,000 and the first
// 500 claims of the seeded sequence.
const (
	accumulatedDigest      = "b2e2b12ccadfd0da6bab0b24fa8d6447b7b2990e5c687b439e16da6f2cbd443f"
	accumulatedShortDigest = "0937518c988346b163f286acceeb9f0fe1b4fea46a6bcec8cb8a7b64845537f3"
)

// TestAccumulated computes 10,000 seeded random Cognito claims with srp and
// with the math/big reference of reference_test.go, compares one SHA-256
// digest of all their outputs (A, u, x, S, HKDF ikm and salt, key,
// signature) and checks it against a pinned value. It costs about 65 s of
// CPU under -race (about 70 s without: the math/big reference dominates),
// spread over all CPUs; with -short it runs the first 500 claims.
func TestAccumulated(t *testing.T) {
	n, pinned := 10000, accumulatedDigest
	if testing.Short() {
		n, pinned = 500, accumulatedShortDigest
	}
	claims := genClaims(n)
	start := time.Now()
	got := accumulate(claims, func(c claimInput) []byte { return srpRecord(t, c) })
	srpTime := time.Since(start)
	start = time.Now()
	want := accumulate(claims, refRecord)
	t.Logf("%d claims: srp %v, math/big reference %v", len(claims), srpTime, time.Since(start))
	if got != want {
		// Find the first claim that differs, for the report.
		for i, c := range claims {
			if s, r := srpRecord(t, c), refRecord(c); string(s) != string(r) {
				t.Fatalf("claim %d (a %x, B %x, salt %q, pool %q, user %q, pw %q) differs", i, c.a, c.b, c.salt, c.pool, c.user, c.pw)
			}
		}
		t.Fatalf("digests differ: srp %x, reference %x", got, want)
	}
	if hex.EncodeToString(got[:]) != pinned {
		t.Errorf("digest of %d claims = %x, pinned %s", len(claims), got, pinned)
	}
}
