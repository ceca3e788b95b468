// Package storetest is the conformance suite of idp/store engines: Run
// checks that a Store keeps the promises of the store package (reads,
// writes and prefix walks; atomic, isolated and exactly-once Updates;
// read-only Views; the typed records round-trip; persistence across a
// reopen for engines that persist). Memory and Bolt both run it; a new
// engine is added by implementing store.Store and calling Run in its test.
package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
)

// Engine opens stores for the suite. Open returns an empty store for a
// test. Reopen, when not nil, closes a store and opens the same data again
// (engines that persist); the suite then checks that committed writes come
// back.
type Engine struct {
	Open   func(t *testing.T) store.Store
	Reopen func(t *testing.T, s store.Store) store.Store
}

// Run runs the suite against e.
func Run(t *testing.T, e Engine) {
	t.Run("GetPutDelete", func(t *testing.T) { testGetPutDelete(t, e) })
	t.Run("ForEach", func(t *testing.T) { testForEach(t, e) })
	t.Run("Rollback", func(t *testing.T) { testRollback(t, e) })
	t.Run("ReadOnlyView", func(t *testing.T) { testReadOnly(t, e) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testConcurrent(t, e) })
	t.Run("Records", func(t *testing.T) { testRecords(t, e) })
	t.Run("Aliases", func(t *testing.T) { testAliases(t, e) })
	t.Run("UserIndexes", func(t *testing.T) { testUserIndexes(t, e) })
	t.Run("IdentityPools", func(t *testing.T) { testIdentityPools(t, e) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, e) })
	if e.Reopen != nil {
		t.Run("Reopen", func(t *testing.T) { testReopen(t, e) })
	}
}

func mustUpdate(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func getString(t *testing.T, s store.Store, kind, key string) (string, bool) {
	t.Helper()
	var v []byte
	err := s.View(func(tx store.Tx) error {
		b, err := tx.Get(kind, key)
		v = slices.Clone(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(v), v != nil
}

func testGetPutDelete(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	if v, ok := getString(t, s, "k", "a"); ok {
		t.Fatalf("empty store has a=%q", v)
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Put("k", "a", []byte("1")); err != nil {
			return err
		}
		// Reads inside the transaction see its own writes.
		if b, _ := tx.Get("k", "a"); string(b) != "1" {
			return fmt.Errorf("own write not seen: %q", b)
		}
		return tx.Put("k", "b", []byte("2"))
	})
	if v, _ := getString(t, s, "k", "a"); v != "1" {
		t.Fatalf("a = %q, want 1", v)
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Delete("k", "a"); err != nil {
			return err
		}
		if b, _ := tx.Get("k", "a"); b != nil {
			return fmt.Errorf("own delete not seen: %q", b)
		}
		return tx.Delete("k", "missing") // not an error
	})
	if _, ok := getString(t, s, "k", "a"); ok {
		t.Fatal("a survived its delete")
	}
	if v, _ := getString(t, s, "k", "b"); v != "2" {
		t.Fatalf("b = %q, want 2", v)
	}
	// A value handed to Put may be reused by the caller afterwards.
	buf := []byte("xy")
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Put("k", "c", buf) })
	buf[0] = 'z'
	if v, _ := getString(t, s, "k", "c"); v != "xy" {
		t.Fatalf("c = %q, want xy (Put must copy)", v)
	}
	if err := s.Update(func(tx store.Tx) error { return tx.Put("k", "", []byte("x")) }); err == nil {
		t.Fatal("empty key accepted")
	}
}

func testForEach(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	mustUpdate(t, s, func(tx store.Tx) error {
		for _, k := range []string{"p/b", "p/d", "q/a", "p/a", "o/z"} {
			if err := tx.Put("k", k, []byte("v"+k)); err != nil {
				return err
			}
		}
		return nil
	})
	walk := func(tx store.Tx, prefix string) ([]string, error) {
		var got []string
		err := tx.ForEach("k", prefix, func(k string, v []byte) error {
			if string(v) != "v"+k && string(v) != "new" {
				return fmt.Errorf("%s = %q", k, v)
			}
			got = append(got, k)
			return nil
		})
		return got, err
	}
	err := s.View(func(tx store.Tx) error {
		got, err := walk(tx, "p/")
		if err == nil && !slices.Equal(got, []string{"p/a", "p/b", "p/d"}) {
			err = fmt.Errorf("prefix p/: %v", got)
		}
		if all, _ := walk(tx, ""); len(all) != 5 {
			err = errors.Join(err, fmt.Errorf("all: %v", all))
		}
		if none, _ := walk(tx, "x"); len(none) != 0 {
			err = errors.Join(err, fmt.Errorf("prefix x: %v", none))
		}
		if missing, _ := tx.Get("nokind", "a"); missing != nil {
			err = errors.Join(err, fmt.Errorf("missing kind has a value"))
		}
		return errors.Join(err, tx.ForEach("nokind", "", func(string, []byte) error { return errors.New("visited") }))
	})
	if err != nil {
		t.Fatal(err)
	}
	// Inside an Update the walk merges the transaction's own writes, in
	// order, and writes made during the walk are allowed.
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.Put("k", "p/c", []byte("vp/c")); err != nil {
			return err
		}
		if err := tx.Delete("k", "p/b"); err != nil {
			return err
		}
		if err := tx.Put("k", "p/d", []byte("new")); err != nil {
			return err
		}
		got, err := walk(tx, "p/")
		if err != nil {
			return err
		}
		if !slices.Equal(got, []string{"p/a", "p/c", "p/d"}) {
			return fmt.Errorf("merged walk: %v", got)
		}
		return tx.ForEach("k", "p/", func(k string, _ []byte) error { return tx.Put("k", k, []byte("new")) })
	})
	if v, _ := getString(t, s, "k", "p/a"); v != "new" {
		t.Fatalf("write during walk lost: p/a = %q", v)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.View(func(tx store.Tx) error {
		return tx.ForEach("k", "", func(string, []byte) error { n++; return stop })
	}); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("ForEach did not stop at the first error: %v after %d", err, n)
	}
}

func testRollback(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Put("k", "a", []byte("1")) })
	boom := errors.New("boom")
	calls := 0
	err := s.Update(func(tx store.Tx) error {
		calls++
		tx.Put("k", "a", []byte("2"))
		tx.Put("k", "b", []byte("2"))
		tx.Delete("k", "a")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if calls != 1 {
		t.Fatalf("function ran %d times, want exactly once", calls)
	}
	if v, _ := getString(t, s, "k", "a"); v != "1" {
		t.Fatalf("failed Update changed a to %q", v)
	}
	if _, ok := getString(t, s, "k", "b"); ok {
		t.Fatal("failed Update left b behind")
	}
	// A panic is re-raised in the caller and leaves nothing behind.
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Fatalf("recovered %v, want the function's panic", r)
			}
		}()
		s.Update(func(tx store.Tx) error {
			tx.Put("k", "p", []byte("x"))
			panic("kaboom")
		})
	}()
	if _, ok := getString(t, s, "k", "p"); ok {
		t.Fatal("panicking Update left p behind")
	}
	// The store still works after both.
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Put("k", "c", []byte("3")) })
	if v, _ := getString(t, s, "k", "c"); v != "3" {
		t.Fatalf("c = %q", v)
	}
}

func testReadOnly(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	err := s.View(func(tx store.Tx) error { return tx.Put("k", "a", []byte("1")) })
	if !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("Put in View: %v, want ErrReadOnly", err)
	}
	err = s.View(func(tx store.Tx) error { return tx.Delete("k", "a") })
	if !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("Delete in View: %v, want ErrReadOnly", err)
	}
}

// testConcurrent runs read-modify-write Updates from many goroutines, half
// of them failing: every successful increment must be counted once (no
// lost update), no failed one at all, and a concurrent View must never see
// the two halves of one Update apart.
func testConcurrent(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	const workers, each = 8, 25
	incr := func(tx store.Tx, key string) error {
		b, err := tx.Get("n", key)
		if err != nil {
			return err
		}
		n := 0
		if b != nil {
			fmt.Sscan(string(b), &n)
		}
		return tx.Put("n", key, []byte(fmt.Sprint(n+1)))
	}
	fail := errors.New("fail")
	var wg sync.WaitGroup
	done := make(chan struct{})
	viewErr := make(chan error, 1)
	go func() {
		for {
			select {
			case <-done:
				viewErr <- nil
				return
			default:
			}
			err := s.View(func(tx store.Tx) error {
				a, _ := tx.Get("n", "a")
				b, _ := tx.Get("n", "b")
				if string(a) != string(b) {
					return fmt.Errorf("torn Update seen: a=%q b=%q", a, b)
				}
				return nil
			})
			if err != nil {
				viewErr <- err
				return
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.Update(func(tx store.Tx) error {
					if err := incr(tx, "a"); err != nil {
						return err
					}
					if err := incr(tx, "b"); err != nil {
						return err
					}
					if (w+i)%2 == 1 {
						return fail
					}
					return nil
				})
				if err != nil && !errors.Is(err, fail) {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	if err := <-viewErr; err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(workers * each / 2)
	for _, k := range []string{"a", "b"} {
		if v, _ := getString(t, s, "n", k); v != want {
			t.Fatalf("%s = %s after %d successful increments", k, v, workers*each/2)
		}
	}
}

func testRecords(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	mustUpdate(t, s, func(tx store.Tx) error {
		return errors.Join(
			store.PutPool(tx, &store.Pool{ID: "r_P", Name: "p", CreatedAt: now, Device: &store.DeviceConfiguration{ChallengeRequiredOnNewDevice: true}}),
			store.PutClient(tx, &store.Client{PoolID: "r_P", ID: "c1", Flows: []string{"ALLOW_USER_SRP_AUTH"}, AccessTTL: time.Minute}),
			store.PutUser(tx, &store.User{PoolID: "r_P", Username: "alice", Attrs: map[string]string{"email": "a@x"}, V: []byte{1, 2}}),
			store.PutUser(tx, &store.User{PoolID: "r_P", Username: "bob"}),
			store.PutPool(tx, &store.Pool{ID: "r_Q"}),
			store.PutUser(tx, &store.User{PoolID: "r_Q", Username: "carol"}),
			store.PutDevice(tx, &store.Device{PoolID: "r_P", Username: "alice", Key: "r_d1"}),
			store.PutOrigin(tx, &store.Origin{JTI: "o1", PoolID: "r_P", ClientID: "c1", Username: "alice", RefreshHash: []byte{9}}),
			store.PutFailures(tx, &store.Failures{PoolID: "r_P", Username: "alice", Count: 2}),
		)
	})
	err := s.View(func(tx store.Tx) error {
		p, err := store.GetPool(tx, "r_P")
		if err != nil || p == nil || p.Name != "p" || !p.CreatedAt.Equal(now) || p.Device == nil || !p.Device.ChallengeRequiredOnNewDevice {
			return fmt.Errorf("pool: %+v %v", p, err)
		}
		c, _ := store.GetClient(tx, "c1")
		if c == nil || c.AccessTTL != time.Minute || c.Flows[0] != "ALLOW_USER_SRP_AUTH" {
			return fmt.Errorf("client: %+v", c)
		}
		u, _ := store.GetUser(tx, "r_P", "alice")
		if u == nil || u.Attrs["email"] != "a@x" || string(u.V) != "\x01\x02" {
			return fmt.Errorf("user: %+v", u)
		}
		var names []string
		store.Users(tx, "r_P", func(u *store.User) error { names = append(names, u.Username); return nil })
		if !slices.Equal(names, []string{"alice", "bob"}) {
			return fmt.Errorf("users of r_P: %v", names)
		}
		if f, _ := store.GetFailures(tx, "r_P", "alice"); f == nil || f.Count != 2 {
			return fmt.Errorf("failures: %+v", f)
		}
		if missing, _ := store.GetUser(tx, "r_P", "nobody"); missing != nil {
			return fmt.Errorf("missing user found: %+v", missing)
		}
		return store.Check(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Deleting a user takes its devices, origins and failure count along.
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeleteUser(tx, "r_P", "alice") })
	err = s.View(func(tx store.Tx) error {
		d, _ := store.GetDevice(tx, "r_d1")
		o, _ := store.GetOrigin(tx, "o1")
		f, _ := store.GetFailures(tx, "r_P", "alice")
		if d != nil || o != nil || f != nil {
			return fmt.Errorf("left behind: %+v %+v %+v", d, o, f)
		}
		return store.Check(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Check reports a dangling reference.
	mustUpdate(t, s, func(tx store.Tx) error {
		return store.PutDevice(tx, &store.Device{PoolID: "r_P", Username: "ghost", Key: "r_d2"})
	})
	if err := s.View(store.Check); err == nil {
		t.Fatal("Check missed a device of a missing user")
	}
}

func testClosed(t *testing.T, e Engine) {
	s := e.Open(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Update after Close: %v", err)
	}
	if err := s.View(func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("View after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func testReopen(t *testing.T, e Engine) {
	s := e.Open(t)
	mustUpdate(t, s, func(tx store.Tx) error {
		return errors.Join(tx.Put("k", "a", []byte("1")), tx.Put("k", "b", []byte("2")))
	})
	s.Update(func(tx store.Tx) error { tx.Put("k", "c", []byte("3")); return errors.New("no") })
	s = e.Reopen(t, s)
	defer s.Close()
	if v, _ := getString(t, s, "k", "a"); v != "1" {
		t.Fatalf("a = %q after reopen", v)
	}
	if v, _ := getString(t, s, "k", "b"); v != "2" {
		t.Fatalf("b = %q after reopen", v)
	}
	if _, ok := getString(t, s, "k", "c"); ok {
		t.Fatal("a failed Update came back after reopen")
	}
}

// testAliases: the alias index follows users' e-mail, phone and preferred
// name through creation, change and deletion (a duplicate value passes to
// the other user), Migrate builds it for users stored without it, and
// Check reports a stale entry.
func testAliases(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	lookup := func(attr, value string) string {
		t.Helper()
		var name string
		if err := s.View(func(tx store.Tx) error {
			var err error
			name, err = store.UserByAlias(tx, "a_P", attr, value)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return name
	}
	user := func(name, email string) *store.User {
		return &store.User{PoolID: "a_P", Username: name, Attrs: map[string]string{"email": email, "phone_number": "+1555" + name}}
	}
	mustUpdate(t, s, func(tx store.Tx) error {
		return errors.Join(store.PutPool(tx, &store.Pool{ID: "a_P"}),
			store.PutUser(tx, user("u1", "Ann@Example.com")), store.PutUser(tx, user("u2", "bob@example.com")))
	})
	if got := lookup("email", "ann@EXAMPLE.com"); got != "u1" {
		t.Fatalf("e-mail lookup without regard to case: %q", got)
	}
	if got := lookup("phone_number", "+1555u2"); got != "u2" {
		t.Fatalf("phone lookup: %q", got)
	}
	// A changed e-mail moves the entry.
	mustUpdate(t, s, func(tx store.Tx) error { return store.PutUser(tx, user("u1", "ann@new.example")) })
	if old, cur := lookup("email", "ann@example.com"), lookup("email", "ann@new.example"); old != "" || cur != "u1" {
		t.Fatalf("after change: old %q, new %q", old, cur)
	}
	// A duplicate e-mail: deleting the indexed user hands the entry over.
	mustUpdate(t, s, func(tx store.Tx) error { return store.PutUser(tx, user("u3", "bob@example.com")) })
	owner := lookup("email", "bob@example.com")
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeleteUser(tx, "a_P", owner) })
	if got := lookup("email", "bob@example.com"); got == "" || got == owner {
		t.Fatalf("after deleting %s the duplicate e-mail points at %q", owner, got)
	}
	if err := s.View(store.Check); err != nil {
		t.Fatal(err)
	}
	// Users written without the index (an older server) get it from Migrate.
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.Put(store.KindUser, store.UserKey("a_P", "old"), []byte(`{"PoolID":"a_P","Username":"old","Attrs":{"email":"old@example.com"}}`))
	})
	if err := s.View(store.Check); err == nil {
		t.Fatal("Check missed an unindexed user")
	}
	mustUpdate(t, s, store.Migrate)
	if got := lookup("email", "old@example.com"); got != "old" {
		t.Fatalf("Migrate did not index: %q", got)
	}
	if err := s.View(store.Check); err != nil {
		t.Fatal(err)
	}
	// Upgrading a store that has the alias index (schema 2) keeps it: a
	// second user with the same e-mail, later in key order, does not take
	// the entry from its holder.
	mustUpdate(t, s, func(tx store.Tx) error {
		return errors.Join(
			tx.Put(store.KindUser, store.UserKey("a_P", "zz"), []byte(`{"PoolID":"a_P","Username":"zz","Attrs":{"email":"ann@new.example"}}`)),
			tx.Put(store.KindMeta, "schema", []byte("2")))
	})
	mustUpdate(t, s, store.Migrate)
	if got := lookup("email", "ann@new.example"); got != "u1" {
		t.Fatalf("Migrate from schema 2 moved the alias to %q", got)
	}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.Delete(store.KindUser, store.UserKey("a_P", "zz")) })
	// A stale entry is reported.
	mustUpdate(t, s, func(tx store.Tx) error {
		return tx.Put(store.KindAlias, store.AliasKey("a_P", "email", "x@y"), []byte("u1"))
	})
	if err := s.View(store.Check); err == nil {
		t.Fatal("Check missed a stale alias")
	}
	// DeletePool takes every alias of the pool with it.
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeletePool(tx, "a_P") })
	if err := s.View(func(tx store.Tx) error {
		return tx.ForEach(store.KindAlias, "a_P/", func(k string, _ []byte) error { return fmt.Errorf("alias %s left", k) })
	}); err != nil {
		t.Fatal(err)
	}
}

// testUserIndexes: a user's origins and devices are listed, bounded and
// deleted through its index; an origin whose refresh token expired goes
// at the user's next sign-in; Migrate indexes the records of an older
// server, and Check reports records missing from an index.
func testUserIndexes(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	origin := func(user, jti string, at time.Time) *store.Origin {
		return &store.Origin{JTI: jti, PoolID: "i_P", ClientID: "c", Username: user, IssuedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
	}
	users := func(tx store.Tx) error {
		return errors.Join(store.PutPool(tx, &store.Pool{ID: "i_P"}), store.PutClient(tx, &store.Client{ID: "c", PoolID: "i_P"}),
			store.PutUser(tx, &store.User{PoolID: "i_P", Username: "u"}), store.PutUser(tx, &store.User{PoolID: "i_P", Username: "v"}))
	}
	mustUpdate(t, s, users)
	jtis := func(user string) []string {
		t.Helper()
		var out []string
		if err := s.View(func(tx store.Tx) error {
			return store.UserOrigins(tx, "i_P", user, func(o *store.Origin) error { out = append(out, o.JTI); return nil })
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i := range store.MaxOriginsPerUser + 2 {
		mustUpdate(t, s, func(tx store.Tx) error {
			return store.PutOrigin(tx, origin("u", fmt.Sprintf("o%03d", i), t0.Add(time.Duration(i)*time.Second)))
		})
	}
	mustUpdate(t, s, func(tx store.Tx) error { return store.PutOrigin(tx, origin("v", "v1", t0)) })
	got := jtis("u")
	if len(got) != store.MaxOriginsPerUser || got[0] != "o002" || got[len(got)-1] != fmt.Sprintf("o%03d", store.MaxOriginsPerUser+1) {
		t.Fatalf("u's origins after %d sign-ins: %d, %q … %q", store.MaxOriginsPerUser+2, len(got), got[0], got[len(got)-1])
	}
	// An update (a revocation) does not index twice.
	mustUpdate(t, s, func(tx store.Tx) error {
		o := origin("u", "o050", t0.Add(50*time.Second))
		o.Revoked = true
		return store.PutOrigin(tx, o)
	})
	if n := len(jtis("u")); n != store.MaxOriginsPerUser {
		t.Fatalf("after an update: %d origins", n)
	}
	// A rotation moves an origin's expiry: the index follows, so the
	// origin outlives its first expiry.
	mustUpdate(t, s, func(tx store.Tx) error {
		o := origin("u", "o060", t0.Add(60*time.Second))
		o.ExpiresAt = t0.Add(72 * time.Hour)
		return store.PutOrigin(tx, o)
	})
	// A sign-in of u two days later drops u's expired origins (not v's:
	// v has not signed in since).
	mustUpdate(t, s, func(tx store.Tx) error { return store.PutOrigin(tx, origin("u", "late", t0.Add(48*time.Hour))) })
	if got := jtis("u"); !slices.Equal(got, []string{"o060", "late"}) {
		t.Fatalf("after the expiry: %q, want the rotated o060 and late", got)
	}
	if got := jtis("v"); !slices.Equal(got, []string{"v1"}) {
		t.Fatalf("v's origins: %q", got)
	}
	// Devices: beyond the bound the oldest never confirmed goes first.
	for i := range store.MaxDevicesPerUser + 1 {
		mustUpdate(t, s, func(tx store.Tx) error {
			return store.PutDevice(tx, &store.Device{PoolID: "i_P", Username: "u", Key: fmt.Sprintf("d%03d", i), Confirmed: i == 0, CreatedAt: t0})
		})
	}
	var keys []string
	if err := s.View(func(tx store.Tx) error {
		return store.UserDevices(tx, "i_P", "u", func(d *store.Device) error { keys = append(keys, d.Key); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != store.MaxDevicesPerUser || keys[0] != "d000" || slices.Contains(keys, "d001") {
		t.Fatalf("devices: %d, %q", len(keys), keys[:3])
	}
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeleteDevice(tx, "i_P", "u", "d000") })
	if err := s.View(store.Check); err != nil {
		t.Fatal(err)
	}
	// Records written by an older server, without the index.
	mustUpdate(t, s, func(tx store.Tx) error {
		return errors.Join(
			tx.Put(store.KindOrigin, "raw", []byte(`{"JTI":"raw","PoolID":"i_P","ClientID":"c","Username":"v"}`)),
			tx.Put(store.KindDevice, "rawdev", []byte(`{"Key":"rawdev","PoolID":"i_P","Username":"v"}`)),
			tx.Delete(store.KindMeta, "schema"))
	})
	if err := s.View(store.Check); err == nil {
		t.Fatal("Check missed an origin and a device without an index entry")
	}
	mustUpdate(t, s, store.Migrate)
	if err := s.View(store.Check); err != nil {
		t.Fatal(err)
	}
	if got := jtis("v"); !slices.Contains(got, "raw") || !slices.Contains(got, "v1") {
		t.Fatalf("after Migrate, v's origins: %q", got)
	}
	// An event pushed out of u's history by newer ones, then updated by its
	// sign-in's next step, is not written back outside the index.
	first := &store.AuthEvent{ID: "first", PoolID: "i_P", Username: "u", Type: "SignIn", Created: t0, Seq: 1}
	mustUpdate(t, s, func(tx store.Tx) error { return store.PutAuthEvent(tx, first, true) })
	for i := range store.MaxAuthEvents {
		mustUpdate(t, s, func(tx store.Tx) error {
			return store.PutAuthEvent(tx, &store.AuthEvent{ID: fmt.Sprint("e", i), PoolID: "i_P", Username: "u", Type: "SignIn",
				Created: t0.Add(time.Second), Seq: uint64(i + 2)}, true)
		})
	}
	first.Response = "Pass"
	mustUpdate(t, s, func(tx store.Tx) error { return store.PutAuthEvent(tx, first, false) })
	countEvents := func() int {
		n := 0
		if err := s.View(func(tx store.Tx) error {
			return tx.ForEach(store.KindAuthEvent, "", func(string, []byte) error { n++; return nil })
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := countEvents(); n != store.MaxAuthEvents {
		t.Fatalf("%d event records, want %d", n, store.MaxAuthEvents)
	}
	// Deleting a user deletes what its indexes list.
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeleteUser(tx, "i_P", "u") })
	if got := jtis("u"); len(got) != 0 {
		t.Fatalf("after DeleteUser: %q", got)
	}
	if n := countEvents(); n != 0 {
		t.Fatalf("after DeleteUser: %d event records", n)
	}
	if err := s.View(store.Check); err != nil {
		t.Fatal(err)
	}
}
