package userpool_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
	"github.com/caldera-srp/caldera/srp"
)

// recordingStore wraps a Store and records, per committed Update, the
// writes it made ("put device", "delete failure", …).
type recordingStore struct {
	store.Store
	mu      sync.Mutex
	commits [][]string
	fail    error // when set, every Update fails with it after running fn
}

type recordingTx struct {
	store.Tx
	writes []string
}

func (r *recordingTx) Put(kind, key string, v []byte) error {
	r.writes = append(r.writes, "put "+kind)
	return r.Tx.Put(kind, key, v)
}

func (r *recordingTx) Delete(kind, key string) error {
	r.writes = append(r.writes, "delete "+kind)
	return r.Tx.Delete(kind, key)
}

func (s *recordingStore) Update(fn func(store.Tx) error) error {
	var rec *recordingTx
	err := s.Store.Update(func(tx store.Tx) error {
		rec = &recordingTx{Tx: tx}
		if err := fn(rec); err != nil {
			return err
		}
		return s.fail
	})
	if err == nil {
		s.mu.Lock()
		s.commits = append(s.commits, rec.writes)
		s.mu.Unlock()
	}
	return err
}

// take returns and forgets the commits so far.
func (s *recordingStore) take() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.commits
	s.commits = nil
	return c
}

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newService(t *testing.T, st store.Store) *userpool.Service {
	t.Helper()
	svc, err := userpool.New(userpool.Config{Store: st, SigningKey: testKey(), SealKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

const poolID, clientID, password = "us-east-1_Unit", "unitclient", "Unit-Passw0rd!"

// srpSignIn runs USER_SRP_AUTH against the Service directly.
func srpSignIn(t *testing.T, svc *userpool.Service, user, pw string, afterInitiate func()) (*userpool.AuthResult, *userpool.Error) {
	t.Helper()
	c, err := srp.Cognito().NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, aerr := svc.InitiateAuth(userpool.InitiateAuthInput{Flow: "USER_SRP_AUTH", ClientID: clientID, Endpoint: "http://unit",
		Params: map[string]string{"USERNAME": user, "SRP_A": c.PublicHex()}})
	if aerr != nil {
		t.Fatal(aerr)
	}
	if afterInitiate != nil {
		afterInitiate()
	}
	cp := ch.ChallengeParameters
	claim, err := c.PasswordClaim(srp.PasswordClaimParams{
		PoolName: "Unit", UserIDForSRP: cp["USER_ID_FOR_SRP"], Password: pw, SRPB: cp["SRP_B"], Salt: cp["SALT"],
		SecretBlock: cp["SECRET_BLOCK"], Timestamp: challenge.FormatTimestamp(time.Now()),
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc.Respond(userpool.RespondInput{Challenge: "PASSWORD_VERIFIER", ClientID: clientID, Session: ch.Session, Endpoint: "http://unit",
		Responses: map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": claim.SecretBlock,
			"TIMESTAMP": claim.Timestamp, "PASSWORD_CLAIM_SIGNATURE": claim.Signature}})
}

func setUp(t *testing.T, svc *userpool.Service) {
	t.Helper()
	if _, err := svc.CreatePool(userpool.PoolConfig{ID: poolID, DeviceConfiguration: &store.DeviceConfiguration{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateClient(poolID, userpool.ClientConfig{ID: clientID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(poolID, userpool.UserConfig{Username: "alice", Password: password}); err != nil {
		t.Fatal(err)
	}
}

// TestSignInIsOneTransaction: InitiateAuth writes nothing; a verified
// sign-in commits its event, device and origin, each with its entry in
// the user's index (and the reset of a failure count), in one
// transaction; a failed proof commits its failure count and its event.
func TestSignInIsOneTransaction(t *testing.T) {
	st := &recordingStore{Store: store.NewMemory()}
	svc := newService(t, st)
	setUp(t, svc)
	st.take()

	res, err := srpSignIn(t, svc, "alice", password, func() {
		if c := st.take(); len(c) != 0 {
			t.Errorf("InitiateAuth committed %v", c)
		}
	})
	if err != nil || res.AuthenticationResult == nil || res.AuthenticationResult.NewDeviceMetadata == nil {
		t.Fatalf("sign-in: %+v %v", res, err)
	}
	if c := st.take(); !slices.EqualFunc(c, [][]string{{"put device", "put userindex", "put origin", "put userindex", "put authevent", "put userindex"}}, slices.Equal) {
		t.Fatalf("verified sign-in commits %q, want one transaction with the event, the device and the origin", c)
	}

	if _, err := srpSignIn(t, svc, "alice", "Wrong-Passw0rd!", nil); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("wrong password: %v", err)
	}
	if c := st.take(); !slices.EqualFunc(c, [][]string{{"put failure", "put authevent", "put userindex"}}, slices.Equal) {
		t.Fatalf("failed proof commits %q, want its event and failure count", c)
	}

	if _, err := srpSignIn(t, svc, "alice", password, nil); err != nil {
		t.Fatal(err)
	}
	if c := st.take(); !slices.EqualFunc(c, [][]string{{"delete failure", "put device", "put userindex", "put origin", "put userindex", "put authevent", "put userindex"}}, slices.Equal) {
		t.Fatalf("sign-in after a failure commits %q, want one transaction", c)
	}
}

// TestFailedCommitHasNoEffect: when the sign-in's transaction cannot
// commit, the answer is an internal error, no tokens are signed, and the
// store holds no trace of the sign-in.
func TestFailedCommitHasNoEffect(t *testing.T) {
	st := &recordingStore{Store: store.NewMemory()}
	svc := newService(t, st)
	setUp(t, svc)
	res, err := srpSignIn(t, svc, "alice", password, func() { st.fail = errors.New("disk full") })
	if res != nil || !errors.Is(err, userpool.ErrInternal) {
		t.Fatalf("sign-in with a failing store: %+v %v", res, err)
	}
	st.fail = nil
	err2 := st.View(func(tx store.Tx) error {
		n := 0
		store.Devices(tx, func(*store.Device) error { n++; return nil })
		store.Origins(tx, func(*store.Origin) error { n++; return nil })
		if n != 0 {
			return errors.New("device or origin stored")
		}
		return nil
	})
	if err2 != nil {
		t.Fatal(err2)
	}
}

// TestAdminDeleteUserCascades: a deleted user's devices, sign-ins and
// failure count go in the same transaction, and its refresh token stops
// working.
func TestAdminDeleteUserCascades(t *testing.T) {
	st := store.NewMemory()
	svc := newService(t, st)
	setUp(t, svc)
	res, err := srpSignIn(t, svc, "alice", password, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srpSignIn(t, svc, "alice", "Wrong-Passw0rd!", nil); err == nil {
		t.Fatal("wrong password accepted")
	}
	if err := svc.AdminDeleteUser(poolID, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := st.View(store.Check); err != nil {
		t.Fatal(err)
	}
	_, rerr := svc.InitiateAuth(userpool.InitiateAuthInput{Flow: "REFRESH_TOKEN_AUTH", ClientID: clientID,
		Params: map[string]string{"REFRESH_TOKEN": res.AuthenticationResult.RefreshToken}})
	if !errors.Is(rerr, userpool.ErrNotAuthorized) {
		t.Fatalf("refresh after delete: %v", rerr)
	}
}

// blockingHooks is a CustomAuth whose DefineAuthChallenge waits until
// released, as a slow Lambda would.
type blockingHooks struct {
	entered chan struct{}
	release chan struct{}
}

func (h blockingHooks) DefineAuthChallenge(context.Context, userpool.DefineAuthChallengeInput) (userpool.DefineAuthChallengeOutput, error) {
	h.entered <- struct{}{}
	<-h.release
	return userpool.DefineAuthChallengeOutput{IssueTokens: true}, nil
}

func (blockingHooks) CreateAuthChallenge(context.Context, userpool.CreateAuthChallengeInput) (userpool.CreateAuthChallengeOutput, error) {
	return userpool.CreateAuthChallengeOutput{}, nil
}

func (blockingHooks) VerifyAuthChallenge(context.Context, userpool.VerifyAuthChallengeInput) (userpool.VerifyAuthChallengeOutput, error) {
	return userpool.VerifyAuthChallengeOutput{}, nil
}

// TestTriggerHoldsNoLock: while one user's custom-auth trigger is running
// (blocked), another user's complete SRP sign-in — reads, its commit, its
// token signing — goes through: triggers run outside every transaction and
// lock (the single-lock server ran them under its mutex).
func TestTriggerHoldsNoLock(t *testing.T) {
	hooks := blockingHooks{entered: make(chan struct{}), release: make(chan struct{})}
	svc, err := userpool.New(userpool.Config{Store: store.NewMemory(), SigningKey: testKey(), SealKey: make([]byte, 32), CustomAuth: hooks})
	if err != nil {
		t.Fatal(err)
	}
	setUp(t, svc)
	if _, err := svc.CreateUser(poolID, userpool.UserConfig{Username: "bob", Password: password}); err != nil {
		t.Fatal(err)
	}
	bobDone := make(chan *userpool.Error, 1)
	go func() {
		res, err := svc.InitiateAuth(userpool.InitiateAuthInput{Flow: "CUSTOM_AUTH", ClientID: clientID, Endpoint: "http://unit",
			Params: map[string]string{"USERNAME": "bob"}})
		if err == nil && res.AuthenticationResult == nil {
			err = userpool.NewError("Test", "no tokens for bob")
		}
		bobDone <- err
	}()
	<-hooks.entered
	aliceDone := make(chan *userpool.Error, 1)
	go func() {
		_, err := srpSignIn(t, svc, "alice", password, nil)
		aliceDone <- err
	}()
	select {
	case err := <-aliceDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("alice's sign-in waited for bob's trigger")
	}
	close(hooks.release)
	if err := <-bobDone; err != nil {
		t.Fatal(err)
	}
}

// gatedStore holds back the first Update after arm until the gate is
// closed, so a test can interleave one request's transaction with others.
type gatedStore struct {
	store.Store
	gate atomic.Pointer[chan struct{}]
}

func (g *gatedStore) arm() chan struct{} {
	c := make(chan struct{})
	g.gate.Store(&c)
	return c
}

func (g *gatedStore) Update(fn func(store.Tx) error) error {
	if c := g.gate.Swap(nil); c != nil {
		<-*c
	}
	return g.Store.Update(fn)
}

// TestLockoutRechecked: a right PASSWORD_VERIFIER answer that passed the
// lockout check before the failures of answers sent beside it locked the
// user is refused in its own transaction (it got tokens before).
func TestLockoutRechecked(t *testing.T) {
	st := &gatedStore{Store: store.NewMemory()}
	svc := newService(t, st)
	setUp(t, svc)
	armed := make(chan chan struct{}, 1)
	done := make(chan *userpool.Error)
	go func() {
		_, err := srpSignIn(t, svc, "alice", password, func() { armed <- st.arm() })
		done <- err
	}()
	gate := <-armed
	// Wait until the right answer is held at its transaction.
	for st.gate.Load() != nil {
		time.Sleep(time.Millisecond)
	}
	for range userpool.DefaultMaxFailures {
		if _, err := srpSignIn(t, svc, "alice", "Wrong-Passw0rd!", nil); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	close(gate)
	if err := <-done; !errors.Is(err, userpool.ErrPasswordAttemptsExceeded) {
		t.Fatalf("the right answer held back past the lockout: %v, want PasswordAttemptsExceededException", err)
	}
}
