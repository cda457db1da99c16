// Package testenv lets tests depend on real external peers (ffprobe, xmllint,
// qemu-user, GStreamer...) without turning into tests that cannot fail.
//
// A missing tool skips the test on a developer's machine, but fails it when the
// CI environment variable is set: `make deps` installs every tool the suite
// names, so in CI a missing tool is a broken setup, not a reason to pass.
package testenv

import (
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"testing"
)

// NeedCommand returns the absolute path of the named program, or stops the
// test: skipped locally, failed in CI.
func NeedCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if InCI() {
		t.Fatalf("required tool %q not found in CI (make deps installs it): %v", name, err)
	}
	t.Skipf("%s not installed (run `make deps`): %v", name, err)
	return ""
}

// InCI reports whether the suite runs under CI, where nothing may be skipped
// for want of a tool.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "0" && v != "false"
}

// FreeUDPPortPair returns an even loopback UDP port p with p+1 free too, for
// an RTP receiver whose RTCP goes to the next port (RFC 3550 §11). Ports are
// probed at random in 21000..59999 so parallel test binaries rarely collide;
// not below, where the example configuration's RTP range (20000..20998)
// would refuse it as a SIP port.
func FreeUDPPortPair(t testing.TB) int {
	t.Helper()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	for range 200 {
		p := 21000 + 2*rand.IntN(19500)
		lo.Port = p
		a, err := net.ListenUDP("udp4", lo)
		if err != nil {
			continue
		}
		lo.Port = p + 1
		b, err := net.ListenUDP("udp4", lo)
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p
	}
	t.Fatal("no free UDP port pair on loopback")
	return 0
}
