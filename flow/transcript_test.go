package flow

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// The transcripts under testdata/ tell one sign-in each. The machine prints
// its requests; the answers are written in the file, or made by a small
// fake server that knows the users' verifiers (commands "recv
// password-verifier" and "recv device-verifier") and checks every
// PASSWORD_CLAIM_SIGNATURE it receives with srp.Server.VerifyPasswordClaim.
// Randomness is a seeded ChaCha8 stream and the clock is fixed, so SRP_A,
// signatures and TIMESTAMP never change. Regenerate with -rewrite.
//
// Besides what it prints, the harness checks at every prompt that the
// machine saved (plain and sealed) and restored into a fresh Machine gives
// byte-identical requests for the rest of the scenario, and it collects
// every saved form and every log line for TestTranscriptsLeakNoSecrets.

const (
	testPoolID   = "us-east-1_Xz7Pq3mWd"
	testClientID = "3n4b5urk1ft4fl3mg5e62d9ado"
	testSecret   = "1ea9qvq2o9cmh6bs8s7lnj2t0tdp8ckj0b7i53o6nkaddr5rqm8"
)

var (
	testEpoch   = time.Date(2024, time.March, 5, 9, 7, 3, 0, time.UTC)
	testSealKey = []byte("0123456789abcdef0123456789abcdef")
)

// testRand is a deterministic, cloneable random stream that records what
// it hands out (the SRP exponents and device secrets, for the leak test).
type testRand struct {
	c      *rand.ChaCha8
	chunks *[][]byte
}

func newTestRand(seed byte) *testRand {
	var s [32]byte
	s[0] = seed
	return &testRand{c: rand.NewChaCha8(s), chunks: new([][]byte)}
}

func (r *testRand) Read(p []byte) (int, error) {
	n, err := r.c.Read(p)
	*r.chunks = append(*r.chunks, slices.Clone(p))
	return n, err
}

func (r *testRand) clone() *testRand {
	st, err := r.c.MarshalBinary()
	if err != nil {
		panic(err)
	}
	c := new(rand.ChaCha8)
	if err := c.UnmarshalBinary(st); err != nil {
		panic(err)
	}
	return &testRand{c: c, chunks: new([][]byte)}
}

type fakeUser struct {
	id, password string
	v            *srp.Verifier
}

type fakeDevice struct {
	group string
	v     *srp.Verifier
}

// pendingSRP is the server side of one PASSWORD_VERIFIER or
// DEVICE_PASSWORD_VERIFIER challenge.
type pendingSRP struct {
	srv         *srp.Server
	poolName    string
	userID      string
	srpA        string
	password    string
	saltHex     string
	secretBlock []byte
	verified    []byte // the ChallengeResponses that verified
}

type shadow struct {
	m     *Machine
	rand  *testRand
	label string
}

type harness struct {
	t        *testing.T
	now      time.Time
	cfg      Config
	m        *Machine
	rand     *testRand
	srvRand  *testRand
	users    map[string]*fakeUser // by user id and alias
	devices  map[string]*Device   // known to the client side, by key
	sdevices map[string]*fakeDevice
	pending  *pendingSRP
	lastReq  *Request
	shadows  []*shadow

	// For the leak test.
	saved   [][]byte
	logBuf  bytes.Buffer
	log     *slog.Logger
	secrets []string
	// Personal data (context IP addresses, encoded data, header values):
	// kept in saved forms, never in a log line.
	personal []string
}

func newHarness(t *testing.T) *harness {
	h := &harness{
		t: t, now: testEpoch,
		srvRand:  newTestRand(200),
		users:    map[string]*fakeUser{},
		devices:  map[string]*Device{},
		sdevices: map[string]*fakeDevice{},
	}
	h.log = slog.New(slog.NewJSONHandler(&h.logBuf, nil))
	h.secret(string(testSealKey), testSecret)
	return h
}

func (h *harness) clock() time.Time { return h.now }

// secret records a value that must never appear in a saved form or a log.
func (h *harness) secret(vals ...string) {
	for _, v := range vals {
		if len(v) >= 6 {
			h.secrets = append(h.secrets, v)
		}
	}
}

func (h *harness) secretBytes(b []byte) {
	if len(b) >= 8 {
		h.secret(hex.EncodeToString(b), base64.StdEncoding.EncodeToString(b))
	}
}

func TestTranscripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if strings.Contains(path, "fuzz") {
			t.Skip()
		}
		runTranscript(t, path)
	})
}

func runTranscript(t *testing.T, path string) *harness {
	h := newHarness(t)
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		h.t = t
		return h.cmd(d)
	})
	h.checkShadowsDone()
	return h
}

func arg(d *datadriven.TestData, key, def string) string {
	for _, a := range d.CmdArgs {
		if a.Key == key {
			if len(a.Vals) == 0 {
				return "true"
			}
			return strings.Join(a.Vals, ",")
		}
	}
	return def
}

func (h *harness) cmd(d *datadriven.TestData) string {
	t := h.t
	switch d.Cmd {
	case "user":
		// user name=<id> password=<pw> [alias=<alias>]
		id, pw := arg(d, "name", ""), arg(d, "password", "")
		v, err := srp.NewPasswordVerifier(h.srvRand, poolNameOf(t), id, pw)
		if err != nil {
			t.Fatal(err)
		}
		u := &fakeUser{id: id, password: pw, v: v}
		h.users[id] = u
		if a := arg(d, "alias", ""); a != "" {
			h.users[a] = u
		}
		h.secret(pw)
		return ""
	case "device":
		// device key=<k> group=<g> password=<pw>: a device remembered on both sides.
		dev := &Device{DeviceKey: arg(d, "key", ""), DeviceGroupKey: arg(d, "group", ""), DevicePassword: arg(d, "password", "")}
		salt := make([]byte, 16)
		h.srvRand.Read(salt)
		dv, err := srp.DeviceVerifierFromSecrets(dev.DeviceGroupKey, dev.DeviceKey, dev.DevicePassword, salt)
		if err != nil {
			t.Fatal(err)
		}
		h.registerDevice(dev.DeviceKey, dev.DeviceGroupKey, dv.Config)
		h.devices[dev.DeviceKey] = dev
		h.secret(dev.DevicePassword)
		return ""
	case "new":
		return h.newMachine(d)
	case "start":
		return h.step(h.m.Start(), func(m *Machine) Step { return m.Start() })
	case "recv":
		return h.recv(d)
	case "error":
		// error type=<__type>, message in the input.
		e := &APIError{Type: arg(d, "type", ""), Message: strings.TrimSpace(d.Input), StatusCode: 400}
		h.logCall(nil, e)
		return h.step(h.m.Receive(nil, e), func(m *Machine) Step { return m.Receive(nil, e) })
	case "transport-error":
		e := errors.New(strings.TrimSpace(d.Input))
		return h.step(h.m.Receive(nil, e), func(m *Machine) Step { return m.Receive(nil, e) })
	case "answer":
		a := h.parseAnswer(d)
		return h.step(h.m.Answer(a), func(m *Machine) Step {
			sa := a
			if sa.Password == "" && (sa.Choice == challenge.PasswordSRP || sa.Choice == challenge.Password) {
				sa.Password = h.cfg.Password // the restoring app asks again
			}
			return m.Answer(sa)
		})
	case "advance":
		dur, err := time.ParseDuration(arg(d, "by", "0s"))
		if err != nil {
			t.Fatal(err)
		}
		h.now = h.now.Add(dur)
		return fmt.Sprintf("clock: %s", h.now.Format(time.RFC3339))
	case "restore":
		// restore: save the machine at its prompt and restore it now, as
		// another process would (the shadows do this silently at every
		// prompt; this shows the outcome, e.g. after "advance").
		st, err := h.m.Seal(testSealKey)
		if err != nil {
			return "error: " + err.Error()
		}
		cfg := h.cfg
		cfg.Password, cfg.Username = "", ""
		cfg.AnalyticsEndpointID, cfg.UserContextData, cfg.ContextData = "", nil, nil // carried by the state
		m, err := Restore(cfg, st, testSealKey)
		if err != nil {
			return "error: " + err.Error() + "\n" + errorTags(err)
		}
		h.m = m
		return fmt.Sprintf("restored %s", m.Prompt().Kind)
	}
	t.Fatalf("unknown command %q", d.Cmd)
	return ""
}

func poolNameOf(t *testing.T) string {
	p, err := srp.PoolName(testPoolID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (h *harness) registerDevice(key, group string, cfg srp.DeviceSecretVerifierConfig) {
	v, err := srp.ParseDeviceSecretVerifierConfig(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.sdevices[key] = &fakeDevice{group: group, v: v}
}

func (h *harness) newMachine(d *datadriven.TestData) string {
	h.checkShadowsDone()
	h.shadows = nil
	h.rand = newTestRand(1)
	cfg := Config{
		UserPoolID:         testPoolID,
		ClientID:           testClientID,
		Username:           arg(d, "user", ""),
		Password:           arg(d, "password", ""),
		Flow:               AuthFlow(arg(d, "flow", "USER_SRP_AUTH")),
		PreferredChallenge: arg(d, "preferred", ""),
		RefreshToken:       arg(d, "refresh", ""),
		Admin:              arg(d, "admin", "") == "true",
		AllowPlainPassword: arg(d, "allow-plain-password", "") == "true",
		Rand:               h.rand,
		Now:                h.clock,
	}
	if arg(d, "secret", "") == "true" {
		cfg.ClientSecret = testSecret
	}
	if k := arg(d, "device", ""); k != "" {
		cfg.Device = h.devices[k]
	}
	if m := arg(d, "meta", ""); m != "" {
		cfg.ClientMetadata = map[string]string{}
		for _, kv := range strings.Split(m, ",") {
			k, v, _ := strings.Cut(kv, ":")
			cfg.ClientMetadata[k] = v
		}
	}
	// The sign-in's context: analytics=<id>; ip=, encoded= (UserContextData,
	// or with admin ContextData with server=, path= and headers=k:v,…).
	cfg.AnalyticsEndpointID = arg(d, "analytics", "")
	if ip, enc := arg(d, "ip", ""), arg(d, "encoded", ""); ip != "" || enc != "" {
		h.personal = append(h.personal, ip, enc)
		if cfg.Admin {
			cd := &ContextData{IPAddress: ip, EncodedData: enc, ServerName: arg(d, "server", ""), ServerPath: arg(d, "path", "")}
			if hs := arg(d, "headers", ""); hs != "" {
				for _, kv := range strings.Split(hs, ",") {
					k, v, _ := strings.Cut(kv, ":")
					cd.HTTPHeaders = append(cd.HTTPHeaders, HTTPHeader{Name: k, Value: v})
					h.personal = append(h.personal, v)
				}
			}
			cfg.ContextData = cd
		} else {
			cfg.UserContextData = &UserContextData{IPAddress: ip, EncodedData: enc}
		}
	}
	switch arg(d, "policy", "") {
	case "remember":
		cfg.DevicePolicy = RememberDevice
	case "not-remembered":
		cfg.DevicePolicy = DoNotRememberDevice
	case "ignore":
		cfg.DevicePolicy = IgnoreDevice
	}
	h.secret(cfg.Password, cfg.RefreshToken)
	h.cfg = cfg
	m, err := New(cfg)
	if err != nil {
		return "error: " + err.Error() + "\n" + errorTags(err)
	}
	h.m = m
	return "ok"
}

func (h *harness) parseAnswer(d *datadriven.TestData) Answer {
	a := Answer{
		Code:        arg(d, "code", ""),
		NewPassword: arg(d, "new-password", ""),
		Choice:      challenge.Name(arg(d, "choice", "")),
		Email:       arg(d, "email", ""),
		Text:        arg(d, "text", ""),
		Password:    arg(d, "password", ""),
	}
	if c := strings.TrimSpace(d.Input); c != "" {
		a.Credential = json.RawMessage(c)
	}
	if s := arg(d, "attr", ""); s != "" {
		a.Attributes = map[string]string{}
		for _, kv := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(kv, ":")
			a.Attributes[k] = v
		}
	}
	h.secret(a.Code, a.NewPassword, a.Password, a.Text)
	return a
}

// recv gives the machine an answer: the input JSON, or one the fake server
// makes ("recv password-verifier user=…", "recv device-verifier").
func (h *harness) recv(d *datadriven.TestData) string {
	var out []byte
	var b strings.Builder
	switch {
	case d.HasArg("password-verifier"):
		out = h.passwordVerifierChallenge(d)
	case d.HasArg("device-verifier"):
		out = h.deviceVerifierChallenge(d)
	default:
		out = []byte(strings.TrimSpace(d.Input))
		h.collectTokens(out)
	}
	if d.HasArg("password-verifier") || d.HasArg("device-verifier") {
		fmt.Fprintf(&b, "<- %s\n%s\n", h.lastReq.Op, indent(out))
	}
	h.logCall(out, nil)
	b.WriteString(h.step(h.m.Receive(out, nil), func(m *Machine) Step { return m.Receive(out, nil) }))
	return b.String()
}

func (h *harness) collectTokens(out []byte) {
	var v struct {
		AuthenticationResult struct{ AccessToken, IdToken, RefreshToken string }
	}
	if json.Unmarshal(out, &v) == nil {
		r := v.AuthenticationResult
		h.secret(r.AccessToken, r.IdToken, r.RefreshToken)
	}
}

func (h *harness) logCall(out []byte, err error) {
	if h.lastReq == nil {
		return
	}
	h.log.LogAttrs(context.Background(), levelOf(err), "cognito call", CallAttrs(h.lastReq.Op, h.lastReq.Input, out, err, 42*time.Millisecond)...)
}

func lastParams(req *Request) map[string]string {
	var v struct {
		AuthParameters     map[string]string
		ChallengeResponses map[string]string
	}
	json.Unmarshal(req.Input, &v)
	if v.AuthParameters != nil {
		return v.AuthParameters
	}
	return v.ChallengeResponses
}

func (h *harness) passwordVerifierChallenge(d *datadriven.TestData) []byte {
	t := h.t
	u := h.users[arg(d, "user", "")]
	if u == nil {
		t.Fatalf("unknown user %q", arg(d, "user", ""))
	}
	srv, err := srp.NewCognitoServer(u.v, h.srvRand)
	if err != nil {
		t.Fatal(err)
	}
	sb := make([]byte, 48)
	h.srvRand.Read(sb)
	h.pending = &pendingSRP{srv: srv, poolName: poolNameOf(t), userID: u.id, srpA: lastParams(h.lastReq)["SRP_A"],
		password: u.password, saltHex: u.v.SaltHex(), secretBlock: sb}
	params := map[string]string{
		"SALT": u.v.SaltHex(), "SECRET_BLOCK": base64.StdEncoding.EncodeToString(sb),
		"SRP_B": srv.PublicHex(), "USERNAME": u.id, "USER_ID_FOR_SRP": u.id,
	}
	resp := map[string]any{"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params}
	if s := arg(d, "session", ""); s != "" {
		resp["Session"] = s
	}
	out, _ := json.Marshal(resp)
	return out
}

func (h *harness) deviceVerifierChallenge(d *datadriven.TestData) []byte {
	t := h.t
	p := lastParams(h.lastReq)
	dev := h.sdevices[p["DEVICE_KEY"]]
	if dev == nil {
		t.Fatalf("server knows no device %q", p["DEVICE_KEY"])
	}
	srv, err := srp.NewCognitoServer(dev.v, h.srvRand)
	if err != nil {
		t.Fatal(err)
	}
	sb := make([]byte, 48)
	h.srvRand.Read(sb)
	h.pending = &pendingSRP{srv: srv, poolName: dev.group, userID: p["DEVICE_KEY"], srpA: p["SRP_A"],
		password: h.devices[p["DEVICE_KEY"]].DevicePassword, saltHex: dev.v.SaltHex(), secretBlock: sb}
	params := map[string]string{
		"DEVICE_KEY": p["DEVICE_KEY"], "SALT": dev.v.SaltHex(), "SECRET_BLOCK": base64.StdEncoding.EncodeToString(sb),
		"SRP_B": srv.PublicHex(), "USERNAME": p["USERNAME"],
	}
	resp := map[string]any{"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ChallengeParameters": params}
	if s := arg(d, "session", ""); s != "" {
		resp["Session"] = s
	}
	out, _ := json.Marshal(resp)
	return out
}

// serverCheck is what the fake server says about a request: it verifies
// claims and stores uploaded device verifiers.
func (h *harness) serverCheck(req *Request) string {
	var in struct {
		ClientSecret               string
		ChallengeName              string
		ChallengeResponses         map[string]string
		AuthParameters             map[string]string
		DeviceKey                  string
		DeviceSecretVerifierConfig srp.DeviceSecretVerifierConfig
	}
	if err := json.Unmarshal(req.Input, &in); err != nil {
		h.t.Fatal(err)
	}
	var notes []string
	secretHash := func(p map[string]string, username string) {
		if sh, ok := p["SECRET_HASH"]; ok {
			if sh != challenge.SecretHash(testSecret, username, testClientID) {
				notes = append(notes, "server: SECRET_HASH WRONG")
			} else {
				notes = append(notes, fmt.Sprintf("server: SECRET_HASH ok over %q", username))
			}
			h.secret(sh)
		}
	}
	if in.AuthParameters != nil {
		u := in.AuthParameters["USERNAME"]
		if u == "" {
			u = h.cfg.Username
		}
		secretHash(in.AuthParameters, u)
	}
	if in.ChallengeResponses != nil {
		secretHash(in.ChallengeResponses, in.ChallengeResponses["USERNAME"])
	}
	if req.Op == OpGetTokensFromRefreshToken && in.ClientSecret != "" {
		if in.ClientSecret == testSecret {
			notes = append(notes, "server: ClientSecret ok")
		} else {
			notes = append(notes, "server: ClientSecret WRONG")
		}
	}
	switch {
	case req.Op == OpConfirmDevice:
		h.registerDevice(in.DeviceKey, h.m.newDevice.DeviceGroupKey, in.DeviceSecretVerifierConfig)
		notes = append(notes, "server: device verifier accepted for "+in.DeviceKey)
	case in.ChallengeName == "PASSWORD_VERIFIER" || in.ChallengeName == "DEVICE_PASSWORD_VERIFIER":
		notes = append(notes, h.verifyClaim(in.ChallengeResponses))
	}
	return strings.Join(notes, "\n")
}

func (h *harness) verifyClaim(r map[string]string) string {
	p := h.pending
	if p == nil {
		return "server: no SRP challenge pending"
	}
	sig := r["PASSWORD_CLAIM_SIGNATURE"]
	h.secret(sig)
	canon := func(r map[string]string) []byte {
		c := maps(r)
		delete(c, "DEVICE_KEY")
		delete(c, "SECRET_HASH")
		b, _ := json.Marshal(c)
		return b
	}
	if p.verified != nil {
		if bytes.Equal(p.verified, canon(r)) {
			return "server: the same claim, re-sent"
		}
		return "server: a second, different claim"
	}
	ts, err := challenge.CanonicalTimestamp(r["TIMESTAMP"])
	if err != nil {
		return "server: bad TIMESTAMP: " + err.Error()
	}
	h.recordDerivedSecrets(p, r)
	err = p.srv.VerifyPasswordClaim(srp.VerifyClaimParams{
		PoolName: p.poolName, UserIDForSRP: p.userID, SRPA: p.srpA,
		SecretBlock: p.secretBlock, Timestamp: ts, Signature: sig,
	})
	if err != nil {
		return "server: claim REFUSED: " + err.Error()
	}
	p.verified = canon(r)
	return fmt.Sprintf("server: claim verified for %s", p.userID)
}

func maps(m map[string]string) map[string]string {
	c := map[string]string{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

// recordDerivedSecrets finds the exponent a behind SRP_A among the random
// chunks the machine drew and recomputes x, S and the derived key, so the
// leak test can look for them.
func (h *harness) recordDerivedSecrets(p *pendingSRP, r map[string]string) {
	for _, c := range *h.rand.chunks {
		if len(c) != 128 {
			continue
		}
		cl, err := srp.Cognito().NewClientFromSecret(c)
		if err != nil || cl.PublicHex() != p.srpA {
			continue
		}
		h.secretBytes(c)
		_, tr, err := cl.PasswordClaimTrace(srp.PasswordClaimParams{
			PoolName: p.poolName, UserIDForSRP: p.userID, Password: p.password,
			SRPB: p.srv.PublicHex(), Salt: p.saltHex, SecretBlock: r["PASSWORD_CLAIM_SECRET_BLOCK"], Timestamp: r["TIMESTAMP"]})
		if err != nil {
			h.t.Fatal(err)
		}
		h.secretBytes(tr.X)
		h.secretBytes(tr.S)
		h.secretBytes(tr.Key)
		return
	}
	h.t.Errorf("no recorded exponent gives SRP_A")
}

// step prints a step and feeds the same input to every shadow machine.
func (h *harness) step(s Step, same func(*Machine) Step) string {
	for _, sh := range h.shadows {
		ss := same(sh.m)
		if d := diffSteps(s, ss); d != "" {
			h.t.Errorf("restored at %s: %s", sh.label, d)
		}
	}
	var b strings.Builder
	switch s.Kind() {
	case StepRequest:
		h.lastReq = s.Request
		fmt.Fprintf(&b, "-> %s", s.Request.Op)
		if s.Request.Challenge != "" {
			fmt.Fprintf(&b, " (%s)", s.Request.Challenge)
		}
		fmt.Fprintf(&b, "\n%s", indent(s.Request.Input))
		if n := h.serverCheck(s.Request); n != "" {
			fmt.Fprintf(&b, "\n%s", n)
		}
	case StepPrompt:
		b.WriteString(formatPrompt(s.Prompt))
		h.secret(s.Prompt.SecretCode)
		h.addShadows(s.Prompt)
	case StepResult:
		b.WriteString(formatResult(s.Result))
		if s.Result.Device != nil {
			h.secret(s.Result.Device.DevicePassword)
			if s.Result.NewDevice {
				h.devices[s.Result.Device.DeviceKey] = s.Result.Device
			}
		}
	default:
		fmt.Fprintf(&b, "error: %v\n%s", s.Err, errorTags(s.Err))
	}
	return strings.TrimRight(b.String(), "\n")
}

// addShadows saves the machine at a prompt, plain and sealed, and restores
// both into fresh machines that from now on get the same inputs.
func (h *harness) addShadows(p *Prompt) {
	plain, err := h.m.MarshalBinary()
	if err != nil {
		h.t.Fatalf("MarshalBinary at %s: %v", p.Kind, err)
	}
	sealed, err := h.m.Seal(testSealKey)
	if err != nil {
		h.t.Fatalf("Seal at %s: %v", p.Kind, err)
	}
	h.saved = append(h.saved, plain, sealed)
	cfg := h.cfg
	cfg.Password, cfg.Username = "", "" // the restoring process has neither
	// nor the context: the saved state carries it.
	cfg.AnalyticsEndpointID, cfg.UserContextData, cfg.ContextData = "", nil, nil
	for _, f := range []struct {
		label string
		state []byte
		key   []byte
	}{{"plain", plain, nil}, {"sealed", sealed, testSealKey}} {
		r := h.rand.clone()
		c := cfg
		c.Rand = r
		m, err := Restore(c, f.state, f.key)
		if err != nil {
			h.t.Fatalf("Restore (%s) at %s: %v", f.label, p.Kind, err)
		}
		want := clonePrompt(p)
		want.SecretCode, want.OTPAuthURI = "", ""
		if got := m.Prompt(); !reflect.DeepEqual(got, want) {
			h.t.Errorf("restored prompt (%s):\n got %+v\nwant %+v", f.label, got, want)
		}
		h.shadows = append(h.shadows, &shadow{m: m, rand: r, label: fmt.Sprintf("%s %s #%d", p.Kind, f.label, len(h.shadows))})
	}
}

func (h *harness) checkShadowsDone() {
	if h.m == nil {
		return
	}
	for _, sh := range h.shadows {
		if sh.m.Done() != h.m.Done() {
			h.t.Errorf("restored at %s: done=%v, uninterrupted done=%v", sh.label, sh.m.Done(), h.m.Done())
		}
	}
}

func diffSteps(a, b Step) string {
	if a.Kind() != b.Kind() {
		return fmt.Sprintf("step kind %d, restored %d (%v)", a.Kind(), b.Kind(), b.Err)
	}
	switch a.Kind() {
	case StepRequest:
		if a.Request.Op != b.Request.Op || !bytes.Equal(a.Request.Input, b.Request.Input) {
			return fmt.Sprintf("request differs:\n%s\n%s", a.Request.Input, b.Request.Input)
		}
	case StepPrompt:
		pa, pb := clonePrompt(a.Prompt), clonePrompt(b.Prompt)
		pa.SecretCode, pa.OTPAuthURI, pb.SecretCode, pb.OTPAuthURI = "", "", "", ""
		if !reflect.DeepEqual(pa, pb) {
			return fmt.Sprintf("prompt differs: %+v vs %+v", pa, pb)
		}
	case StepResult:
		ra, rb := *a.Result, *b.Result
		ra.DeviceErr, rb.DeviceErr = nil, nil
		if !reflect.DeepEqual(ra, rb) || (a.Result.DeviceErr == nil) != (b.Result.DeviceErr == nil) {
			return fmt.Sprintf("result differs: %+v vs %+v", ra, rb)
		}
	default:
		if a.Err.Error() != b.Err.Error() {
			return fmt.Sprintf("error differs: %v vs %v", a.Err, b.Err)
		}
	}
	return ""
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

func formatPrompt(p *Prompt) string {
	var b strings.Builder
	fmt.Fprintf(&b, "prompt %s %s\n", p.Kind, p.Challenge)
	fmt.Fprintf(&b, "  username: %s\n", p.Username)
	if p.Delivery != (challenge.CodeDelivery{}) {
		fmt.Fprintf(&b, "  delivery: %s %s\n", p.Delivery.Medium, p.Delivery.Destination)
	}
	if len(p.Options) > 0 {
		fmt.Fprintf(&b, "  options: %v\n", p.Options)
	}
	if len(p.UserAttributes) > 0 {
		keys := make([]string, 0, len(p.UserAttributes))
		for k := range p.UserAttributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  attribute: %s=%s\n", k, p.UserAttributes[k])
		}
	}
	if len(p.RequiredAttributes) > 0 {
		fmt.Fprintf(&b, "  required: %v\n", p.RequiredAttributes)
	}
	if len(p.Parameters) > 0 {
		pj, _ := json.Marshal(p.Parameters)
		fmt.Fprintf(&b, "  parameters: %s\n", pj)
	}
	if p.SecretCode != "" {
		fmt.Fprintf(&b, "  secret: %s\n  uri: %s\n", p.SecretCode, p.OTPAuthURI)
	}
	if len(p.CredentialRequestOptions) > 0 {
		fmt.Fprintf(&b, "  options-json: %s\n", p.CredentialRequestOptions)
	}
	fmt.Fprintf(&b, "  deadline: %s", p.Deadline.UTC().Format(time.RFC3339))
	return b.String()
}

func formatResult(r *Result) string {
	var b strings.Builder
	t := r.Tokens
	fmt.Fprintf(&b, "result\n  access: %s\n  id: %s\n  refresh: %s\n  type: %s\n  expires: %ds at %s\n  user-id: %s",
		t.AccessToken, t.IDToken, t.RefreshToken, t.TokenType, t.ExpiresIn, t.Expiry.UTC().Format(time.RFC3339), r.UserID)
	if d := r.Device; d != nil {
		fmt.Fprintf(&b, "\n  device: key=%s group=%s password=<%d chars> new=%v", d.DeviceKey, d.DeviceGroupKey, len(d.DevicePassword), r.NewDevice)
	}
	if r.DeviceForgotten {
		b.WriteString("\n  device-forgotten: true")
	}
	if r.DeviceErr != nil {
		fmt.Fprintf(&b, "\n  device-error: %v\n%s", r.DeviceErr, errorTags(r.DeviceErr))
	}
	return b.String()
}

// errorTags lists the sentinels err matches, and the *APIError in it.
func errorTags(err error) string {
	sentinels := []struct {
		name string
		err  error
	}{
		{"flow.ErrInvalidConfig", ErrInvalidConfig}, {"flow.ErrMalformedResponse", ErrMalformedResponse},
		{"flow.ErrUnexpectedResponse", ErrUnexpectedResponse}, {"flow.ErrMissingSession", ErrMissingSession},
		{"flow.ErrNoDevice", ErrNoDevice}, {"flow.ErrInvalidAnswer", ErrInvalidAnswer},
		{"flow.ErrNotWaiting", ErrNotWaiting}, {"flow.ErrFinished", ErrFinished}, {"flow.ErrExpired", ErrExpired},
		{"flow.ErrSoftwareTokenNotVerified", ErrSoftwareTokenNotVerified}, {"flow.ErrPlainPassword", ErrPlainPassword},
		{"challenge.ErrMissingParameter", challenge.ErrMissingParameter},
		{"challenge.ErrMalformedParameter", challenge.ErrMalformedParameter},
		{"challenge.ErrUnknownChallenge", challenge.ErrUnknownChallenge},
		{"srp.ErrMalformedHex", srp.ErrMalformedHex}, {"srp.ErrMalformedBase64", srp.ErrMalformedBase64},
		{"srp.ErrBZero", srp.ErrBZero}, {"srp.ErrTooWide", srp.ErrTooWide},
		{"flow.ErrNotAuthorized", ErrNotAuthorized}, {"flow.ErrUserNotFound", ErrUserNotFound},
		{"flow.ErrPasswordResetRequired", ErrPasswordResetRequired}, {"flow.ErrUserNotConfirmed", ErrUserNotConfirmed},
		{"flow.ErrCodeMismatch", ErrCodeMismatch}, {"flow.ErrExpiredCode", ErrExpiredCode},
		{"flow.ErrTooManyRequests", ErrTooManyRequests}, {"flow.ErrLimitExceeded", ErrLimitExceeded},
		{"flow.ErrResourceNotFound", ErrResourceNotFound}, {"flow.ErrRefreshTokenReuse", ErrRefreshTokenReuse},
		{"flow.ErrStateVersion", ErrStateVersion}, {"flow.ErrStateCorrupt", ErrStateCorrupt},
		{"flow.ErrStateMismatch", ErrStateMismatch},
	}
	var tags []string
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			tags = append(tags, s.name)
		}
	}
	out := "  is: " + strings.Join(tags, ", ")
	var ae *APIError
	if errors.As(err, &ae) {
		out += fmt.Sprintf("\n  as: *flow.APIError{Type: %q, Message: %q}", ae.Type, ae.Message)
	}
	var pe *challenge.ParameterError
	if errors.As(err, &pe) {
		out += fmt.Sprintf("\n  as: *challenge.ParameterError{Challenge: %s, Parameter: %s}", pe.Challenge, pe.Parameter)
	}
	return out
}
