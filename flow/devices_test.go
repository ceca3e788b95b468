package flow

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Environment of the child processes of TestFileDeviceStoreProcesses.
const (
	envStorePath  = "CALDERA_TEST_DEVICE_STORE"
	envStoreChild = "CALDERA_TEST_DEVICE_STORE_CHILD"
	envStoreStart = "CALDERA_TEST_DEVICE_STORE_START"
)

// storeDevices is how many devices each writer adds.
const storeDevices = 60

func storeDevice(writer string, i int) (userID, alias string, d *Device) {
	userID = fmt.Sprintf("%s-user-%03d", writer, i)
	return userID, userID + "@example.com", &Device{
		DeviceKey:      fmt.Sprintf("us-east-1_%s-%03d", writer, i),
		DeviceGroupKey: "-grp" + writer,
		DevicePassword: fmt.Sprintf("device-password-%s-%03d", writer, i),
	}
}

// addDevices is one writer: it adds storeDevices distinct devices, one Put
// each (every Put reads the file, adds one record and writes it back).
func addDevices(s *FileDeviceStore, writer string) error {
	for i := range storeDevices {
		userID, alias, d := storeDevice(writer, i)
		if err := s.Put(testPoolID, userID, []string{alias}, d); err != nil {
			return err
		}
	}
	return nil
}

// TestFileDeviceStoreChild is a writer process of
// TestFileDeviceStoreProcesses; it does nothing in a normal test run.
func TestFileDeviceStoreChild(t *testing.T) {
	path, writer := os.Getenv(envStorePath), os.Getenv(envStoreChild)
	if path == "" || writer == "" {
		t.Skip("a child process of TestFileDeviceStoreProcesses")
	}
	// Start together: both processes wait for the same instant.
	if ns, err := strconv.ParseInt(os.Getenv(envStoreStart), 10, 64); err == nil {
		time.Sleep(time.Until(time.Unix(0, ns)))
	}
	if err := addDevices(NewFileDeviceStore(path), writer); err != nil {
		t.Fatal(err)
	}
}

// TestFileDeviceStoreProcesses: two `caldera login` at once must lose
// nothing (issue 11 item 12). Two OS processes (this test binary, re-run as
// TestFileDeviceStoreChild) and two stores in this process, each with its
// own in-process mutex, add distinct devices to one file concurrently;
// every device and alias is there at the end. Without a lock across
// processes their read-modify-write cycles overwrite each other.
func TestFileDeviceStoreProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "devices.json")
	start := strconv.FormatInt(time.Now().Add(300*time.Millisecond).UnixNano(), 10)
	var cmds []*exec.Cmd
	for _, w := range []string{"p1", "p2"} {
		cmd := exec.Command(exe, "-test.run=^TestFileDeviceStoreChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envStorePath+"="+path, envStoreChild+"="+w, envStoreStart+"="+start)
		out := new(lockedBuffer)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("writer %s:\n%s", w, out.String())
			}
		})
		cmds = append(cmds, cmd)
	}
	// Two more writers in this process, through separate stores.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, w := range []string{"g1", "g2"} {
		wg.Go(func() {
			ns, _ := strconv.ParseInt(start, 10, 64)
			time.Sleep(time.Until(time.Unix(0, ns)))
			errs <- addDevices(NewFileDeviceStore(path), w)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer process: %v", err)
		}
	}

	s := NewFileDeviceStore(path)
	missing := 0
	for _, w := range []string{"p1", "p2", "g1", "g2"} {
		for i := range storeDevices {
			userID, alias, want := storeDevice(w, i)
			for _, name := range []string{userID, alias} {
				got, err := s.Get(testPoolID, name)
				if err != nil || *got != *want {
					missing++
					if missing <= 5 {
						t.Errorf("Get(%s) = %+v, %v; want %+v", name, got, err, want)
					}
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d lookups failed: concurrent writers lost devices", missing, 2*4*storeDevices)
	}
	// No temporary file is left behind; the lock file may stay.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "devices.json" && e.Name() != "devices.json.lock" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
