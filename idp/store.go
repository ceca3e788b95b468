package idp

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Store persists the server's records: pools, clients, users, devices,
// refresh-token origins and the server keys. Records are opaque JSON values
// filed under a kind ("pool", "user", …) and a key. The server keeps its
// working state in memory and writes every change through to the Store
// before it answers, so a Store only has to load everything at start-up
// and apply single-record puts and deletes. Implementations must be safe
// for concurrent use.
type Store interface {
	// Load calls fn for every stored record.
	Load(fn func(kind, key string, value []byte) error) error
	// Put stores value under (kind, key), durably once it returns nil.
	Put(kind, key string, value []byte) error
	// Delete removes (kind, key); a missing record is not an error.
	Delete(kind, key string) error
	// Close releases the store.
	Close() error
}

// MemoryStore is a Store that keeps nothing: state lives only in the
// server's memory and is lost when it stops. It is the default.
type MemoryStore struct{}

// Load implements Store; there is nothing to load.
func (MemoryStore) Load(func(kind, key string, value []byte) error) error { return nil }

// Put implements Store and discards the record.
func (MemoryStore) Put(kind, key string, value []byte) error { return nil }

// Delete implements Store.
func (MemoryStore) Delete(kind, key string) error { return nil }

// Close implements Store.
func (MemoryStore) Close() error { return nil }

// BoltStore is a Store in a go.etcd.io/bbolt database file: one bucket per
// record kind. Every Put and Delete is its own transaction, committed with
// fsync before it returns, so a crash loses nothing that was acknowledged.
type BoltStore struct {
	db   *bolt.DB
	once sync.Once
}

// ErrStoreClosed is returned by a BoltStore after Close.
var ErrStoreClosed = errors.New("idp: store is closed")

// OpenBoltStore opens (creating if needed, mode 0600) the database at path.
// Only one process may hold it: a second opener waits up to a second and
// then fails.
func OpenBoltStore(path string) (*BoltStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeoutOpen})
	if err != nil {
		return nil, fmt.Errorf("idp: open %s: %w", path, err)
	}
	return &BoltStore{db: db}, nil
}

// Load implements Store.
func (s *BoltStore) Load(fn func(kind, key string, value []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				return fn(string(name), string(k), append([]byte(nil), v...))
			})
		})
	})
}

// Put implements Store.
func (s *BoltStore) Put(kind, key string, value []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(kind))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), value)
	})
}

// Delete implements Store.
func (s *BoltStore) Delete(kind, key string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(key))
	})
}

// Close implements Store.
func (s *BoltStore) Close() error {
	err := ErrStoreClosed
	s.once.Do(func() { err = s.db.Close() })
	if errors.Is(err, ErrStoreClosed) {
		return nil
	}
	return err
}
