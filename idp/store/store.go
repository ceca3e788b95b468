package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Store runs transactions over the server's records. Implementations must
// be safe for concurrent use; see the package documentation for what View
// and Update promise.
type Store interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits its writes if
	// fn returns nil; fn's error is returned as is. fn runs exactly once.
	Update(fn func(Tx) error) error
	// Close releases the store; later transactions fail with ErrClosed.
	Close() error
}

// Tx is one transaction: byte values filed under a kind (a bucket: "user",
// "device", …) and a key. Values passed to or returned by a Tx are only
// valid until the transaction ends and must not be modified.
type Tx interface {
	// Get returns the value of (kind, key), or nil if there is none.
	Get(kind, key string) ([]byte, error)
	// Put stores value under (kind, key).
	Put(kind, key string, value []byte) error
	// Delete removes (kind, key); a missing record is not an error.
	Delete(kind, key string) error
	// ForEach calls fn for every key of kind that starts with prefix, in
	// increasing byte order, including the transaction's own writes. fn
	// may write to the transaction; what it writes is not visited again.
	ForEach(kind, prefix string, fn func(key string, value []byte) error) error
}

// Errors of the engines.
var (
	ErrClosed   = errors.New("idp/store: store is closed")
	ErrReadOnly = errors.New("idp/store: write in a read-only transaction")
)

// base is what an engine gives the shared transaction layer: reads of the
// committed state (of one engine transaction).
type base interface {
	get(kind, key string) ([]byte, error)
	// forEach visits committed keys with prefix in increasing order.
	forEach(kind, prefix string, fn func(key string, value []byte) error) error
}

// entry is one pending write of a transaction; del marks a delete.
type entry struct {
	value []byte
	del   bool
}

// overlay is the transaction every engine hands to callers: reads fall
// through to the engine's committed state, writes are buffered until the
// function returns nil and are then applied by the engine. Buffering is
// what makes a failed function leave no trace even when its engine
// transaction is shared with others (Bolt's group commit).
type overlay struct {
	base     base
	readOnly bool
	writes   map[string]map[string]entry
}

func newOverlay(b base, readOnly bool) *overlay {
	return &overlay{base: b, readOnly: readOnly}
}

func (o *overlay) Get(kind, key string) ([]byte, error) {
	if e, ok := o.writes[kind][key]; ok {
		if e.del {
			return nil, nil
		}
		return e.value, nil
	}
	return o.base.get(kind, key)
}

func (o *overlay) set(kind, key string, e entry) error {
	if o.readOnly {
		return ErrReadOnly
	}
	if kind == "" || key == "" {
		return fmt.Errorf("idp/store: empty kind or key (%q, %q)", kind, key)
	}
	if o.writes == nil {
		o.writes = map[string]map[string]entry{}
	}
	m := o.writes[kind]
	if m == nil {
		m = map[string]entry{}
		o.writes[kind] = m
	}
	m[key] = e
	return nil
}

func (o *overlay) Put(kind, key string, value []byte) error {
	return o.set(kind, key, entry{value: slices.Clone(value)})
}

func (o *overlay) Delete(kind, key string) error { return o.set(kind, key, entry{del: true}) }

func (o *overlay) ForEach(kind, prefix string, fn func(key string, value []byte) error) error {
	// The pending writes of kind under prefix, sorted and copied, so that
	// fn may write without disturbing the walk.
	var pend []string
	vals := map[string]entry{}
	for k, e := range o.writes[kind] {
		if strings.HasPrefix(k, prefix) {
			pend = append(pend, k)
			vals[k] = e
		}
	}
	slices.Sort(pend)
	i := 0
	emit := func(k string) error {
		if e := vals[k]; !e.del {
			return fn(k, e.value)
		}
		return nil
	}
	err := o.base.forEach(kind, prefix, func(k string, v []byte) error {
		for i < len(pend) && pend[i] < k {
			if err := emit(pend[i]); err != nil {
				return err
			}
			i++
		}
		if i < len(pend) && pend[i] == k {
			i++
			return emit(k)
		}
		return fn(k, v)
	})
	if err != nil {
		return err
	}
	for ; i < len(pend); i++ {
		if err := emit(pend[i]); err != nil {
			return err
		}
	}
	return nil
}

// empty reports whether the transaction wrote nothing.
func (o *overlay) empty() bool { return len(o.writes) == 0 }

// apply hands the buffered writes to put and del in a fixed order.
func (o *overlay) apply(put func(kind, key string, v []byte) error, del func(kind, key string) error) error {
	for _, kind := range slices.Sorted(maps.Keys(o.writes)) {
		m := o.writes[kind]
		for _, k := range slices.Sorted(maps.Keys(m)) {
			var err error
			if e := m[k]; e.del {
				err = del(kind, k)
			} else {
				err = put(kind, k, e.value)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// run calls fn, turning a panic into an error that re-panics in the
// caller's goroutine (see panicError).
func run(fn func(Tx) error, tx Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{r}
		}
	}()
	return fn(tx)
}

// panicError carries a panic out of a transaction function that ran on an
// engine's goroutine, so that Update can re-raise it in its caller.
type panicError struct{ v any }

func (p *panicError) Error() string { return fmt.Sprintf("idp/store: transaction panicked: %v", p.v) }

func repanic(err error) error {
	var p *panicError
	if errors.As(err, &p) {
		panic(p.v)
	}
	return err
}
