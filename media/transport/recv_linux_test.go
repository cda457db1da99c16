package transport

import (
	"net"
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The mmsghdr layout recvmmsg(2) expects: msg_len right after the msghdr,
// and the array stride the kernel's (64 bytes on 64-bit, 32 on 32-bit arm;
// the compile-time check in recv_linux.go holds it on every GOARCH, this
// states it).
func TestMmsghdrLayout(t *testing.T) {
	word := unsafe.Sizeof(uintptr(0))
	if got := unsafe.Sizeof(mmsghdr{}); got != 8*word {
		t.Fatalf("sizeof(mmsghdr) %d, want %d", got, 8*word)
	}
	if off := unsafe.Offsetof(mmsghdr{}.len); off != unsafe.Sizeof(unix.Msghdr{}) {
		t.Fatalf("msg_len at %d, msghdr is %d bytes", off, unsafe.Sizeof(unix.Msghdr{}))
	}
	wantHdr := map[uintptr]uintptr{8: 56, 4: 28}[word]
	if got := unsafe.Sizeof(unix.Msghdr{}); got != wantHdr {
		t.Fatalf("sizeof(msghdr) %d, want %d", got, wantHdr)
	}
	if unsafe.Sizeof(unix.RawSockaddrInet6{}) != unix.SizeofSockaddrInet6 {
		t.Fatal("sockaddr_in6 size")
	}
}

func TestSockaddrDecode(t *testing.T) {
	var r mmsgReader
	var sa unix.RawSockaddrInet6
	raw := (*[unix.SizeofSockaddrInet6]byte)(unsafe.Pointer(&sa))
	sa.Family = unix.AF_INET
	raw[2], raw[3] = 0x13, 0x88 // 5000
	copy(raw[4:8], []byte{192, 0, 2, 7})
	if ap, ok := r.source(&sa); !ok || ap != netip.MustParseAddrPort("192.0.2.7:5000") {
		t.Fatalf("v4: %v %v", ap, ok)
	}
	sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: netip.MustParseAddr("fe80::1").As16(), Scope_id: 3}
	raw[2], raw[3] = 0, 80
	if ap, ok := r.source(&sa); !ok || ap.Port() != 80 || ap.Addr().Zone() != "3" || ap.Addr().WithZone("") != netip.MustParseAddr("fe80::1") {
		t.Fatalf("v6 link-local: %v %v", ap, ok)
	}
	sa.Family = unix.AF_UNIX
	if _, ok := r.source(&sa); ok {
		t.Fatal("AF_UNIX decoded")
	}
}

// IPv6 sockets deliver their sources intact through recvmmsg.
func TestReceiveIPv6(t *testing.T) {
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	defer c.Close()
	src, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rd := newBatchReader(c, 4)
	if _, ok := rd.(*mmsgReader); !ok {
		t.Fatalf("reader %T", rd)
	}
	for i := 0; i < 3; i++ {
		src.WriteToUDPAddrPort([]byte{0x80, byte(i)}, c.LocalAddr().(*net.UDPAddr).AddrPort())
	}
	seen := 0
	for seen < 3 {
		n, err := rd.read()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			pkt, from, ok := rd.packet(i)
			if !ok || from != src.LocalAddr().(*net.UDPAddr).AddrPort() || len(pkt) != 2 || pkt[1] != byte(seen) {
				t.Fatalf("datagram %d: %x from %v (%v)", seen, pkt, from, ok)
			}
			seen++
		}
	}
}
