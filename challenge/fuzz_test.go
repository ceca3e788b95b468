package challenge_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
)

// Fuzz targets for what a server sends: TIMESTAMP (docs/protocol.md §4) and every
// ChallengeParameters parser (§7, §9). Bad input must be a typed error,
// never a panic; accepted input must round-trip. Seed corpora:
// testdata/fuzz/<name>/. Run one with:
// go test -run '^$' -fuzz '^FuzzCanonicalTimestamp$' -fuzztime 5m -parallel 1 ./challenge

func FuzzCanonicalTimestamp(f *testing.F) {
	for _, s := range []string{
		"Tue Jan 1 06:06:09 UTC 2019", "Tue Jan 01 06:06:09 UTC 2019", "Wed Jan 1 06:06:09 UTC 2019",
		"Tue Jan 1 24:00:00 UTC 2019", "Tue Jan 1 6:06:09 UTC 2019", "Di Jan 1 06:06:09 UTC 2019",
		"Tue Jän 1 06:06:09 UTC 2019", "Tue Jan 1 06:06:09 GMT 2019", "Thu Feb 29 00:00:00 UTC 2024",
		"Fri Feb 29 00:00:00 UTC 2019", "Sat Dec 31 23:59:59 UTC 999999999", "Mon Jan 1 00:00:00 UTC 0001",
		"Tue Jan 1 06:06:09 UTC 02019", "", " Tue Jan 1 06:06:09 UTC 2019", "Tue  Jan 1 06:06:09 UTC 2019",
		"Tue Jan 1 06:06:60 UTC 2019", "tue jan 1 06:06:09 utc 2019",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := challenge.ParseTimestamp(s)
		canon, cerr := challenge.CanonicalTimestamp(s)
		if err != nil {
			var te *challenge.TimestampError
			if !errors.Is(err, challenge.ErrTimestampFormat) || !errors.As(err, &te) {
				t.Fatalf("ParseTimestamp(%q): error %v is not a *TimestampError wrapping ErrTimestampFormat", s, err)
			}
			if cerr == nil {
				t.Fatalf("CanonicalTimestamp(%q) = %q, but ParseTimestamp refused it: %v", s, canon, err)
			}
			// The input is clipped in the message; nothing else of it may
			// make the message grow (regression: a 10 kB month field was
			// quoted whole, found by this target).
			if len(err.Error()) > 1024 {
				t.Fatalf("error message of %d bytes for an input of %d: the input is not clipped", len(err.Error()), len(s))
			}
			return
		}
		if ts.Location() != time.UTC || ts.Nanosecond() != 0 {
			t.Fatalf("ParseTimestamp(%q) = %v, want a whole second in UTC", s, ts)
		}
		if cerr != nil || canon != challenge.FormatTimestamp(ts) {
			t.Fatalf("CanonicalTimestamp(%q) = %q, %v; FormatTimestamp gives %q", s, canon, cerr, challenge.FormatTimestamp(ts))
		}
		again, err := challenge.ParseTimestamp(canon)
		if err != nil || !again.Equal(ts) {
			t.Fatalf("canonical form %q of %q parses to %v, %v; want %v", canon, s, again, err, ts)
		}
		// The canonical form is what a careful client sends: a Go
		// re-rendering with the non-padded day must agree with it.
		if want := ts.Format("Mon Jan 2 15:04:05 UTC 2006"); ts.Year() >= 1000 && ts.Year() <= 9999 && canon != want {
			t.Fatalf("canonical %q, time.Format gives %q", canon, want)
		}
	})
}

// isParamErr reports whether err is a *ParameterError wrapping one of the
// parameter sentinels.
func isParamErr(err error) bool {
	var pe *challenge.ParameterError
	return errors.As(err, &pe) &&
		(errors.Is(err, challenge.ErrMissingParameter) || errors.Is(err, challenge.ErrMalformedParameter))
}

// leaks reports a parameter value (long enough not to be a word of the
// message itself) that appears in the error text.
func leaks(err error, p challenge.Parameters) string {
	msg := err.Error()
	for k, v := range p {
		if len(v) >= 12 && !strings.Contains(k, v) && strings.Contains(msg, v) {
			return v
		}
	}
	return ""
}

func FuzzChallengeParameters(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, ``, `[]`, `{"a":1}`, `{"a":"x","a":"y"}`, `{"a":null}`, `{"a":"x"} {}`,
		`{"USER_ID_FOR_SRP":"u","SRP_B":"ab","SALT":"-1f","SECRET_BLOCK":"AAAA","USERNAME":"n"}`,
		`{"SRP_B":"ab","SALT":"1","SECRET_BLOCK":"AA","DEVICE_KEY":"us-east-1_x"}`,
		`{"USER_ID_FOR_SRP":"u","SRP_B":"zz","SALT":"1","SECRET_BLOCK":"AAAA"}`,
		`{"USER_ID_FOR_SRP":"u","SRP_B":"ab","SALT":"1","SECRET_BLOCK":"A*AA"}`,
		`{"MFAS_CAN_CHOOSE":"[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"}`,
		`{"MFAS_CAN_SETUP":"[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"}`,
		`{"MFAS_CAN_SETUP":"[\"\"]"}`, `{"MFAS_CAN_CHOOSE":"[\"SMS_MFA\",\"SMS_MFA\"]"}`,
		`{"userAttributes":"{\"email\":\"a@b.c\",\"email_verified\":true,\"n\":null}","requiredAttributes":"[\"userAttributes.name\"]"}`,
		`{"userAttributes":"{}","requiredAttributes":"[]"}`, `{"userAttributes":"{","requiredAttributes":"["}`,
		`{"CREDENTIAL_REQUEST_OPTIONS":"{\"challenge\":\"abc\"}"}`, `{"CREDENTIAL_REQUEST_OPTIONS":"{"}`,
		`{"CODE_DELIVERY_DELIVERY_MEDIUM":"SMS","CODE_DELIVERY_DESTINATION":"+*******1234"}`,
		`{"USERNAME":"\xff\xfe"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := challenge.ParseParameters(challenge.PasswordVerifier, []byte(raw))
		if err != nil {
			if !isParamErr(err) {
				t.Fatalf("ParseParameters(%q): untyped error %v", raw, err)
			}
			return
		}
		// Accepted: an object of strings, which re-encodes and parses back
		// to the same map.
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := challenge.ParseParameters(challenge.PasswordVerifier, b)
		if err != nil || len(p2) != len(p) {
			t.Fatalf("re-encoded parameters %s do not parse back: %v", b, err)
		}
		for k, v := range p {
			if p2[k] != v {
				t.Fatalf("parameter %q: %q became %q", k, v, p2[k])
			}
		}
		check := func(name string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			if !isParamErr(err) {
				t.Fatalf("%s(%q): untyped error %v", name, raw, err)
			}
			if v := leaks(err, p); v != "" {
				t.Fatalf("%s: error %q holds the value %q", name, err, v)
			}
		}
		sp, err := challenge.ParsePasswordVerifier(p)
		check("ParsePasswordVerifier", err)
		if err == nil && (sp.UserIDForSRP == "" || sp.SRPB == "" || sp.Salt == "" || sp.SecretBlock == "" || sp.Username == "") {
			t.Fatalf("ParsePasswordVerifier(%q) = %+v with an empty field", raw, sp)
		}
		_, err = challenge.ParseDevicePasswordVerifier(p)
		check("ParseDevicePasswordVerifier", err)
		_, err = challenge.ParseSelectMFAType(p)
		check("ParseSelectMFAType", err)
		_, err = challenge.ParseMFASetup(p)
		check("ParseMFASetup", err)
		np, err := challenge.ParseNewPasswordRequired(p)
		check("ParseNewPasswordRequired", err)
		if err == nil {
			for _, a := range np.RequiredAttributes {
				if strings.HasPrefix(a, "userAttributes.") {
					t.Fatalf("required attribute %q keeps its prefix", a)
				}
			}
		}
		w, err := challenge.ParseWebAuthn(p)
		check("ParseWebAuthn", err)
		if err == nil && !json.Valid(w) {
			t.Fatalf("ParseWebAuthn returned invalid JSON %q", w)
		}
		_ = challenge.ParseCodeDelivery(p)
	})
}

func FuzzParseNames(f *testing.F) {
	for _, s := range []string{
		`["SMS_MFA","SOFTWARE_TOKEN_MFA"]`, `[]`, `null`, `[""]`, `["A","A"]`, `[1]`, `"x"`, `["PASSWORD_SRP","WEB_AUTHN"]`, `[`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		names, err := challenge.ParseNames(challenge.SelectChallenge, "AvailableChallenges", []byte(raw))
		if err != nil {
			if !isParamErr(err) {
				t.Fatalf("ParseNames(%q): untyped error %v", raw, err)
			}
			return
		}
		seen := map[challenge.Name]bool{}
		for _, n := range names {
			if n == "" || seen[n] {
				t.Fatalf("ParseNames(%q) = %q: empty or duplicated entry", raw, names)
			}
			seen[n] = true
		}
	})
}
