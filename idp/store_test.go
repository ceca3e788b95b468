package idp

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/caldera-srp/caldera/srp"
)

// TestBoltPersistence: pools, clients, users, devices, refresh tokens and
// keys survive a restart on the same database file.
func TestBoltPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idp.db")
	open := func() *harness {
		st, err := OpenBoltStore(path)
		if err != nil {
			t.Fatal(err)
		}
		// No SigningKey: the key is generated once and must come back.
		return newHarness(t, func(o *Options) { o.Store = st; o.SigningKey = nil })
	}
	h := open()
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{}}, ClientConfig{GenerateSecret: true}, UserConfig{})
	out, e := h.srpSignIn(f, f.user, f.password)
	if e != nil {
		t.Fatal(e)
	}
	res := tokensOf(t, out)
	meta := res["NewDeviceMetadata"].(map[string]any)
	dk, gk := meta["DeviceKey"].(string), meta["DeviceGroupKey"].(string)
	dv, _ := srp.NewDeviceVerifier(nil, gk, dk)
	h.mustCall("ConfirmDevice", map[string]any{"AccessToken": res["AccessToken"], "DeviceKey": dk,
		"DeviceSecretVerifierConfig": map[string]string{"Salt": dv.Config.Salt, "PasswordVerifier": dv.Config.PasswordVerifier}})
	h.http.Close()
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}

	h2 := open()
	h2.clock.t = h.clock.Now()
	// The old access token still verifies (same key) and is still live.
	if u := h2.mustCall("GetUser", map[string]any{"AccessToken": res["AccessToken"]}); u["Username"] != f.user {
		t.Fatalf("GetUser after restart: %v", u)
	}
	cl, ch, e := h2.srpStart(f, f.user, map[string]any{"DEVICE_KEY": dk})
	if e != nil {
		t.Fatal(e)
	}
	r := h2.claim(f, cl, ch, f.password, h2.clock.Now())
	r["DEVICE_KEY"] = dk
	out, e = h2.respond(f, "PASSWORD_VERIFIER", ch["Session"], r)
	if e != nil {
		t.Fatal(e)
	}
	out, e = h2.deviceSignIn(f, out, f.user, dk, gk, dv.DevicePassword)
	if e != nil {
		t.Fatal(e)
	}
	tokensOf(t, out)
	h2.mustCall("InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{
		"REFRESH_TOKEN": res["RefreshToken"].(string), "SECRET_HASH": secretHash(f, f.user)}})
	// A second process cannot open the same file while it is held.
	if _, err := OpenBoltStore(path); err == nil {
		t.Fatal("database opened twice")
	}
}

// TestConcurrentSignIns runs 50 sign-ins at once (run with -race), half of
// them with a wrong password, across two users.
func TestConcurrentSignIns(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxFailures = 1000 })
	f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: true}, UserConfig{})
	if _, err := h.srv.CreateUser(f.pool, UserConfig{Username: "bob", Password: "Bob-Pass-1"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user, pw := f.user, f.password
			if i%3 == 0 {
				user, pw = "bob", "Bob-Pass-1"
			}
			wrong := i%2 == 1
			if wrong {
				pw = "Wrong-Pass-1"
			}
			out, e := h.srpSignIn(f, user, pw)
			switch {
			case wrong && (e == nil || e.Type != "NotAuthorizedException"):
				errs <- "wrong password accepted or odd error"
			case !wrong && (e != nil || out["AuthenticationResult"] == nil):
				errs <- "right password refused"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
