package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/caldera-srp/caldera/flow"
)

// wireSecretKeys are the JSON keys whose values on the wire are secrets.
var wireSecretKeys = map[string]bool{
	"Session": true, "SECRET_HASH": true, "PASSWORD_CLAIM_SIGNATURE": true, "NEW_PASSWORD": true,
	"PASSWORD": true, "UserCode": true, "SecretCode": true, "AccessToken": true, "IdToken": true,
	"RefreshToken": true, "PasswordVerifier": true, "SOFTWARE_TOKEN_MFA_CODE": true,
}

func collectSecrets(v any, add func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && wireSecretKeys[k] {
				add(s)
			}
			collectSecrets(e, add)
		}
	case []any:
		for _, e := range x {
			collectSecrets(e, add)
		}
	}
}

// TestDemo runs the demo and checks its transcript for every step, in
// order, and for the absence of every secret it used or saw on the wire.
func TestDemo(t *testing.T) {
	var mu sync.Mutex
	var wire []string
	var ops []string
	tap := func(op flow.Operation, in, out json.RawMessage) {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, string(op))
		for _, b := range []json.RawMessage{in, out} {
			var v any
			if json.Unmarshal(b, &v) == nil {
				collectSecrets(v, func(s string) { wire = append(wire, s) })
			}
		}
	}
	var out bytes.Buffer
	res, err := runDemo(context.Background(), &out, demoConfig{Wire: tap})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	tr := out.String()

	steps := []string{
		"== Set-up",
		"== Sign-in 1",
		"-> InitiateAuth",
		`"AuthFlow": "USER_SRP_AUTH"`,
		"<- challenge PASSWORD_VERIFIER",
		"-> RespondToAuthChallenge answering PASSWORD_VERIFIER",
		"<- challenge NEW_PASSWORD_REQUIRED",
		"? NEW_PASSWORD_REQUIRED",
		"-> RespondToAuthChallenge answering NEW_PASSWORD_REQUIRED",
		"<- challenge MFA_SETUP",
		"-> AssociateSoftwareToken",
		`"SecretCode": "[redacted]"`,
		"? MFA_SETUP",
		"-> VerifySoftwareToken",
		`"Status": "SUCCESS"`,
		"-> RespondToAuthChallenge answering MFA_SETUP",
		`"NewDeviceMetadata"`,
		"-> ConfirmDevice",
		`"UserConfirmationNecessary": true`,
		"-> UpdateDeviceStatus",
		`"DeviceRememberedStatus": "remembered"`,
		"tokens: AccessToken [redacted], IdToken [redacted], RefreshToken [redacted], Bearer",
		"device remembered: DeviceKey us-east-1_",
		"== Sign-in 2",
		`"DEVICE_KEY": "us-east-1_`,
		"<- challenge DEVICE_SRP_AUTH",
		"-> RespondToAuthChallenge answering DEVICE_SRP_AUTH",
		"<- challenge DEVICE_PASSWORD_VERIFIER",
		"-> RespondToAuthChallenge answering DEVICE_PASSWORD_VERIFIER",
		"tokens: AccessToken [redacted]",
		"== ID token claims",
		"RS256 signature verified with key ",
		"cognito:username   demo-user",
		"email              demo@example.com",
		"token_use          id",
		"== Done",
	}
	rest := tr
	for _, s := range steps {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("transcript lacks %q after the previous steps:\n%s", s, tr)
		}
		rest = rest[i+len(s):]
	}
	wantOps := "InitiateAuth RespondToAuthChallenge RespondToAuthChallenge AssociateSoftwareToken VerifySoftwareToken " +
		"RespondToAuthChallenge ConfirmDevice UpdateDeviceStatus InitiateAuth RespondToAuthChallenge " +
		"RespondToAuthChallenge RespondToAuthChallenge"
	if got := strings.Join(ops, " "); got != wantOps {
		t.Errorf("operations:\n got %s\nwant %s", got, wantOps)
	}

	// Claims: verified against the JWKS inside runDemo; check the values.
	if res.Claims["cognito:username"] != demoUser || res.Claims["token_use"] != "id" ||
		res.Claims["aud"] != demoClientID || res.Claims["iss"] != res.Endpoint+"/"+demoPoolID {
		t.Errorf("ID token claims: %v", res.Claims)
	}
	if dk, _ := res.AccessClaims["device_key"].(string); !strings.HasPrefix(dk, "us-east-1_") {
		t.Errorf("access token device_key %q", dk)
	}

	// No secret appears: the demo's own (passwords, client secret, TOTP
	// secret, codes, tokens, device password) and every secret on the wire.
	secrets := append(append([]string{}, res.Secrets...), wire...)
	if len(res.Secrets) < 10 || len(wire) < 20 {
		t.Fatalf("too few secrets collected: %d own, %d on the wire", len(res.Secrets), len(wire))
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatalf("an empty secret was collected")
		}
		if len(s) <= 8 { // codes: as whole numbers
			if regexp.MustCompile(`(^|[^0-9a-zA-Z])` + regexp.QuoteMeta(s) + `($|[^0-9a-zA-Z])`).MatchString(tr) {
				t.Errorf("the code %q appears in the transcript", s)
			}
			continue
		}
		if strings.Contains(tr, s) {
			t.Errorf("a secret (%d chars) appears in the transcript", len(s))
		}
		if strings.Contains(tr, s[:len(s)/2]) {
			t.Errorf("half of a secret (%d chars) appears in the transcript", len(s))
		}
	}

	// Deterministic: a second run differs only in the port and the key id.
	var out2 bytes.Buffer
	res2, err := runDemo(context.Background(), &out2, demoConfig{})
	if err != nil {
		t.Fatal(err)
	}
	kid := regexp.MustCompile(`with key \S+ of`)
	norm := func(s, endpoint string) string {
		return kid.ReplaceAllString(strings.ReplaceAll(s, endpoint, "ENDPOINT"), "with key KID of")
	}
	if a, b := norm(tr, res.Endpoint), norm(out2.String(), res2.Endpoint); a != b {
		t.Errorf("two runs differ beyond port and key id:\n%s\n----\n%s", a, b)
	}
}

func TestDemoCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := demoMain([]string{"--random"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Clock and randomness are real") || !strings.Contains(stdout.String(), "== Done") {
		t.Errorf("transcript:\n%s", stdout.String())
	}
	if code := demoMain([]string{"extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
	if code := demoMain([]string{"-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}
