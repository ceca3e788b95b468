//go:build windows

package flow

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes an exclusive LockFileEx lock on the first byte of the file
// at path (created if needed), waiting for other holders, in this or any
// other process.
func lockFile(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	h := windows.Handle(f.Fd())
	ol := new(windows.Overlapped)
	if err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, ol); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		err := windows.UnlockFileEx(h, 0, 1, 0, ol)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// syncDir does nothing: Windows cannot flush a directory handle; NTFS
// journals the rename itself.
func syncDir(string) error { return nil }
