package challenge

import (
	"errors"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

func TestParseParameters(t *testing.T) {
	p, err := ParseParameters(PasswordVerifier, []byte(` {"SALT":"01","DEVICE_KEY":null,"USERNAME":"u"} `))
	if err != nil || len(p) != 2 || p["SALT"] != "01" || p["USERNAME"] != "u" {
		t.Fatalf("got %v, %v", p, err)
	}
	if _, ok := p["DEVICE_KEY"]; ok {
		t.Fatal("a null value was kept")
	}
	for _, in := range []string{"", "null"} {
		if p, err := ParseParameters(SMSMFA, []byte(in)); err != nil || len(p) != 0 {
			t.Errorf("%q: %v, %v", in, p, err)
		}
	}
	for _, in := range []string{
		`[]`, `"x"`, `{"a":1}`, `{"a":true}`, `{"a":{"b":"c"}}`, `{"a":["b"]}`, `{"a":"b","a":"c"}`,
		`{"a":"b"} x`, `{"a":"b"`, `{"a"}`, `{`, `nul`, `{"a":"b"}{}`,
		"{" + strings.Repeat(`"k":"v",`, 1) + `"k2":1}`,
	} {
		_, err := ParseParameters(CustomChallenge, []byte(in))
		var pe *ParameterError
		if !errors.Is(err, ErrMalformedParameter) || !errors.As(err, &pe) || pe.Challenge != CustomChallenge {
			t.Errorf("%s: err = %v", in, err)
		}
	}
	var many strings.Builder
	many.WriteString("{")
	for i := 0; i < 300; i++ {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + strings.Repeat("x", i) + `":"v"`)
	}
	many.WriteString("}")
	if _, err := ParseParameters(CustomChallenge, []byte(many.String())); !errors.Is(err, ErrMalformedParameter) {
		t.Errorf("300 entries: %v", err)
	}
}

func TestParsePasswordVerifier(t *testing.T) {
	valid := Parameters{"USER_ID_FOR_SRP": "uuid", "USERNAME": "uuid", "SRP_B": "aB12", "SALT": "-1a2b", "SECRET_BLOCK": "QUJD"}
	sp, err := ParsePasswordVerifier(valid)
	if err != nil || sp.UserIDForSRP != "uuid" || sp.SRPB != "aB12" || sp.Salt != "-1a2b" || sp.SecretBlock != "QUJD" {
		t.Fatalf("%+v, %v", sp, err)
	}
	noUser := clone(valid)
	delete(noUser, "USERNAME")
	if sp, _ := ParsePasswordVerifier(noUser); sp.Username != "uuid" {
		t.Errorf("USERNAME defaults to USER_ID_FOR_SRP, got %q", sp.Username)
	}
	for _, k := range []string{"USER_ID_FOR_SRP", "SRP_B", "SALT", "SECRET_BLOCK"} {
		for _, v := range []*string{nil, ptr("")} {
			p := clone(valid)
			delete(p, k)
			if v != nil {
				p[k] = *v
			}
			_, err := ParsePasswordVerifier(p)
			var pe *ParameterError
			if !errors.Is(err, ErrMissingParameter) || !errors.As(err, &pe) || pe.Parameter != k {
				t.Errorf("without %s: %v", k, err)
			}
		}
	}
	for k, v := range map[string]string{
		"SRP_B": "-12", "SALT": "12g", "SECRET_BLOCK": "QU*D",
	} {
		p := clone(valid)
		p[k] = v
		if _, err := ParsePasswordVerifier(p); !errors.Is(err, ErrMalformedParameter) {
			t.Errorf("%s=%q: %v", k, v, err)
		}
	}
	p := clone(valid)
	p["SRP_B"] = strings.Repeat("f", 5000)
	if _, err := ParsePasswordVerifier(p); !errors.Is(err, ErrMalformedParameter) || !errors.Is(err, srp.ErrMalformedHex) {
		t.Errorf("huge SRP_B: %v", err)
	}
	// DEVICE_PASSWORD_VERIFIER does not need USER_ID_FOR_SRP.
	d := clone(valid)
	delete(d, "USER_ID_FOR_SRP")
	d["DEVICE_KEY"] = "dk"
	if sp, err := ParseDevicePasswordVerifier(d); err != nil || sp.DeviceKey != "dk" {
		t.Errorf("device: %+v, %v", sp, err)
	}
}

func TestParseLists(t *testing.T) {
	got, err := ParseSelectMFAType(Parameters{"MFAS_CAN_CHOOSE": `["SMS_MFA","SOFTWARE_TOKEN_MFA"]`})
	if err != nil || len(got) != 2 || got[1] != SoftwareTokenMFA {
		t.Fatalf("%v, %v", got, err)
	}
	for _, v := range []string{`[]`, `["SMS_MFA","SMS_MFA"]`, `[""]`, `[1]`, `x`} {
		if _, err := ParseMFASetup(Parameters{"MFAS_CAN_SETUP": v}); err == nil {
			t.Errorf("MFAS_CAN_SETUP %s accepted", v)
		}
	}
	if _, err := ParseMFASetup(Parameters{}); !errors.Is(err, ErrMissingParameter) {
		t.Errorf("missing MFAS_CAN_SETUP: %v", err)
	}
}

func TestParseNewPasswordRequired(t *testing.T) {
	np, err := ParseNewPasswordRequired(Parameters{
		"userAttributes":     `{"email":"a@b","email_verified":true,"age":7,"phone_number":null}`,
		"requiredAttributes": `["userAttributes.name","family_name"]`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if np.UserAttributes["email"] != "a@b" || np.UserAttributes["email_verified"] != "true" || np.UserAttributes["age"] != "7" || len(np.UserAttributes) != 3 {
		t.Errorf("attributes %v", np.UserAttributes)
	}
	if len(np.RequiredAttributes) != 2 || np.RequiredAttributes[0] != "name" || np.RequiredAttributes[1] != "family_name" {
		t.Errorf("required %v", np.RequiredAttributes)
	}
	for _, p := range []Parameters{
		{"userAttributes": `{}`},
		{"requiredAttributes": `[]`},
		{"userAttributes": `[]`, "requiredAttributes": `[]`},
		{"userAttributes": `{"a":{"b":1}}`, "requiredAttributes": `[]`},
		{"userAttributes": `{}`, "requiredAttributes": `["userAttributes."]`},
	} {
		if _, err := ParseNewPasswordRequired(p); err == nil {
			t.Errorf("%v accepted", p)
		}
	}
}

func TestNames(t *testing.T) {
	for _, n := range known {
		if !n.Known() {
			t.Errorf("%s not known", n)
		}
	}
	if Name("QUANTUM_MFA").Known() || Password.Known() {
		t.Error("unknown name known")
	}
	err := error(&UnknownChallengeError{Name: Name(strings.Repeat("Z", 500))})
	if !errors.Is(err, ErrUnknownChallenge) || len(err.Error()) > 120 {
		t.Errorf("%v", err)
	}
	for n, want := range map[Name]string{SMSMFA: "SMS_MFA_CODE", SoftwareTokenMFA: "SOFTWARE_TOKEN_MFA_CODE", EmailOTP: "EMAIL_OTP_CODE", SMSOTP: "SMS_OTP_CODE", CustomChallenge: ""} {
		if got := n.CodeParameter(); got != want {
			t.Errorf("%s: %q", n, got)
		}
	}
}

func TestResponses(t *testing.T) {
	r := AnswerResponse("uuid", "SMS_MFA").WithSecretHash("secret", "client")
	if r["SECRET_HASH"] != SecretHash("secret", "uuid", "client") {
		t.Errorf("SECRET_HASH not over the response's USERNAME: %v", r)
	}
	if r := AnswerResponse("u", "x").WithSecretHash("", "client"); len(r) != 2 {
		t.Errorf("SECRET_HASH without a secret: %v", r)
	}
	if _, err := CodeResponse(CustomChallenge, "u", "1"); !errors.Is(err, ErrInvalidResponse) {
		t.Error("code response for a non-code challenge")
	}
	if _, err := CodeResponse(SMSMFA, "u", ""); !errors.Is(err, ErrInvalidResponse) {
		t.Error("empty code accepted")
	}
	r = NewPasswordResponse("u", "pw", map[string]string{"name": "N"})
	if r["userAttributes.name"] != "N" || r["NEW_PASSWORD"] != "pw" {
		t.Errorf("%v", r)
	}
	if r := MFASetupResponse("u", "a@b"); r["EMAIL"] != "a@b" {
		t.Errorf("%v", r)
	}
	if _, err := WebAuthnResponse("u", []byte("{")); !errors.Is(err, ErrInvalidResponse) {
		t.Error("invalid credential accepted")
	}
}

func clone(p Parameters) Parameters {
	c := Parameters{}
	for k, v := range p {
		c[k] = v
	}
	return c
}

func ptr(s string) *string { return &s }
