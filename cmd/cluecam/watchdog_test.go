package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/drivers/watchdog"
)

// fakeDog is /dev/watchdog as softdog answers: it grants the timeout asked
// for and records keepalives, writes and closes. The embedded Sys is nil:
// the watchdog uses no other call.
type fakeDog struct {
	watchdog.Sys
	openErr error

	mu         sync.Mutex
	keepalives int
	events     []string
	timeout    int32
}

func (d *fakeDog) Open(path string) (int, error) {
	if d.openErr != nil {
		return -1, d.openErr
	}
	d.log("open " + path)
	return 9, nil
}

func (d *fakeDog) Ioctl(fd int, req uint32, arg unsafe.Pointer) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch watchdog.IoctlName(req) {
	case "WDIOC_GETSUPPORT":
		info := (*watchdog.Info)(arg)
		info.Options = watchdog.OptSetTimeout | watchdog.OptMagicClose | watchdog.OptKeepalivePing
		copy(info.Identity[:], "Fake Watchdog")
	case "WDIOC_SETTIMEOUT":
		d.timeout = *(*int32)(arg)
	case "WDIOC_GETTIMEOUT":
		*(*int32)(arg) = d.timeout
	case "WDIOC_KEEPALIVE":
		d.keepalives++
	default:
		return syscall.ENOTTY
	}
	return nil
}

func (d *fakeDog) Write(fd int, p []byte) (int, error) {
	d.log("write " + string(p))
	return len(p), nil
}

func (d *fakeDog) Close(fd int) error {
	d.log("close")
	return nil
}

func (d *fakeDog) log(s string) {
	d.mu.Lock()
	d.events = append(d.events, s)
	d.mu.Unlock()
}

func (d *fakeDog) state() (int, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.keepalives, strings.Join(d.events, ", ")
}

func useDog(t *testing.T, d *fakeDog) {
	old := watchdogSys
	watchdogSys = d
	t.Cleanup(func() { watchdogSys = old })
}

// runWithWatchdog runs the appliance on the example with the watchdog on
// and returns its cancel, exit channel and log.
func runWithWatchdog(t *testing.T) (context.CancelFunc, chan int, *syncBuffer) {
	path := filepath.Join(t.TempDir(), "cluecam.toml")
	example, _ := onFreePort(t, config.Example)
	doc := strings.Replace(example, "enabled = false\n# Default \"/dev/watchdog\".", "enabled = true\n# Default \"/dev/watchdog\".", 1)
	doc = strings.Replace(doc, `timeout = "15s"`, `timeout = "3s"`, 1)
	if doc == example {
		t.Fatal("could not turn the watchdog on in the example")
	}
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- dispatch(ctx, &env{stdout: &out, stderr: &errb, getenv: os.Getenv}, []string{"run", "--config", path, "--state-dir", t.TempDir(), "--log-format", "json"})
	}()
	t.Cleanup(cancel)
	return cancel, done, &errb
}

// `cluecam run` arms the watchdog once the box is up, feeds it, and on an
// orderly stop (SIGTERM cancels the context) disarms it with the magic
// close.
func TestRunFeedsWatchdogAndMagicCloses(t *testing.T) {
	dog := &fakeDog{}
	useDog(t, dog)
	cancel, done, errb := runWithWatchdog(t)
	waitFor(t, errb, `"msg":"watchdog armed","device":"/dev/watchdog","driver":"Fake Watchdog","timeout":3000000000`, 20*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for n, _ := dog.state(); n == 0; n, _ = dog.state() {
		if time.Now().After(deadline) {
			t.Fatal("no keepalive")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ev := dog.state(); strings.Contains(ev, "write V") {
		t.Fatalf("magic close while running: %s", ev)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("run exited %d:\n%s", code, errb.String())
	}
	if _, ev := dog.state(); ev != "open /dev/watchdog, write V, close" {
		t.Errorf("device events %q, want open, magic close, close", ev)
	}
	if !strings.Contains(errb.String(), `"msg":"watchdog disarmed"`) {
		t.Errorf("no disarm logged:\n%s", errb.String())
	}
}

// A watchdog that cannot be opened is reported; the box runs without it.
func TestRunWithoutWatchdogDevice(t *testing.T) {
	useDog(t, &fakeDog{openErr: syscall.ENOENT})
	cancel, done, errb := runWithWatchdog(t)
	waitFor(t, errb, `"msg":"ready"`, 20*time.Second)
	if !strings.Contains(errb.String(), `"msg":"watchdog not armed: running without it"`) {
		t.Errorf("missing device not reported:\n%s", errb.String())
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("run exited %d:\n%s", code, errb.String())
	}
}

// Without a stop (a crash), the device is never written: it stays armed.
func TestWatchdogNoMagicCloseWithoutStop(t *testing.T) {
	dog := &fakeDog{}
	useDog(t, dog)
	w := newWatchdog(config.Watchdog{Enabled: true, Device: "/dev/watchdog", Timeout: time.Second, StaleFrames: 30})
	ctx, cancel := context.WithCancel(context.Background())
	w.start(ctx, discardLog())
	cancel() // the feeder ends with its context, as in a crash's unwinding
	<-w.done
	if _, ev := dog.state(); ev != "open /dev/watchdog" {
		t.Errorf("device events %q: the dog must stay armed", ev)
	}
}

// A disabled watchdog has no monitor and opens nothing.
func TestWatchdogDisabled(t *testing.T) {
	dog := &fakeDog{}
	useDog(t, dog)
	w := newWatchdog(config.Watchdog{Enabled: false})
	w.start(context.Background(), discardLog())
	w.stop(discardLog())
	if w.monitor != nil {
		t.Error("monitor built for a disabled watchdog")
	}
	if _, ev := dog.state(); ev != "" {
		t.Errorf("disabled watchdog touched the device: %s", ev)
	}
}
