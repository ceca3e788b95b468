package ct

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"testing"

	"filippo.io/bigmod"

	"github.com/caldera-srp/caldera/internal/mont"
	"github.com/caldera-srp/caldera/srp"
)

// The targets. Class 0 always gets the same secret value (in a fresh copy,
// so that both classes read their input from memory the same way); class 1
// a fresh random one of the same length. Public inputs (N, g, B, salt,
// SECRET_BLOCK, TIMESTAMP, exponent lengths) are the same for both classes.
// Inputs come from a seeded ChaCha8: they need to be unpredictable to the
// code under test, not to an attacker.

const (
	secretLen   = 128 // bytes of a and b, as Cognito()'s ephemerals
	baseExpLen  = 32  // bytes of the public exponent in the secret-base targets
	passwordLen = 24
	// clientPool is the number of prebuilt srp.Client values per class for
	// the claim targets (reused, so only a client's first claim grows its
	// buffers). A claim wipes a, so each Prepare re-arms its client
	// with Regenerate: one g^a, untimed, as much as the claim itself. Each
	// measurement still gets a fresh random password, so x, the base
	// B − k·g^x and the exponent a + u·x are fresh every time.
	clientPool = 64
	timestamp  = "Tue Jan 1 06:06:09 UTC 2019"
	poolName   = "abcdefghi"
	userID     = "a3f0c2d4-5b6e-4f70-8a91-b2c3d4e5f607"
)

func newRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

func randBytes(r *rand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	_, _ = r.Read(b) // ChaCha8.Read never fails
	return b
}

// fixedExponent is the class-0 exponent: the value 1 on secretLen bytes,
// the extreme a variable-time exponentiation is fastest on.
func fixedExponent(n int) []byte {
	a := make([]byte, n)
	a[n-1] = 1
	return a
}

func randPassword(r *rand.ChaCha8) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%&*+-=?@^_~"
	b := make([]byte, passwordLen)
	for i := range b {
		b[i] = alphabet[r.Uint64()%uint64(len(alphabet))]
	}
	return string(b)
}

// randBelowN returns a random 384-byte value below the RFC 3526 prime
// (its top byte is 0xFF, so a clear top bit suffices).
func randBelowN(r *rand.ChaCha8) []byte {
	b := randBytes(r, 384)
	b[0] &= 0x7F
	return b
}

// must panics on a fixture-building error (there are none with valid
// constants; a panic fails the test with its stack).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// targetSRPExpSecretExponent: A = g^a through srp's exported API, a secret.
// The fixed a is a fixed random value: with a = 1 the public A = 2 is
// itself an extreme value, and srp's variable-time handling of public
// values (trimming A's 383 leading zero bytes when it checks A ≠ 0) would
// be measured along with the exponentiation. targetMontCombSecretExponent
// measures the comb alone with a = 1.
func targetSRPExpSecretExponent(tb testing.TB) Target {
	g := srp.Cognito()
	r := newRand(1)
	fixed := randBytes(newRand(11), secretLen)
	return Target{Name: "srp/exp-secret-exponent", Prepare: func(class int) func() {
		a := append([]byte(nil), fixed...)
		if class == 1 {
			a = randBytes(r, secretLen)
		}
		return func() { _, _ = g.NewClientFromSecret(a) }
	}}
}

// targetSRPExpSecretExponentOne is the same with a = 1 (A = 2): the
// dudect corner case, confounded by A's public handling (see above).
func targetSRPExpSecretExponentOne(tb testing.TB) Target {
	t := targetSRPExpSecretExponent(tb)
	r := newRand(12)
	t.Name = "srp/exp-secret-exponent/a=1"
	t.Prepare = func(class int) func() {
		a := fixedExponent(secretLen)
		if class == 1 {
			a = randBytes(r, secretLen)
		}
		g := srp.Cognito()
		return func() { _, _ = g.NewClientFromSecret(a) }
	}
	return t
}

// targetMontCombSecretExponent: g^a with internal/mont's fixed-base comb,
// the code behind srp's A = g^a and g^x, a = 1 vs random.
func targetMontCombSecretExponent(tb testing.TB) Target {
	m := must(mont.NewModulus(srp.Cognito().N()))
	var two mont.Elem
	m.SetBytesReduce(&two, []byte{2})
	comb := m.NewFixedBase(&two, 1040)
	r := newRand(13)
	return Target{Name: "mont/comb-secret-exponent", Prepare: func(class int) func() {
		a := fixedExponent(secretLen)
		if class == 1 {
			a = randBytes(r, secretLen)
		}
		return func() {
			var z mont.Elem
			comb.Exp(&z, a)
		}
	}}
}

// targetBigmodExpSecretBase: base^e mod N with filippo.io/bigmod, the
// primitive srp's client uses for S = (B − k·g^x)^(a + u·x) and its server
// for (A·v^u)^b, with a secret base and a public exponent.
func targetBigmodExpSecretBase(tb testing.TB) Target {
	m := must(bigmod.NewModulus(srp.Cognito().N()))
	r := newRand(2)
	e := randBytes(r, baseExpLen)
	return Target{Name: "bigmod/exp-secret-base", Prepare: func(class int) func() {
		b := fixedExponent(384) // the base 1
		if class == 1 {
			b = randBelowN(r)
		}
		x := must(bigmod.NewNat().SetBytes(b, m))
		return func() { bigmod.NewNat().Exp(x, e, m) }
	}}
}

// targetMontExpSecretExponent and targetMontExpSecretBase measure
// internal/mont, the arithmetic srp is moving to.
func targetMontExpSecretExponent(tb testing.TB) Target {
	m := must(mont.NewModulus(srp.Cognito().N()))
	var two mont.Elem
	m.SetBytesReduce(&two, []byte{2})
	r := newRand(3)
	return Target{Name: "mont/exp-secret-exponent", Prepare: func(class int) func() {
		a := fixedExponent(secretLen)
		if class == 1 {
			a = randBytes(r, secretLen)
		}
		return func() {
			var z mont.Elem
			m.Exp(&z, &two, a)
		}
	}}
}

func targetMontExpSecretBase(tb testing.TB) Target {
	r := newRand(4)
	m, e := montSecretBase(r)
	return Target{Name: "mont/exp-secret-base", Prepare: func(class int) func() {
		b := fixedExponent(384)
		if class == 1 {
			b = randBelowN(r)
		}
		return montExp(tb, m, e, b)
	}}
}

// targetMontProdExpSecret is the SRP server's S = (A·v^u)^b through
// mont.ProdExp, with every secret of the premaster varying together: class
// 0 has v = 1 and b = 1 (on the server's 64 bytes), class 1 a random v and
// b; A and the public u are the same for both.
func targetMontProdExpSecret(tb testing.TB) Target {
	r := newRand(29)
	m := must(mont.NewModulus(srp.Cognito().N()))
	u := randBytes(r, baseExpLen)
	var A mont.Elem
	if err := m.SetBytes(&A, randBelowN(r)); err != nil {
		tb.Fatal(err)
	}
	return Target{Name: "mont/prodexp-secret", Prepare: func(class int) func() {
		vb, b := fixedExponent(384), fixedExponent(64)
		if class == 1 {
			vb, b = randBelowN(r), randBytes(r, 64)
		}
		v := new(mont.Elem)
		if err := m.SetBytes(v, vb); err != nil {
			tb.Fatal(err)
		}
		return func() {
			var z mont.Elem
			m.ProdExp(&z, &A, v, u, b)
		}
	}}
}

// montSecretBase returns the modulus and the public 256-bit exponent of the
// mont/exp-secret-base targets, the exponent drawn from r.
func montSecretBase(r *rand.ChaCha8) (*mont.Modulus, []byte) {
	return must(mont.NewModulus(srp.Cognito().N())), randBytes(r, baseExpLen)
}

// montExp loads the base b (big-endian, below N) into a fresh element
// outside the timed region and returns the timed operation, base^e.
func montExp(tb testing.TB, m *mont.Modulus, e, b []byte) func() {
	x := new(mont.Elem)
	if err := m.SetBytes(x, b); err != nil {
		tb.Fatal(err)
	}
	return func() {
		var z mont.Elem
		m.Exp(&z, x, e)
	}
}

// targetMontExpSecretBaseFixedRandom is mont/exp-secret-base with a fixed
// random base in class 0 instead of the degenerate base 1 (whose table
// entries and intermediate values are all the same element).
func targetMontExpSecretBaseFixedRandom(tb testing.TB) Target {
	m, e := montSecretBase(newRand(4)) // the same exponent as mont/exp-secret-base
	r := newRand(14)
	fixed := randBelowN(newRand(15))
	return Target{Name: "mont/exp-secret-base/fixed-random", Prepare: func(class int) func() {
		b := append([]byte(nil), fixed...)
		if class == 1 {
			b = randBelowN(r)
		}
		return montExp(tb, m, e, b)
	}}
}

// targetMontExpSecretBaseFixedFixed compares two fixed random bases (class 0
// always base A, class 1 always base B). It separates the two explanations of
// the fixed-random finding: a cost that depends on the base's value separates
// A from B as well, while an effect of repeating the same value (the machine
// learning a recurring operand) treats both classes alike.
func targetMontExpSecretBaseFixedFixed(tb testing.TB) Target {
	m, e := montSecretBase(newRand(4))
	fixed := [2][]byte{randBelowN(newRand(15)), randBelowN(newRand(17))}
	return Target{Name: "mont/exp-secret-base/fixed-fixed", Prepare: func(class int) func() {
		return montExp(tb, m, e, append([]byte(nil), fixed[class]...))
	}}
}

// targetMontExpSecretBaseFixedRandomScrubbed is fixed-random with an
// untimed Exp on a fresh random base before every measurement. If the
// fixed class is faster only because it repeats the computation that ran
// just before it (a state of the machine, not a cost of the value), the
// scrub removes the difference; a cost that depends on the base's value
// would survive it.
func targetMontExpSecretBaseFixedRandomScrubbed(tb testing.TB) Target {
	t := targetMontExpSecretBaseFixedRandom(tb)
	t.Name = "mont/exp-secret-base/fixed-random-scrubbed"
	m, e := montSecretBase(newRand(4))
	r := newRand(18)
	t.Scrub = func() { montExp(tb, m, e, randBelowN(r))() }
	return t
}

// targetMontExpSecretBaseFixedRandomShifted is fixed-random with the stack
// shifted by a random amount (0 to 16 KiB, drawn untimed, independent of
// the class) before every measurement, so that Exp's 12 KiB table lands at
// a different address each time. If the fixed class is faster because it
// writes the same values to the same addresses as an earlier measurement
// of its class did, the shift removes the difference.
func targetMontExpSecretBaseFixedRandomShifted(tb testing.TB) Target {
	return shifted(targetMontExpSecretBaseFixedRandom(tb), "mont/exp-secret-base/fixed-random-shifted", 27)
}

// shifted renames t and runs each of its measurements below a random 0 to
// 63 extra frames of 256 bytes (drawn outside the timed region, from seed,
// independently of the class), so that the stack the operation uses starts
// at a different address every time.
func shifted(t Target, name string, seed uint64) Target {
	prep := t.Prepare
	r := newRand(seed)
	t.Name = name
	t.Prepare = func(class int) func() {
		op := prep(class)
		depth := int(r.Uint64() % 64)
		return func() { atDepth(depth, op) }
	}
	return t
}

// stackSink keeps atDepth's frames from being optimised away.
var stackSink uint64

// atDepth calls f below d extra stack frames of 256 bytes each.
//
//go:noinline
func atDepth(d int, f func()) {
	var pad [32]uint64
	pad[d%32] = uint64(d)
	if d > 0 {
		atDepth(d-1, f)
	} else {
		f()
	}
	stackSink += pad[d%32]
}

// targetMontExpSecretBaseAA is an A/A control: both classes get a fresh
// random base, so any |t| it reaches comes from the harness or the machine,
// not from the code under test.
func targetMontExpSecretBaseAA(tb testing.TB) Target {
	m, e := montSecretBase(newRand(4))
	r := newRand(16)
	return Target{Name: "mont/exp-secret-base/random-random", Prepare: func(int) func() {
		return montExp(tb, m, e, randBelowN(r))
	}}
}

// claimFixture is the public side of a PASSWORD_VERIFIER challenge and
// the pools of prebuilt clients.
type claimFixture struct {
	srpB, salt, secretBlock string
	clients                 [2]*claimClients
}

// claimClients holds the prebuilt clients of one class. A claim wipes the
// client's a (a second claim is srp.ErrEphemeralUsed), so take re-arms a
// client with Regenerate — its own a again, in the same memory — in
// Prepare, outside the timed region, and lends it until its measurement
// has run (Measure prepares a whole batch before timing it). The pool
// grows when every client is lent, up to the batch size.
type claimClients struct {
	newA    func() []byte
	clients []*poolClient
}

type poolClient struct {
	c    *srp.Client
	a    []byte
	busy bool
}

func newClientPool(n int, newA func() []byte) *claimClients {
	p := &claimClients{newA: newA}
	for range n {
		p.grow()
	}
	return p
}

func (p *claimClients) grow() *poolClient {
	a := p.newA()
	pc := &poolClient{c: must(srp.Cognito().NewClientFromSecret(a)), a: a}
	p.clients = append(p.clients, pc)
	return pc
}

// take returns a free client, chosen at random, armed with its a; call
// done at the end of the timed operation.
func (p *claimClients) take(r *rand.ChaCha8) (c *srp.Client, done func()) {
	var pc *poolClient
	start := int(r.Uint64() % uint64(len(p.clients)))
	for i := range p.clients {
		if cand := p.clients[(start+i)%len(p.clients)]; !cand.busy {
			pc = cand
			break
		}
	}
	if pc == nil {
		pc = p.grow()
	}
	if err := pc.c.Regenerate(bytes.NewReader(pc.a)); err != nil {
		panic(err)
	}
	pc.busy = true
	return pc.c, func() { pc.busy = false }
}

func newClaimFixture(tb testing.TB, r *rand.ChaCha8, pool int) *claimFixture {
	v := must(srp.NewPasswordVerifier(r, poolName, userID, "server side password"))
	s := must(srp.NewCognitoServer(v, r))
	f := &claimFixture{
		srpB:        s.PublicHex(),
		salt:        v.SaltHex(),
		secretBlock: base64.StdEncoding.EncodeToString(randBytes(r, 1024)),
	}
	if pool > 0 {
		f.clients[0] = newClientPool(pool, func() []byte { return fixedExponent(secretLen) })
		f.clients[1] = newClientPool(pool, func() []byte { return randBytes(r, secretLen) })
	}
	return f
}

// targetSRPPasswordClaim: the whole PASSWORD_VERIFIER claim, fixed vs random
// (password, a).
func targetSRPPasswordClaim(tb testing.TB, pool int) Target {
	r := newRand(5)
	f := newClaimFixture(tb, r, pool)
	const fixedPassword = "aaaaaaaaaaaaaaaaaaaaaaaa"
	return Target{Name: "srp/claim/password", Prepare: func(class int) func() {
		pw := string([]byte(fixedPassword)) // a fresh copy
		if class == 1 {
			pw = randPassword(r)
		}
		c, done := f.clients[class].take(r)
		p := srp.PasswordClaimParams{
			PoolName: poolName, UserIDForSRP: userID, Password: pw,
			SRPB: f.srpB, Salt: f.salt, SecretBlock: f.secretBlock, Timestamp: timestamp,
		}
		return func() {
			if _, err := c.PasswordClaim(p); err != nil {
				panic(err)
			}
			done()
		}
	}}
}

// claimPools returns two pools of prebuilt clients, each client of pool i
// with the secret exponent a[i] (a nil a[i]: a fresh random a per client).
func claimPools(r *rand.ChaCha8, pool int, a [2][]byte) [2]*claimClients {
	var out [2]*claimClients
	for class := range 2 {
		ai := a[class]
		out[class] = newClientPool(pool, func() []byte {
			if ai == nil {
				return randBytes(r, secretLen)
			}
			return ai
		})
	}
	return out
}

// targetSRPPasswordClaimFixedFixed compares two fixed secrets: class 0 always
// (password P0, a0), class 1 always (P1, a1), same lengths, the public inputs
// fixed. Each class repeats one computation exactly, so an effect of
// repetition itself (the machine running a computation it just ran) cannot
// separate them; a cost that depends on the secrets' values would.
func targetSRPPasswordClaimFixedFixed(tb testing.TB, pool int) Target {
	r := newRand(21)
	f := newClaimFixture(tb, r, 0)
	clients := claimPools(r, pool, [2][]byte{randBytes(r, secretLen), randBytes(r, secretLen)})
	passwords := [2]string{randPassword(r), randPassword(r)}
	return Target{Name: "srp/claim/password/fixed-fixed", Prepare: func(class int) func() {
		c, done := clients[class].take(r)
		p := srp.PasswordClaimParams{
			PoolName: poolName, UserIDForSRP: userID, Password: string([]byte(passwords[class])),
			SRPB: f.srpB, Salt: f.salt, SecretBlock: f.secretBlock, Timestamp: timestamp,
		}
		return func() {
			if _, err := c.PasswordClaim(p); err != nil {
				panic(err)
			}
			done()
		}
	}}
}

// targetSRPPasswordClaimAA is the A/A control of the claim targets: both
// classes get a random password and a client with a random a, the public
// inputs fixed, so any |t| it reaches comes from the harness or the machine.
func targetSRPPasswordClaimAA(tb testing.TB, pool int) Target {
	r := newRand(26)
	f := newClaimFixture(tb, r, 0)
	clients := claimPools(r, pool, [2][]byte{nil, nil})
	return Target{Name: "srp/claim/password/random-random", Prepare: func(class int) func() {
		c, done := clients[class].take(r)
		p := srp.PasswordClaimParams{
			PoolName: poolName, UserIDForSRP: userID, Password: randPassword(r),
			SRPB: f.srpB, Salt: f.salt, SecretBlock: f.secretBlock, Timestamp: timestamp,
		}
		return func() {
			if _, err := c.PasswordClaim(p); err != nil {
				panic(err)
			}
			done()
		}
	}}
}

// targetSRPPasswordClaimShifted is srp/claim/password with the stack
// shifted by a random 0 to 16 KiB before every measurement (see
// targetMontExpSecretBaseFixedRandomShifted): the same inputs, the same
// code, but the claim's exponentiation builds its table at a different
// address each time.
func targetSRPPasswordClaimShifted(tb testing.TB, pool int) Target {
	return shifted(targetSRPPasswordClaim(tb, pool), "srp/claim/password/shifted", 28)
}

// randomPublic returns a fresh SRP_B (a random value below N) and SALT.
func randomPublic(r *rand.ChaCha8) (srpB, salt string) {
	return hex.EncodeToString(randBelowN(r)), hex.EncodeToString(randBytes(r, 16))
}

// targetSRPPasswordClaimRandomPublic is srp/claim/password with the public
// inputs fresh for every measurement, in both classes: a new SRP_B and SALT
// each time. Class 0 keeps its secrets fixed (a fixed password and a fixed
// random a), class 1 draws them at random. Nothing is then computed twice
// in the same way — u, x, the base B − k·g^x, the exponent a + u·x and S
// all change — so the test sees the secrets' values and nothing else.
func targetSRPPasswordClaimRandomPublic(tb testing.TB, pool int) Target {
	r := newRand(22)
	f := newClaimFixture(tb, r, 0)
	clients := claimPools(r, pool, [2][]byte{randBytes(r, secretLen), nil})
	const fixedPassword = "aaaaaaaaaaaaaaaaaaaaaaaa"
	return Target{Name: "srp/claim/password/random-public", Prepare: func(class int) func() {
		pw := string([]byte(fixedPassword))
		if class == 1 {
			pw = randPassword(r)
		}
		c, done := clients[class].take(r)
		srpB, salt := randomPublic(r)
		p := srp.PasswordClaimParams{
			PoolName: poolName, UserIDForSRP: userID, Password: pw,
			SRPB: srpB, Salt: salt, SecretBlock: f.secretBlock, Timestamp: timestamp,
		}
		return func() {
			if _, err := c.PasswordClaim(p); err != nil {
				panic(err)
			}
			done()
		}
	}}
}

// targetSRPDeviceClaimRandomPublic is the device claim with fresh public
// inputs in both classes (see targetSRPPasswordClaimRandomPublic).
func targetSRPDeviceClaimRandomPublic(tb testing.TB, pool int) Target {
	r := newRand(23)
	f := newClaimFixture(tb, r, 0)
	clients := claimPools(r, pool, [2][]byte{randBytes(r, secretLen), nil})
	const dgk, dk = "-abcDEF12", "us-east-1_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	fixedPassword := base64.StdEncoding.EncodeToString(randBytes(r, 40))
	return Target{Name: "srp/claim/device/random-public", Prepare: func(class int) func() {
		pw := string([]byte(fixedPassword))
		if class == 1 {
			pw = base64.StdEncoding.EncodeToString(randBytes(r, 40))
		}
		c, done := clients[class].take(r)
		srpB, salt := randomPublic(r)
		return func() {
			if _, err := c.DeviceClaim(dgk, dk, pw, srpB, salt, f.secretBlock, timestamp); err != nil {
				panic(err)
			}
			done()
		}
	}}
}

// targetSRPDeviceClaim: the DEVICE_PASSWORD_VERIFIER claim, fixed vs random
// (device password, a). Device passwords are Base64 of 40 bytes.
func targetSRPDeviceClaim(tb testing.TB, pool int) Target {
	r := newRand(6)
	f := newClaimFixture(tb, r, pool)
	const dgk, dk = "-abcDEF12", "us-east-1_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	return Target{Name: "srp/claim/device", Prepare: func(class int) func() {
		pw := base64.StdEncoding.EncodeToString(make([]byte, 40))
		if class == 1 {
			pw = base64.StdEncoding.EncodeToString(randBytes(r, 40))
		}
		c, done := f.clients[class].take(r)
		return func() {
			if _, err := c.DeviceClaim(dgk, dk, pw, f.srpB, f.salt, f.secretBlock, timestamp); err != nil {
				panic(err)
			}
			done()
		}
	}}
}

// targetSRPVerifyClaim: the server's VerifyPasswordClaim. Whether a claim
// verifies is public (the server answers tokens or NotAuthorizedException),
// so both classes send a wrong signature and the secret under test is how
// close it is to the right one: class 0 differs from the expected signature
// in its last byte only, class 1 is random. An early-exit comparison
// (bytes.Equal-style) would take longer on class 0.
func targetSRPVerifyClaim(tb testing.TB) Target {
	r := newRand(7)
	const password = "correct horse battery staple"
	v := must(srp.NewPasswordVerifier(r, poolName, userID, password))
	s := must(srp.NewCognitoServer(v, r))
	c := must(srp.Cognito().NewClient(r))
	block := randBytes(r, 1024)
	claim := must(c.PasswordClaim(srp.PasswordClaimParams{
		PoolName: poolName, UserIDForSRP: userID, Password: password,
		SRPB: s.PublicHex(), Salt: v.SaltHex(), SecretBlock: base64.StdEncoding.EncodeToString(block),
		Timestamp: timestamp,
	}))
	params := srp.VerifyClaimParams{
		PoolName: poolName, UserIDForSRP: userID, SRPA: c.PublicHex(),
		SecretBlock: block, Timestamp: timestamp, Signature: claim.Signature,
	}
	if err := s.VerifyPasswordClaim(params); err != nil {
		tb.Fatalf("the fixture's claim does not verify: %v", err)
	}
	good := must(base64.StdEncoding.DecodeString(claim.Signature))
	return Target{Name: "srp/verify-claim", Prepare: func(class int) func() {
		sig := append([]byte(nil), good...)
		sig[len(sig)-1] ^= 1
		if class == 1 {
			sig = randBytes(r, len(good))
		}
		p := params
		p.Signature = base64.StdEncoding.EncodeToString(sig)
		return func() { _ = s.VerifyPasswordClaim(p) }
	}}
}

// targetBigExpSecretExponent is the deliberately variable-time reference:
// math/big's Exp with a secret exponent of n bytes (math/big strips leading
// zeros and takes a short path for one-word exponents).
func targetBigExpSecretExponent(n int) Target {
	N := new(big.Int).SetBytes(srp.Cognito().N())
	two := big.NewInt(2)
	r := newRand(8)
	return Target{Name: "mathbig/exp-secret-exponent", Prepare: func(class int) func() {
		a := fixedExponent(n)
		if class == 1 {
			a = randBytes(r, n)
		}
		return func() { new(big.Int).Exp(two, new(big.Int).SetBytes(a), N) }
	}}
}

// targetBigExpSecretBase is math/big's Exp with a secret base (1 vs random)
// and a public exponent.
func targetBigExpSecretBase() Target {
	N := new(big.Int).SetBytes(srp.Cognito().N())
	r := newRand(9)
	e := new(big.Int).SetBytes(randBytes(r, baseExpLen))
	return Target{Name: "mathbig/exp-secret-base", Prepare: func(class int) func() {
		b := fixedExponent(384)
		if class == 1 {
			b = randBelowN(r)
		}
		return func() { new(big.Int).Exp(new(big.Int).SetBytes(b), e, N) }
	}}
}
