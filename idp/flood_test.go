package idp

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// floodBudget bounds the heap growth a 50,000-call flood may leave behind:
// at most DefaultMaxSessions sessions of about 1 KB each, with room to
// spare. Without caps the same flood holds all 50,000 sessions for the
// session TTL.
const floodBudget = 16 << 20

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestAttackSessionFlood is issue 11 item 9: 50,000 InitiateAuth calls
// that are never answered, half aimed at alice and half spread over 400
// other users (enough to reach the total cap: 400 × 32 > 10,000). Each
// opens a session. The flood uses USER_AUTH without a preferred challenge,
// whose SELECT_CHALLENGE session costs no SRP work: the table's behaviour
// is the same for every kind of session, and 50,000 B computations (about
// 0.5 ms each) would not fit a test's time on this machine. Afterwards the
// table holds at most the caps, the heap grew by less than floodBudget,
// and alice (the flooded user) and bob sign in with USER_SRP_AUTH.
func TestAttackSessionFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 requests")
	}
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{Name: "flood"}, ClientConfig{Name: "c", ExplicitAuthFlows: []string{"ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH"}}, UserConfig{})
	_, err := h.srv.CreateUser(f.pool, UserConfig{Username: "bob", Password: "Bob-Passw0rd-1"})
	require.NoError(t, err)
	const others = 400
	for i := range others {
		_, err := h.srv.CreateUser(f.pool, UserConfig{Username: fmt.Sprintf("u%03d", i), Password: "Other-Passw0rd-1"})
		require.NoError(t, err)
	}
	before := heapInUse()
	start := time.Now()
	for i := range 50000 {
		name := f.user
		if i%2 == 1 {
			name = fmt.Sprintf("u%03d", (i/2)%others)
		}
		body := `{"AuthFlow":"USER_AUTH","ClientId":"` + f.client + `","AuthParameters":{"USERNAME":"` + name + `"}}`
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
		w := httptest.NewRecorder()
		h.srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("flood call %d: %d %s", i, w.Code, w.Body)
		}
	}
	flood := time.Since(start)
	grew := int64(heapInUse()) - int64(before)
	held := h.srv.svc.Sessions()
	t.Logf("flood: 50000 calls in %v; sessions held %d; heap grew %.1f MB", flood, held, float64(grew)/(1<<20))
	assert.LessOrEqual(t, held, DefaultMaxSessions)
	assert.Less(t, grew, int64(floodBudget))

	for _, u := range []struct{ name, password string }{{f.user, f.password}, {"bob", "Bob-Passw0rd-1"}} {
		t0 := time.Now()
		out, e := h.srpSignIn(f, u.name, u.password)
		require.Nil(t, e, "%s: %+v", u.name, e)
		require.Contains(t, out, "AuthenticationResult", u.name)
		t.Logf("sign-in of %s after the flood: %v", u.name, time.Since(t0))
	}
}
