package srp

import (
	"crypto"
	"encoding/hex"
	"fmt"
	"hash"
	"sync"
)

// Encoding says how integers are turned into bytes before they are hashed.
type Encoding int

const (
	// EncodePad left-pads every value with zeros to the byte length of N, the
	// PAD() of RFC 5054, Section 2.6.
	EncodePad Encoding = iota
	// EncodePadHex is Cognito's encoding (docs/protocol.md §2): minimal two's-complement
	// big-endian bytes, that is the shortest big-endian form plus one 0x00
	// when the top bit of the first byte is set.
	EncodePadHex
)

// GroupParams describes an SRP group for NewGroup.
type GroupParams struct {
	// Name is informational (error messages, benchmarks).
	Name string
	// N is the safe-prime modulus, big-endian. It must be odd and at least
	// 512 bits.
	N []byte
	// G is the generator, 2 ≤ G < N.
	G uint
	// Hash is the hash function H. It must be available (BLAKE2 needs its
	// golang.org/x/crypto package linked in).
	Hash crypto.Hash
	// Encoding is how integers are encoded before hashing.
	Encoding Encoding
	// SecretSize is the size in bytes of the random ephemeral exponents a and
	// b. Zero means 32 bytes (256 bits), or 128 bytes for the Cognito group.
	SecretSize int
	// ServerSecretSize, when set, overrides SecretSize for the server's b
	// (Group.NewServer). The Cognito group sets 64 bytes (see Cognito).
	ServerSecretSize int
	// K, when set, overrides the multiplier k = H(N ‖ enc(g)) (big-endian).
	K []byte

	// portableArith forces the bigmod arithmetic for a 3072-bit modulus
	// (tests and baselines compare the two).
	portableArith bool
}

// Group is an SRP group: modulus N, generator g, hash H and the encoding of
// integers fed to H. A Group is immutable and safe for concurrent use.
type Group struct {
	name       string
	ar         arith
	nBytes     []byte // N, minimal big-endian
	size       int    // byte length of N
	g          uint
	hash       crypto.Hash
	enc        Encoding
	kBytes     []byte
	secretSize int // a, and b unless serverSize is set
	serverSize int // b
}

// NewGroup validates p and returns the group it describes. Everything about
// a group is public; NewGroup is not constant-time.
func NewGroup(p GroupParams) (*Group, error) {
	n := trimLeadingZeros(p.N)
	if len(n) < 64 || n[len(n)-1]&1 == 0 {
		return nil, fmt.Errorf("%w: N must be odd and at least 512 bits", ErrGroup)
	}
	if p.Hash == 0 || !p.Hash.Available() {
		return nil, fmt.Errorf("%w: hash %v is not available", ErrGroup, p.Hash)
	}
	if p.Encoding != EncodePad && p.Encoding != EncodePadHex {
		return nil, fmt.Errorf("%w: unknown encoding", ErrGroup)
	}
	if p.G < 2 || bitLen(uintBytes(p.G)) >= bitLen(n) {
		return nil, fmt.Errorf("%w: generator must be at least 2", ErrGroup)
	}
	gr := &Group{
		name:       p.Name,
		nBytes:     n,
		size:       len(n),
		g:          p.G,
		hash:       p.Hash,
		enc:        p.Encoding,
		secretSize: p.SecretSize,
		serverSize: p.ServerSecretSize,
	}
	if gr.secretSize == 0 {
		gr.secretSize = 32
	}
	if gr.serverSize == 0 {
		gr.serverSize = gr.secretSize
	}
	for _, n := range []int{gr.secretSize, gr.serverSize} {
		if n < 16 || n > gr.size+8 {
			return nil, fmt.Errorf("%w: secret size %d out of range", ErrGroup, n)
		}
	}
	kb := p.K
	if kb == nil {
		// RFC 5054, Section 2.6: k = H(N | PAD(g)). Cognito: H(padHex(N) | padHex(g)).
		kb = gr.hashInts(n, uintBytes(p.G))
	}
	gr.kBytes = trimLeadingZeros(kb)
	if bitLen(gr.kBytes) > bitLen(n) {
		return nil, fmt.Errorf("%w: k wider than N", ErrGroup)
	}
	var err error
	if bitLen(n) == 3072 && !p.portableArith {
		gr.ar, err = newMontArith(n, uintBytes(p.G), gr.kBytes)
	} else {
		gr.ar, err = newBigmodArith(n, uintBytes(p.G), gr.kBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrGroup, err)
	}
	return gr, nil
}

// Name returns the informational name of the group.
func (g *Group) Name() string { return g.name }

// N returns the modulus as minimal big-endian bytes.
func (g *Group) N() []byte { return append([]byte(nil), g.nBytes...) }

// Generator returns g.
func (g *Group) Generator() uint { return g.g }

// K returns the multiplier k as minimal big-endian bytes.
func (g *Group) K() []byte { return append([]byte(nil), g.kBytes...) }

// Hash returns the group's hash function.
func (g *Group) Hash() crypto.Hash { return g.hash }

// Size returns the byte length of N.
func (g *Group) Size() int { return g.size }

// RFC5054 returns the group of RFC 5054, Appendix A with the given modulus
// size in bits (1024, 1536, 2048, 3072, 4096, 6144 or 8192), its generator,
// fixed-width PAD encoding and hash h.
func RFC5054(bits int, h crypto.Hash) (*Group, error) {
	nHex, ok := rfc5054Moduli[bits]
	if !ok {
		return nil, fmt.Errorf("%w: RFC 5054 has no %d-bit group", ErrGroup, bits)
	}
	n, err := hex.DecodeString(nHex)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrGroup, err)
	}
	return NewGroup(GroupParams{
		Name:     fmt.Sprintf("rfc5054-%d-%v", bits, h),
		N:        n,
		G:        rfc5054Generators[bits],
		Hash:     h,
		Encoding: EncodePad,
	})
}

// Cognito returns the Amazon Cognito user-pool group (docs/protocol.md §1): the
// 3072-bit prime of RFC 3526 with g = 2, SHA-256 and padHex, with 1024-bit
// client ephemerals a as the reference clients draw them, and 512-bit
// server ephemerals b.
//
// The server's b is shorter than the clients' a because the server pays for
// it on every sign-in: B = k·v + g^b and S = (A·v^u)^b cost time linear in
// the length of b (the squarings of S cannot be shared or precomputed, A
// being fresh): halving b saves about 0.55 ms of the server's 4.4 ms of
// CPU per verified sign-in (README, Benchmarks). 512 bits is twice the
// minimum of RFC 5054, Section 2.5.3 ("at least 256 bits"), and twice the
// 2·s = 256 bits NIST SP 800-56A Rev. 3 (Section 5.6.1.1) asks of private
// keys in a safe-prime group of strength s = 128 such as this one: the best
// generic attack on a short b, Pollard's lambda method, needs about 2^256
// group operations, far more than the 3072-bit modulus itself resists.
// Clients cannot tell: B is uniform-looking mod N either way.
func Cognito() *Group { return cognitoGroup() }

var cognitoGroup = sync.OnceValue(func() *Group {
	n, err := hex.DecodeString(rfc5054Moduli[3072])
	if err != nil {
		panic("srp: bad built-in modulus")
	}
	g, err := NewGroup(GroupParams{
		Name:       "cognito",
		N:          n,
		G:          2,
		Hash:       crypto.SHA256,
		Encoding:   EncodePadHex,
		SecretSize: 128,
		// See Cognito: b costs the server time on every sign-in.
		ServerSecretSize: 64,
	})
	if err != nil {
		panic("srp: bad built-in group: " + err.Error())
	}
	return g
})

// newHash returns a fresh instance of H.
func (g *Group) newHash() hash.Hash { return g.hash.New() }

// encode appends the group encoding of the big-endian integer b to dst.
// b may carry leading zeros. For PadHex the length of the output depends on
// the value (the protocol hashes it so), which is the only value-dependent
// behaviour; the scan itself does not branch on the bytes.
func (g *Group) encode(dst, b []byte) []byte {
	switch g.enc {
	case EncodePad:
		if len(b) > g.size {
			b = b[len(b)-g.size:]
		}
		for i := len(b); i < g.size; i++ {
			dst = append(dst, 0)
		}
		return append(dst, b...)
	default:
		return appendPadHex(dst, b)
	}
}

// hashInts returns H(enc(v1) ‖ enc(v2) ‖ ...).
func (g *Group) hashInts(vs ...[]byte) []byte {
	h := g.newHash()
	var buf []byte
	for _, v := range vs {
		buf = g.encode(buf[:0], v)
		h.Write(buf)
	}
	return h.Sum(nil)
}

func uintBytes(v uint) []byte {
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return trimLeadingZeros(b[:])
}
