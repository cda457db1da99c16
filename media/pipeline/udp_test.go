package pipeline

import (
	"bytes"
	"net"
	"testing"
	"time"
)

func TestUDPSinkBatch(t *testing.T) {
	rcv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := NewUDPSink(conn, rcv.LocalAddr().(*net.UDPAddr), nil, PlainRTP{})
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for i := 0; i < BatchSize+6; i++ { // two system calls
		pkts = append(pkts, []byte{byte(i), 1, 2, 3})
	}
	if n, err := s.WriteBatch(pkts); err != nil || n != len(pkts) {
		t.Fatalf("WriteBatch: %d, %v", n, err)
	}
	if err := s.WriteRTCP([]byte{0xff}); err != nil {
		t.Fatal(err)
	}
	rcv.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	for i := 0; i <= len(pkts); i++ {
		n, err := rcv.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		want := byte(i)
		if i == len(pkts) {
			want = 0xff
		}
		if buf[0] != want || (i < len(pkts) && n != 4) {
			t.Fatalf("datagram %d: % x", i, buf[:n])
		}
	}
}

// TestUDPSinkRuns sends a frame's worth of packets of mixed sizes, with
// and without GSO: the receiver gets the same datagrams, in order.
func TestUDPSinkRuns(t *testing.T) {
	for _, gso := range []bool{true, false} {
		rcv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		rcv.SetReadBuffer(4 << 20)
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewUDPSink(conn, rcv.LocalAddr().(*net.UDPAddr), nil, PlainRTP{})
		if err != nil {
			t.Fatal(err)
		}
		s.SetGSO(gso)
		var pkts [][]byte
		for i, size := range []int{1228, 1228, 1228, 700, 1228, 90, 1228, 1228, 1300, 1228, 12} {
			p := make([]byte, size)
			for j := range p {
				p[j] = byte(i + j)
			}
			pkts = append(pkts, p)
		}
		for range 60 { // more than one GSO message's worth of one size
			p := make([]byte, 1228)
			p[0] = byte(len(pkts))
			pkts = append(pkts, p)
		}
		if n, err := s.WriteBatch(pkts); err != nil || n != len(pkts) {
			t.Fatalf("gso=%v: WriteBatch: %d, %v", gso, n, err)
		}
		rcv.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 65536)
		for i, want := range pkts {
			n, err := rcv.Read(buf)
			if err != nil {
				t.Fatalf("gso=%v: datagram %d: %v", gso, i, err)
			}
			if !bytes.Equal(buf[:n], want) {
				t.Fatalf("gso=%v: datagram %d: %d bytes, want %d", gso, i, n, len(want))
			}
		}
		if gso && gsoAvailable && !s.gso {
			t.Fatal("GSO fell back to one datagram per packet")
		}
		rcv.Close()
		conn.Close()
	}
}

func TestUDPSinkAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	rcv, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer rcv.Close()
	go func() {
		b := make([]byte, 65536)
		for {
			if _, err := rcv.Read(b); err != nil {
				return
			}
		}
	}()
	conn, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer conn.Close()
	for _, gso := range []bool{true, false} {
		s, _ := NewUDPSink(conn, rcv.LocalAddr().(*net.UDPAddr), nil, PlainRTP{})
		s.SetGSO(gso)
		pkts := make([][]byte, 40)
		buf := make([]byte, 40*1228)
		for i := range pkts {
			pkts[i] = buf[i*1228 : (i+1)*1228-(i%13)]
		}
		if n := testing.AllocsPerRun(100, func() { s.WriteBatch(pkts) }); n != 0 {
			t.Errorf("gso=%v: %.1f allocs per batch, want 0", gso, n)
		}
	}
}
