package userpool

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSessionTableCaps: at the per-user cap the user's oldest session
// gives way, at the total cap the oldest of all; expired sessions leave on
// the next put; take and peek keep the heap consistent.
func TestSessionTableCaps(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tab := newSessionTable(5, 2)
	mk := func(id, user string, at time.Time) *session {
		return &session{id: id, poolID: "p", username: user, expires: at.Add(time.Minute)}
	}
	tab.put(mk("a1", "alice", t0), t0)
	tab.put(mk("a2", "alice", t0.Add(time.Second)), t0)
	tab.put(mk("a3", "alice", t0.Add(2*time.Second)), t0)
	assert.Nil(t, tab.peek("a1", t0), "alice's oldest gives way at the per-user cap")
	assert.NotNil(t, tab.peek("a2", t0))
	assert.NotNil(t, tab.peek("a3", t0))
	for i := range 4 {
		tab.put(mk(fmt.Sprintf("u%d", i), fmt.Sprintf("user%d", i), t0.Add(time.Duration(3+i)*time.Second)), t0)
	}
	assert.Equal(t, 5, tab.len())
	assert.Nil(t, tab.peek("a2", t0), "the oldest of all gives way at the total cap")
	assert.NotNil(t, tab.peek("u3", t0))
	require.NotNil(t, tab.take("u0", t0))
	assert.Nil(t, tab.take("u0", t0), "taken once")
	assert.Equal(t, 4, tab.len())
	// Past every expiry, one put clears the table.
	late := t0.Add(2 * time.Hour)
	tab.put(mk("b1", "bob", late), late)
	assert.Equal(t, 1, tab.len())
	assert.Len(t, tab.expiry, 1)
	assert.Len(t, tab.byUser, 1)
	assert.Nil(t, tab.take("u3", late))
}

// BenchmarkSessionTable puts a session into a full table (the oldest gives
// way) and takes another, at two table sizes: the cost grows with log n,
// not n.
func BenchmarkSessionTable(b *testing.B) {
	for _, held := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
			t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			tab := newSessionTable(held, 32)
			for i := range held {
				tab.put(&session{id: fmt.Sprint("s", i), poolID: "p", username: fmt.Sprint("u", i), expires: t0.Add(time.Hour + time.Duration(i))}, t0)
			}
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = fmt.Sprint("n", i)
			}
			b.ResetTimer()
			for i := range b.N {
				tab.put(&session{id: ids[i], poolID: "p", username: fmt.Sprint("v", i%5000), expires: t0.Add(2 * time.Hour)}, t0)
				tab.take(fmt.Sprint("s", i%held), t0)
			}
		})
	}
}
