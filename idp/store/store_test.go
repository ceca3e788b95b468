package store_test

import (
	"path/filepath"
	"testing"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, storetest.Engine{
		Open: func(*testing.T) store.Store { return store.NewMemory() },
	})
}

func TestMemoryZeroValue(t *testing.T) {
	storetest.Run(t, storetest.Engine{
		Open: func(*testing.T) store.Store { return new(store.Memory) },
	})
}

func TestBolt(t *testing.T) {
	paths := map[store.Store]string{}
	open := func(t *testing.T, path string) store.Store {
		s, err := store.OpenBolt(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		paths[s] = path
		return s
	}
	storetest.Run(t, storetest.Engine{
		Open: func(t *testing.T) store.Store { return open(t, filepath.Join(t.TempDir(), "s.db")) },
		Reopen: func(t *testing.T, s store.Store) store.Store {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, paths[s])
		},
	})
}

// TestBoltExclusive: a second opener of the same file fails instead of
// sharing it.
func TestBoltExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := store.OpenBolt(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s2, err := store.OpenBolt(path, 50e6); err == nil {
		s2.Close()
		t.Fatal("database opened twice")
	}
}
