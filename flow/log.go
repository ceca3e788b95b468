package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"
)

// Redacted is the marker that replaces a secret in logged bodies.
const Redacted = "[redacted]"

// redactedKeys are the JSON object keys whose values are secrets, at any
// depth of a request or answer body: passwords, claims, SECRET_HASH, codes,
// tokens, Sessions, TOTP secrets, device secrets and WebAuthn assertions;
// and the personal data of UserContextData and ContextData (IP address,
// encoded device data, header values; header names stay).
var redactedKeys = map[string]bool{
	"PASSWORD": true, "NEW_PASSWORD": true, "PASSWORD_CLAIM_SIGNATURE": true,
	"SECRET_HASH": true, "SMS_MFA_CODE": true, "SOFTWARE_TOKEN_MFA_CODE": true,
	"EMAIL_OTP_CODE": true, "SMS_OTP_CODE": true, "REFRESH_TOKEN": true,
	"CREDENTIAL": true, "DEVICE_PASSWORD": true,
	"AccessToken": true, "IdToken": true, "RefreshToken": true, "Session": true,
	"UserCode": true, "SecretCode": true, "DevicePassword": true,
	"PasswordVerifier": true, "Salt": true, "Password": true, "ProposedPassword": true,
	"PreviousPassword": true, "ConfirmationCode": true, "ClientSecret": true,
	// Personal data of the sign-in's context (UserContextData, ContextData):
	// the end user's IP address, device fingerprint and request headers.
	"IpAddress": true, "EncodedData": true, "headerValue": true,
}

// RedactJSON returns a request or answer body with every secret value
// replaced by Redacted, for logs. It is meant for transports as well as this
// package. The ANSWER of a CUSTOM_CHALLENGE is redacted too (it is often a
// code). Objects come out with sorted keys. A body that is not JSON is
// replaced whole by a marker: nothing unparsed is ever passed through.
func RedactJSON(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 {
		return json.RawMessage(`""`)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return json.RawMessage(`"[unparsable body redacted]"`)
	}
	custom := false
	if o, ok := v.(map[string]any); ok {
		custom = o["ChallengeName"] == "CUSTOM_CHALLENGE"
	}
	out, err := json.Marshal(redact(v, custom))
	if err != nil {
		return json.RawMessage(`"[unparsable body redacted]"`)
	}
	return out
}

func redact(v any, custom bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if redactedKeys[k] || (custom && k == "ANSWER") {
				if e != nil {
					x[k] = Redacted
				}
				continue
			}
			x[k] = redact(e, custom)
		}
	case []any:
		for i, e := range x {
			x[i] = redact(e, custom)
		}
	}
	return v
}

// LoggingTransport wraps t so that each call is logged to l at Info level
// (Warn for errors) as one structured record: "op", "challenge" (the
// ChallengeName answered), "next" (the ChallengeName received), "status"
// ("ok", the service error type, or "error"), "latency", and the redacted
// "request" and "response" bodies.
func LoggingTransport(t Transport, l *slog.Logger) Transport {
	return &loggingTransport{t: t, l: l, now: time.Now}
}

type loggingTransport struct {
	t   Transport
	l   *slog.Logger
	now func() time.Time
}

func (lt *loggingTransport) Call(ctx context.Context, op Operation, in json.RawMessage) (json.RawMessage, error) {
	start := lt.now()
	out, err := lt.t.Call(ctx, op, in)
	lt.l.LogAttrs(ctx, levelOf(err), "cognito call", CallAttrs(op, in, out, err, lt.now().Sub(start))...)
	return out, err
}

func levelOf(err error) slog.Level {
	if err != nil {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// CallAttrs returns the attributes LoggingTransport logs for one call, for
// transports that log on their own.
func CallAttrs(op Operation, in, out json.RawMessage, err error, latency time.Duration) []slog.Attr {
	status := "ok"
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.Type
	case err != nil:
		status = "error"
	}
	attrs := []slog.Attr{
		slog.String("op", string(op)),
		slog.String("challenge", challengeNameOf(in)),
		slog.String("next", challengeNameOf(out)),
		slog.String("status", status),
		slog.Duration("latency", latency),
		slog.String("request", string(RedactJSON(in))),
	}
	if err != nil {
		msg := ""
		if apiErr != nil {
			msg = apiErr.Message
		}
		attrs = append(attrs, slog.String("message", msg))
	} else {
		attrs = append(attrs, slog.String("response", string(RedactJSON(out))))
	}
	return attrs
}

func challengeNameOf(body []byte) string {
	var v struct{ ChallengeName any }
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	s, _ := v.ChallengeName.(string)
	return s
}
