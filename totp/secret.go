package totp

import (
	"crypto/subtle"
	"fmt"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// DecodeSecret decodes a TOTP secret in base32 (RFC 4648 Section 6), as
// AssociateSoftwareToken returns it in SecretCode (upper-case, no padding).
// Lower and mixed case are accepted, and so is correct "=" padding. Spaces,
// separators and other characters are not: remove them first. The unused low
// bits of the last character must be zero, so that each secret has a single
// spelling.
//
// Errors wrap [ErrInvalidSecret] and never contain the input. The decoding
// runs in time that depends on the length of s only.
func DecodeSecret(s string) ([]byte, error) {
	n := len(s)
	// Trailing '=' are padding, whose number follows from the length: they
	// are counted without branching on the characters, and the count is
	// declassified.
	pad, done := 0, 0
	for i := n - 1; i >= 0; i-- {
		done |= subtle.ConstantTimeByteEq(s[i], '=') ^ 1
		pad += 1 - done
	}
	ctgrind.PublicValue(&pad)
	body := n - pad
	if body == 0 {
		return nil, secretError("empty")
	}
	// Characters in the last group of 8 -> padding characters.
	wantPad := [8]int{0, -1, 6, -1, 4, 3, -1, 1}[body%8]
	if wantPad < 0 {
		return nil, secretError("its length is not a base32 length")
	}
	if pad != 0 && pad != wantPad {
		return nil, secretError("wrong padding")
	}

	out := make([]byte, 0, body*5/8)
	var acc uint64
	var bad byte
	nbits := 0
	for i := range body {
		v, ok := decodeChar(s[i])
		bad |= ^ok
		acc = acc<<5 | uint64(v)
		nbits += 5
		if nbits >= 8 {
			nbits -= 8
			out = append(out, byte(acc>>nbits))
		}
	}
	rest := acc & (1<<nbits - 1)
	bad |= byte((rest | -rest) >> 63) // non-zero unused bits
	ctgrind.PublicValue(&bad)         // whether the secret is well formed is public
	if bad != 0 {
		clear(out)
		return nil, secretError("not base32 (A-Z, 2-7) or non-zero trailing bits")
	}
	return out, nil
}

// EncodeSecret returns secret in upper-case base32 without padding, the
// spelling of AssociateSoftwareToken's SecretCode and of otpauth:// URIs.
func EncodeSecret(secret []byte) string {
	out := make([]byte, 0, (len(secret)*8+4)/5)
	var acc uint64
	nbits := 0
	for _, b := range secret {
		acc = acc<<8 | uint64(b)
		nbits += 8
		for nbits >= 5 {
			nbits -= 5
			out = append(out, encodeChar(byte(acc>>nbits)&31))
		}
	}
	if nbits > 0 {
		out = append(out, encodeChar(byte(acc<<(5-nbits))&31))
	}
	return string(out)
}

func secretError(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidSecret, reason)
}

// inRange returns 0xff if lo <= c <= hi and 0 otherwise, without branching.
func inRange(c, lo, hi byte) byte {
	x := int32(c)
	return byte(((int32(lo) - 1 - x) & (x - int32(hi) - 1)) >> 31)
}

// decodeChar maps A-Z and a-z to 0-25 and 2-7 to 26-31; ok is 0xff for those
// characters and 0 for any other.
func decodeChar(c byte) (v, ok byte) {
	upper := inRange(c, 'A', 'Z')
	lower := inRange(c, 'a', 'z')
	digit := inRange(c, '2', '7')
	v = upper&(c-'A') | lower&(c-'a') | digit&(c-'2'+26)
	return v, upper | lower | digit
}

// encodeChar maps 0-25 to A-Z and 26-31 to 2-7, without branching.
func encodeChar(v byte) byte {
	above25 := byte((int32(25) - int32(v)) >> 31) // 0xff if v > 25
	return 'A' + v + above25&('2'+256-26-'A')     // + 256: wraps to '2'-26 for v > 25
}
