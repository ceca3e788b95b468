package userpool

import (
	"container/heap"
	"slices"
	"sync"
	"time"
)

// Defaults of the session caps (Config.MaxSessions, MaxSessionsPerUser).
const (
	DefaultMaxSessions        = 10000
	DefaultMaxSessionsPerUser = 32
)

// sessionTable holds the live sessions: a map by id, a min-heap by expiry
// and, per user, the user's sessions oldest first. Every operation is
// O(log n) in the table's size (plus O(per-user cap) for the user's list):
// expired sessions are popped from the heap's top, never found by a scan.
// At a cap the oldest session gives way (the user's own oldest at the
// per-user cap, the oldest of all at the total cap), so a flood of
// unanswered InitiateAuth calls aimed at a user cannot keep that user
// from signing in: a fresh session is always registered. Its mutex covers
// these structures only; no computation runs under it.
type sessionTable struct {
	mu      sync.Mutex
	m       map[string]*session
	byUser  map[string][]*session
	expiry  sessionHeap
	max     int
	maxUser int
}

func newSessionTable(maxTotal, maxUser int) *sessionTable {
	if maxTotal <= 0 {
		maxTotal = DefaultMaxSessions
	}
	if maxUser <= 0 {
		maxUser = DefaultMaxSessionsPerUser
	}
	return &sessionTable{m: map[string]*session{}, byUser: map[string][]*session{}, max: maxTotal, maxUser: maxUser}
}

// userKeyOf is the per-user cap's key of a session: pool and user name.
func userKeyOf(x *session) string { return x.poolID + "\x00" + x.username }

// put registers x, first dropping expired sessions and, at a cap, the
// oldest ones.
func (t *sessionTable) put(x *session, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expire(now)
	if old := t.m[x.id]; old != nil {
		t.remove(old)
	}
	x.userKey = userKeyOf(x)
	if l := t.byUser[x.userKey]; len(l) >= t.maxUser {
		t.remove(l[0])
	}
	for len(t.m) >= t.max && len(t.expiry) > 0 {
		t.remove(t.expiry[0])
	}
	t.m[x.id] = x
	t.byUser[x.userKey] = append(t.byUser[x.userKey], x)
	heap.Push(&t.expiry, x)
}

// expire drops the sessions whose time is up, from the heap's top.
func (t *sessionTable) expire(now time.Time) {
	for len(t.expiry) > 0 && !now.Before(t.expiry[0].expires) {
		t.remove(t.expiry[0])
	}
}

// remove drops x from every structure. The caller holds mu.
func (t *sessionTable) remove(x *session) {
	delete(t.m, x.id)
	if x.heapIdx >= 0 && x.heapIdx < len(t.expiry) && t.expiry[x.heapIdx] == x {
		heap.Remove(&t.expiry, x.heapIdx)
	}
	l := t.byUser[x.userKey]
	if i := slices.Index(l, x); i >= 0 {
		l = slices.Delete(l, i, i+1)
	}
	if len(l) == 0 {
		delete(t.byUser, x.userKey)
	} else {
		t.byUser[x.userKey] = l
	}
}

// len returns the number of sessions held (expired ones included until
// the next put).
func (t *sessionTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// peek returns a copy of a live session without taking it.
func (t *sessionTable) peek(id string, now time.Time) *session {
	t.mu.Lock()
	defer t.mu.Unlock()
	x := t.m[id]
	if x == nil {
		return nil
	}
	if !now.Before(x.expires) {
		t.remove(x)
		return nil
	}
	c := *x
	return &c
}

// take removes a live session so that no other request can answer it.
func (t *sessionTable) take(id string, now time.Time) *session {
	t.mu.Lock()
	defer t.mu.Unlock()
	x := t.m[id]
	if x == nil {
		return nil
	}
	t.remove(x)
	if !now.Before(x.expires) {
		return nil
	}
	return x
}

// setMetadata replaces the ClientMetadata of a live session.
func (t *sessionTable) setMetadata(id string, md map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if x := t.m[id]; x != nil {
		x.metadata = md
	}
}

// sessionHeap is a min-heap of sessions by expiry (container/heap); each
// session knows its index, so any one is removed in O(log n).
type sessionHeap []*session

func (h sessionHeap) Len() int           { return len(h) }
func (h sessionHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h sessionHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *sessionHeap) Push(x any) {
	s := x.(*session)
	s.heapIdx = len(*h)
	*h = append(*h, s)
}
func (h *sessionHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	s.heapIdx = -1
	*h = old[:len(old)-1]
	return s
}
