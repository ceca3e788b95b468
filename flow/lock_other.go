//go:build !unix && !windows

package flow

// lockFile does not lock on this system (no flock or LockFileEx): the
// in-process mutex still orders one process's writers, but two processes
// writing the same FileDeviceStore at once may lose a record.
func lockFile(string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}

// syncDir does nothing on this system.
func syncDir(string) error { return nil }
