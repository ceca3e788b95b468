package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
)

// TestCrashRecovery is issue 17's crash test: it builds caldera, runs
// `caldera serve --data FILE` as a separate process, drives sign-ups,
// admin writes and sign-ins (SRP and password, each writing a device and a
// refresh-token origin) from several goroutines, kills the process with
// SIGKILL at a random moment, and checks, ten times over on the same file:
//
//   - the server starts cleanly on the file it was killed on;
//   - every acknowledged write is there: signed-up users, confirmations,
//     attribute updates (the value is the last acknowledged one, or the one
//     in flight when the process died), devices handed out;
//   - acknowledged deletes stay done, and a deleted user's devices and
//     sign-ins go with it: no record refers to a missing one (store.Check,
//     and every origin's device exists: the test forgets no device);
//   - every refresh token handed out, in any round, to a user not deleted
//     still works.
//
// CRASH_ROUNDS overrides the number of rounds; -short runs two.
func TestCrashRecovery(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not in PATH: cannot build caldera")
	}
	rounds := 10
	if testing.Short() {
		rounds = 2
	}
	if s := os.Getenv("CRASH_ROUNDS"); s != "" {
		fmt.Sscan(s, &rounds)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "caldera")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(`{"pools": [{"id": "us-east-1_Crash", "name": "crash",
		"deviceConfiguration": {"ChallengeRequiredOnNewDevice": false},
		"passwordPolicy": {"MinimumLength": 8},
		"schema": [{"Name": "n", "AttributeDataType": "Number"}],
		"clients": [{"id": "crashclient", "name": "crash",
			"explicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ck := &crashCheck{t: t, data: filepath.Join(dir, "idp.db"), users: map[string]*crashUser{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))
	start := time.Now()
	for round := range rounds {
		srv := startServe(t, bin, ck.data, seed)
		ck.verifyRefreshTokens(srv.endpoint)
		killAfter := time.Duration(200+rng.IntN(1300)) * time.Millisecond
		acked := ck.load(srv, round, killAfter)
		srv.kill()
		t.Logf("round %d: killed after %v, %d writes acknowledged", round, killAfter, acked)
		ck.verifyFile()
		if t.Failed() {
			return
		}
	}
	srv := startServe(t, bin, ck.data, seed)
	ck.verifyRefreshTokens(srv.endpoint)
	srv.kill()
	t.Logf("%d rounds, %d users, %d refresh tokens, in %v", rounds, len(ck.users), ck.refreshed, time.Since(start).Round(time.Millisecond))
}

// served is one caldera serve process.
type served struct {
	t        *testing.T
	cmd      *exec.Cmd
	endpoint string
	stderr   *bytes.Buffer
	killed   atomic.Bool
}

// startServe starts the server and waits for its endpoint line; a server
// that does not start cleanly (exits, writes an error) fails the test.
func startServe(t *testing.T, bin, data, seed string) *served {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--seed", seed,
		"--admin-credentials", crashAdmin.AccessKeyID+":"+crashAdmin.SecretAccessKey)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &served{t: t, cmd: cmd, stderr: new(bytes.Buffer)}
	cmd.Stderr = &lockedWriter{w: s.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		var out struct{ Endpoint string }
		if !ok || json.Unmarshal([]byte(l), &out) != nil || out.Endpoint == "" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("serve did not start cleanly: stdout %q, stderr %q", l, s.stderr)
		}
		s.endpoint = out.Endpoint
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("serve did not start within 20s: stderr %q", s.stderr)
	}
	return s
}

func (s *served) kill() {
	s.killed.Store(true)
	s.cmd.Process.Kill() // SIGKILL
	s.cmd.Wait()
	if strings.Contains(s.stderr.String(), "level=ERROR") {
		s.t.Errorf("server logged an error: %s", s.stderr)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// crashUser is what the test knows was acknowledged for one user.
type crashUser struct {
	name      string
	confirmed bool // AdminConfirmSignUp acknowledged
	acked     int  // last acknowledged custom:n
	inFlight  int  // custom:n sent but not acknowledged (0: none)
	devices   []string
	deleting  bool // AdminDeleteUser sent
	deleted   bool // and acknowledged
	refresh   []string
}

type crashCheck struct {
	t     *testing.T
	data  string
	mu    sync.Mutex
	users map[string]*crashUser
	// refreshed is the number of refresh tokens the last check used.
	refreshed int
}

const crashPool, crashClient, crashPassword = "us-east-1_Crash", "crashclient", "Crash-Passw0rd!"

// crashAdmin is the control-plane key the crash test's servers run with.
var crashAdmin = idp.AdminCredentials{AccessKeyID: "AKIACRASHTEST0000001", SecretAccessKey: "crash-test-secret-access-key-000000000000"}

// call posts one operation; ok is false when the process is gone (the
// write is then unacknowledged). Any error answer while the server lives
// fails the test.
func (s *served) call(op string, in any) (map[string]any, bool) {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, s.endpoint+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	if err := crashAdmin.SignRequest(req, body, "us-east-1", time.Now()); err != nil {
		s.t.Errorf("%s: sign: %v", op, err)
		return nil, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if !s.killed.Load() {
			s.t.Errorf("%s: %v", op, err)
		}
		return nil, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		if !s.killed.Load() {
			s.t.Errorf("%s: HTTP %d %s %v", op, resp.StatusCode, b, err)
		}
		return nil, false
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		s.t.Errorf("%s: %q", op, b)
		return nil, false
	}
	return out, true
}

// load runs four workers against s until it is killed after d; it returns
// the number of acknowledged writes.
func (c *crashCheck) load(s *served, round int, d time.Duration) int {
	var acked atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !s.killed.Load() && !c.t.Failed(); i++ {
				if !c.cycle(s, fmt.Sprintf("r%dw%di%d", round, w, i), i%3 == 0, i%5 == 4, &acked) {
					return
				}
			}
		}()
	}
	time.Sleep(d)
	s.kill()
	wg.Wait()
	return int(acked.Load())
}

// cycle signs a user up, confirms it, updates an attribute twice, signs
// it in (SRP or password) and, when del is set, deletes it (its device and
// origin must go with it); every acknowledged step is recorded.
func (c *crashCheck) cycle(s *served, name string, useSRP, del bool, acked *atomic.Int64) bool {
	if _, ok := s.call("SignUp", map[string]any{"ClientId": crashClient, "Username": name, "Password": crashPassword,
		"UserAttributes": []map[string]string{{"Name": "email", "Value": name + "@example.com"}}}); !ok {
		return false
	}
	u := &crashUser{name: name}
	c.mu.Lock()
	c.users[name] = u
	c.mu.Unlock()
	acked.Add(1)
	if _, ok := s.call("AdminConfirmSignUp", map[string]any{"UserPoolId": crashPool, "Username": name}); !ok {
		return false
	}
	c.mu.Lock()
	u.confirmed = true
	c.mu.Unlock()
	acked.Add(1)
	for n := 1; n <= 2; n++ {
		c.mu.Lock()
		u.inFlight = n
		c.mu.Unlock()
		if _, ok := s.call("AdminUpdateUserAttributes", map[string]any{"UserPoolId": crashPool, "Username": name,
			"UserAttributes": []map[string]string{{"Name": "custom:n", "Value": fmt.Sprint(n)}}}); !ok {
			return false
		}
		c.mu.Lock()
		u.acked, u.inFlight = n, 0
		c.mu.Unlock()
		acked.Add(1)
	}
	var out map[string]any
	var ok bool
	if useSRP {
		out, ok = s.srpSignIn(name)
	} else {
		out, ok = s.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": crashClient,
			"AuthParameters": map[string]string{"USERNAME": name, "PASSWORD": crashPassword}})
	}
	if !ok {
		return false
	}
	res, _ := out["AuthenticationResult"].(map[string]any)
	meta, _ := res["NewDeviceMetadata"].(map[string]any)
	rt, _ := res["RefreshToken"].(string)
	dk, _ := meta["DeviceKey"].(string)
	if rt == "" || dk == "" {
		c.t.Errorf("sign-in of %s: no refresh token or device: %v", name, out)
		return false
	}
	c.mu.Lock()
	u.refresh = append(u.refresh, rt)
	u.devices = append(u.devices, dk)
	c.mu.Unlock()
	acked.Add(1)
	if !del {
		return true
	}
	c.mu.Lock()
	u.deleting = true
	c.mu.Unlock()
	if _, ok := s.call("AdminDeleteUser", map[string]any{"UserPoolId": crashPool, "Username": name}); !ok {
		return false
	}
	c.mu.Lock()
	u.deleted = true
	c.mu.Unlock()
	acked.Add(1)
	return true
}

// srpSignIn runs USER_SRP_AUTH with the srp package's client.
func (s *served) srpSignIn(name string) (map[string]any, bool) {
	cl, err := srp.Cognito().NewClient(nil)
	if err != nil {
		s.t.Error(err)
		return nil, false
	}
	ch, ok := s.call("InitiateAuth", map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": crashClient,
		"AuthParameters": map[string]string{"USERNAME": name, "SRP_A": cl.PublicHex()}})
	if !ok {
		return nil, false
	}
	cp := map[string]string{}
	for k, v := range ch["ChallengeParameters"].(map[string]any) {
		cp[k], _ = v.(string)
	}
	poolName, _ := srp.PoolName(crashPool)
	claim, err := cl.PasswordClaim(srp.PasswordClaimParams{
		PoolName: poolName, UserIDForSRP: cp["USER_ID_FOR_SRP"], Password: crashPassword,
		SRPB: cp["SRP_B"], Salt: cp["SALT"], SecretBlock: cp["SECRET_BLOCK"], Timestamp: challenge.FormatTimestamp(time.Now()),
	})
	if err != nil {
		s.t.Error(err)
		return nil, false
	}
	return s.call("RespondToAuthChallenge", map[string]any{"ChallengeName": "PASSWORD_VERIFIER", "ClientId": crashClient,
		"Session": ch["Session"], "ChallengeResponses": map[string]string{
			"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": claim.SecretBlock,
			"TIMESTAMP": claim.Timestamp, "PASSWORD_CLAIM_SIGNATURE": claim.Signature,
		}})
}

// verifyFile opens the killed server's file directly and checks what was
// acknowledged and the references between records.
func (c *crashCheck) verifyFile() {
	t := c.t
	t.Helper()
	st, err := store.OpenBolt(c.data, 5*time.Second)
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer st.Close()
	err = st.View(func(tx store.Tx) error {
		if err := store.Check(tx); err != nil {
			return err
		}
		if err := store.Origins(tx, func(o *store.Origin) error {
			if o.DeviceKey == "" {
				return nil
			}
			d, err := store.GetDevice(tx, o.DeviceKey)
			if err == nil && d == nil {
				err = fmt.Errorf("origin %s: device %s missing", o.JTI, o.DeviceKey)
			}
			return err
		}); err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, u := range c.users {
			r, err := store.GetUser(tx, crashPool, u.name)
			if err != nil {
				return err
			}
			if u.deleting && r == nil {
				u.deleted = true // settled: the delete committed
				continue
			}
			u.deleting = false
			switch {
			case u.deleted:
				return fmt.Errorf("acknowledged delete of %s lost", u.name)
			case r == nil:
				return fmt.Errorf("acknowledged sign-up %s lost", u.name)
			case u.confirmed && r.Status != store.StatusConfirmed:
				return fmt.Errorf("acknowledged confirmation of %s lost: %s", u.name, r.Status)
			}
			got := r.Attrs["custom:n"]
			if u.acked > 0 && got != fmt.Sprint(u.acked) && (u.inFlight == 0 || got != fmt.Sprint(u.inFlight)) {
				return fmt.Errorf("%s: custom:n = %q, acknowledged %d (in flight %d)", u.name, got, u.acked, u.inFlight)
			}
			for _, dk := range u.devices {
				d, err := store.GetDevice(tx, dk)
				if err != nil {
					return err
				}
				if d == nil || d.Username != u.name {
					return fmt.Errorf("%s: acknowledged device %s lost", u.name, dk)
				}
			}
			// What was in flight when the process died is settled now.
			if u.inFlight != 0 && got == fmt.Sprint(u.inFlight) {
				u.acked = u.inFlight
			}
			u.inFlight = 0
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// verifyRefreshTokens uses every refresh token handed out so far to users
// that were not deleted.
func (c *crashCheck) verifyRefreshTokens(endpoint string) {
	var toks []string
	c.mu.Lock()
	for _, u := range c.users {
		if !u.deleted {
			toks = append(toks, u.refresh...)
		}
	}
	c.refreshed = len(toks)
	c.mu.Unlock()
	s := &served{t: c.t, endpoint: endpoint}
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(toks); i = int(next.Add(1)) - 1 {
				out, ok := s.call("InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": crashClient,
					"AuthParameters": map[string]string{"REFRESH_TOKEN": toks[i]}})
				if !ok {
					return
				}
				if res, _ := out["AuthenticationResult"].(map[string]any); res == nil || res["AccessToken"] == "" {
					c.t.Errorf("refresh token %d: %v", i, out)
					return
				}
			}
		}()
	}
	wg.Wait()
}
