package transport

import (
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// recvRig is an endpoint on loopback that accepts media from src (DTLS
// verification stubbed: this measures the socket path only) and counts what
// reaches OnMedia.
type recvRig struct {
	e    *Endpoint
	src  *net.UDPConn
	dst  netip.AddrPort
	got  atomic.Int64
	want atomic.Int64
	wake chan struct{}
}

func newRecvRig(tb testing.TB, single bool) *recvRig {
	tb.Helper()
	src, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { src.Close() })
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	c.SetReadBuffer(1 << 20)
	r := &recvRig{src: src, dst: c.LocalAddr().(*net.UDPAddr).AddrPort(), wake: make(chan struct{}, 1)}
	var rd batchReader
	if single {
		rd = newSingleReader(c)
	}
	r.e, err = startEndpoint(c, &EndpointOpts{
		RemoteAddr: src.LocalAddr().(*net.UDPAddr).AddrPort(),
		OnMedia: func(pkt []byte, rtcp bool) {
			if pkt[0] != 0x80 || rtcp {
				panic("not the packet sent")
			}
			if r.got.Add(1) >= r.want.Load() {
				select {
				case r.wake <- struct{}{}:
				default:
				}
			}
		},
	}, rd)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.e.Close() })
	r.e.verified.Store(true)
	return r
}

// await blocks until n more packets than before reached OnMedia; lost
// datagrams are re-sent when nothing arrives for a while (t is reused, so
// waiting allocates nothing).
func (r *recvRig) await(tb testing.TB, t *time.Timer, resend func()) {
	for r.got.Load() < r.want.Load() {
		t.Reset(200 * time.Millisecond)
		select {
		case <-r.wake:
		case <-t.C:
			resend()
		case <-r.e.done:
			tb.Fatal("endpoint read loop ended")
		}
		t.Stop()
	}
}

func TestReceiveDeliversBatches(t *testing.T) {
	for _, single := range []bool{false, true} {
		r := newRecvRig(t, single)
		pkts := packets(100, 200)
		r.want.Store(100)
		for _, p := range pkts {
			if _, err := r.src.WriteToUDPAddrPort(p, r.dst); err != nil {
				t.Fatal(err)
			}
		}
		tm := time.NewTimer(time.Hour)
		r.await(t, tm, func() { r.want.Store(r.got.Load()) }) // loss is not what this tests
		if s := r.e.Stats(); s.MediaIn != uint64(r.got.Load()) || s.MediaIn == 0 {
			t.Fatalf("single=%v: stats %+v, got %d", single, s, r.got.Load())
		}
	}
}

// TestReceiveAllocs: the whole receive path (recvmmsg, demux, OnMedia)
// allocates nothing per batch.
func TestReceiveAllocs(t *testing.T) {
	r := newRecvRig(t, false)
	pkts := packets(32, 1200)
	tm := time.NewTimer(time.Hour)
	send := func() {
		for _, p := range pkts {
			r.src.WriteToUDPAddrPort(p, r.dst)
		}
	}
	round := func() {
		r.want.Add(32)
		send()
		r.await(t, tm, func() { r.want.Store(r.got.Load()) })
	}
	round() // warm up: first use of the poller, the timer
	if allocs := testing.AllocsPerRun(50, round); allocs != 0 {
		t.Fatalf("receiving a batch of 32 allocates %v", allocs)
	}
}

// BenchmarkReceive32 measures the receive path alone: with the timer
// stopped, 128 datagrams of 1200 bytes are queued on a loopback socket; then
// they are read and dispatched (demux, latch check, OnMedia) by recvmmsg
// batches of 32 (batch) or by one recvfrom each (single). An op is 32
// packets.
func BenchmarkReceive32(b *testing.B) {
	for _, mode := range []struct {
		name   string
		single bool
	}{{"batch", false}, {"single", true}} {
		b.Run(mode.name, func(b *testing.B) {
			src, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			defer src.Close()
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			c.SetReadBuffer(1 << 20)
			var got int
			e, _ := newEndpoint(&EndpointOpts{
				RemoteAddr: src.LocalAddr().(*net.UDPAddr).AddrPort(),
				OnMedia:    func([]byte, bool) { got++ },
			})
			e.verified.Store(true)
			var rd batchReader = newSingleReader(c)
			if !mode.single {
				rd = newBatchReader(c, 32)
			}
			dst := c.LocalAddr().(*net.UDPAddr).AddrPort()
			pkts := packets(128, 1200)
			b.ReportAllocs()
			b.SetBytes(32 * 1200)
			b.ResetTimer()
			for done := 0; done < b.N; done += 4 {
				b.StopTimer()
				for _, p := range pkts {
					src.WriteToUDPAddrPort(p, dst)
				}
				want := got + 128
				b.StartTimer()
				for got < want {
					n, err := rd.read()
					if err != nil {
						b.Fatal(err)
					}
					for i := 0; i < n; i++ {
						pkt, from, _ := rd.packet(i)
						e.dispatch(pkt, from)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*32), "ns/packet")
		})
	}
}

// BenchmarkReceiveLoop: the endpoint's own read goroutine with a sender
// goroutine keeping a few sendmmsg batches of 32 in flight; an op is 32
// packets delivered to OnMedia. It shows the steady state allocates nothing
// (allocs/op 0); its speed is bounded by the sender on the same cores.
func BenchmarkReceiveLoop(b *testing.B) {
	r := newRecvRig(b, false)
	snd, err := startEndpoint(r.src, &EndpointOpts{RemoteAddr: r.dst}, newSingleReader(r.src))
	if err != nil {
		b.Fatal(err)
	}
	defer snd.Close()
	snd.verified.Store(true)
	pkts := packets(32, 1200)
	const window = 4 * 32 // packets in flight
	total := int64(b.N) * 32
	r.want.Store(total)
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		bt := NewBatch(32)
		var inFlight int64
		idle := 0
		for r.got.Load() < total {
			select {
			case <-stop:
				return
			default:
			}
			if inFlight-r.got.Load() >= window {
				// Wait for the reader; assume loss after a long idle.
				if idle++; idle > 1e6 {
					inFlight, idle = r.got.Load(), 0
				}
				runtime.Gosched()
				continue
			}
			idle = 0
			for _, p := range pkts {
				bt.Add(p)
			}
			n, _ := snd.SendBatch(bt)
			inFlight += int64(n)
		}
	}()
	b.ReportAllocs()
	b.SetBytes(32 * 1200)
	b.ResetTimer()
	for r.got.Load() < total {
		<-r.wake
	}
	b.StopTimer()
	close(stop)
	<-sent
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/packet")
}
