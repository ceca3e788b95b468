// Package token verifies the JSON Web Tokens that Amazon Cognito user pools
// (and idp, caldera serve) issue: ID and access tokens signed with RS256
// (RFC 7519; RFC 7515; RFC 7518, Section 3.3; docs/protocol.md §9).
//
// A Verifier holds one or more pools (Cognito pool ids, or explicit issuers
// and JWKS URLs) and checks, for each token, what AWS's aws-jwt-verify
// checks and more:
//
//   - the form and size of the token, and alg RS256 only: none, HS256 (the
//     public key used as an HMAC secret), and every other alg are refused
//     before any key is looked at;
//   - iss is a configured pool; kid names a key of that pool's JWKS, and that
//     key is an RSA key of at least 2048 bits that names no other alg (a kid
//     found only in another pool's set is unknown);
//   - the signature; then exp, nbf and iat (a token issued in the future is
//     refused) with an optional leeway against an injectable clock;
//   - token_use (id, access or either), the app client (aud for ID tokens,
//     client_id for access tokens; one or several accepted), the presence of
//     sub, the required groups (cognito:groups) and scopes, and a custom
//     check hook.
//
// Each failure wraps one sentinel error (ErrExpired, ErrWrongClient, …) for
// errors.Is; no message contains the token.
//
// Key sets are fetched when first needed, refetched when a token names an
// unknown kid but at most once per RefetchInterval (10 s) per issuer, with a
// timeout and a size bound; Pool.JWKS gives a set up front for offline use.
// Middleware verifies the bearer token of HTTP requests (RFC 6750) and puts
// the claims in the request's context. Signer signs tokens the way Cognito
// does, for issuers and tests.
//
// # Why go-jose
//
// The JOSE work (base64url, the JWS header, the alg allow-list, JWK
// parsing, the RSA verification) is github.com/go-jose/go-jose/v4's. Of the
// well-kept candidates it has no dependencies beyond the standard library;
// it parses both JWS and JWKS, so no JWK parsing of our own is needed; it
// makes the caller name the accepted algorithms at parse time, so an
// alg-confusion token is refused before a key is chosen; and it fetches
// nothing, which leaves the JWKS cache (when to fetch, how often, how much
// to read, how long to wait) entirely to this package. The alternatives:
// github.com/golang-jwt/jwt/v5 has no JWKS support, and
// github.com/MicahParks/keyfunc/v3 adds it with jwkset and golang.org/x/time
// and a background refresh goroutine whose fetch limits are its own;
// github.com/lestrrat-go/jwx/v3 brings about ten modules (a secp256k1
// implementation, two JSON libraries, an HTTP cache) for features Cognito
// tokens never use.
package token
