package transport

import (
	"net"
	"testing"
)

// benchEndpoint is an endpoint on loopback authorised to send to sink
// (DTLS verification stubbed: this measures the socket path only).
func benchEndpoint(tb testing.TB) (*Endpoint, *net.UDPConn) {
	tb.Helper()
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sink.Close() })
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	e, err := NewEndpoint(c, &EndpointOpts{RemoteAddr: sink.LocalAddr().(*net.UDPAddr).AddrPort()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	e.verified.Store(true)
	return e, sink
}

func packets(n, size int) [][]byte {
	p := make([][]byte, n)
	for i := range p {
		p[i] = make([]byte, size)
		p[i][0] = 0x80
	}
	return p
}

func TestSendBatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	e, _ := benchEndpoint(t)
	pkts := packets(32, 1200)
	b := NewBatch(32)
	allocs := testing.AllocsPerRun(50, func() {
		for _, p := range pkts {
			b.Add(p)
		}
		if n, err := e.SendBatch(b); err != nil || n != 32 {
			t.Fatalf("SendBatch %d %v", n, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("SendBatch allocates %v per batch of 32", allocs)
	}
	if b.Len() != 0 {
		t.Fatal("batch not reset")
	}
}

func TestSendRefusedUnauthorised(t *testing.T) {
	e, _ := benchEndpoint(t)
	e.verified.Store(false)
	b := NewBatch(2)
	b.Add([]byte{0x80, 0})
	if _, err := e.SendBatch(b); err != ErrNotAuthorized {
		t.Fatalf("err %v", err)
	}
	if err := e.Send([]byte{0x80, 0}); err != ErrNotAuthorized {
		t.Fatalf("err %v", err)
	}
}

// BenchmarkSend32: 32 packets of 1200 bytes per op, by one sendmmsg
// (batch) or 32 sendto (single). ns/packet is reported.
func BenchmarkSend32(b *testing.B) {
	b.Run("batch", func(b *testing.B) {
		e, _ := benchEndpoint(b)
		pkts := packets(32, 1200)
		bt := NewBatch(32)
		b.ReportAllocs()
		b.SetBytes(32 * 1200)
		for i := 0; i < b.N; i++ {
			for _, p := range pkts {
				bt.Add(p)
			}
			if _, err := e.SendBatch(bt); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*32), "ns/packet")
	})
	b.Run("single", func(b *testing.B) {
		e, sink := benchEndpoint(b)
		to := sink.LocalAddr().(*net.UDPAddr)
		pkts := packets(32, 1200)
		b.ReportAllocs()
		b.SetBytes(32 * 1200)
		for i := 0; i < b.N; i++ {
			for _, p := range pkts {
				if _, err := e.conn.WriteTo(p, to); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*32), "ns/packet")
	})
}
