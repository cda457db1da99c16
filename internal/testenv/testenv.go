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
	"strconv"
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

// FreeSIPPort returns a loopback port free on both UDP and TCP a moment
// ago, for a SIP listener (UDP and TCP on one port). It is probed at
// random in 21000..32767: below Linux's ephemeral range (32768 up), so
// the outgoing connections of tests running alongside cannot take it
// between the probe and the listen, and above the example
// configuration's RTP range (20000..20998).
func FreeSIPPort(t testing.TB) int {
	t.Helper()
	for range 200 {
		p := 21000 + rand.IntN(32768-21000)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		pc, err := net.ListenPacket("udp", addr)
		l.Close()
		if err != nil {
			continue
		}
		pc.Close()
		return p
	}
	t.Fatal("no loopback port free on both UDP and TCP")
	return 0
}

// FreeUDPPortPair returns an even loopback UDP port p with p+1 free too, for
// an RTP receiver whose RTCP goes to the next port (RFC 3550 §11). Ports are
// probed at random in 21000..32767, as FreeSIPPort's: below the kernel's
// ephemeral range, which sockets bound to port 0 by tests running alongside
// draw from.
func FreeUDPPortPair(t testing.TB) int {
	t.Helper()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	for range 200 {
		p := 21000 + 2*rand.IntN((32768-21000)/2)
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
