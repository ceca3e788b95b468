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
// the holder of the admin secret; see Security model), and each pool's
// OAuth 2.0 endpoints and hosted sign-in pages (package idp/oauth) at
// /<poolId>/oauth2/…, /<poolId>/login, /<poolId>/logout and
// /<poolId>/.well-known/openid-configuration — and at the same paths on
// http://<domain>.localhost:PORT once the pool has a domain
// (CreateUserPoolDomain). The operations answered are listed by Operations.
// On the same port it answers the
// Cognito identity-pool API (X-Amz-Target AWSCognitoIdentityService.*,
// package idp/identity): identity pools that trust the server's user
// pools, GetId and GetCredentialsForIdentity, which check the ID token of
// each login and hand out fake AWS credentials that expire
// (Options.IdentityCredentialsTTL), and GetOpenIdToken; the pools' roles
// (SetIdentityPoolRoles) are kept and returned, not applied.
// The user-pool operations cover sign-in and refresh
// (GetTokensFromRefreshToken with the client's RefreshTokenRotation),
// sign-up, password reset and change, the signed-in user's attributes and
// devices, MFA, the admin operations on users and devices, groups (whose
// names, roles and preferred role the tokens carry, ordered by
// precedence), ListUsers with Cognito's filter syntax, ListUserPools,
// ListUserPoolClients, and pool and client management with tags (the
// README's server section has the table). Any other operation answers
// UnknownOperationException naming it.
//
// This package composes the layers below it (docs/architecture.md, "idp:
// the local server's layers"): idp/wire (the AWS JSON 1.1 front end),
// idp/oauth (the OAuth 2.0 endpoints and hosted pages),
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
//   - ID and access tokens are RS256 JWTs (package token's Signer) with
//     Cognito's claims and numeric iat/exp, issuer <endpoint>/<poolId>, each
//     pool signing with its own key; refresh tokens are opaque, stored as
//     hashes, and revocable (RevokeToken, GlobalSignOut).
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
//     by a challenge Session. An access token authorises them only with
//     the scope aws.cognito.signin.user.admin, which API sign-ins' tokens
//     carry and an OAuth sign-in's only if asked for (Cognito's
//     NotAuthorizedException "Access Token does not have required
//     scopes"). Their answers carry
//     Access-Control-Allow-Origin: * for browser clients. Each pool's JWKS
//     is public too, and so are its OAuth 2.0 endpoints (idp/oauth): the
//     token, userInfo and revoke endpoints and the discovery document are
//     open to every origin, as Cognito's; the hosted pages are not.
//     CreateUserPoolDomain and the resource-server operations are signed.
//   - Signed: every other operation (Admin*, pool, client, group and
//     listing operations: what Cognito authorises with IAM), with AWS
//     Signature Version 4 by Options.AdminCredentials.
//   - Bearer: the outbox, with the admin secret.
//   - In-process: the Go API (CreatePool, CreateUser, ApplySeed, Outbox, …)
//     checks nothing; whoever holds the *Server is the administrator.
//
// # Attributes and token claims
//
// A pool's attributes are Cognito's standard ones (address, birthdate,
// email, email_verified, family_name, gender, given_name, locale,
// middle_name, name, nickname, phone_number, phone_number_verified,
// picture, preferred_username, profile, sub, updated_at, website,
// zoneinfo) and the custom:NAME and dev:NAME attributes declared by
// CreateUserPool's Schema (PoolConfig.Schema in seed files) or
// AddCustomAttributes; DescribeUserPool lists them all in
// SchemaAttributes. Every write path — SignUp, NEW_PASSWORD_REQUIRED's
// userAttributes.*, UpdateUserAttributes, DeleteUserAttributes,
// AdminCreateUser, AdminUpdateUserAttributes, AdminDeleteUserAttributes
// and the Go API — refuses any other name with InvalidParameterException "Attributes
// did not conform to the schema: NAME: Attribute does not exist in the
// schema." (the service's wording); sub never changes, nor does an
// immutable (Mutable false) attribute once the user exists. A user
// writing their own attributes (SignUp, NEW_PASSWORD_REQUIRED,
// UpdateUserAttributes, DeleteUserAttributes) never writes or removes
// email_verified, phone_number_verified or a dev: attribute, nor
// one outside the app client's WriteAttributes when it has them:
// NotAuthorizedException "A client attempted to write unauthorized
// attribute". A changed email or phone_number is unverified unless an
// administrator's same request sets its flag (as AdminUpdateUserAttributes
// documents). An ID token carries the attributes the client's
// ReadAttributes allow (all but dev: ones when it has none); claims the
// server sets (sub, iss, aud, exp, iat, jti, token_use, origin_jti,
// cognito:*, …) are set over the attributes and never taken from one,
// nor from a pre token generation trigger (which refuses them with
// InvalidLambdaResponseException; the groups, roles and preferred role
// change only through its groupOverrideDetails).
//
// # Keys
//
// Each pool has its own 2048-bit RSA key and kid, drawn when the pool is
// created and kept in the store (so --data keeps them); its JWKS lists
// that key only. A token of one pool never verifies under another's key
// set, nor through VerifyPoolToken or an access-token operation for
// another pool; VerifyToken chooses the key by the pool the token's iss
// names and checks iss. (Options.SigningKey gives every pool one key, for
// tests; kids and key sets stay per pool.)
//
// # One-time codes
//
// Wrong codes are counted per user and kind of code across sessions:
// SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP and SMS_OTP challenges (MFA or a
// passwordless first factor), ConfirmSignUp, ConfirmForgotPassword and
// VerifyUserAttribute (one count for both attributes). The fifth wrong code of a
// kind locks that kind for Options.Lockout, doubling with each further
// failure up to 15 minutes, like passwords; while locked even the right
// code is refused — TooManyFailedAttemptsException for a sign-in
// challenge (ours: the type is Cognito's, its message ours) and
// LimitExceededException "Attempt limit exceeded, please try after some
// time." for ConfirmSignUp, ConfirmForgotPassword and VerifyUserAttribute
// — and the pending code is void (the challenge session is spent; the
// sign-up, reset or verification code is cleared). The counts are store
// records written in the request's own transaction. Anyone who knows a
// user name can thus lock that user's codes for a while, as with
// passwords (ours). A passwordless first factor (EMAIL_OTP, SMS_OTP)
// stands in for MFA except for a TOTP authenticator the user has, which is
// still asked. A password reset proven with its code (ConfirmForgotPassword,
// or the hosted page's, which is the same operation) also ends a password
// lockout: whoever receives the code owns the account anyway (ours).
//
// # Where codes go
//
// Sign-in codes (SMS and e-mail MFA, EMAIL_OTP and SMS_OTP) go only to a
// verified address (email_verified, phone_number_verified "true"). Changing
// email or phone_number by a user-side path clears its flag, so no change
// redirects a second factor; MFA_SETUP with EMAIL keeps the address in the
// session and stores it (verified, with e-mail MFA on) only once the code
// sent to it is proven. A signed-up user's auto-verified attributes are
// verified by ConfirmSignUp, not at SignUp.
//
// # Users deleted and created again
//
// A sign-in, its refresh token and its access tokens belong to the user's
// sub: a challenge session begun before AdminDeleteUser never finishes for
// a user created again under the same name, and AdminDeleteUser removes
// the user's sign-ins (refresh tokens) and devices in its transaction.
//
// # Devices and verifiers
//
// ConfirmDevice accepts only the device of the caller's own sign-in (the
// access token's device_key) and only while it is unconfirmed: another
// device of the user, or re-keying a confirmed one, is
// NotAuthorizedException (ours). Device verifiers pass
// srp.ParseDeviceSecretVerifierConfig, which refuses v ≡ 0, 1 or −1 mod N
// (srp.ErrDegenerateVerifier); a stored password verifier of that kind (a
// tampered file) is refused at sign-in as a wrong password.
//
// # Aliases
//
// An alias (AliasAttributes: email, phone_number, preferred_username)
// names a user only when that user is confirmed and (for email and
// phone_number) has the value verified; an unverified or unconfirmed
// holder signs in by user name only. A second user cannot come to hold an
// alias another user holds — confirming, or an admin setting the verified
// value — AliasExistsException "An account with the email already
// exists.", as ConfirmSignUp's ForceAliasCreation documents; with
// ForceAliasCreation true the alias moves to the confirmed user and the
// former holder's value becomes unverified.
//
// # Control plane
//
// A control-plane request must carry an Authorization header of
// AWS4-HMAC-SHA256 with the admin access key id, a credential scope of
// service cognito-idp (any region), an X-Amz-Date within
// Options.SignatureSkew (5 minutes, as AWS) of the clock, and a signature
// that the aws-sdk-go-v2 signer, run over the received method, path,
// query, signed headers and body with the admin secret, reproduces
// (compared with crypto/subtle). As AWS's, a signature is good for the
// whole window (botocore signs an identical call repeated within a second
// identically, so the AWS CLI depends on it); Options.RefuseSignatureReplay
// accepts each once (a min-heap forgets it after the window). Refusals are
// AWS's, HTTP 400:
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
// setting. ForgotPassword and ResendConfirmationCode answer an unknown
// user with a simulated CodeDeliveryDetails, as Cognito documents (its
// shape is ours: a name that is an e-mail address or phone number is
// masked as its own destination, any other gets an e-mail destination
// drawn from the unknown-user key, the same at every call), and
// ConfirmForgotPassword answers CodeMismatchException after the password
// policy's check and the same verifier work as for a real user. A
// real user without a verified address still gets ForgotPassword's
// InvalidParameterException, and a confirmed one ResendConfirmationCode's,
// as Cognito answers. A disabled or locked user gets the challenge like
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
// # Sign-in history
//
// Each sign-in of a known user is one event of AdminListUserAuthEvents
// (Cognito's AuthEventType), stored from its first proof (a password, a
// code) or its outcome on, so that an SRP start never answered writes
// nothing: EventType SignIn; EventResponse Pass, Fail or InProgress (a
// challenge open, or left unanswered); ChallengeResponses
// with a Password or Mfa entry, Success or Failure, for each proof
// answered (one-time codes, MFA or USER_AUTH's first factor, are Mfa);
// and EventContextData.IpAddress. The address is UserContextData's
// IpAddress on the user-side calls and ContextData's on the admin calls,
// as the sign-in's first step names it; one that is not an IP address,
// or none, gives the address the request came from (forwarding headers
// are not believed). The tokens of a sign-in carry its event's id as
// event_id; AdminUpdateAuthEventFeedback records an administrator's
// verdict on one, listed as EventFeedback (UpdateAuthEventFeedback, whose
// token Cognito sends in its risk e-mails, is not answered). Malformed
// requests and sessions that are not the request's to answer leave the
// event as it was. EventRisk is always NoRisk: no
// risk is assessed. Cognito keeps this history only with threat
// protection (UserPoolAddOnNotEnabledException otherwise); the local
// server keeps it for every pool, the newest store.MaxAuthEvents (100)
// per user, and deletes it with the user. The other event types are
// one-step events with the end user's address: SignUp (Pass),
// ResendCode (Pass), ForgotPassword (InProgress when the code is sent,
// then Fail or Pass at ConfirmForgotPassword, the hosted page's reset
// included) and PasswordChange (Fail or Pass; ChangePassword takes no
// UserContextData, so the address is the request's source).
//
// # Bounded records
//
// What one user can make the server keep is bounded, so that a script
// with one user's password cannot fill the store: at most
// store.MaxOriginsPerUser (100) sign-ins with their refresh tokens
// (origins whose refresh tokens expired go at the user's next sign-in,
// then the oldest), store.MaxDevicesPerUser (100) devices (the oldest
// never confirmed first) and store.MaxAuthEvents (100) events. A refresh
// token of a sign-in dropped this way is refused (NotAuthorizedException). Each user's
// records are listed in an index of their own (idp/store's userindex),
// so GlobalSignOut, ListDevices and DeleteUser cost what the user keeps,
// not what every user keeps. Cognito documents no such bounds.
//
// # Token issuer
//
// Token issuers are Options.Endpoint + "/" + poolId, or Start's address.
// A Server used as a bare http.Handler without Endpoint mints no token
// (InternalErrorException) rather than take the issuer from the request's
// Host header, which the caller chooses; Options.IssuerFromHost asks for
// the Host explicitly, for a handler behind a proxy that sets it.
package idp
