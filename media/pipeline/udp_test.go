package pipeline

import (
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
