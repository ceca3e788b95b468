package token

import "errors"

// The errors Verify returns wrap exactly one of these; test with errors.Is.
// No message ever contains the token or its signature; claim values that an
// attacker chose (issuer, kid, alg, client id) are quoted and cut short.
var (
	// ErrMalformed: not a JWS compact serialization of a JSON object
	// (RFC 7515, Section 7.1), empty, or longer than Config.MaxTokenBytes.
	ErrMalformed = errors.New("token: malformed")
	// ErrAlgorithm: the header's alg is not RS256 (none, HS256, …), or the
	// key the kid names is not an RSA key of at least 2048 bits, or it names
	// another alg.
	ErrAlgorithm = errors.New("token: algorithm not allowed")
	// ErrUnknownKey: the kid is absent, or not in the issuer's JWKS even
	// after a refetch (or a refetch was not allowed yet).
	ErrUnknownKey = errors.New("token: unknown signing key")
	// ErrSignature: the RS256 signature does not verify.
	ErrSignature = errors.New("token: bad signature")
	// ErrWrongIssuer: iss is none of the configured pools' issuers.
	ErrWrongIssuer = errors.New("token: wrong issuer")
	// ErrMissingClaim: a claim every Cognito token carries (iss, sub,
	// token_use, exp, iat, and aud or client_id) is absent.
	ErrMissingClaim = errors.New("token: missing claim")
	// ErrExpired: the time is at or after exp plus the leeway.
	ErrExpired = errors.New("token: expired")
	// ErrNotYetValid: the time is before nbf, or before iat, less the
	// leeway.
	ErrNotYetValid = errors.New("token: not yet valid")
	// ErrWrongTokenUse: token_use is not the one the pool accepts.
	ErrWrongTokenUse = errors.New("token: wrong token_use")
	// ErrWrongClient: aud (ID tokens) or client_id (access tokens) is none
	// of the pool's app clients.
	ErrWrongClient = errors.New("token: wrong client")
	// ErrMissingGroup: cognito:groups holds none of the required groups.
	ErrMissingGroup = errors.New("token: missing group")
	// ErrMissingScope: scope holds none of the required scopes.
	ErrMissingScope = errors.New("token: missing scope")
	// ErrCheck: Config.Check refused the claims; its error is wrapped too.
	ErrCheck = errors.New("token: check failed")
	// ErrKeySet: the issuer's JWKS could not be fetched or parsed. The
	// token may be good: this is the key server's failure, not the token's.
	ErrKeySet = errors.New("token: key set unavailable")
)
