package idp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/store"
)

// TestAttackSignInsBounded: one user signing in again and again (a script
// with the user's password, or a load test) cannot make the server keep
// without end the sign-ins (origins, each with a refresh token) and the
// devices (one a sign-in on a pool that tracks devices) it adds: the
// oldest go beyond store.MaxOriginsPerUser and store.MaxDevicesPerUser,
// and origins whose refresh tokens expired go at the user's next
// sign-in. Before the users' indexes, both kinds grew by one record a
// sign-in, forever, and GlobalSignOut, ListDevices and DeleteUser read
// every user's records to find one user's.
func TestAttackSignInsBounded(t *testing.T) {
	st := store.NewMemory()
	h := newHarness(t, func(o *Options) { o.Store = st })
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{}}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	count := func(kind string) int {
		t.Helper()
		n := 0
		require.NoError(t, st.View(func(tx store.Tx) error {
			return tx.ForEach(kind, "", func(string, []byte) error { n++; return nil })
		}))
		return n
	}
	var first, last map[string]any
	for i := range store.MaxOriginsPerUser + 20 {
		h.clock.Advance(time.Second)
		res := h.pwSignIn(f, f.user, f.password)
		if i == 0 {
			first = res
		}
		last = res
	}
	assert.Equal(t, store.MaxOriginsPerUser, count(store.KindOrigin))
	assert.Equal(t, store.MaxDevicesPerUser, count(store.KindDevice))
	// The oldest sign-in is gone with its refresh token; the newest works.
	_, e := h.call("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client, "RefreshToken": first["RefreshToken"]})
	wantErr(t, e, "NotAuthorizedException", "")
	h.mustCall("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client, "RefreshToken": last["RefreshToken"]})
	require.NoError(t, st.View(store.Check))

	// GlobalSignOut reaches every sign-in the user keeps.
	h.mustCall("GlobalSignOut", map[string]any{"AccessToken": last["AccessToken"]})
	_, e = h.call("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client, "RefreshToken": last["RefreshToken"]})
	wantErr(t, e, "NotAuthorizedException", "")

	// After the refresh tokens' lifetime (30 days by default), the next
	// sign-in drops the expired ones.
	h.clock.Advance(31 * 24 * time.Hour)
	h.pwSignIn(f, f.user, f.password)
	assert.Equal(t, 1, count(store.KindOrigin))
	require.NoError(t, st.View(store.Check))

	// Deleting the user deletes its records and its indexes.
	h.mustCall("AdminDeleteUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	assert.Zero(t, count(store.KindOrigin))
	assert.Zero(t, count(store.KindDevice))
	assert.Zero(t, count(store.KindAuthEvent))
	assert.Zero(t, count(store.KindUserIndex))
	require.NoError(t, st.View(store.Check))
}
