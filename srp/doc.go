// Package srp implements SRP-6a (RFC 5054, RFC 2945) for any group and hash,
// and the variant Amazon Cognito user pools speak (docs/protocol.md §1–§6): the
// 3072-bit RFC 3526 group with g = 2, SHA-256, padHex encoding, the
// HKDF-derived key and the PASSWORD_CLAIM_SIGNATURE, for passwords and for
// remembered devices, on the client and on the server.
//
// # Roles
//
// Generic SRP-6a: Group.Verifier makes v; Group.NewClient and Client.Session
// compute u, S, K, M1 and check M2; Group.NewServer and Server.Session
// compute B, S, K, check M1 and give M2.
//
// Cognito: Cognito() is the group. A Client's PublicHex is SRP_A;
// Client.PasswordClaim and Client.DeviceClaim answer PASSWORD_VERIFIER and
// DEVICE_PASSWORD_VERIFIER; NewDeviceVerifier makes the ConfirmDevice
// verifier. For servers, NewPasswordVerifier, ParseDeviceSecretVerifierConfig,
// NewCognitoServer and Server.VerifyPasswordClaim; Group.CheckVerifier
// refuses the verifiers that let anyone in (v ≡ 0, ±1 mod N, or v ≥ N) and
// belongs wherever a server imports one. Client.Regenerate with
// Client.AppendPasswordClaim signs without allocating, for callers that sign
// many claims.
//
// # Constant time
//
// Secret values are the password, the ephemeral exponents a and b, x, the
// verifier v, g^x, the base B − k·g^x, the exponent a + u·x, S and the
// derived key. No branch, memory index or early exit depends on them, for
// fixed input lengths: 3072-bit groups compute on internal/mont (Montgomery
// kernels and a fixed-base comb for g, built once per group), other sizes on
// filippo.io/bigmod; a + u·x is a fixed-length schoolbook product; proofs and
// signatures are compared with crypto/subtle. This package never imports
// math/big (a test enforces it).
//
// Public, and handled with ordinary code: N, g, k, A, B, u, the salt,
// SECRET_BLOCK, TIMESTAMP, and the lengths of every input (the password's,
// a's). padHex(S) has a value-dependent length (a sign byte when the top bit
// is set, none of the leading zero bytes), as the protocol hashes it; that
// length is the one thing about S a timing observer of the hash can learn.
//
// Two checks hold the code to this (bench/ct): Valgrind's Memcheck runs the
// claims, the server's verification and generic exchanges with every secret
// marked, and reports any branch or address that depends on one (the
// package declassifies, through internal/ctgrind, exactly the public values
// listed above); and dudect timing runs compare fixed against random secrets.
//
// # Wiping
//
// A Claim holds only the values sent on the wire. A claim (PasswordClaim,
// DeviceClaim, AppendPasswordClaim, PasswordClaimTrace) uses up the
// client's a: when it returns, with a claim or an error, a and the scratch
// that held x, a + u·x, S, padHex(S), the derived key and the hashed
// password are zeroed in place, as are the 3072-bit arithmetic's temporaries
// of S, and another claim is ErrEphemeralUsed until Regenerate. Only
// PasswordClaimTrace returns x, S and the key, for test vectors and
// debugging. Not wiped: hash states inside crypto/sha256, and
// filippo.io/bigmod's numbers (groups other than 3072 bits), which this
// package cannot reach; the generic Client.Session, whose ClientSession
// hands S and K to the caller by design.
//
// # Errors
//
// Bad input is a typed error matched with errors.Is (ErrBZero, ErrAZero,
// ErrUZero, ErrMalformedHex, ErrMalformedBase64, ErrTooWide, ErrEmpty,
// ErrGroup, ErrVerification, ErrDegenerateVerifier, ErrEphemeralUsed,
// ErrRandom), never a panic. Messages name the value that is wrong, never a
// secret.
package srp
