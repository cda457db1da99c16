package channel

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// udpPair is two connected loopback UDP sockets: SCTP without DTLS.
func udpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.DialUDP("udp4", nil, a.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	a2, err := net.DialUDP("udp4", a.LocalAddr().(*net.UDPAddr), b.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a2.Close(); b.Close() })
	return a2, b
}

func openPair(t *testing.T, client, server *Opts) (*Channel, *Channel) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ca, cb := udpPair(t)
	client.Client, server.Client = true, false
	type res struct {
		c   *Channel
		err error
	}
	r := make(chan res, 1)
	go func() {
		c, err := Open(ctx, cb, server)
		r <- res{c, err}
	}()
	c, err := Open(ctx, ca, client)
	if err != nil {
		t.Fatal(err)
	}
	s := <-r
	if s.err != nil {
		t.Fatal(s.err)
	}
	t.Cleanup(func() { c.Close(); s.c.Close() })
	return c, s.c
}

func TestUnsupportedPort(t *testing.T) {
	_, err := Open(context.Background(), nil, &Opts{LocalPort: 5001})
	if !errors.Is(err, ErrUnsupportedPort) {
		t.Fatalf("err %v", err)
	}
}

func TestMaxMessageSize(t *testing.T) {
	// The client believes the server accepts 4096; the server accepts 1024.
	c, s := openPair(t, &Opts{StreamID: 2, RemoteMaxMessageSize: 4096}, &Opts{StreamID: 2, LocalMaxMessageSize: 1024})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Send(ctx, []byte(strings.Repeat("x", 4097))); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("send over the peer's limit: %v", err)
	}
	if err := c.Send(ctx, nil); !errors.Is(err, ErrEmptyMessage) {
		t.Fatalf("empty: %v", err)
	}
	if err := c.Send(ctx, []byte(strings.Repeat("y", 2000))); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, []byte("<ok/>")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Receive(ctx); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("oversized receive: %v", err)
	}
	m, err := s.Receive(ctx)
	if err != nil || string(m) != "<ok/>" {
		t.Fatalf("next message %q %v", m, err)
	}
	if st := s.Stats(); st.DroppedTooLarge != 1 || st.MessagesReceived != 1 {
		t.Fatalf("stats %+v", st)
	}
	if st := c.Stats(); st.SendRefused != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now } // frozen: no refill
	c, s := openPair(t,
		&Opts{StreamID: 2, SendRate: -1},
		&Opts{StreamID: 2, ReceiveRate: 1, ReceiveBurst: 3, SendRate: 1, SendBurst: 2, Now: clock})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 5; i++ {
		if err := c.Send(ctx, []byte("<m/>")); err != nil {
			t.Fatal(err)
		}
	}
	got, limited := 0, 0
	for got+limited < 5 {
		_, err := s.Receive(ctx)
		switch {
		case err == nil:
			got++
		case errors.Is(err, ErrRateLimited):
			// One error is reported per burst of drops; count them all.
			limited = int(s.Stats().DroppedRateLimited)
		default:
			t.Fatal(err)
		}
		if got == 3 {
			break
		}
	}
	for s.Stats().DroppedRateLimited < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	if st := s.Stats(); st.MessagesReceived != 3 || st.DroppedRateLimited != 2 {
		t.Fatalf("stats %+v", st)
	}
	// Sending is limited too.
	for i := 0; i < 2; i++ {
		if err := s.Send(ctx, []byte("<r/>")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Send(ctx, []byte("<r/>")); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("third send: %v", err)
	}
}

func TestCloseEndsPeer(t *testing.T) {
	c, s := openPair(t, &Opts{StreamID: 2}, &Opts{StreamID: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.Close()
	s.Close()
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("peer's Done did not fire")
	}
	if !errors.Is(c.Err(), ErrPeerClosed) || !errors.Is(s.Err(), ErrClosed) {
		t.Fatalf("errs %v / %v", c.Err(), s.Err())
	}
	if _, err := c.Receive(ctx); !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("receive after close: %v", err)
	}
}
