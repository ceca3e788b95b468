package bench

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"testing"

	"filippo.io/bigmod"
	"github.com/caldera-srp/caldera/internal/mont"
	"github.com/caldera-srp/caldera/srp"
)

// A fixed challenge: SRP_B and SALT from amplify-android's SRPHelperTests
// (testvectors/testdata/cognito-amplify-android.json), a 1 KiB SECRET_BLOCK.
const (
	benchB    = "e05d0716c6f6bf2b96e4b08354015be28024b4bc9a022c3c7553b86a5feffe8ee0ae87ae8ebb970b9457ed56ef0f5249fad4b99235912c2445a803ff9c9412cb39bd860bcca12868c8e813404435f3621a2fa033270f053e15b7d2ec0617e40cafff3fef4d5be716821b389e5338c45ac2d65b292a4739dec8d05ae7feaca6a46d56624c753b705bbc78071ef5c47152c46d7c79b52e4f1de3a15ed68923b0f8b08cd4d6b9d358282e219ccfff37ac143b9c7283b859187f57ca445129aeef0517c394a363ed83ca65b11a7ede22b96b7e0ff43dd5f58248dbf16c47fad319a23c15ed27c47c765841cb6474eda7a8d44a65c7242d9ff7afc6fc37d03b43c9c6279d88248120908c4ecdfb84a6e42344cf1a57f976ef036a1eb7a64067eff195855735d4010ca33831bded8b40b5e60a61f19900f928353203adacab71948ef3bcd3540bf926fee5578a00f039bb5c60d10e446a55c9d9620257e05418523afe02e1bc3f3f00c8a43841248094c8806d38f4207679170126f449a62006b42bf0"
	benchSalt = "e7dc204cebbfda6b62b8493e932f7f4c"
	benchTS   = "Wed Sep 29 06:40:48 UTC 2021"
)

var benchSecretBlock = base64.StdEncoding.EncodeToString(make([]byte, 1024))

func randomBytes(tb testing.TB, n int) []byte {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		tb.Fatal(err)
	}
	return buf
}

// eachKernel runs f as impl=caldera-KERNEL for every internal/mont kernel this
// CPU runs, default first: ifma (AVX-512 IFMA, for the exponentiations), adx
// (MULX/ADCX/ADOX), purego (math/bits), with mont.ForceKernel.
func eachKernel(b *testing.B, f func(b *testing.B)) {
	for _, k := range mont.Kernels() {
		b.Run("impl=caldera-"+k, func(b *testing.B) {
			restore, err := mont.ForceKernel(k)
			if err != nil {
				b.Fatal(err)
			}
			defer restore()
			b.ReportAllocs()
			f(b)
		})
	}
}

// BenchmarkClaim measures one whole PASSWORD_VERIFIER claim (docs/protocol.md
// §3), a fresh 1024-bit a and A = g^a included. impl=caldera-KERNEL reuses
// one client (Regenerate draws the fresh a) and appends the signature into a
// caller buffer, the allocation-free path, once per internal/mont kernel this
// CPU runs (see eachKernel); impl=caldera-oneshot is the convenient NewClient
// + PasswordClaim on the default kernel.
func BenchmarkClaim(b *testing.B) {
	params := &srp.PasswordClaimParams{
		PoolName: "KO6fcefgd", UserIDForSRP: "username", Password: "Password123",
		SRPB: benchB, Salt: benchSalt, SecretBlock: benchSecretBlock, Timestamp: benchTS,
	}
	eachKernel(b, func(b *testing.B) {
		c, err := srp.Cognito().NewClient(nil)
		if err != nil {
			b.Fatal(err)
		}
		var sig []byte
		for b.Loop() {
			if err := c.Regenerate(nil); err != nil {
				b.Fatal(err)
			}
			if sig, err = c.AppendPasswordClaim(sig[:0], params); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=caldera-oneshot", func(b *testing.B) {
		b.ReportAllocs()
		g := srp.Cognito()
		for b.Loop() {
			c, err := g.NewClient(nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.PasswordClaim(srp.PasswordClaimParams{
				PoolName: "KO6fcefgd", UserIDForSRP: "username", Password: "Password123",
				SRPB: benchB, Salt: benchSalt, SecretBlock: benchSecretBlock, Timestamp: benchTS,
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=mathbig", func(b *testing.B) {
		b.ReportAllocs()
		N, g, k := newMathbigGroup()
		for b.Loop() {
			c := newMathbigClient(N, g, k)
			c.claim("KO6fcefgd", "username", "Password123", benchB, benchSalt, benchSecretBlock, benchTS)
		}
	})
	b.Run("impl=bigmod", benchBigmodClaim)
}

// benchFixedBase measures g^e mod N for random n-byte exponents.
func benchFixedBase(b *testing.B, n int) {
	eachKernel(b, func(b *testing.B) {
		g := srp.Cognito()
		e := randomBytes(b, n)
		for b.Loop() {
			// A client's A is g^a through srp's fixed-base path.
			if _, err := g.NewClientFromSecret(e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=mathbig", func(b *testing.B) {
		b.ReportAllocs()
		N, g, _ := newMathbigGroup()
		e := new(big.Int).SetBytes(randomBytes(b, n))
		for b.Loop() {
			new(big.Int).Exp(g, e, N)
		}
	})
	b.Run("impl=bigmod", func(b *testing.B) {
		b.ReportAllocs()
		gr := newBigmodGroup(b)
		e := randomBytes(b, n)
		for b.Loop() {
			bigmod.NewNat().Exp(gr.g, e, gr.m)
		}
	})
	b.Run("impl=circl-mlsbset", func(b *testing.B) {
		b.ReportAllocs()
		gr, err := newCirclGroup(uint(8 * n))
		if err != nil {
			b.Fatal(err)
		}
		e := randomBytes(b, n)
		for b.Loop() {
			if _, err := gr.exp(e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGA measures A = g^a with a 1024-bit a (docs/protocol.md §3 step 1).
func BenchmarkGA(b *testing.B) { benchFixedBase(b, 128) }

// BenchmarkGX measures g^x with a 256-bit x (step 5; also a verifier).
func BenchmarkGX(b *testing.B) { benchFixedBase(b, 32) }

// BenchmarkS measures the variable-base exponentiation of step 5,
// (B − k·g^x)^(a + u·x), with a 1025-bit exponent. srp exports no raw
// exponentiation, so impl=caldera calls the kernel srp uses for 3072-bit
// groups, internal/mont's Modulus.Exp.
func BenchmarkS(b *testing.B) {
	nb, err := hex.DecodeString(cognitoNHex)
	if err != nil {
		b.Fatal(err)
	}
	baseBytes := randomBytes(b, 384)
	baseBytes[0] &= 0x7f
	e := randomBytes(b, 129)
	e[0] = 1 // 1025 bits
	eachKernel(b, func(b *testing.B) {
		m, err := mont.NewModulus(nb)
		if err != nil {
			b.Fatal(err)
		}
		var base, z mont.Elem
		m.SetBytesReduce(&base, baseBytes)
		for b.Loop() {
			m.Exp(&z, &base, e)
		}
	})
	b.Run("impl=mathbig", func(b *testing.B) {
		b.ReportAllocs()
		N := new(big.Int).SetBytes(nb)
		base := new(big.Int).SetBytes(baseBytes)
		ev := new(big.Int).SetBytes(e)
		for b.Loop() {
			new(big.Int).Exp(base, ev, N)
		}
	})
	b.Run("impl=bigmod", func(b *testing.B) {
		b.ReportAllocs()
		gr := newBigmodGroup(b)
		base, err := bigmod.NewNat().SetOverflowingBytes(baseBytes, gr.m)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			bigmod.NewNat().Exp(base, e, gr.m)
		}
	})
}
