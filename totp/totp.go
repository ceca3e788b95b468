// Package totp computes and checks the one-time codes of Cognito software-token
// MFA: TOTP (RFC 6238) over HOTP (RFC 4226), with the authenticator-app profile
// that Cognito uses (HMAC-SHA1, 30-second steps, 6 digits, T0 = 0), and the
// base32 secret that AssociateSoftwareToken returns.
//
// Constant time: the secret and the codes are secrets. The secret is only
// used as an HMAC key (crypto/hmac); the dynamic truncation of RFC 4226
// Section 5.3 selects its four bytes with masks rather than by indexing with
// the secret-derived offset; decimal digits are produced by divisions by the
// constant 10, which compile to multiplications; [Validate] compares codes with
// crypto/subtle and always computes and compares every code in the window;
// [DecodeSecret] and [EncodeSecret] map characters with arithmetic, not table
// lookups, and report a bad character without saying which. Not secret, and
// not hidden: the lengths of the secret and of the code, the parameters, the
// time and the window.
package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"time"

	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// Cognito's defaults, which the zero [Params] stands for.
const (
	DefaultDigits = 6
	DefaultPeriod = 30 * time.Second
)

// MaxSkewSteps is the largest window that [Validate] accepts: that many steps
// before and after the current one.
const MaxSkewSteps = 10

var (
	// ErrParams is returned for a Params outside what RFC 4226 and RFC 6238
	// allow (see [Params]).
	ErrParams = errors.New("totp: invalid parameters")
	// ErrTime is returned for a time before the Unix epoch (T0 = 0).
	ErrTime = errors.New("totp: time before 1970-01-01T00:00:00Z")
	// ErrInvalidSecret is returned for an empty secret and for a secret string
	// that is not base32 (see [DecodeSecret]). The errors that wrap it never
	// contain the secret.
	ErrInvalidSecret = errors.New("totp: invalid secret")
)

// Params selects the TOTP variant. The zero value is Cognito's: 6 digits,
// 30-second steps, HMAC-SHA1.
type Params struct {
	// Digits is the code length, 6 to 10 (RFC 4226 Section 5.3 asks for at
	// least 6; the truncated value has at most 10 decimal digits). Zero
	// means 6.
	Digits int
	// Period is the time step X of RFC 6238 Section 4.1, a whole number of
	// seconds. Zero means 30 s.
	Period time.Duration
	// Hash is the HMAC hash, whose output must be at least 20 bytes long
	// (sha1.New, sha256.New, sha512.New). Nil means sha1.New.
	Hash func() hash.Hash
}

// resolved returns p with its defaults filled in, or ErrParams.
func (p Params) resolved() (digits int, periodSeconds int64, h func() hash.Hash, err error) {
	digits, period, h := p.Digits, p.Period, p.Hash
	if digits == 0 {
		digits = DefaultDigits
	}
	if period == 0 {
		period = DefaultPeriod
	}
	if h == nil {
		h = sha1.New
	}
	switch {
	case digits < 6 || digits > 10:
		return 0, 0, nil, fmt.Errorf("%w: Digits must be 6 to 10", ErrParams)
	case period < time.Second || period%time.Second != 0:
		return 0, 0, nil, fmt.Errorf("%w: Period must be a whole number of seconds", ErrParams)
	case h().Size() < 20:
		return 0, 0, nil, fmt.Errorf("%w: Hash output must be at least 20 bytes", ErrParams)
	}
	return digits, int64(period / time.Second), h, nil
}

// counter returns T = floor((unix time - T0) / X) of RFC 6238 Section 4.2.
func counter(t time.Time, periodSeconds int64) (uint64, error) {
	u := t.Unix()
	if u < 0 {
		return 0, ErrTime
	}
	return uint64(u / periodSeconds), nil
}

// Code returns the Cognito TOTP code (6 digits, 30 s, HMAC-SHA1) of secret at
// time t, as the user's authenticator app shows it. secret is the decoded key
// (see [DecodeSecret]).
func Code(secret []byte, t time.Time) (string, error) {
	return Params{}.Code(secret, t)
}

// Validate reports whether code is the Cognito TOTP code of secret at t or at
// up to skewSteps steps (of 30 s) before or after it. See [Params.Validate].
func Validate(secret []byte, code string, t time.Time, skewSteps int) bool {
	return Params{}.Validate(secret, code, t, skewSteps)
}

// Code returns the TOTP code of secret at time t (RFC 6238 Section 4), zero
// padded to p's number of digits.
func (p Params) Code(secret []byte, t time.Time) (string, error) {
	digits, period, h, err := p.resolved()
	if err != nil {
		return "", err
	}
	if len(secret) == 0 {
		return "", fmt.Errorf("%w: empty secret", ErrInvalidSecret)
	}
	c, err := counter(t, period)
	if err != nil {
		return "", err
	}
	var buf [10]byte
	hotp(hmac.New(h, secret), c, buf[:digits])
	ctgrind.Public(buf[:digits]) // a code is made to be shown and sent
	return string(buf[:digits]), nil
}

// HOTP returns the HOTP code of secret for counter c (RFC 4226 Section 5.3)
// with p's digits and hash; p.Period is not used.
func (p Params) HOTP(secret []byte, c uint64) (string, error) {
	digits, _, h, err := p.resolved()
	if err != nil {
		return "", err
	}
	if len(secret) == 0 {
		return "", fmt.Errorf("%w: empty secret", ErrInvalidSecret)
	}
	var buf [10]byte
	hotp(hmac.New(h, secret), c, buf[:digits])
	ctgrind.Public(buf[:digits]) // a code is made to be shown and sent
	return string(buf[:digits]), nil
}

// Validate reports whether code is the TOTP code of secret at a step between
// T - skewSteps and T + skewSteps, where T is the step of t. It computes and
// compares, in constant time, the code of every step of the window, whether or
// not an earlier one matched. Steps before the Unix epoch are left out.
//
// It returns false, without computing anything, for invalid parameters, an
// empty secret, a time before the epoch, or skewSteps outside 0 to
// [MaxSkewSteps]. It does not prevent the reuse of a code: a server must
// remember the last step accepted for each user.
func (p Params) Validate(secret []byte, code string, t time.Time, skewSteps int) bool {
	digits, period, h, err := p.resolved()
	if err != nil || len(secret) == 0 || skewSteps < 0 || skewSteps > MaxSkewSteps {
		return false
	}
	c, err := counter(t, period)
	if err != nil {
		return false
	}
	mac := hmac.New(h, secret)
	var buf [10]byte
	want, got := buf[:digits], []byte(code)
	match := 0
	for step := -int64(skewSteps); step <= int64(skewSteps); step++ {
		if step < 0 && uint64(-step) > c { // before the epoch: public
			continue
		}
		hotp(mac, c+uint64(step), want)
		match |= subtle.ConstantTimeCompare(want, got)
	}
	clear(buf[:])
	ctgrind.PublicValue(&match) // the verdict is the answer
	return match == 1
}

// hotp writes the len(out)-digit HOTP value for counter c into out (RFC 4226
// Section 5.3). mac is an HMAC keyed with the secret; it is reset first.
func hotp(mac hash.Hash, c uint64, out []byte) {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], c)
	mac.Reset()
	mac.Write(msg[:])
	var sumBuf [64]byte
	sum := mac.Sum(sumBuf[:0])

	// Dynamic truncation without a secret-dependent index: read the four
	// bytes at every possible offset and keep the one whose offset matches.
	offset := sum[len(sum)-1] & 0x0f
	var v uint32
	for i := range 16 {
		mask := uint32(0) - uint32(subtle.ConstantTimeByteEq(byte(i), offset))
		v |= binary.BigEndian.Uint32(sum[i:i+4]) & mask
	}
	v &= 0x7fffffff

	// v mod 10^len(out), written out digit by digit with constant divisors.
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = '0' + byte(v%10)
		v /= 10
	}
	clear(sumBuf[:])
}
