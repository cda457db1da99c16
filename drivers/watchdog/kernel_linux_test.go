package watchdog

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestKernel runs against a real /dev/watchdog (softdog in the QEMU guest
// of the test rig: modprobe softdog). It runs only when CLUECAM_HW is set
// and the node exists, and skips otherwise: a development machine's real
// watchdog is not something to arm from go test. It ends with the magic
// close, so the guest does not reboot (unless the kernel is built with
// CONFIG_WATCHDOG_NOWAYOUT).
func TestKernel(t *testing.T) {
	if os.Getenv("CLUECAM_HW") == "" {
		t.Skip("CLUECAM_HW not set")
	}
	if _, err := os.Stat(DefaultPath); err != nil {
		t.Fatalf("CLUECAM_HW is set but there is no %s (the rig loads softdog): %v", DefaultPath, err)
	}
	d, err := Open(&Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Close(); err != nil {
			t.Errorf("magic close: %v", err)
		}
	}()
	i := d.Info()
	t.Logf("%s: %q options %#x firmware %d, timeout %v", d.Path(), i.Name(), i.Options, i.FirmwareVersion, d.Timeout())
	if i.Options&OptSetTimeout != 0 && d.Timeout() != 10*time.Second {
		t.Errorf("asked for 10s, granted %v", d.Timeout())
	}
	if err := d.Keepalive(); err != nil {
		t.Fatal(err)
	}
	// A Feeder on the real clock for a moment: it feeds at once and stops
	// with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := NewFeeder(d, func() error { return nil }).Run(ctx); err != nil {
		t.Fatal(err)
	}
}
