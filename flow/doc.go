// Package flow signs a user in to an Amazon Cognito user pool: a
// deterministic state machine that takes InitiateAuth through every
// challenge to tokens, with no I/O of its own (docs/protocol.md §5–§7).
//
// A [Machine] is built by [New] from a [Config] and driven by three inputs:
// [Machine.Start], [Machine.Receive] (the answer to the last request) and
// [Machine.Answer] (the user's answer to a prompt). Each returns one [Step]:
// a [Request] to send, a [Prompt] for the user, a [Result] with tokens, or an
// error. The caller owns the network, the clock and the randomness
// ([Config.Now], [Config.Rand]), so the same inputs give byte-identical
// requests. [Run] drives a machine with a [Transport] and a [Prompter];
// [Advance] sends requests until the next prompt, for servers that answer
// prompts in later HTTP requests. [TokenSource] signs in once and refreshes
// with GetTokensFromRefreshToken (keeping the rotated refresh token, saved
// through a [TokenStore]) or REFRESH_TOKEN_AUTH.
//
// Flows: USER_SRP_AUTH, CUSTOM_AUTH with and without SRP, USER_AUTH (with
// SELECT_CHALLENGE, PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP; WEB_AUTHN is
// handed to the caller), USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH,
// GetTokensFromRefreshToken and the admin operations. Challenges: PASSWORD_VERIFIER, DEVICE_SRP_AUTH,
// DEVICE_PASSWORD_VERIFIER, SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_OTP,
// SELECT_MFA_TYPE, MFA_SETUP (TOTP and email), NEW_PASSWORD_REQUIRED,
// CUSTOM_CHALLENGE, SELECT_CHALLENGE and WEB_AUTHN. Every request carries
// the Session of the answer before it, the caller's ClientMetadata, the
// sign-in's context ([Config.AnalyticsEndpointID], [Config.UserContextData],
// or [Config.ContextData] on the admin operations) and, for a client with a
// secret, SECRET_HASH over that request's own USERNAME.
//
// Devices: a remembered [Device] sends DEVICE_KEY and answers the device
// challenges with a fresh SRP exponent; NewDeviceMetadata is confirmed with
// ConfirmDevice and returned in [Result.Device]; a device the service no
// longer knows is dropped and the claim re-sent once without it. A
// [DeviceStore] keeps records by pool and internal user name, with aliases.
//
// Saving: at a prompt, [Machine.Seal] (AES-GCM) or [Machine.MarshalBinary]
// saves what the next step needs and [Restore] resumes it in another process.
// The saved form never holds the password, an SRP exponent or derived key, a
// code, a token, a device password or the TOTP secret; the Session's
// deadline is enforced on restore ([ErrExpired]). It does hold the
// sign-in's context (the end user's IP address among it), which the
// restoring Config may replace with its own.
//
// Logging: [LoggingTransport] logs each call on log/slog with secrets and
// the context's personal data (IP addresses, encoded device data, header
// values) replaced by [Redacted]; [RedactJSON] does the same for any body.
//
// Secrets: the password and device password are used only inside package
// srp, whose arithmetic on them is constant-time. The password itself goes
// on the wire only in a flow that sends it (USER_PASSWORD_AUTH,
// ADMIN_USER_PASSWORD_AUTH, USER_AUTH not preferring PASSWORD_SRP): in an
// SRP sign-in, a SELECT_CHALLENGE answered with PASSWORD is
// [ErrPlainPassword] unless [Config.AllowPlainPassword] is set. This package compares no
// secrets and branches only on public protocol data; it zeroes nothing (Go
// strings cannot be), but drops its references to the password and
// exponents as soon as it no longer needs them.
//
// Errors: service errors are [*APIError] values, matched with errors.Is
// against [ErrNotAuthorized] and the other sentinels of transport.go.
// Malformed answers give [ErrMalformedResponse], [ErrUnexpectedResponse],
// [ErrMissingSession] or the challenge package's typed errors; nothing a
// server sends makes the machine panic.
package flow
