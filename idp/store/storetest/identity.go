package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
)

// testIdentityPools: identity pools and identities round-trip, the login
// index finds an identity, and deleting a pool takes its identities and
// their index entries along, not another pool's.
func testIdentityPools(t *testing.T, e Engine) {
	s := e.Open(t)
	defer s.Close()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	mustUpdate(t, s, func(tx store.Tx) error {
		return errors.Join(
			store.PutIdentityPool(tx, &store.IdentityPool{ID: "r:1", Name: "one", CreatedAt: now,
				Providers: []store.IdentityProvider{{ProviderName: "cognito-idp.r.amazonaws.com/r_P", ClientID: "c1"}}}),
			store.PutIdentityPool(tx, &store.IdentityPool{ID: "r:2", Name: "two", AllowUnauthenticatedIdentities: true}),
			store.PutIdentity(tx, &store.Identity{ID: "r:a", PoolID: "r:1", Logins: map[string]string{"r_P": "sub-a"}, CreatedAt: now}),
			store.PutIdentity(tx, &store.Identity{ID: "r:b", PoolID: "r:2", Logins: map[string]string{"r_P": "sub-a"}}),
			store.PutIdentity(tx, &store.Identity{ID: "r:c", PoolID: "r:2"}),
		)
	})
	err := s.View(func(tx store.Tx) error {
		p, err := store.GetIdentityPool(tx, "r:1")
		if err != nil || p == nil || p.Name != "one" || !p.CreatedAt.Equal(now) || len(p.Providers) != 1 || p.Providers[0].ClientID != "c1" {
			return fmt.Errorf("identity pool: %+v %v", p, err)
		}
		var ids []string
		store.IdentityPools(tx, func(p *store.IdentityPool) error { ids = append(ids, p.ID); return nil })
		if fmt.Sprint(ids) != "[r:1 r:2]" {
			return fmt.Errorf("identity pools %v", ids)
		}
		for pool, want := range map[string]string{"r:1": "r:a", "r:2": "r:b"} {
			if got, err := store.IdentityByLogin(tx, pool, "r_P", "sub-a"); err != nil || got != want {
				return fmt.Errorf("login of %s: %q %v, want %q", pool, got, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, s, func(tx store.Tx) error { return store.DeleteIdentityPool(tx, "r:2") })
	err = s.View(func(tx store.Tx) error {
		p, _ := store.GetIdentityPool(tx, "r:2")
		b, _ := store.GetIdentity(tx, "r:b")
		c, _ := store.GetIdentity(tx, "r:c")
		l, _ := store.IdentityByLogin(tx, "r:2", "r_P", "sub-a")
		if p != nil || b != nil || c != nil || l != "" {
			return fmt.Errorf("left behind: %+v %+v %+v %q", p, b, c, l)
		}
		if a, _ := store.GetIdentity(tx, "r:a"); a == nil || a.Logins["r_P"] != "sub-a" {
			return fmt.Errorf("the other pool's identity: %+v", a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
