package js_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp"
)

// jsClaim is one PASSWORD_VERIFIER answer computed by amazon-cognito-identity-js
// (claim.mjs) and not sent.
type jsClaim struct {
	Session             string            `json:"session"`
	ChallengeParameters map[string]string `json:"challengeParameters"`
	ChallengeResponses  map[string]string `json:"challengeResponses"`
}

// jsClaims has claim.mjs compute n claims, each for a fresh InitiateAuth.
func jsClaims(t *testing.T, node string, in map[string]any, n int) []jsClaim {
	t.Helper()
	in = maps.Clone(in)
	in["count"] = n
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "claim.mjs")
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(body), &stdout, &stderr
	runErr := cmd.Run()
	var out struct {
		OK     bool      `json:"ok"`
		Error  string    `json:"error"`
		Claims []jsClaim `json:"claims"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || runErr != nil || !out.OK || len(out.Claims) != n {
		t.Fatalf("claim.mjs: %v %v (%d claims)\nstdout:\n%s\nstderr:\n%s", runErr, err, len(out.Claims), stdout.String(), stderr.String())
	}
	return out.Claims
}

// apiError is the server's JSON error answer.
type apiError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// respond sends RespondToAuthChallenge(PASSWORD_VERIFIER) with the given
// responses over plain HTTP and returns the output or the error answer.
func respond(t *testing.T, endpoint, clientID, session string, r map[string]string) (map[string]any, *apiError) {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"ChallengeName": "PASSWORD_VERIFIER", "ClientId": clientID, "Session": session, "ChallengeResponses": r,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.RespondToAuthChallenge")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		var e apiError
		if err := json.Unmarshal(raw, &e); err != nil || e.Type == "" {
			t.Fatalf("HTTP %d without an error type: %s", resp.StatusCode, raw)
		}
		e.Type = e.Type[strings.LastIndex(e.Type, "#")+1:]
		return nil, &e
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	return out, nil
}

// flipB64 flips bit (byte bit/8, mask 1<<(bit%8)) of the bytes that the
// standard base64 s encodes, and re-encodes them.
func flipB64(t *testing.T, s string, bit int) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	b[bit/8] ^= 1 << (bit % 8)
	return base64.StdEncoding.EncodeToString(b)
}

// flipChar flips bit of byte i of s.
func flipChar(s string, i, bit int) string {
	b := []byte(s)
	b[i] ^= 1 << bit
	return string(b)
}

// spread returns k bit positions spread over n bits, first and last included.
func spread(n, k int) []int {
	pos := make([]int, k)
	for i := range pos {
		pos[i] = i * (n - 1) / (k - 1)
	}
	return pos
}

// tamper is one modified claim and what the server must answer.
type tamper struct {
	name   string
	modify func(r map[string]string) // changes one field of a fresh claim
	want   string                    // error type, or "" for AuthenticationResult
}

// TestJSClaimBitFlips is issue 4's differential check against the
// JavaScript reference: claims computed by amazon-cognito-identity-js
// (claim.mjs: its own authenticateUser, AuthenticationHelper and HMAC, the
// RespondToAuthChallenge request captured instead of sent) for a user the
// server created verify when sent unchanged, and every single-bit change to
// PASSWORD_CLAIM_SIGNATURE, TIMESTAMP, PASSWORD_CLAIM_SECRET_BLOCK or USERNAME
// is refused. Each variant is sent with its own fresh claim, since a session
// and its SECRET_BLOCK are single-use.
func TestJSClaimBitFlips(t *testing.T) {
	node := requireNode(t)
	// A high MaxFailures: dozens of refused proofs in a row must not lock
	// the user before the last, true claim. A high MaxSessionsPerUser: the
	// claims are all computed (each with its own open session of jsalice)
	// before the first is sent.
	srv, err := idp.New(idp.Options{MaxFailures: 1 << 20, MaxSessionsPerUser: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sd, err := idp.ReadSeedFile("seed.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ApplySeed(sd); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	const poolID, clientID, username, password = "us-east-1_JsPlain", "jsplainclient", "jsalice", "Js-Alice-Pass-1!"
	in := map[string]any{"endpoint": srv.Endpoint(), "poolId": poolID, "clientId": clientID, "username": username, "password": password}

	// One claim first, to learn the shapes (SECRET_BLOCK length, TIMESTAMP).
	probe := jsClaims(t, node, in, 1)[0]
	block, err := base64.StdEncoding.DecodeString(probe.ChallengeResponses["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil {
		t.Fatal(err)
	}
	if probe.ChallengeResponses["USERNAME"] != username || probe.ChallengeParameters["USER_ID_FOR_SRP"] != username {
		t.Fatalf("claim for %q (USER_ID_FOR_SRP %q), want %q", probe.ChallengeResponses["USERNAME"], probe.ChallengeParameters["USER_ID_FOR_SRP"], username)
	}

	var cases []tamper
	ok := tamper{name: "unchanged"}
	cases = append(cases, ok)
	for _, bit := range spread(32*8, 8) {
		cases = append(cases, tamper{name: fmt.Sprintf("PASSWORD_CLAIM_SIGNATURE bit %d", bit), want: "NotAuthorizedException",
			modify: func(r map[string]string) {
				r["PASSWORD_CLAIM_SIGNATURE"] = flipB64(t, r["PASSWORD_CLAIM_SIGNATURE"], bit)
			}})
	}
	for _, bit := range spread(len(block)*8, 8) {
		cases = append(cases, tamper{name: fmt.Sprintf("PASSWORD_CLAIM_SECRET_BLOCK bit %d", bit), want: "NotAuthorizedException",
			modify: func(r map[string]string) {
				r["PASSWORD_CLAIM_SECRET_BLOCK"] = flipB64(t, r["PASSWORD_CLAIM_SECRET_BLOCK"], bit)
			}})
	}
	// USERNAME: one of bits 0-6 of each character (bit 7 would make the
	// name invalid UTF-8, which JSON encoding would not carry unchanged).
	for i := range 8 {
		at, bit := i*len(username)/8, i%7
		cases = append(cases, tamper{name: fmt.Sprintf("USERNAME byte %d bit %d", at, bit), want: "NotAuthorizedException",
			modify: func(r map[string]string) { r["USERNAME"] = flipChar(r["USERNAME"], at, bit) }})
	}
	// TIMESTAMP ("Wed Nov 26 02:19:04 UTC 2026"): flips that keep it
	// parseable and within the clock-skew window (the low bit of a digit of
	// the seconds, minutes and hours: the claim's signature no longer
	// matches), and others that make it a different instant or unparseable.
	// Offsets are found in each claim's own TIMESTAMP, since the day may have
	// one or two digits.
	type tsFlip struct {
		what      string
		field, at int // byte at of space-separated field (negative: from its end)
		bit       int
	}
	for _, f := range []tsFlip{
		{"second units", 3, 7, 0}, {"second units", 3, 7, 1}, {"second tens", 3, 6, 0}, {"minute units", 3, 4, 0},
		{"hour units", 3, 1, 0}, {"day units", 2, -1, 0}, {"year units", 5, -1, 0},
		{"weekday", 0, 0, 5}, {"month", 1, 1, 0}, {"zone", 4, 0, 1},
	} {
		cases = append(cases, tamper{name: fmt.Sprintf("TIMESTAMP %s bit %d", f.what, f.bit), want: "signature",
			modify: func(r map[string]string) {
				ts := r["TIMESTAMP"]
				fields := strings.Split(ts, " ")
				start := 0
				for _, fl := range fields[:f.field] {
					start += len(fl) + 1
				}
				at := f.at
				if at < 0 {
					at += len(fields[f.field])
				}
				r["TIMESTAMP"] = flipChar(ts, start+at, f.bit)
			}})
	}
	// Spellings of the same instant that the parser accepts but are not
	// canonical: the server HMACs the canonical re-rendering of what it
	// parsed (docs/protocol.md §4), which is what the client signed, so these
	// verify. (Only a client that signs its non-canonical string fails.)
	cases = append(cases,
		tamper{name: "TIMESTAMP zero-padded year", modify: func(r map[string]string) {
			f := strings.Split(r["TIMESTAMP"], " ")
			f[5] = "0" + f[5]
			r["TIMESTAMP"] = strings.Join(f, " ")
		}},
		tamper{name: "TIMESTAMP zero-padded day or wrong weekday", modify: func(r map[string]string) {
			f := strings.Split(r["TIMESTAMP"], " ")
			if len(f[2]) == 1 {
				f[2] = "0" + f[2]
			} else if f[0] == "Mon" {
				f[0] = "Tue"
			} else {
				f[0] = "Mon"
			}
			r["TIMESTAMP"] = strings.Join(f, " ")
		}},
		ok)

	start := time.Now()
	claims := jsClaims(t, node, in, len(cases))
	t.Logf("amazon-cognito-identity-js computed %d claims in %v", len(claims), time.Since(start).Round(time.Millisecond))
	parseable, accepted := 0, 0
	for i, c := range cases {
		cl := claims[i]
		r := maps.Clone(cl.ChallengeResponses)
		if c.modify != nil {
			c.modify(r)
		}
		changed := []string{}
		for k, v := range r {
			if v != cl.ChallengeResponses[k] {
				changed = append(changed, fmt.Sprintf("%s %q -> %q", k, cl.ChallengeResponses[k], v))
			}
		}
		if (c.modify == nil) != (len(changed) == 0) || len(changed) > 1 {
			t.Fatalf("%s: changed %v", c.name, changed)
		}
		want := c.want
		if want == "signature" {
			// A TIMESTAMP that still parses reaches the proof check and fails
			// it; one that does not is refused as malformed.
			want = "InvalidParameterException"
			if canon, err := challenge.CanonicalTimestamp(r["TIMESTAMP"]); err == nil {
				if canon == cl.ChallengeResponses["TIMESTAMP"] {
					t.Fatalf("%s: %q is the same instant", c.name, r["TIMESTAMP"])
				}
				want = "NotAuthorizedException"
				parseable++
			}
		}
		if want == "" {
			accepted++
		}
		out, e := respond(t, srv.Endpoint(), clientID, cl.Session, r)
		switch {
		case want == "" && e != nil:
			t.Errorf("%s %v: refused: %s: %s", c.name, changed, e.Type, e.Message)
		case want == "" && out["AuthenticationResult"] == nil:
			t.Errorf("%s %v: no AuthenticationResult: %v", c.name, changed, out)
		case want != "" && e == nil:
			t.Errorf("%s %v: accepted (answer keys %v)", c.name, changed, slices.Sorted(maps.Keys(out)))
		case want != "" && e.Type != want:
			t.Errorf("%s %v: %s: %s, want %s", c.name, changed, e.Type, e.Message, want)
		case want == "NotAuthorizedException" && e.Message != "Incorrect username or password.":
			t.Errorf("%s %v: message %q", c.name, changed, e.Message)
		}
	}
	if parseable < 4 {
		t.Errorf("only %d TIMESTAMP flips reached the proof check, want at least 4", parseable)
	}
	t.Logf("%d JS claims sent: %d unchanged or with a non-canonical TIMESTAMP (must verify), %d with one bit changed (must be refused; %d TIMESTAMP flips still parseable)",
		len(cases), accepted, len(cases)-accepted, parseable)
}
