package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/caldera-srp/caldera/challenge"
)

// Step is what a Machine asks for next. Exactly one of Request, Prompt,
// Result and Err is set.
type Step struct {
	// Request is an operation to send; give its answer to Machine.Receive.
	Request *Request
	// Prompt is a question for the user; give the answer to Machine.Answer.
	Prompt *Prompt
	// Result ends the sign-in with tokens.
	Result *Result
	// Err ends the sign-in with an error, or (for ErrInvalidAnswer and
	// ErrNotWaiting) reports an input the machine refused while it keeps
	// waiting for a valid one; see Machine.Done.
	Err error
}

// StepKind names the kind of a Step.
type StepKind int

// The kinds of Step.
const (
	StepRequest StepKind = iota + 1
	StepPrompt
	StepResult
	StepError
)

// Kind returns which field of s is set.
func (s Step) Kind() StepKind {
	switch {
	case s.Request != nil:
		return StepRequest
	case s.Prompt != nil:
		return StepPrompt
	case s.Result != nil:
		return StepResult
	}
	return StepError
}

// Request is one operation to send. Input is the exact JSON body; the same
// machine inputs always give the same bytes.
type Request struct {
	Op    Operation
	Input json.RawMessage
	// Challenge is the ChallengeName answered, if any (for logs).
	Challenge challenge.Name
}

// PromptKind says what a Prompt asks for.
type PromptKind int

// The kinds of Prompt, and which Answer field each reads.
const (
	// PromptMFACode asks for the code of SMS_MFA, SOFTWARE_TOKEN_MFA,
	// EMAIL_OTP or SMS_OTP (Prompt.Challenge); Delivery says where an SMS
	// or email code went. Answer.Code.
	PromptMFACode PromptKind = iota + 1
	// PromptNewPassword asks for a new password and the RequiredAttributes.
	// Answer.NewPassword and Answer.Attributes.
	PromptNewPassword
	// PromptSelectMFAType asks which of Options to use (SELECT_MFA_TYPE).
	// Answer.Choice.
	PromptSelectMFAType
	// PromptSelectChallenge asks which of Options to use (USER_AUTH's
	// SELECT_CHALLENGE). Answer.Choice; PASSWORD and PASSWORD_SRP use
	// Answer.Password, or Config.Password when that is empty. PASSWORD,
	// which sends the password in clear, is ErrPlainPassword unless the
	// configured flow sends it anyway (Config.AllowPlainPassword).
	PromptSelectChallenge
	// PromptCustomChallenge asks for the answer to a CUSTOM_CHALLENGE whose
	// Parameters are shown. Answer.Text.
	PromptCustomChallenge
	// PromptMFASetup asks which MFA to set up (MFA_SETUP offering EMAIL_OTP).
	// Answer.Choice; for EMAIL_OTP also Answer.Email.
	PromptMFASetup
	// PromptTOTPSetup shows the TOTP SecretCode (and OTPAuthURI) to enrol in
	// an authenticator and asks for its first code. Answer.Code.
	PromptTOTPSetup
	// PromptWebAuthn hands over the CredentialRequestOptions of WEB_AUTHN.
	// Answer.Credential.
	PromptWebAuthn
)

var promptKindNames = [...]string{"", "mfa-code", "new-password", "select-mfa-type", "select-challenge", "custom-challenge", "mfa-setup", "totp-setup", "web-authn"}

func (k PromptKind) String() string {
	if k > 0 && int(k) < len(promptKindNames) {
		return promptKindNames[k]
	}
	return "unknown"
}

// Prompt is a question for the user.
type Prompt struct {
	Kind      PromptKind
	Challenge challenge.Name
	// Username is the USERNAME the answer will carry.
	Username string
	// Delivery says where a code was sent (PromptMFACode).
	Delivery challenge.CodeDelivery
	// Options are the choices (select and MFA set-up prompts).
	Options []challenge.Name
	// UserAttributes and RequiredAttributes are those of
	// NEW_PASSWORD_REQUIRED.
	UserAttributes     map[string]string
	RequiredAttributes []string
	// Parameters are a CUSTOM_CHALLENGE's ChallengeParameters.
	Parameters map[string]string
	// SecretCode is the TOTP secret (base32) to enrol, and OTPAuthURI the
	// same as an otpauth:// URI for a QR code. They are not saved: after
	// Restore they are empty (the enrolment only needs the code).
	SecretCode string
	OTPAuthURI string
	// CredentialRequestOptions are WEB_AUTHN's options (JSON).
	CredentialRequestOptions json.RawMessage
	// Deadline is when the Session expires.
	Deadline time.Time
}

// Answer is the caller's answer to a Prompt. Only the fields the prompt's
// kind reads are used.
type Answer struct {
	Code        string
	NewPassword string
	Attributes  map[string]string
	Choice      challenge.Name
	Email       string
	Text        string
	Password    string
	Credential  json.RawMessage
}

// Tokens are the tokens of an AuthenticationResult.
type Tokens struct {
	AccessToken  string
	IDToken      string
	RefreshToken string
	TokenType    string
	// ExpiresIn is the lifetime in seconds the service gave, and Expiry
	// the instant it ends by the machine's clock.
	ExpiresIn int64
	Expiry    time.Time
}

// Result ends a sign-in.
type Result struct {
	Tokens Tokens
	// UserID is the internal user name (USER_ID_FOR_SRP, else the last
	// challenge USERNAME, else the access token's "username" claim, else
	// Config.Username). Use it to key device records and for
	// REFRESH_TOKEN_AUTH with a client secret.
	UserID string
	// Device is the device record to keep: a newly confirmed device
	// (NewDevice), or the remembered device that was used. Nil if none.
	Device    *Device
	NewDevice bool
	// DeviceForgotten reports that the remembered device was refused
	// (ResourceNotFoundException) and dropped: delete it from storage.
	DeviceForgotten bool
	// DeviceErr is set when ConfirmDevice or UpdateDeviceStatus failed
	// after the tokens were issued. The tokens are valid; Device is nil if
	// ConfirmDevice failed.
	DeviceErr error
}

// Errors of this package. Service errors are *APIError (transport.go).
var (
	// ErrInvalidConfig means Config was refused by New or Restore.
	ErrInvalidConfig = errors.New("flow: invalid config")
	// ErrMalformedResponse means an answer was not JSON of the expected
	// shape, or too large.
	ErrMalformedResponse = errors.New("flow: malformed response")
	// ErrUnexpectedResponse means an answer does not fit the sign-in so far
	// (a PASSWORD_VERIFIER without SRP_A sent, neither a challenge nor
	// tokens, an answer of the wrong operation).
	ErrUnexpectedResponse = errors.New("flow: unexpected response")
	// ErrMissingSession means a challenge that must be answered within a
	// Session came without one.
	ErrMissingSession = errors.New("flow: challenge without Session")
	// ErrNoDevice means a device challenge came but no remembered device
	// is known.
	ErrNoDevice = errors.New("flow: device challenge without a remembered device")
	// ErrInvalidAnswer means an Answer did not fit the Prompt. The machine
	// keeps waiting at the prompt.
	ErrInvalidAnswer = errors.New("flow: answer does not fit the prompt")
	// ErrNotWaiting means an input came that the machine does not wait for
	// (Answer while a Request is out, Receive at a prompt, Start twice).
	// The machine keeps its state.
	ErrNotWaiting = errors.New("flow: input not expected in this state")
	// ErrFinished means the machine already ended.
	ErrFinished = errors.New("flow: sign-in already ended")
	// ErrExpired means the Session's deadline has passed.
	ErrExpired = errors.New("flow: session expired")
	// ErrSoftwareTokenNotVerified means VerifySoftwareToken answered a
	// Status other than SUCCESS.
	ErrSoftwareTokenNotVerified = errors.New("flow: software token not verified")
	// ErrPlainPassword means an Answer would have sent the password in
	// clear (SELECT_CHALLENGE → PASSWORD) in a sign-in configured not to
	// (see Config.AllowPlainPassword). It is also an ErrInvalidAnswer: the
	// machine keeps waiting at the prompt, where PASSWORD_SRP (or another
	// option) can still be chosen.
	ErrPlainPassword = fmt.Errorf("%w: the password would be sent in clear (PASSWORD) in a sign-in configured for SRP; choose PASSWORD_SRP or set Config.AllowPlainPassword", ErrInvalidAnswer)
)
