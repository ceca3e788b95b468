package store

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxBatch bounds how many queued Updates share one bbolt transaction.
const maxBatch = 256

// Bolt is a Store in a go.etcd.io/bbolt database file, one bucket per
// record kind. Views are bbolt read transactions and run concurrently.
// Updates are group-committed: one goroutine takes every Update queued
// while the previous commit was being written, runs their functions one
// after the other in one bbolt transaction (each sees the writes of those
// before it), and commits with one fsync; each Update returns after that
// commit. A function that fails leaves no write behind (writes are
// buffered per function), so it does not spoil the others of its batch.
type Bolt struct {
	db   *bolt.DB
	reqs chan *boltReq
	done chan struct{}

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	once   sync.Once
	err    error
}

type boltReq struct {
	fn  func(Tx) error
	err error
	ch  chan struct{}
}

// OpenBolt opens (creating if needed, mode 0600) the database at path.
// Only one process may hold it: a second opener waits up to timeout (one
// second when zero) and then fails.
func OpenBolt(path string, timeout time.Duration) (*Bolt, error) {
	if timeout <= 0 {
		timeout = time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("idp/store: open %s: %w", path, err)
	}
	s := &Bolt{db: db, reqs: make(chan *boltReq, maxBatch), done: make(chan struct{})}
	go s.commitLoop()
	return s, nil
}

type boltBase struct{ tx *bolt.Tx }

func (b boltBase) get(kind, key string) ([]byte, error) {
	bk := b.tx.Bucket([]byte(kind))
	if bk == nil {
		return nil, nil
	}
	return bk.Get([]byte(key)), nil
}

func (b boltBase) forEach(kind, prefix string, fn func(string, []byte) error) error {
	bk := b.tx.Bucket([]byte(kind))
	if bk == nil {
		return nil
	}
	// Collect first: fn may write to the transaction, and bbolt does not
	// allow a bucket to change under a live cursor.
	type kv struct {
		k string
		v []byte
	}
	var all []kv
	c := bk.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		all = append(all, kv{string(k), v})
	}
	for _, e := range all {
		if err := fn(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}

func (b boltBase) put(kind, key string, v []byte) error {
	bk, err := b.tx.CreateBucketIfNotExists([]byte(kind))
	if err != nil {
		return err
	}
	return bk.Put([]byte(key), v)
}

func (b boltBase) del(kind, key string) error {
	bk := b.tx.Bucket([]byte(kind))
	if bk == nil {
		return nil
	}
	return bk.Delete([]byte(key))
}

// View implements Store.
func (s *Bolt) View(fn func(Tx) error) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	return s.db.View(func(tx *bolt.Tx) error {
		return fn(newOverlay(boltBase{tx}, true))
	})
}

// Update implements Store.
func (s *Bolt) Update(fn func(Tx) error) error {
	r := &boltReq{fn: fn, ch: make(chan struct{})}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	s.reqs <- r
	s.mu.RUnlock()
	<-r.ch
	return repanic(r.err)
}

// commitLoop is the single writer: it takes a batch of queued Updates,
// runs them in one transaction and commits it.
func (s *Bolt) commitLoop() {
	defer close(s.done)
	for first := range s.reqs {
		batch := []*boltReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

func (s *Bolt) commit(batch []*boltReq) {
	tx, err := s.db.Begin(true)
	if err == nil {
		b := boltBase{tx}
		wrote := false
		for _, r := range batch {
			o := newOverlay(b, false)
			if r.err = run(r.fn, o); r.err != nil || o.empty() {
				continue
			}
			wrote = true
			if err = o.apply(b.put, b.del); err != nil {
				break
			}
		}
		switch {
		case err != nil:
			tx.Rollback()
		case !wrote:
			err = tx.Rollback() // nothing to sync
		default:
			err = tx.Commit()
		}
	}
	for _, r := range batch {
		if err != nil && r.err == nil {
			r.err = fmt.Errorf("idp/store: commit: %w", err)
		}
		close(r.ch)
	}
}

// Close implements Store: it waits for queued Updates, then closes the
// file.
func (s *Bolt) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.reqs)
		s.mu.Unlock()
		<-s.done
		s.err = s.db.Close()
	})
	return s.err
}
