package idp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// testKey is one RSA key shared by every test server: generating a
// 2048-bit key per test would dominate the run time.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     testing.TB
	srv   *Server
	http  *httptest.Server
	clock *fakeClock
}

func newHarness(t testing.TB, mod func(*Options)) *harness {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}
	opts := Options{Clock: clock.Now, SigningKey: testKey(), AdminCredentials: testAdmin}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	s.opts.Endpoint = ts.URL
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return &harness{t: t, srv: s, http: ts, clock: clock}
}

// testAdmin is the control-plane key of the test servers.
var testAdmin = AdminCredentials{AccessKeyID: "AKIATESTCALDERA00001", SecretAccessKey: "test-secret-access-key-0123456789abcdefgh"}

// newAdminClient returns an aws-sdk-go-v2 client of the harness's server
// that signs with its admin key at the harness's clock (the one place
// where this package's SDK tests get their credentials).
func newAdminClient(h *harness) *cip.Client {
	return cip.NewFromConfig(h.srv.AdminAWSConfig(), func(o *cip.Options) {
		o.HTTPSignerV4 = clockSigner{next: v4.NewSigner(), now: h.clock.Now}
	})
}

// clockSigner signs at the test clock's time instead of the wall clock's.
type clockSigner struct {
	next *v4.Signer
	now  func() time.Time
}

func (c clockSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return c.next.SignHTTP(ctx, creds, r, payloadHash, service, region, c.now(), optFns...)
}

// apiError is a decoded error answer.
type apiError struct {
	Status  int
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// call sends one operation as raw JSON, signed with the server's admin key
// at the test clock's time, and decodes the answer.
func (h *harness) call(op string, in any) (map[string]any, *apiError) {
	h.t.Helper()
	return h.send(op, in, func(req *http.Request, body []byte) {
		if c := h.srv.AdminCredentials(); c != (AdminCredentials{}) {
			if err := c.SignRequest(req, body, "us-east-1", h.clock.Now()); err != nil {
				h.t.Fatal(err)
			}
		}
	})
}

// send sends one operation as raw JSON, letting prepare change the request
// (sign it, or not), and decodes the answer.
func (h *harness) send(op string, in any, prepare func(req *http.Request, body []byte)) (map[string]any, *apiError) {
	h.t.Helper()
	var body []byte
	switch v := in.(type) {
	case []byte:
		body = v
	case string:
		body = []byte(v)
	default:
		var err error
		if body, err = json.Marshal(in); err != nil {
			h.t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	if prepare != nil {
		prepare(req, body)
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e := &apiError{Status: resp.StatusCode}
		if err := json.Unmarshal(b, e); err != nil {
			h.t.Fatalf("%s: undecodable error body %q", op, b)
		}
		return nil, e
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatalf("%s: undecodable body %q", op, b)
	}
	return out, nil
}

func (h *harness) mustCall(op string, in any) map[string]any {
	h.t.Helper()
	out, e := h.call(op, in)
	if e != nil {
		h.t.Fatalf("%s: %s: %s", op, e.Type, e.Message)
	}
	return out
}

func wantErr(t testing.TB, e *apiError, typ, msg string) {
	t.Helper()
	if e == nil {
		t.Fatalf("succeeded, want %s", typ)
	}
	if e.Type != typ || (msg != "" && e.Message != msg) {
		t.Fatalf("got %s %q, want %s %q", e.Type, e.Message, typ, msg)
	}
}

func strMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		out[k], _ = x.(string)
	}
	return out
}

// setup creates a pool, a client and a confirmed user; it returns the ids.
type fixture struct {
	pool, client, secret, user, password string
}

func (h *harness) fixture(pc PoolConfig, cc ClientConfig, uc UserConfig) fixture {
	h.t.Helper()
	if uc.Username == "" {
		uc.Username = "alice"
	}
	if uc.Password == "" {
		uc.Password = "Correct-Horse-1"
	}
	p, err := h.srv.CreatePool(pc)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := h.srv.CreateClient(p.ID, cc)
	if err != nil {
		h.t.Fatal(err)
	}
	u, err := h.srv.CreateUser(p.ID, uc)
	if err != nil {
		h.t.Fatal(err)
	}
	return fixture{pool: p.ID, client: c.ID, secret: c.Secret, user: u.Username, password: uc.Password}
}

// srpStart sends InitiateAuth USER_SRP_AUTH and returns the client and the
// challenge answer.
func (h *harness) srpStart(f fixture, username string, extra map[string]any) (*srp.Client, map[string]any, *apiError) {
	h.t.Helper()
	cl, err := srp.Cognito().NewClient(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	p := map[string]any{"USERNAME": username, "SRP_A": cl.PublicHex()}
	if f.secret != "" {
		p["SECRET_HASH"] = challenge.SecretHash(f.secret, username, f.client)
	}
	for k, v := range extra {
		p[k] = v
	}
	out, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": f.client, "AuthParameters": p})
	return cl, out, e
}

// claim computes the PASSWORD_VERIFIER responses for a challenge.
func (h *harness) claim(f fixture, cl *srp.Client, ch map[string]any, password string, ts time.Time) map[string]any {
	h.t.Helper()
	cp := strMap(ch["ChallengeParameters"])
	poolName, _ := srp.PoolName(f.pool)
	c, err := cl.PasswordClaim(srp.PasswordClaimParams{
		PoolName: poolName, UserIDForSRP: cp["USER_ID_FOR_SRP"], Password: password,
		SRPB: cp["SRP_B"], Salt: cp["SALT"], SecretBlock: cp["SECRET_BLOCK"], Timestamp: challenge.FormatTimestamp(ts),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	r := map[string]any{
		"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": c.SecretBlock,
		"TIMESTAMP": c.Timestamp, "PASSWORD_CLAIM_SIGNATURE": c.Signature,
	}
	if f.secret != "" {
		r["SECRET_HASH"] = challenge.SecretHash(f.secret, cp["USER_ID_FOR_SRP"], f.client)
	}
	return r
}

func (h *harness) respond(f fixture, name string, session any, r map[string]any) (map[string]any, *apiError) {
	h.t.Helper()
	if f.secret != "" {
		if _, ok := r["SECRET_HASH"]; !ok {
			if u, ok := r["USERNAME"].(string); ok {
				r["SECRET_HASH"] = challenge.SecretHash(f.secret, u, f.client)
			}
		}
	}
	in := map[string]any{"ChallengeName": name, "ClientId": f.client, "ChallengeResponses": r}
	if session != nil {
		in["Session"] = session
	}
	return h.call("RespondToAuthChallenge", in)
}

// srpSignIn runs USER_SRP_AUTH to its first answer after PASSWORD_VERIFIER.
func (h *harness) srpSignIn(f fixture, username, password string) (map[string]any, *apiError) {
	h.t.Helper()
	cl, ch, e := h.srpStart(f, username, nil)
	if e != nil {
		return nil, e
	}
	r := h.claim(f, cl, ch, password, h.srv.now())
	return h.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
}

func secretHash(f fixture, username string) string {
	return challenge.SecretHash(f.secret, username, f.client)
}

// Cognito's messages, as the tests expect them on the wire.
const (
	msgIncorrect      = "Incorrect username or password."
	msgUserNotExist   = "User does not exist."
	msgInvalidSession = "Invalid session for the user, session is expired."
	msgAttempts       = "Password attempts exceeded"
	msgDeviceNotExist = "Device does not exist."
	msgTimestamp      = "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
	msgBadAccessToken = "Invalid Access Token"
	msgRevokedToken   = "Access Token has been revoked"
	msgBadRefresh     = "Invalid Refresh Token"
	msgCodeMismatch   = "Invalid code received for user"
)
