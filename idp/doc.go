// Package idp is a local, Cognito-compatible identity provider that really
// verifies SRP: a user pool service for tests, demos and offline
// development that the official clients (amazon-cognito-identity-js,
// @aws-sdk/client-cognito-identity-provider, aws-sdk-go-v2 with
// BaseEndpoint) and Caldera's own flow package talk to unchanged.
//
// A Server is an http.Handler speaking the AWS JSON 1.1 protocol of
// AWSCognitoIdentityProviderService (POST / with X-Amz-Target; errors as
// non-2xx {"__type", "message"}, docs/protocol.md §7 and §9). It also serves each
// pool's JSON Web Key Set at /<poolId>/.well-known/jwks.json, its OpenID
// Connect discovery document at /<poolId>/.well-known/openid-configuration
// and the local outbox of SMS and e-mail codes at
// /_caldera/outbox?pool=&username=. The operations answered are listed by
// Operations (and in the README's server section): sign-in and refresh
// (GetTokensFromRefreshToken with the client's RefreshTokenRotation),
// sign-up, password reset and change, the signed-in user's attributes and
// devices, MFA, the admin operations on users and devices, groups (whose
// names, roles and preferred role the tokens carry, ordered by
// precedence), ListUsers with Cognito's filter syntax, ListUserPools,
// ListUserPoolClients, and pool and client management with tags. Any other
// operation answers UnknownOperationException naming it.
//
// This package composes the layers below it (docs/architecture.md, "idp:
// the local server's layers"): idp/wire (the AWS JSON 1.1 front end),
// idp/userpool (the user-pool domain and sign-in state machine),
// idp/store (records and transactional storage) and idp/tokens (keys and
// every JWT). Its own API — New, Options, Server and the Go set-up
// methods — is what callers use; the types it names are aliases of those
// packages' types.
//
// What it promises:
//
//   - Passwords are stored only as SRP verifiers (docs/protocol.md §3). USER_SRP_AUTH
//     answers with SALT and SRP_B from the stored verifier and checks
//     PASSWORD_CLAIM_SIGNATURE with srp.Server.VerifyPasswordClaim; the
//     comparison is constant-time. USER_PASSWORD_AUTH recomputes the verifier
//     from the stored salt and compares it with crypto/subtle.
//   - SECRET_BLOCK is opaque and tamper-proof: the session's ids sealed with
//     AES-256-GCM under a server key. It and the Session are single-use: the
//     request that answers a challenge takes the session, whatever the
//     outcome (a wrong MFA code may be retried up to three times).
//   - TIMESTAMP is parsed, re-rendered canonically and that is what is
//     verified (docs/protocol.md §4); it must be within Options.TimestampSkew of
//     the server clock. Sessions expire after Options.SessionTTL (3 minutes).
//   - SECRET_HASH is required and checked on every call of a client with a
//     secret (docs/protocol.md §5). Repeated failed proofs lock the user out for a
//     while (PasswordAttemptsExceededException). Request bodies are bounded.
//   - Devices follow docs/protocol.md §6 and §9: NewDeviceMetadata when the pool
//     tracks devices, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER against the
//     verifier uploaded by ConfirmDevice, a forgotten device refused with
//     ResourceNotFoundException before any SRP state is consumed, and a JSON
//     null DEVICE_KEY treated as absent.
//   - ID and access tokens are RS256 JWTs (crypto/rsa) with Cognito's claims
//     and numeric iat/exp, issuer <endpoint>/<poolId>; refresh tokens are
//     opaque, stored as hashes, and revocable (RevokeToken, GlobalSignOut).
//   - State is in memory, or in a bbolt file (OpenBoltStore). Each operation
//     commits its writes in one transaction before it answers (with a bbolt
//     file: fsynced, concurrent operations sharing the sync), so a crash
//     loses nothing acknowledged and leaves no half-finished operation.
//   - No lock is shared across sign-ins while SRP, verifier or RSA work
//     runs: the server uses every core.
//
// The Go API sets a server up without HTTP: CreatePool, CreateClient,
// CreateUser, ApplySeed (and ReadSeedFile), and reads what it would have
// sent with Outbox and LastCode. CUSTOM_AUTH runs the CustomAuth hooks of
// Options in place of Lambda triggers, and Options.Triggers holds the pre
// sign-up, post confirmation, pre token generation (V2 event: both tokens'
// claims and the groups; reserved claims cannot be changed) and custom
// message triggers.
// HTTPTriggers forwards any of them to an HTTP endpoint with the event JSON
// a Lambda function would receive (caldera serve --trigger NAME=URL).
//
// It is a test double, not a production identity service: there is no
// request signing check, no rate limiting beyond the lockout, and one
// signing key per server.
package idp
