package store

import (
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
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{data: map[string]map[string][]byte{}} }

type memBase struct{ m *Memory }

func (b memBase) get(kind, key string) ([]byte, error) { return b.m.data[kind][key], nil }

func (b memBase) forEach(kind, prefix string, fn func(string, []byte) error) error {
	bucket := b.m.data[kind]
	keys := make([]string, 0, len(bucket))
	for k := range bucket {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := fn(k, bucket[k]); err != nil {
			return err
		}
	}
	return nil
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
		b[key] = v // the overlay's own copy
		return nil
	}, func(kind, key string) error {
		delete(m.data[kind], key)
		return nil
	})
}

// Close implements Store. The records are dropped.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed, m.data = true, nil
	return nil
}
