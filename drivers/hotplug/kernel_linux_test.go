package hotplug

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// TestKernelSocket reads real uevents: writing "change" to a device's
// uevent file makes the kernel send one for it
// (Documentation/ABI/testing/sysfs-uevent), here for vivid's /dev/video0
// in the QEMU guest of the test rig. The message must parse to that
// device, and Close must wake a Read blocked in the netpoller. Without the
// node it skips, except under the rig (CLUECAM_HW=1).
func TestKernelSocket(t *testing.T) {
	const trigger = "/sys/class/video4linux/video0/uevent"
	if _, err := os.Stat(trigger); err != nil {
		if os.Getenv("CLUECAM_HW") != "" {
			t.Fatalf("CLUECAM_HW is set but %s is missing: %v", trigger, err)
		}
		t.Skipf("no %s (runs in the QEMU guest with vivid)", trigger)
	}
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trigger, []byte("change"), 0); err != nil {
		t.Fatalf("trigger: %v", err)
	}
	got := make(chan Uevent, 1)
	fail := make(chan error, 1)
	go func() {
		for {
			b, err := s.readRaw()
			if err != nil {
				fail <- err
				return
			}
			t.Logf("kernel sent %q", b)
			u, err := Parse(b)
			if err != nil {
				fail <- err
				return
			}
			if u.Subsystem == "video4linux" && u.DevName == "video0" {
				got <- u
				return
			}
		}
	}()
	select {
	case u := <-got:
		if u.Action != ActionChange || u.Node() != "/dev/video0" || u.Seqnum == 0 || u.Env["MAJOR"] != "81" {
			t.Errorf("uevent %+v", u)
		}
	case err := <-fail:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("no uevent for video0")
	}
	// A Read blocked with nothing to come ends when the socket closes.
	done := make(chan error, 1)
	go func() {
		_, err := s.Read()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it block; the test holds either way
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, hw.ErrClosed) {
			t.Errorf("Read after Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not wake the blocked Read")
	}
}
