package srp

import "errors"

// Errors returned by this package. They can be matched with errors.Is; the
// messages never contain secret values.
var (
	// ErrBZero means the server's public value B is congruent to 0 modulo N
	// (RFC 5054, Section 2.5.4; docs/protocol.md §3 step 2).
	ErrBZero = errors.New("srp: B is zero mod N")
	// ErrAZero means the client's public value A is congruent to 0 modulo N
	// (RFC 5054, Section 2.5.4; checked by the server).
	ErrAZero = errors.New("srp: A is zero mod N")
	// ErrUZero means the scrambling parameter u = H(A ‖ B) is zero.
	ErrUZero = errors.New("srp: u is zero")
	// ErrMalformedHex means a hexadecimal value could not be parsed.
	ErrMalformedHex = errors.New("srp: malformed hex")
	// ErrMalformedBase64 means a base64 value (SECRET_BLOCK, a device salt or
	// verifier) could not be decoded.
	ErrMalformedBase64 = errors.New("srp: malformed base64")
	// ErrTooWide means a value has more bits than the group modulus N (or, for
	// salts and exponents, more than this package accepts).
	ErrTooWide = errors.New("srp: value wider than N")
	// ErrEmpty means a required value was empty: a username, pool name,
	// SRP_B or SALT.
	ErrEmpty = errors.New("srp: required value is empty")
	// ErrGroup means a group description was refused (modulus not odd,
	// generator out of range, unknown hash).
	ErrGroup = errors.New("srp: invalid group")
	// ErrVerification means a claim, M1 or M2 did not verify.
	ErrVerification = errors.New("srp: verification failed")
	// ErrDegenerateVerifier means a verifier v was refused because it lets
	// anyone in: v ≡ 0, 1 or −1 mod N (with such a v the premaster secret
	// S is computable without the password), or v ≥ N, which no honest
	// client computes. A v ≥ N also matches ErrTooWide.
	ErrDegenerateVerifier = errors.New("srp: degenerate verifier")
	// ErrEphemeralUsed means a Client was asked for a second Cognito claim
	// with the same ephemeral a, which the first claim wiped: Regenerate
	// it, or make a new Client.
	ErrEphemeralUsed = errors.New("srp: ephemeral a already used by a claim")
	// ErrRandom means the random source failed or kept producing values that
	// had to be rejected.
	ErrRandom = errors.New("srp: random source failed")
)
