package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
)

// ErrDeviceNotFound is returned by DeviceStore.Get when no device is
// remembered for a user.
var ErrDeviceNotFound = errors.New("flow: no remembered device")

// DeviceStore keeps remembered devices. Records are keyed by user pool and
// internal user name (USER_ID_FOR_SRP, Result.UserID), and each alias the
// user signed in with (email, phone, preferred name) points to that key, so
// a sign-in by alias finds the device (docs/protocol.md §5). Implementations must
// be safe for concurrent use.
type DeviceStore interface {
	// Get returns the device for name, an internal user name or an alias.
	Get(poolID, name string) (*Device, error)
	// Put stores d for userID and makes each alias point to it.
	Put(poolID, userID string, aliases []string, d *Device) error
	// Delete forgets the device of name (a user name or an alias).
	Delete(poolID, name string) error
}

// Remember applies a Result to a store: it saves a new device under
// r.UserID with username as an alias, or deletes a forgotten one.
func Remember(s DeviceStore, poolID, username string, r *Result) error {
	if r.NewDevice && r.Device != nil {
		return s.Put(poolID, r.UserID, []string{username}, r.Device)
	}
	if r.DeviceForgotten {
		return s.Delete(poolID, username)
	}
	return nil
}

// deviceTable is the data of both stores.
type deviceTable struct {
	Devices map[string]*Device `json:"devices"` // poolID "\x00" userID
	Aliases map[string]string  `json:"aliases"` // poolID "\x00" alias -> userID
}

func tableKey(poolID, name string) string { return poolID + "\x00" + name }

func (t *deviceTable) get(poolID, name string) (*Device, error) {
	id := name
	if a, ok := t.Aliases[tableKey(poolID, name)]; ok {
		id = a
	}
	d, ok := t.Devices[tableKey(poolID, id)]
	if !ok {
		return nil, ErrDeviceNotFound
	}
	c := *d
	return &c, nil
}

func (t *deviceTable) put(poolID, userID string, aliases []string, d *Device) {
	if t.Devices == nil {
		t.Devices, t.Aliases = map[string]*Device{}, map[string]string{}
	}
	c := *d
	t.Devices[tableKey(poolID, userID)] = &c
	for _, a := range aliases {
		if a != "" && a != userID {
			t.Aliases[tableKey(poolID, a)] = userID
		}
	}
}

func (t *deviceTable) delete(poolID, name string) {
	id := name
	if a, ok := t.Aliases[tableKey(poolID, name)]; ok {
		id = a
	}
	delete(t.Devices, tableKey(poolID, id))
	for k, v := range t.Aliases {
		if v == id && len(k) > len(poolID) && k[:len(poolID)+1] == poolID+"\x00" {
			delete(t.Aliases, k)
		}
	}
}

// MemoryDeviceStore is a DeviceStore in memory. The zero value is ready.
type MemoryDeviceStore struct {
	mu sync.Mutex
	t  deviceTable
}

// Get implements DeviceStore.
func (s *MemoryDeviceStore) Get(poolID, name string) (*Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t.get(poolID, name)
}

// Put implements DeviceStore.
func (s *MemoryDeviceStore) Put(poolID, userID string, aliases []string, d *Device) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t.put(poolID, userID, aliases, d)
	return nil
}

// Delete implements DeviceStore.
func (s *MemoryDeviceStore) Delete(poolID, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t.delete(poolID, name)
	return nil
}

// FileDeviceStore is a DeviceStore in a JSON file, written with mode 0600
// through a temporary file and a rename. It holds device passwords: keep
// the file where only its owner can read it.
//
// It is safe for several processes at once (two `caldera login` on one
// file lose nothing): Put and Delete hold an exclusive lock on
// "<path>.lock" (flock(2) on Unix systems, LockFileEx on Windows; on other
// systems no lock, and concurrent processes may lose a record) across
// their read-modify-write. The new file is fsynced before the rename and
// its directory after it, so a crash leaves the old file or the new one,
// complete. Get takes no lock: the rename replaces the file atomically.
type FileDeviceStore struct {
	path string
	mu   sync.Mutex
}

// NewFileDeviceStore returns a store in the file at path (created, with
// its lock file "<path>.lock", on the first Put).
func NewFileDeviceStore(path string) *FileDeviceStore {
	return &FileDeviceStore{path: path}
}

// update runs a read-modify-write of the table under the in-process mutex
// and the cross-process file lock.
func (s *FileDeviceStore) update(change func(*deviceTable)) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return fmt.Errorf("flow: device store: lock: %w", err)
	}
	defer func() {
		if uerr := unlock(); err == nil && uerr != nil {
			err = fmt.Errorf("flow: device store: unlock: %w", uerr)
		}
	}()
	t, err := s.load()
	if err != nil {
		return err
	}
	change(t)
	return s.save(t)
}

func (s *FileDeviceStore) load() (*deviceTable, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return &deviceTable{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flow: device store: %w", err)
	}
	var t deviceTable
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("flow: device store %s: %w", s.path, err)
	}
	return &t, nil
}

func (s *FileDeviceStore) save(t *deviceTable) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return writeFile0600(s.path, ".devices-*", "device store", b)
}

// Get implements DeviceStore.
func (s *FileDeviceStore) Get(poolID, name string) (*Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.load()
	if err != nil {
		return nil, err
	}
	return t.get(poolID, name)
}

// Put implements DeviceStore.
func (s *FileDeviceStore) Put(poolID, userID string, aliases []string, d *Device) error {
	return s.update(func(t *deviceTable) { t.put(poolID, userID, aliases, d) })
}

// Delete implements DeviceStore.
func (s *FileDeviceStore) Delete(poolID, name string) error {
	return s.update(func(t *deviceTable) { t.delete(poolID, name) })
}
