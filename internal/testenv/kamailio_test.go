package testenv

import (
	"strings"
	"syscall"
	"testing"
)

// TestKamailioStartStop: Kamailio comes up on the ports it was given (it
// answered the readiness OPTIONS, which its log shows) and, once the test
// that started it ends, none of its processes is left: tests run it often,
// and a leftover would hold ports and memory on a shared CI machine.
func TestKamailioStartStop(t *testing.T) {
	var k *Kamailio
	t.Run("run", func(t *testing.T) {
		k = StartKamailio(t, KamailioOpts{Password: "x", MaxExpires: 4})
		if !strings.Contains(k.Log(), "REQ OPTIONS sip:127.0.0.1:") {
			t.Errorf("no OPTIONS in the log:\n%s", k.Log())
		}
		if len(k.Registered()) != 0 {
			t.Errorf("registrations out of nowhere: %+v", k.Registered())
		}
	})
	if k == nil {
		t.Skip("kamailio did not start")
	}
	if err := syscall.Kill(-k.pgid, 0); err != syscall.ESRCH {
		t.Errorf("kamailio's process group %d still there after cleanup (kill 0: %v)", k.pgid, err)
	}
}
