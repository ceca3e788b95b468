package challenge

import (
	"encoding/json"
	"errors"

	"github.com/caldera-srp/caldera/srp"
)

// Responses are the ChallengeResponses of a RespondToAuthChallenge request
// (docs/protocol.md §7). encoding/json writes map keys in sorted order, so the
// same Responses always marshal to the same bytes.
type Responses map[string]string

// ErrInvalidResponse means a response could not be built from what the
// caller gave (an empty code, a name that is not a code challenge).
var ErrInvalidResponse = errors.New("challenge: invalid response")

// WithSecretHash adds SECRET_HASH over the response's own USERNAME
// (docs/protocol.md §5) when clientSecret is not empty, and returns r.
func (r Responses) WithSecretHash(clientSecret, clientID string) Responses {
	if clientSecret != "" {
		r["SECRET_HASH"] = SecretHash(clientSecret, r["USERNAME"], clientID)
	}
	return r
}

// PasswordVerifierResponse answers PASSWORD_VERIFIER with a claim computed
// by srp.Client.PasswordClaim. deviceKey is added as DEVICE_KEY when not
// empty (docs/protocol.md §6).
func PasswordVerifierResponse(username string, c *srp.Claim, deviceKey string) Responses {
	r := Responses{
		"USERNAME":                    username,
		"PASSWORD_CLAIM_SECRET_BLOCK": c.SecretBlock,
		"PASSWORD_CLAIM_SIGNATURE":    c.Signature,
		"TIMESTAMP":                   c.Timestamp,
	}
	if deviceKey != "" {
		r["DEVICE_KEY"] = deviceKey
	}
	return r
}

// DeviceSRPAuthResponse answers DEVICE_SRP_AUTH with a fresh SRP_A.
func DeviceSRPAuthResponse(username, deviceKey, srpA string) Responses {
	return Responses{"USERNAME": username, "DEVICE_KEY": deviceKey, "SRP_A": srpA}
}

// DevicePasswordVerifierResponse answers DEVICE_PASSWORD_VERIFIER with a
// claim computed by srp.Client.DeviceClaim.
func DevicePasswordVerifierResponse(username, deviceKey string, c *srp.Claim) Responses {
	return PasswordVerifierResponse(username, c, deviceKey)
}

// CodeResponse answers SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP or SMS_OTP.
func CodeResponse(n Name, username, code string) (Responses, error) {
	key := n.CodeParameter()
	if key == "" || code == "" {
		return nil, ErrInvalidResponse
	}
	return Responses{"USERNAME": username, key: code}, nil
}

// AnswerResponse answers SELECT_MFA_TYPE, SELECT_CHALLENGE and
// CUSTOM_CHALLENGE: USERNAME and ANSWER.
func AnswerResponse(username, answer string) Responses {
	return Responses{"USERNAME": username, "ANSWER": answer}
}

// NewPasswordResponse answers NEW_PASSWORD_REQUIRED: the new password and
// one "userAttributes.<name>" entry per attribute.
func NewPasswordResponse(username, newPassword string, attributes map[string]string) Responses {
	r := Responses{"USERNAME": username, "NEW_PASSWORD": newPassword}
	for k, v := range attributes {
		r["userAttributes."+k] = v
	}
	return r
}

// MFASetupResponse completes MFA_SETUP: after VerifySoftwareToken with only
// USERNAME, or for email MFA with the address in EMAIL.
func MFASetupResponse(username, email string) Responses {
	r := Responses{"USERNAME": username}
	if email != "" {
		r["EMAIL"] = email
	}
	return r
}

// WebAuthnResponse answers WEB_AUTHN with the authenticator's credential
// (JSON), sent as a string in CREDENTIAL.
func WebAuthnResponse(username string, credential json.RawMessage) (Responses, error) {
	if len(credential) == 0 || !json.Valid(credential) {
		return nil, ErrInvalidResponse
	}
	return Responses{"USERNAME": username, "CREDENTIAL": string(credential)}, nil
}
