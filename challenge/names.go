package challenge

// Name is a Cognito challenge name, as it appears in ChallengeName of an
// InitiateAuth or RespondToAuthChallenge answer (docs/protocol.md §7), or in the
// ANSWER of SELECT_CHALLENGE and SELECT_MFA_TYPE.
type Name string

// The challenge names a sign-in meets (docs/protocol.md §7).
const (
	PasswordVerifier       Name = "PASSWORD_VERIFIER"
	DeviceSRPAuth          Name = "DEVICE_SRP_AUTH"
	DevicePasswordVerifier Name = "DEVICE_PASSWORD_VERIFIER"
	SMSMFA                 Name = "SMS_MFA"
	SoftwareTokenMFA       Name = "SOFTWARE_TOKEN_MFA"
	EmailOTP               Name = "EMAIL_OTP"
	SMSOTP                 Name = "SMS_OTP"
	SelectMFAType          Name = "SELECT_MFA_TYPE"
	MFASetup               Name = "MFA_SETUP"
	NewPasswordRequired    Name = "NEW_PASSWORD_REQUIRED"
	CustomChallenge        Name = "CUSTOM_CHALLENGE"
	SelectChallenge        Name = "SELECT_CHALLENGE"
	WebAuthn               Name = "WEB_AUTHN"

	// Password and PasswordSRP are SELECT_CHALLENGE answers (and
	// PREFERRED_CHALLENGE values) of the USER_AUTH flow; they are not sent
	// as ChallengeName.
	Password    Name = "PASSWORD"
	PasswordSRP Name = "PASSWORD_SRP"
)

// known lists the names a server may send as ChallengeName.
var known = [...]Name{
	PasswordVerifier, DeviceSRPAuth, DevicePasswordVerifier, SMSMFA,
	SoftwareTokenMFA, EmailOTP, SMSOTP, SelectMFAType, MFASetup,
	NewPasswordRequired, CustomChallenge, SelectChallenge, WebAuthn,
}

// Known reports whether n is a challenge name this package can parse and
// answer.
func (n Name) Known() bool {
	for _, k := range known {
		if n == k {
			return true
		}
	}
	return false
}

// CodeParameter returns the ChallengeResponses key that carries the code of
// a code challenge (SMS_MFA_CODE for SMS_MFA, and so on), or "" if n is not
// a code challenge.
func (n Name) CodeParameter() string {
	switch n {
	case SMSMFA:
		return "SMS_MFA_CODE"
	case SoftwareTokenMFA:
		return "SOFTWARE_TOKEN_MFA_CODE"
	case EmailOTP:
		return "EMAIL_OTP_CODE"
	case SMSOTP:
		return "SMS_OTP_CODE"
	}
	return ""
}
