package srp

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// maxRedraws bounds how many times an ephemeral secret is redrawn because
// its public value was zero mod N (probability ≈ 2^−3000 per draw for honest
// randomness: more than one redraw means the random source is broken).
const maxRedraws = 4

// Client is the client side of one SRP-6a exchange: the secret ephemeral a
// and the public A = g^a mod N. A Client must be used for one exchange only
// (Regenerate draws a fresh a to reuse its memory), and is not safe for
// concurrent use: its claims share scratch buffers.
type Client struct {
	g    *Group
	a    []byte // secret; zeroed by a Cognito claim
	A    []byte // public, big-endian, length of N
	used bool   // a claim used a up (see Regenerate)
	sc   claimScratch
}

// NewClient draws a fresh secret a of the group's secret size from rand
// (crypto/rand.Reader when rand is nil) and computes A = g^a. A ≡ 0 is
// rejected and a redrawn (docs/protocol.md §3 step 1).
func (g *Group) NewClient(rand io.Reader) (*Client, error) {
	return newEphemeral(g.secretSize, rand, func(a []byte) (*Client, error) { return g.NewClientFromSecret(a) })
}

// NewClientFromSecret returns the Client with the given secret exponent a
// (big-endian). It exists for test vectors and reproducible runs: a must be
// uniformly random for any real use. A ≡ 0 mod N gives ErrAZero. The
// computation is constant-time in the value of a for a fixed len(a).
func (g *Group) NewClientFromSecret(a []byte) (*Client, error) {
	if len(a) == 0 {
		return nil, fmt.Errorf("%w: secret exponent", ErrEmpty)
	}
	if len(a) > 4*g.size {
		return nil, fmt.Errorf("%w: secret exponent of %d bytes", ErrTooWide, len(a))
	}
	A := g.ar.expG(nil, a)
	ctgrind.Public(A) // A is sent to the server
	if zero, _ := g.ar.checkPublic(A); zero {
		return nil, ErrAZero
	}
	return &Client{g: g, a: append([]byte(nil), a...), A: A}, nil
}

// newEphemeral draws size random bytes from r (crypto/rand.Reader if nil)
// and builds an ephemeral from them, redrawing when its public value is 0.
func newEphemeral[T any](size int, r io.Reader, build func([]byte) (T, error)) (T, error) {
	var zero T
	if r == nil {
		r = rand.Reader
	}
	buf := make([]byte, size)
	for range maxRedraws {
		if _, err := io.ReadFull(r, buf); err != nil {
			return zero, fmt.Errorf("%w: %v", ErrRandom, err)
		}
		v, err := build(buf)
		if err == nil {
			return v, nil
		}
		if err != ErrAZero && err != ErrBZero {
			return zero, err
		}
	}
	return zero, fmt.Errorf("%w: public value was zero %d times", ErrRandom, maxRedraws)
}

// Group returns the client's group.
func (c *Client) Group() *Group { return c.g }

// Public returns A as minimal big-endian bytes.
func (c *Client) Public() []byte { return append([]byte(nil), trimLeadingZeros(c.A)...) }

// PublicHex returns A as lower-case hex without padding, as SRP_A is sent.
func (c *Client) PublicHex() string { return lowerHex(c.A) }

// premaster computes S = (B − k·g^x)^(a + u·x) mod N (RFC 5054, Section
// 2.6) for B already in [0, N) and non-zero. Constant-time in a, x and the
// intermediate values for fixed input lengths.
func (c *Client) premaster(B, x, u []byte) []byte {
	e, _ := appendClientExponent(nil, nil, c.a, u, x)
	return c.g.ar.clientPremaster(nil, B, x, e)
}

// scramble returns u = H(enc(A) ‖ enc(B)) for the received (unreduced) B,
// refusing u = 0 (RFC 5054, Section 2.6; docs/protocol.md §3 step 3).
func (g *Group) scramble(A, B []byte) ([]byte, error) {
	u := g.hashInts(A, B)
	if len(trimLeadingZeros(u)) == 0 {
		return nil, ErrUZero
	}
	return u, nil
}

// parseB parses the server's public B (big-endian), refusing values wider
// than N and B ≡ 0 mod N.
func (g *Group) parseB(B []byte) error {
	zero, err := g.ar.checkPublic(B)
	if err != nil {
		return err
	}
	if zero {
		return ErrBZero
	}
	return nil
}

// ClientSession is the result of a generic SRP-6a exchange on the client
// (RFC 5054 formulas; K, M1 and M2 as RFC 2945 and the srptools vectors).
type ClientSession struct {
	u, s, key, m1, m2 []byte
}

// Session completes the exchange for identity I, password P, salt s and the
// server's B: x = H(s ‖ H(I ‖ ":" ‖ P)), u = H(enc(A) ‖ enc(B)),
// S = (B − k·g^x)^(a + u·x), K = H(enc(S)),
// M1 = H(H(N) xor H(g) ‖ H(I) ‖ s ‖ enc(A) ‖ enc(B) ‖ K), M2 = H(enc(A) ‖ M1 ‖ K).
func (c *Client) Session(identity, password, salt, B []byte) (*ClientSession, error) {
	g := c.g
	if err := g.parseB(B); err != nil {
		return nil, err
	}
	u, err := g.scramble(c.A, B)
	if err != nil {
		return nil, err
	}
	x := g.rfcX(identity, password, salt)
	S := c.premaster(B, x, u)
	key := g.hashInts(S)
	m1 := g.m1(identity, salt, c.A, B, key)
	ctgrind.Public(m1) // the client sends M1
	return &ClientSession{u: u, s: S, key: key, m1: m1, m2: g.m2(c.A, m1, key)}, nil
}

// rfcX returns x = H(s ‖ H(I ‖ ":" ‖ P)) (RFC 5054, Section 2.4).
func (g *Group) rfcX(identity, password, salt []byte) []byte {
	h := g.newHash()
	h.Write(identity)
	h.Write([]byte{':'})
	h.Write(password)
	inner := h.Sum(nil)
	h.Reset()
	h.Write(salt)
	h.Write(inner)
	return h.Sum(nil)
}

func (g *Group) m1(identity, salt, A, B, key []byte) []byte {
	h := g.newHash()
	h.Write(trimLeadingZeros(g.nBytes))
	hn := h.Sum(nil)
	h.Reset()
	h.Write(uintBytes(g.g))
	hg := h.Sum(nil)
	for i := range hn {
		hn[i] ^= hg[i]
	}
	h.Reset()
	h.Write(identity)
	hi := h.Sum(nil)
	h.Reset()
	h.Write(hn)
	h.Write(hi)
	h.Write(salt)
	h.Write(g.encode(nil, A))
	h.Write(g.encode(nil, B))
	h.Write(key)
	return h.Sum(nil)
}

func (g *Group) m2(A, m1, key []byte) []byte {
	h := g.newHash()
	h.Write(g.encode(nil, A))
	h.Write(m1)
	h.Write(key)
	return h.Sum(nil)
}

// U returns the public scrambling parameter u.
func (s *ClientSession) U() []byte { return append([]byte(nil), s.u...) }

// PremasterSecret returns S, big-endian, of the length of N. It is secret.
func (s *ClientSession) PremasterSecret() []byte { return append([]byte(nil), s.s...) }

// Key returns K = H(enc(S)). It is secret.
func (s *ClientSession) Key() []byte { return append([]byte(nil), s.key...) }

// M1 returns the client's proof to send to the server.
func (s *ClientSession) M1() []byte { return append([]byte(nil), s.m1...) }

// VerifyM2 checks the server's proof in constant time.
func (s *ClientSession) VerifyM2(m2 []byte) error {
	if !publicEqual(m2, s.m2) {
		return fmt.Errorf("%w: M2", ErrVerification)
	}
	return nil
}

// Verifier returns v = g^x mod N with x = H(s ‖ H(I ‖ ":" ‖ P)), big-endian
// of the length of N (RFC 5054, Section 2.4). v is secret.
func (g *Group) Verifier(identity, password, salt []byte) []byte {
	return g.ar.expG(nil, g.rfcX(identity, password, salt))
}

// Server is the server side of one SRP-6a exchange: the verifier v, the
// secret ephemeral b and the public B = k·v + g^b mod N.
type Server struct {
	g *Group
	v []byte // secret, below N
	b []byte // secret
	B []byte // public, length of N
}

// NewServer draws a fresh secret b of the group's server secret size
// (GroupParams.ServerSecretSize) from rand (crypto/rand.Reader when nil)
// for the verifier v (big-endian, < N) and computes B (RFC 5054, Section
// 2.5.3). B ≡ 0 is rejected and b redrawn. A degenerate v (CheckVerifier)
// is ErrDegenerateVerifier.
func (g *Group) NewServer(v []byte, rand io.Reader) (*Server, error) {
	return newEphemeral(g.serverSize, rand, func(b []byte) (*Server, error) { return g.NewServerFromSecret(v, b) })
}

// NewServerFromSecret returns the Server with the given verifier and secret
// exponent b. For test vectors and reproducible runs only: b must be
// uniformly random in real use. Constant-time in v and b for fixed lengths.
// A verifier that lets anyone in (see CheckVerifier) is refused with
// ErrDegenerateVerifier.
func (g *Group) NewServerFromSecret(v, b []byte) (*Server, error) {
	if err := g.CheckVerifier(v); err != nil {
		return nil, err
	}
	return g.newServerUnchecked(v, b)
}

// CheckVerifier validates a verifier v (big-endian, leading zeros allowed)
// before a server stores or uses it: a v ≥ N, or v ≡ 0, 1 or −1 mod N, is
// ErrDegenerateVerifier (a v ≥ N matches ErrTooWide as well), an empty v is
// ErrEmpty. With v ≡ 0 the premaster secret is 0, with v ≡ ±1 it is
// (g^b)^(±a) (RFC 5054, Section 2.6: S = (A·v^u)^b): a client that knows
// no password computes it from B alone. A server must check every verifier
// it receives or imports — ParseDeviceSecretVerifierConfig does for device
// verifiers, NewServer and NewServerFromSecret do before each exchange.
//
// The check is constant-time in the value of v for a fixed len(v): v is
// loaded and compared with 0, 1 and N − 1 by the constant-time arithmetic
// (internal/mont or filippo.io/bigmod), and only the outcome is revealed.
// The length is public; more than twice N's length is refused outright.
func (g *Group) CheckVerifier(v []byte) error {
	if len(v) == 0 {
		return fmt.Errorf("%w: verifier", ErrEmpty)
	}
	if len(v) > 2*g.size {
		return fmt.Errorf("%w: %w: verifier of %d bytes", ErrDegenerateVerifier, ErrTooWide, len(v))
	}
	degenerate, err := g.ar.checkVerifier(v)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDegenerateVerifier, err)
	}
	if degenerate {
		return fmt.Errorf("%w: v is 0, 1 or -1 mod N", ErrDegenerateVerifier)
	}
	return nil
}

// newServerUnchecked is NewServerFromSecret without the verifier check
// (tests reproduce the attack it prevents).
func (g *Group) newServerUnchecked(v, b []byte) (*Server, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: secret exponent", ErrEmpty)
	}
	if len(b) > 4*g.size {
		return nil, fmt.Errorf("%w: secret exponent of %d bytes", ErrTooWide, len(b))
	}
	if err := g.ar.checkSecret(v); err != nil {
		return nil, err
	}
	B := g.ar.serverPublic(nil, v, b)
	ctgrind.Public(B) // B is sent to the client
	if zero, _ := g.ar.checkPublic(B); zero {
		return nil, ErrBZero
	}
	return &Server{g: g, v: append([]byte(nil), v...), b: append([]byte(nil), b...), B: B}, nil
}

// Public returns B as minimal big-endian bytes.
func (s *Server) Public() []byte { return append([]byte(nil), trimLeadingZeros(s.B)...) }

// PublicHex returns B as lower-case hex without padding.
func (s *Server) PublicHex() string { return lowerHex(s.B) }

// premaster computes S = (A · v^u)^b mod N (RFC 5054, Section 2.6) after
// refusing A ≡ 0 mod N. Constant-time in v, b and S.
func (s *Server) premaster(A, u []byte) []byte {
	return s.g.ar.serverPremaster(nil, s.v, u, A, s.b)
}

// parseA parses the client's public A, refusing values wider than N and
// A ≡ 0 mod N (RFC 5054, Section 2.5.4).
func (g *Group) parseA(A []byte) error {
	zero, err := g.ar.checkPublic(A)
	if err != nil {
		return err
	}
	if zero {
		return ErrAZero
	}
	return nil
}

// ServerSession is the result of a generic SRP-6a exchange on the server.
type ServerSession struct {
	u, s, key, m1, m2 []byte
}

// Session completes the exchange with the client's A for identity I and
// salt s.
func (s *Server) Session(identity, salt, A []byte) (*ServerSession, error) {
	g := s.g
	if err := g.parseA(A); err != nil {
		return nil, err
	}
	u, err := g.scramble(A, s.B)
	if err != nil {
		return nil, err
	}
	S := s.premaster(A, u)
	key := g.hashInts(S)
	m1 := g.m1(identity, salt, A, s.B, key)
	return &ServerSession{u: u, s: S, key: key, m1: m1, m2: g.m2(A, m1, key)}, nil
}

// U returns the public scrambling parameter u.
func (s *ServerSession) U() []byte { return append([]byte(nil), s.u...) }

// PremasterSecret returns S, big-endian, of the length of N. It is secret.
func (s *ServerSession) PremasterSecret() []byte { return append([]byte(nil), s.s...) }

// Key returns K = H(enc(S)). It is secret.
func (s *ServerSession) Key() []byte { return append([]byte(nil), s.key...) }

// VerifyM1 checks the client's proof in constant time.
func (s *ServerSession) VerifyM1(m1 []byte) error {
	if !publicEqual(m1, s.m1) {
		return fmt.Errorf("%w: M1", ErrVerification)
	}
	return nil
}

// M2 returns the server's proof, to send once M1 verified.
func (s *ServerSession) M2() []byte { return append([]byte(nil), s.m2...) }

func cryptoRandReader() io.Reader { return rand.Reader }

// publicEqual compares a received proof or signature with the expected one
// in constant time. Only the outcome is revealed (it decides the protocol's
// next, public, step), so only the outcome is declassified.
func publicEqual(got, want []byte) bool {
	eq := subtle.ConstantTimeCompare(got, want)
	ctgrind.PublicValue(&eq)
	return eq == 1
}
