package store

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// Memory is a Store that keeps its records in the process: they are lost
// when it exits. Views run concurrently; Updates run one at a time under a
// mutex held only while their (short) function runs. The zero value is an
// empty store.
type Memory struct {
	mu     sync.RWMutex
	data   map[string]map[string][]byte
	closed bool

	// sorted holds each kind's keys in order, for prefix scans: a scan
	// costs a binary search and its own keys, not a sort of the kind. A
	// kind's entry is dropped when a key is added to or removed from it
	// (a changed value keeps it), and made again by the next scan; the
	// kinds scanned on request paths (memberships, failure counts) rarely
	// gain keys. sortedMu serialises the Views that make entries.
	sortedMu sync.Mutex
	sorted   map[string][]string
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{data: map[string]map[string][]byte{}} }

type memBase struct{ m *Memory }

func (b memBase) get(kind, key string) ([]byte, error) { return b.m.data[kind][key], nil }

func (b memBase) forEach(kind, prefix string, fn func(string, []byte) error) error {
	bucket := b.m.data[kind]
	keys := b.m.sortedKeys(kind, bucket)
	i, _ := slices.BinarySearch(keys, prefix)
	for ; i < len(keys) && strings.HasPrefix(keys[i], prefix); i++ {
		if err := fn(keys[i], bucket[keys[i]]); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys returns the keys of a kind in order (see Memory.sorted).
// The slice is never changed: a write makes a new one.
func (m *Memory) sortedKeys(kind string, bucket map[string][]byte) []string {
	m.sortedMu.Lock()
	defer m.sortedMu.Unlock()
	if ks, ok := m.sorted[kind]; ok {
		return ks
	}
	ks := slices.Sorted(maps.Keys(bucket))
	if m.sorted == nil {
		m.sorted = map[string][]string{}
	}
	m.sorted[kind] = ks
	return ks
}

// keysChanged drops a kind's sorted keys (under the write lock).
func (m *Memory) keysChanged(kind string) {
	m.sortedMu.Lock()
	delete(m.sorted, kind)
	m.sortedMu.Unlock()
}

// View implements Store.
func (m *Memory) View(fn func(Tx) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	return fn(newOverlay(memBase{m}, true))
}

// Update implements Store.
func (m *Memory) Update(fn func(Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	o := newOverlay(memBase{m}, false)
	if err := fn(o); err != nil {
		return err
	}
	if m.data == nil {
		m.data = map[string]map[string][]byte{}
	}
	return o.apply(func(kind, key string, v []byte) error {
		b := m.data[kind]
		if b == nil {
			b = map[string][]byte{}
			m.data[kind] = b
		}
		if _, ok := b[key]; !ok {
			m.keysChanged(kind)
		}
		b[key] = v // the overlay's own copy
		return nil
	}, func(kind, key string) error {
		if _, ok := m.data[kind][key]; ok {
			m.keysChanged(kind)
			delete(m.data[kind], key)
		}
		return nil
	})
}

// Close implements Store. The records are dropped.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed, m.data = true, nil
	m.sortedMu.Lock()
	m.sorted = nil
	m.sortedMu.Unlock()
	return nil
}
