package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileTokenStore is a TokenStore in a JSON file, written with mode 0600
// through a temporary file and a rename, as FileDeviceStore is. It holds
// a refresh token: keep the file where only its owner can read it.
type FileTokenStore struct {
	path string
	mu   sync.Mutex
}

// NewFileTokenStore returns a store in the file at path (created at the
// first SaveToken; its directory must exist).
func NewFileTokenStore(path string) *FileTokenStore {
	return &FileTokenStore{path: path}
}

// savedToken is the file's format.
type savedToken struct {
	AccessToken  string    `json:"AccessToken"`
	IDToken      string    `json:"IdToken,omitempty"`
	RefreshToken string    `json:"RefreshToken,omitempty"`
	TokenType    string    `json:"TokenType,omitempty"`
	Expiry       time.Time `json:"Expiry"`
	UserID       string    `json:"UserId,omitempty"`
}

// maxTokenFile bounds what LoadToken reads: three JWTs fit in a few KiB.
const maxTokenFile = 1 << 20

// LoadToken implements TokenStore: nil when the file does not exist.
func (s *FileTokenStore) LoadToken() (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flow: token store: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err == nil && len(b) > maxTokenFile {
		err = errors.New("file larger than 1 MiB")
	}
	var st savedToken
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		return nil, fmt.Errorf("flow: token store %s: %w", s.path, err)
	}
	return &Token{AccessToken: st.AccessToken, IDToken: st.IDToken, RefreshToken: st.RefreshToken,
		TokenType: st.TokenType, Expiry: st.Expiry, UserID: st.UserID}, nil
}

// SaveToken implements TokenStore.
func (s *FileTokenStore) SaveToken(t *Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.MarshalIndent(savedToken{t.AccessToken, t.IDToken, t.RefreshToken, t.TokenType, t.Expiry.UTC(), t.UserID}, "", "  ")
	if err != nil {
		return err
	}
	return writeFile0600(s.path, ".token-*", "token store", b)
}

// Delete removes the file, so the next sign-in starts afresh.
func (s *FileTokenStore) Delete() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("flow: token store: %w", err)
	}
	return nil
}

// writeFile0600 replaces path with b, mode 0600, through a temporary file
// in the same directory (pattern names it), fsynced before the rename, and
// the directory fsynced after it, so that a crash leaves the old file or
// the new one, never a torn or empty one. Errors name what ("device
// store", "token store").
func writeFile0600(path, pattern, what string, b []byte) error {
	fail := func(err error) error { return fmt.Errorf("flow: %s: %w", what, err) }
	f, err := os.CreateTemp(filepath.Dir(path), pattern)
	if err != nil {
		return fail(err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fail(err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fail(err)
	}
	if err := f.Sync(); err != nil { // the data is on disk before the rename
		f.Close()
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil { // and so is the rename
		return fail(err)
	}
	return nil
}
