// Package userpool is the user-pool domain of the local server: pools and
// app clients, users and their attributes, passwords (kept only as SRP
// verifiers, docs/protocol.md §3), sign-up codes, lockouts, MFA (TOTP, SMS
// and e-mail codes), devices (docs/protocol.md §6), groups and their token
// claims, refresh (with rotation), password reset and attribute
// verification codes, listing with Cognito's filters, the Lambda triggers
// as Go functions (custom auth, pre sign-up, post confirmation, pre token
// generation, custom message) and the sign-in state machine with its
// challenge sessions — the
// behaviour of Cognito's user-pool API without its wire format. Inputs are
// typed Go values and every refusal is an *Error carrying Cognito's error
// type and message; there is no HTTP here (package wire speaks the AWS
// JSON 1.1 protocol on top of it).
//
// Concurrency and atomicity. A Service holds no lock over the model: every
// operation reads in store.View and writes in one store.Update, so its
// writes commit together or not at all — a finished sign-in's device,
// refresh-token origin and failure-count reset are one transaction.
// Expensive work runs before or after the transaction, never inside it and
// never under a lock other requests need: SRP B and claim verification
// (srp), password verifiers, and RSA token signing (package tokens) after
// the commit. A sign-in step decides inside its transaction and leaves its
// effects outside the store (the next challenge session, a code for the
// outbox, a custom-auth trigger call, the tokens to sign) to be carried
// out once the commit succeeded, so a failed commit has no visible effect.
// Triggers (user code, Lambda in Cognito) never run inside a
// transaction: when a custom-auth trigger decides to issue tokens, that
// decision commits in a transaction of its own; pre token generation runs
// before signing, post confirmation and custom message after the commit.
// User attributes written by UpdateUserAttributes, DeleteUserAttributes
// and AdminDeleteUserAttributes go through one function, setAttributes
// (userattrs.go), which applies the pool's schema (checkAttributes) and
// changeAttributes like every other write path.
//
// Each pool signs its tokens with its own RSA key, a store record drawn
// when the pool is created (outside any transaction) and then held in
// memory as a tokens.Issuer (dropped with the key by DeletePool). Attribute writes pass the pool's schema
// (checkAttributes), and wrong one-time codes are counted per user and
// kind in store records (codeFailed) in the request's transaction; see
// idp/doc.go, "Security model".
//
// Challenge sessions (with the server's SRP secret b) and the outbox live
// in process memory, each behind its own mutex held only for map and
// slice operations; a restart ends sign-ins in progress, never finished
// ones.
//
// Constant time: PASSWORD_CLAIM_SIGNATURE is checked by
// srp.Server.VerifyPasswordClaim; password verifiers, SECRET_HASH, sealed
// SECRET_BLOCK ids, one-time codes, client secrets and refresh-token
// hashes are compared with crypto/subtle.
//
// Imports within idp: store, tokens, internal/rnd.
package userpool
