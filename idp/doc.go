// Package idp is a local, Cognito-compatible identity provider that really
// verifies SRP: a user pool service for tests, demos and offline
// development that the official clients (amazon-cognito-identity-js,
// @aws-sdk/client-cognito-identity-provider, aws-sdk-go-v2 with
// BaseEndpoint) and Caldera's own flow package talk to unchanged.
//
// A Server is an http.Handler speaking the AWS JSON 1.1 protocol of
// AWSCognitoIdentityProviderService (POST / with X-Amz-Target; errors as
// non-2xx {"__type", "message"}, docs/protocol.md §7 and §9). It also serves each
// pool's JSON Web Key Set at /<poolId>/.well-known/jwks.json and the local
// outbox of SMS and e-mail codes at /_caldera/outbox?pool=&username= (to
// the holder of the admin secret; see Security model). The operations
// answered are listed by Operations.
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
// Options in place of Lambda triggers.
//
// It is a test double, not a production identity service: there is no
// rate limiting beyond the lockout and the session caps.
//
// # Security model
//
// What a caller reaching the port may do, and with what (issue 11):
//
//   - Public, as Cognito's: the operations botocore's model marks
//     "authtype": "none" (wire.IsPublic): SignUp, ConfirmSignUp,
//     InitiateAuth, RespondToAuthChallenge, the password-recovery calls,
//     RevokeToken, GetTokensFromRefreshToken, and the calls authorised by
//     an access token (GetUser, ChangePassword, AssociateSoftwareToken,
//     VerifySoftwareToken, ConfirmDevice, ListDevices, GlobalSignOut, …) or
//     by a challenge Session. Their answers carry
//     Access-Control-Allow-Origin: * for browser clients. Each pool's JWKS
//     is public too.
//   - Signed: every other operation (Admin*, pool, client, group and
//     listing operations: what Cognito authorises with IAM), with AWS
//     Signature Version 4 by Options.AdminCredentials.
//   - Bearer: the outbox, with the admin secret.
//   - In-process: the Go API (CreatePool, CreateUser, ApplySeed, Outbox, …)
//     checks nothing; whoever holds the *Server is the administrator.
//
// # Control plane
//
// A control-plane request must carry an Authorization header of
// AWS4-HMAC-SHA256 with the admin access key id, a credential scope of
// service cognito-idp (any region), an X-Amz-Date within
// Options.SignatureSkew (5 minutes, as AWS) of the clock, and a signature
// that the aws-sdk-go-v2 signer, run over the received method, path,
// query, signed headers and body with the admin secret, reproduces
// (compared with crypto/subtle). A signature is accepted once within the
// window (a min-heap forgets it after), unless
// Options.AllowSignatureReplay: botocore signs an identical call repeated
// within a second identically. Refusals are AWS's, HTTP 400:
// MissingAuthenticationTokenException (unsigned),
// IncompleteSignatureException (malformed), UnrecognizedClientException
// (another key id), InvalidSignatureException (wrong signature, another
// service, outside the window, replayed). Control-plane answers carry no
// Access-Control-Allow-Origin, so a page on another origin cannot read
// one; a CORS preflight, which does not name the operation, is answered
// for all. Without Options.AdminCredentials New draws a random key
// (Server.AdminCredentials; caldera serve prints it).
// Options.InsecureAdmin accepts everything unsigned.
//
// GET /_caldera/outbox answers only Authorization: Bearer
// <admin secret access key> (constant-time comparison), sends no CORS
// header and answers no preflight (405), so no page can read the codes
// and temporary passwords in it.
//
// # User existence
//
// App clients have PreventUserExistenceErrors, ENABLED unless created
// LEGACY ("Managing user existence error responses", Amazon Cognito
// Developer Guide). With ENABLED an unknown user name is not disclosed:
// USER_SRP_AUTH gets a PASSWORD_VERIFIER challenge computed by the same
// code as a real one, from a stand-in whose salt is HMAC-SHA256 of the
// pool and the name under a key derived from the server's seal key (the
// same at every call and across restarts with --data, as a real salt)
// and whose verifier is a pseudo-random value (so SRP_B costs the same
// exponentiation and is fresh each time); SECRET_BLOCK, Session and
// USER_ID_FOR_SRP have a real challenge's shapes. The claim is refused,
// after the same SRP work, with NotAuthorizedException "Incorrect
// username or password." and the session is spent, as for a wrong
// password. USER_PASSWORD_AUTH, the ADMIN_ password flows and CUSTOM_AUTH
// answer that same error; USER_AUTH offers SELECT_CHALLENGE with the
// password factors; ConfirmSignUp answers CodeMismatchException.
// SignUp keeps UsernameExistsException, as Cognito's does whatever the
// setting; ForgotPassword and ResendConfirmationCode, when they exist,
// must answer an unknown user with a simulated CodeDeliveryDetails, as
// Cognito documents. A disabled or locked user gets the challenge like
// anyone and is refused only after the proof. What still tells users
// apart: the lockout (only a real user is locked after
// Options.MaxFailures wrong proofs); a real user's e-mail or phone factors
// in USER_AUTH's choice; and CUSTOM_AUTH on a pool with Options.CustomAuth,
// where a real user gets the hook's challenge and an unknown one the
// wrong password's error at once (Cognito instead runs its triggers with
// userNotFound set).
//
// # Challenge sessions
//
// Sessions between challenges live in memory, capped per user
// (Options.MaxSessionsPerUser, 32) and in total (Options.MaxSessions,
// 10000). They sit in a min-heap by expiry: expired ones are dropped from
// its top at each new session and a taken one is removed by its index,
// O(log n), never by scanning the table. At a cap the oldest session gives
// way (the user's own oldest at the per-user cap), so a flood of
// unanswered InitiateAuth calls bounds memory (about 1 KB a session) and
// never keeps the flooded user from signing in; it can make a sign-in in
// progress for that user start again.
//
// # Token issuer
//
// Token issuers are Options.Endpoint + "/" + poolId, or Start's address.
// A Server used as a bare http.Handler without Endpoint mints no token
// (InternalErrorException) rather than take the issuer from the request's
// Host header, which the caller chooses; Options.IssuerFromHost asks for
// the Host explicitly, for a handler behind a proxy that sets it.
package idp
