package srp

import (
	"crypto/subtle"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// PadHex returns Cognito's padHex encoding of the non-negative big-endian
// integer b (docs/protocol.md §2): the minimal big-endian bytes, with one leading
// 0x00 when the top bit of the first byte is set. Zero encodes as 0x00.
//
// The scan over b is constant-time; the length of the result necessarily
// depends on the number of leading zero bytes of b.
func PadHex(b []byte) []byte { return appendPadHex(nil, b) }

func appendPadHex(dst, b []byte) []byte {
	b = b[leadingZeros(b):]
	if len(b) == 0 {
		return append(dst, 0)
	}
	// A sign byte when the top bit is set. This depends on the value, as the
	// encoding demands; the result's length is public once hashed anyway.
	top := b[0] >> 7
	ctgrind.PublicValue(&top)
	if top != 0 {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}

// leadingZeros counts the leading zero bytes of b without branching on
// their values. The count itself is declassified: for S it is exactly what
// the protocol's minimal encoding reveals through the length of padHex(S)
// (see the package documentation), and for the public values it is public.
func leadingZeros(b []byte) int {
	lead, done := 0, 0
	for _, c := range b {
		done |= subtle.ConstantTimeByteEq(c, 0) ^ 1
		lead += 1 - done
	}
	ctgrind.PublicValue(&lead)
	return lead
}

// SignedPadHex returns the padHex encoding of the integer written in s, a
// hexadecimal string in any case, of any length, optionally with a leading
// '-' (Cognito has been seen to send negative SALT values). Negative values
// are encoded in minimal two's complement, as Java's BigInteger.toByteArray:
// −20 → EC, −128 → 80, −129 → FF7F. s is treated as public.
func SignedPadHex(s string) ([]byte, error) {
	if len(s) == 0 || s[0] != '-' {
		return appendSignedPadHex(nil, s)
	}
	mag, err := decodeHexInt(s[1:], maxSaltHexLen)
	if err != nil {
		return nil, err
	}
	if len(mag) == 0 {
		return PadHex(mag), nil
	}
	return twosComplementNegative(mag), nil
}

// maxSaltHexLen bounds SALT and other hex values that are not reduced mod N.
const maxSaltHexLen = 1024

// twosComplementNegative returns the minimal two's-complement encoding of
// −m for the non-zero minimal big-endian magnitude m. Public values only.
func twosComplementNegative(m []byte) []byte {
	// −m fits in L bytes when m ≤ 2^(8L−1).
	l := len(m)
	if m[0] > 0x80 || (m[0] == 0x80 && !allZero(m[1:])) {
		l++
	}
	out := make([]byte, l)
	copy(out[l-len(m):], m)
	// out = 2^(8l) − out: invert and add one.
	carry := 1
	for i := l - 1; i >= 0; i-- {
		v := int(^out[i]) + carry
		out[i] = byte(v)
		carry = v >> 8
	}
	return out
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// decodeHexInt parses a public hexadecimal integer (any case, odd length
// allowed, no sign) into minimal big-endian bytes. Empty input is ErrEmpty.
func decodeHexInt(s string, maxLen int) ([]byte, error) {
	b, err := appendHexInt(nil, s, maxLen)
	if err != nil {
		return nil, err
	}
	return trimLeadingZeros(b), nil
}

func hexNibble(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// trimLeadingZeros returns b without its leading zero bytes. Variable-time:
// public values only.
func trimLeadingZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// lowerHex returns the lower-case hex of the minimal big-endian integer b,
// without padding and without leading zero digits ("0" for zero), as SRP_A
// is sent (docs/protocol.md §2). Public values only.
func lowerHex(b []byte) string {
	const digits = "0123456789abcdef"
	b = trimLeadingZeros(b)
	if len(b) == 0 {
		return "0"
	}
	out := make([]byte, 0, 2*len(b))
	if b[0] < 0x10 {
		out = append(out, digits[b[0]])
	} else {
		out = append(out, digits[b[0]>>4], digits[b[0]&15])
	}
	for _, c := range b[1:] {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
