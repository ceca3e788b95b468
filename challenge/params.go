package challenge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/caldera-srp/caldera/srp"
)

// Errors for challenge parameters a server sent. They are wrapped in a
// *ParameterError naming the challenge and the parameter; match them with
// errors.Is.
var (
	// ErrMissingParameter means a parameter the challenge needs is absent,
	// null or empty.
	ErrMissingParameter = errors.New("challenge: missing parameter")
	// ErrMalformedParameter means a parameter (or the ChallengeParameters
	// object itself) is not what the protocol allows: a value that is not a
	// string, a duplicated key, bad hex or base64, oversized, bad JSON.
	ErrMalformedParameter = errors.New("challenge: malformed parameter")
	// ErrUnknownChallenge means the server sent a challenge name this
	// package does not know. It is wrapped in an *UnknownChallengeError.
	ErrUnknownChallenge = errors.New("challenge: unknown challenge")
)

// ParameterError describes a refused challenge parameter. Err is
// ErrMissingParameter or ErrMalformedParameter; Cause, when set, is the
// underlying error (for example srp.ErrMalformedBase64). Neither the error
// text nor the fields ever hold the parameter's value.
type ParameterError struct {
	Challenge Name
	Parameter string
	Err       error
	Cause     error
}

func (e *ParameterError) Error() string {
	s := fmt.Sprintf("%s (%s of %s)", e.Err.Error(), e.Parameter, clip(string(e.Challenge)))
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and the cause, so errors.Is matches both.
func (e *ParameterError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// UnknownChallengeError reports a ChallengeName this package does not know.
type UnknownChallengeError struct {
	Name Name
}

func (e *UnknownChallengeError) Error() string {
	return "challenge: unknown challenge " + strconv.Quote(clip(string(e.Name)))
}

// Unwrap returns ErrUnknownChallenge.
func (e *UnknownChallengeError) Unwrap() error { return ErrUnknownChallenge }

// clip shortens server-sent text before it goes into an error message.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func missing(n Name, param string) error {
	return &ParameterError{Challenge: n, Parameter: param, Err: ErrMissingParameter}
}

func malformed(n Name, param string, cause error) error {
	return &ParameterError{Challenge: n, Parameter: param, Err: ErrMalformedParameter, Cause: cause}
}

// Limits on what a server may send, far above anything Cognito sends.
const (
	maxParameters  = 256
	maxHexLen      = 2 * 1024 // SRP_B and SALT: N is 384 bytes
	maxSecretBlock = 64 << 10
)

// Parameters are the ChallengeParameters of an answer: string keys to string
// values. A JSON null value is treated as absent.
type Parameters map[string]string

// ParseParameters decodes a ChallengeParameters JSON object. Absent, empty or
// null input gives an empty map. It refuses (ErrMalformedParameter) anything
// but an object of strings: numbers, booleans, nested values, duplicated keys,
// more than 256 entries, trailing data. Null values are dropped, as the
// reference JavaScript client treats them (docs/protocol.md §9).
func ParseParameters(n Name, raw []byte) (Parameters, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Parameters{}, nil
	}
	const what = "ChallengeParameters"
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed(n, what, errors.New("invalid JSON"))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, malformed(n, what, errors.New("not an object"))
	}
	p := Parameters{}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, malformed(n, what, errors.New("invalid JSON"))
		}
		k, ok := kt.(string)
		if !ok {
			return nil, malformed(n, what, errors.New("invalid key"))
		}
		if seen[k] {
			return nil, malformed(n, clip(k), errors.New("duplicated key"))
		}
		seen[k] = true
		if len(seen) > maxParameters {
			return nil, malformed(n, what, errors.New("too many entries"))
		}
		vt, err := dec.Token()
		if err != nil {
			return nil, malformed(n, clip(k), errors.New("invalid JSON"))
		}
		switch v := vt.(type) {
		case string:
			p[k] = v
		case nil:
			// Absent.
		default:
			return nil, malformed(n, clip(k), errors.New("value is not a string"))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, malformed(n, what, errors.New("invalid JSON"))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed(n, what, errors.New("trailing data"))
	}
	return p, nil
}

func (p Parameters) require(n Name, key string) (string, error) {
	v := p[key]
	if v == "" {
		return "", missing(n, key)
	}
	return v, nil
}

// validHex reports whether s is a hexadecimal integer as SRP_B and SALT are
// sent (docs/protocol.md §2): any case, odd length allowed, a leading '-' when
// signed is set.
func validHex(s string, signed bool) bool {
	if signed && strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" || len(s) > maxHexLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// SRPParams are the public values of a PASSWORD_VERIFIER or
// DEVICE_PASSWORD_VERIFIER challenge (docs/protocol.md §3, §6), as received.
type SRPParams struct {
	// UserIDForSRP is USER_ID_FOR_SRP (PASSWORD_VERIFIER only): the internal
	// user name that goes into x and the signature.
	UserIDForSRP string
	// Username is the challenge's USERNAME, or UserIDForSRP when absent.
	Username string
	// DeviceKey is DEVICE_KEY (DEVICE_PASSWORD_VERIFIER; may be empty).
	DeviceKey   string
	SRPB        string // SRP_B, hex
	Salt        string // SALT, hex, possibly signed
	SecretBlock string // SECRET_BLOCK, base64, to be echoed verbatim
}

// ParsePasswordVerifier checks the parameters of PASSWORD_VERIFIER:
// USER_ID_FOR_SRP, SRP_B, SALT and SECRET_BLOCK are required, SRP_B and SALT
// must be hex, SECRET_BLOCK base64 as srp.DecodeSecretBlock accepts it.
func ParsePasswordVerifier(p Parameters) (*SRPParams, error) {
	return parseSRP(PasswordVerifier, p)
}

// ParseDevicePasswordVerifier checks the parameters of
// DEVICE_PASSWORD_VERIFIER: SRP_B, SALT and SECRET_BLOCK as for
// PASSWORD_VERIFIER; USERNAME and DEVICE_KEY are optional.
func ParseDevicePasswordVerifier(p Parameters) (*SRPParams, error) {
	return parseSRP(DevicePasswordVerifier, p)
}

func parseSRP(n Name, p Parameters) (*SRPParams, error) {
	var s SRPParams
	var err error
	if n == PasswordVerifier {
		if s.UserIDForSRP, err = p.require(n, "USER_ID_FOR_SRP"); err != nil {
			return nil, err
		}
	}
	if s.SRPB, err = p.require(n, "SRP_B"); err != nil {
		return nil, err
	}
	if !validHex(s.SRPB, false) {
		return nil, malformed(n, "SRP_B", srp.ErrMalformedHex)
	}
	if s.Salt, err = p.require(n, "SALT"); err != nil {
		return nil, err
	}
	if !validHex(s.Salt, true) {
		return nil, malformed(n, "SALT", srp.ErrMalformedHex)
	}
	if s.SecretBlock, err = p.require(n, "SECRET_BLOCK"); err != nil {
		return nil, err
	}
	if len(s.SecretBlock) > maxSecretBlock {
		return nil, malformed(n, "SECRET_BLOCK", errors.New("too long"))
	}
	if _, err := srp.DecodeSecretBlock(s.SecretBlock); err != nil {
		return nil, malformed(n, "SECRET_BLOCK", err)
	}
	s.Username = p["USERNAME"]
	if s.Username == "" {
		s.Username = s.UserIDForSRP
	}
	s.DeviceKey = p["DEVICE_KEY"]
	return &s, nil
}

// CodeDelivery tells where a code was sent (SMS_MFA, EMAIL_OTP, SMS_OTP):
// CODE_DELIVERY_DELIVERY_MEDIUM and CODE_DELIVERY_DESTINATION, both optional
// and empty when absent.
type CodeDelivery struct {
	Medium      string // "SMS" or "EMAIL"
	Destination string // masked, e.g. "+*******1234"
}

// ParseCodeDelivery reads the delivery details of a code challenge.
func ParseCodeDelivery(p Parameters) CodeDelivery {
	return CodeDelivery{
		Medium:      p["CODE_DELIVERY_DELIVERY_MEDIUM"],
		Destination: p["CODE_DELIVERY_DESTINATION"],
	}
}

// ParseNames decodes a JSON array of names such as AvailableChallenges, or
// the MFAS_CAN_CHOOSE and MFAS_CAN_SETUP parameters (which Cognito sends as
// JSON text inside a string). Empty entries and duplicates are refused.
func ParseNames(n Name, param string, raw []byte) ([]Name, error) {
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, malformed(n, param, errors.New("not a JSON array of strings"))
	}
	if len(list) == 0 {
		return nil, missing(n, param)
	}
	if len(list) > maxParameters {
		return nil, malformed(n, param, errors.New("too many entries"))
	}
	out := make([]Name, 0, len(list))
	seen := map[string]bool{}
	for _, s := range list {
		if s == "" || seen[s] {
			return nil, malformed(n, param, errors.New("empty or duplicated entry"))
		}
		seen[s] = true
		out = append(out, Name(s))
	}
	return out, nil
}

// ParseSelectMFAType returns the choices of SELECT_MFA_TYPE
// (MFAS_CAN_CHOOSE, required).
func ParseSelectMFAType(p Parameters) ([]Name, error) {
	v, err := p.require(SelectMFAType, "MFAS_CAN_CHOOSE")
	if err != nil {
		return nil, err
	}
	return ParseNames(SelectMFAType, "MFAS_CAN_CHOOSE", []byte(v))
}

// ParseMFASetup returns the MFA types that MFA_SETUP lets the user set up
// (MFAS_CAN_SETUP, required).
func ParseMFASetup(p Parameters) ([]Name, error) {
	v, err := p.require(MFASetup, "MFAS_CAN_SETUP")
	if err != nil {
		return nil, err
	}
	return ParseNames(MFASetup, "MFAS_CAN_SETUP", []byte(v))
}

// NewPassword holds the parameters of NEW_PASSWORD_REQUIRED.
type NewPassword struct {
	// UserAttributes are the user's current attributes (userAttributes).
	UserAttributes map[string]string
	// RequiredAttributes are the attributes the answer must set, without
	// the "userAttributes." prefix Cognito puts on them.
	RequiredAttributes []string
}

// ParseNewPasswordRequired decodes userAttributes (a JSON object inside a
// string) and requiredAttributes (a JSON array inside a string). Both must be
// present, as the reference client requires (docs/protocol.md §9). Attribute
// values that are JSON numbers or booleans are kept as their JSON text;
// null values are dropped.
func ParseNewPasswordRequired(p Parameters) (*NewPassword, error) {
	const n = NewPasswordRequired
	ua, ok := p["userAttributes"]
	if !ok {
		return nil, missing(n, "userAttributes")
	}
	ra, ok := p["requiredAttributes"]
	if !ok {
		return nil, missing(n, "requiredAttributes")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(ua), &raw); err != nil {
		return nil, malformed(n, "userAttributes", errors.New("not a JSON object"))
	}
	out := &NewPassword{UserAttributes: map[string]string{}}
	for k, v := range raw {
		var s string
		switch {
		case string(v) == "null":
			continue
		case json.Unmarshal(v, &s) == nil:
		case len(v) > 0 && v[0] != '{' && v[0] != '[':
			s = string(v)
		default:
			return nil, malformed(n, "userAttributes", errors.New("nested attribute value"))
		}
		out.UserAttributes[k] = s
	}
	var req []string
	if err := json.Unmarshal([]byte(ra), &req); err != nil {
		return nil, malformed(n, "requiredAttributes", errors.New("not a JSON array of strings"))
	}
	for _, r := range req {
		r = strings.TrimPrefix(r, "userAttributes.")
		if r == "" {
			return nil, malformed(n, "requiredAttributes", errors.New("empty attribute name"))
		}
		out.RequiredAttributes = append(out.RequiredAttributes, r)
	}
	return out, nil
}

// ParseWebAuthn returns CREDENTIAL_REQUEST_OPTIONS of WEB_AUTHN, the JSON
// options to hand to the authenticator (required, must be valid JSON).
func ParseWebAuthn(p Parameters) (json.RawMessage, error) {
	v, err := p.require(WebAuthn, "CREDENTIAL_REQUEST_OPTIONS")
	if err != nil {
		return nil, err
	}
	if !json.Valid([]byte(v)) {
		return nil, malformed(WebAuthn, "CREDENTIAL_REQUEST_OPTIONS", errors.New("invalid JSON"))
	}
	return json.RawMessage(v), nil
}
