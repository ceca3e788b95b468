package srp

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/caldera-srp/caldera/hkdf"
	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// claimScratch holds the buffers of one client's claims, so that a client
// that is regenerated and reused signs without allocating. The secret parts
// are wiped after every claim (see wipe).
type claimScratch struct {
	B, salt, block, e, s, ikm, hsalt, msg []byte
	acc                                   []uint64
	u, x, sig                             [sha256.Size]byte
	key                                   [hkdf.KeySize]byte
}

// wipe zeroes every buffer that held a secret, to its capacity (an earlier,
// longer value may lie beyond the current length): x, a + u·x and its
// accumulator, S, padHex(S), the derived key, and msg, which held
// poolName ‖ userID ‖ ":" ‖ password. B, the salt, SECRET_BLOCK, u and the
// signature are public and kept.
func (sc *claimScratch) wipe() {
	clear(sc.x[:])
	clear(sc.e[:cap(sc.e)])
	clear(sc.s[:cap(sc.s)])
	clear(sc.ikm[:cap(sc.ikm)])
	clear(sc.key[:])
	clear(sc.msg[:cap(sc.msg)])
	clear(sc.acc[:cap(sc.acc)])
}

// wipe ends the client's exchange: a and the claim scratch are zeroed and
// the client refuses further claims (ErrEphemeralUsed) until Regenerate.
func (c *Client) wipe() {
	clear(c.a)
	c.used = true
	c.sc.wipe()
}

// Strict decoders for SECRET_BLOCK, built once (read-only).
var (
	stdStrict    = base64.StdEncoding.Strict()
	stdRawStrict = base64.RawStdEncoding.Strict()
	urlStrict    = base64.URLEncoding.Strict()
	urlRawStrict = base64.RawURLEncoding.Strict()
)

// Regenerate draws a fresh secret a for this client from rand
// (crypto/rand.Reader when nil) and recomputes A, reusing the client's
// memory: a client that signs many claims (a load tester, a benchmark) does
// not allocate once warmed up. Every claim must use a fresh a: a claim wipes
// a, and the client signs again only after Regenerate.
func (c *Client) Regenerate(rand io.Reader) error {
	if rand == nil {
		rand = cryptoRandReader()
	}
	if len(c.a) != c.g.secretSize {
		c.a = make([]byte, c.g.secretSize)
	}
	for range maxRedraws {
		if _, err := io.ReadFull(rand, c.a); err != nil {
			return fmt.Errorf("%w: %v", ErrRandom, err)
		}
		c.A = c.g.ar.expG(c.A[:0], c.a)
		ctgrind.Public(c.A) // A is sent as SRP_A
		if zero, _ := c.g.ar.checkPublic(c.A); !zero {
			c.used = false
			return nil
		}
	}
	return fmt.Errorf("%w: public value was zero %d times", ErrRandom, maxRedraws)
}

// AppendPasswordClaim is PasswordClaim that appends the base64
// PASSWORD_CLAIM_SIGNATURE to dst instead of returning a Claim. Once the
// client's buffers have grown (first call), it does not allocate for
// non-negative SALT values. It wipes a and the scratch as PasswordClaim
// does, in place: Regenerate then reuses the same memory.
func (c *Client) AppendPasswordClaim(dst []byte, p *PasswordClaimParams) ([]byte, error) {
	defer c.wipe()
	if err := c.sign(p); err != nil {
		return dst, err
	}
	return base64.StdEncoding.AppendEncode(dst, c.sc.sig[:]), nil
}

// sign computes the claim into c.sc (docs/protocol.md §3 steps 2–7).
func (c *Client) sign(p *PasswordClaimParams) error {
	g, sc := c.g, &c.sc
	if c.used {
		return ErrEphemeralUsed
	}
	if g.enc != EncodePadHex {
		return fmt.Errorf("%w: Cognito claims need the padHex encoding", ErrGroup)
	}
	if p.PoolName == "" {
		return fmt.Errorf("%w: pool name", ErrEmpty)
	}
	if p.UserIDForSRP == "" {
		return fmt.Errorf("%w: USER_ID_FOR_SRP", ErrEmpty)
	}
	if p.SRPB == "" {
		return fmt.Errorf("%w: SRP_B", ErrEmpty)
	}
	var err error
	// Public inputs first: SRP_B, SALT, SECRET_BLOCK, then u.
	if sc.B, err = appendHexInt(sc.B[:0], p.SRPB, maxHexDigits); err != nil {
		return fmt.Errorf("SRP_B: %w", err)
	}
	B := trimLeadingZeros(sc.B)
	if err := g.parseB(B); err != nil {
		return err
	}
	if p.Salt == "" {
		return fmt.Errorf("%w: SALT", ErrEmpty)
	}
	if sc.salt, err = appendSignedPadHex(sc.salt[:0], p.Salt); err != nil {
		return fmt.Errorf("SALT: %w", err)
	}
	if sc.block, sc.msg, err = appendSecretBlock(sc.block[:0], sc.msg, p.SecretBlock); err != nil {
		return err
	}
	h := sha256.New()
	sc.msg = appendPadHex(sc.msg[:0], c.A)
	sc.msg = appendPadHex(sc.msg, B)
	h.Write(sc.msg)
	h.Sum(sc.u[:0])
	if allZero(sc.u[:]) {
		return ErrUZero
	}

	// x = H(padHex(salt) ‖ H(poolName ‖ userID ‖ ":" ‖ password)) (step 4).
	sc.msg = cognitoX(&sc.x, sc.msg, sc.salt, p.PoolName, p.UserIDForSRP, p.Password)

	// S = (B − k·g^x)^(a + u·x) (step 5), key = HKDF (step 6).
	sc.e, sc.acc = appendClientExponent(sc.e[:0], sc.acc, c.a, sc.u[:], sc.x[:])
	sc.s = g.ar.clientPremaster(sc.s[:0], B, sc.x[:], sc.e)
	sc.ikm = appendPadHex(sc.ikm[:0], sc.s)
	sc.hsalt = appendPadHex(sc.hsalt[:0], sc.u[:])
	hkdf.CognitoKeyTo(&sc.key, sc.ikm, sc.hsalt)

	// The signature (step 7).
	sc.msg = claimSignature(&sc.sig, sc.msg, sc.key[:], p.PoolName, p.UserIDForSRP, sc.block, p.Timestamp)
	ctgrind.Public(sc.sig[:]) // sent as PASSWORD_CLAIM_SIGNATURE
	return nil
}

// cognitoX sets x = H(padHex(salt) ‖ H(UTF-8(poolName ‖ userID ‖ ":" ‖
// password))) (docs/protocol.md §3 step 4); salt is already padHex-encoded. buf is
// scratch space, returned (wiped) for reuse.
func cognitoX(x *[sha256.Size]byte, buf, salt []byte, poolName, userID, password string) []byte {
	buf = append(buf[:0], poolName...)
	buf = append(buf, userID...)
	buf = append(buf, ':')
	buf = append(buf, password...)
	h := sha256.New()
	h.Write(buf)
	h.Sum(x[:0])
	h.Reset()
	h.Write(salt)
	h.Write(x[:])
	h.Sum(x[:0])
	clear(buf)
	return buf
}

// claimSignature sets sig = HMAC-SHA256(key, poolName ‖ userID ‖ secretBlock
// ‖ timestamp) (docs/protocol.md §3 step 7). buf is scratch space, returned.
func claimSignature(sig *[sha256.Size]byte, buf, key []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	buf = append(buf[:0], poolName...)
	buf = append(buf, userID...)
	buf = append(buf, secretBlock...)
	buf = append(buf, timestamp...)
	hmacSHA256(sig, key, buf)
	return buf
}

// hmacSHA256 sets out = HMAC-SHA256(key, msg) (RFC 2104) for a key of at
// most one block, without allocating.
func hmacSHA256(out *[sha256.Size]byte, key, msg []byte) {
	var pad [sha256.BlockSize]byte
	copy(pad[:], key)
	for i := range pad {
		pad[i] ^= 0x36
	}
	h := sha256.New()
	h.Write(pad[:])
	h.Write(msg)
	h.Sum(out[:0])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	h.Reset()
	h.Write(pad[:])
	h.Write(out[:])
	h.Sum(out[:0])
	clear(pad[:])
}

// appendHexInt appends the public hexadecimal integer s (any case, odd
// length allowed, no sign) to dst as big-endian bytes (leading zeros kept
// as written). Empty input is ErrEmpty, more than maxLen digits ErrTooWide.
func appendHexInt(dst []byte, s string, maxLen int) ([]byte, error) {
	if len(s) == 0 {
		return dst, fmt.Errorf("%w: empty hex value", ErrEmpty)
	}
	if len(s) > maxLen {
		return dst, fmt.Errorf("%w: hex value of %d digits", ErrTooWide, len(s))
	}
	i := 0
	if len(s)%2 == 1 {
		v, ok := hexNibble(s[0])
		if !ok {
			return dst, fmt.Errorf("%w: invalid character at offset 0", ErrMalformedHex)
		}
		dst = append(dst, v)
		i = 1
	}
	for ; i < len(s); i += 2 {
		hi, ok1 := hexNibble(s[i])
		lo, ok2 := hexNibble(s[i+1])
		if !ok1 || !ok2 {
			return dst, fmt.Errorf("%w: invalid character near offset %d", ErrMalformedHex, i)
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, nil
}

// appendSignedPadHex appends the padHex encoding of the signed hex integer
// s (see SignedPadHex). Negative values allocate.
func appendSignedPadHex(dst []byte, s string) ([]byte, error) {
	if len(s) > 0 && s[0] == '-' {
		b, err := SignedPadHex(s)
		return append(dst, b...), err
	}
	mark := len(dst)
	dst, err := appendHexInt(dst, s, maxSaltHexLen)
	if err != nil {
		return dst[:mark], err
	}
	// Re-encode in place: drop leading zeros, add the sign byte if needed.
	v := trimLeadingZeros(dst[mark:])
	n := copy(dst[mark:], v)
	dst = dst[:mark+n]
	if n == 0 || dst[mark]&0x80 != 0 {
		dst = append(dst, 0)
		copy(dst[mark+1:], dst[mark:mark+n])
		dst[mark] = 0
	}
	return dst, nil
}

// appendSecretBlock appends the decoded SECRET_BLOCK to dst (see
// DecodeSecretBlock for the accepted forms).
// tmp is scratch space for the encoded form, grown if needed and returned.
func appendSecretBlock(dst, tmp []byte, s string) ([]byte, []byte, error) {
	if s == "" {
		return dst, tmp, fmt.Errorf("%w: SECRET_BLOCK", ErrEmpty)
	}
	if len(s) > maxSecretBlock*4/3+4 {
		return dst, tmp, fmt.Errorf("%w: SECRET_BLOCK of %d characters", ErrTooWide, len(s))
	}
	if looksLikeUUID(s) {
		// moto_server sends a UUID here. It happens to be valid URL-safe
		// base64, but it is not a secret block: say so rather than sign it.
		return dst, tmp, fmt.Errorf("%w: SECRET_BLOCK is a UUID, not base64 of a secret block", ErrMalformedBase64)
	}
	std, url := strings.ContainsAny(s, "+/"), strings.ContainsAny(s, "-_")
	if std && url {
		return dst, tmp, fmt.Errorf("%w: SECRET_BLOCK mixes base64 alphabets", ErrMalformedBase64)
	}
	padded := strings.HasSuffix(s, "=") || len(s)%4 == 0
	var enc *base64.Encoding
	switch {
	case url && padded:
		enc = urlStrict
	case url:
		enc = urlRawStrict
	case padded:
		enc = stdStrict
	default:
		enc = stdRawStrict
	}
	if strings.ContainsAny(s, "\r\n") {
		return dst, tmp, fmt.Errorf("%w: SECRET_BLOCK", ErrMalformedBase64)
	}
	mark := len(dst)
	dst = append(dst, make([]byte, enc.DecodedLen(len(s)))...)
	tmp = append(tmp[:0], s...)
	n, err := enc.Decode(dst[mark:], tmp)
	if err != nil {
		return dst[:mark], tmp, fmt.Errorf("%w: SECRET_BLOCK", ErrMalformedBase64)
	}
	return dst[:mark+n], tmp, nil
}
