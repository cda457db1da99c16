package sip

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

const testSDP = "v=0\r\no=cluecam 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=x-cluecam-test\r\n"

// recHandler records what the UA tells the session layer.
type recHandler struct {
	mu          sync.Mutex
	established int
	updated     int
	ended       map[*Call]int
	reasons     []EndReason
	offers      int
	answerFn    func(offer []byte) ([]byte, error)
	block       bool // Answer blocks until ctx is done
	estCh       chan *Call
	endCh       chan EndReason
	updCh       chan *Call
}

func newRec() *recHandler {
	return &recHandler{ended: map[*Call]int{}, estCh: make(chan *Call, 16), endCh: make(chan EndReason, 16), updCh: make(chan *Call, 16)}
}

func (h *recHandler) Offer(ctx context.Context, c *Call) ([]byte, error) {
	h.mu.Lock()
	h.offers++
	h.mu.Unlock()
	return []byte(testSDP), nil
}

func (h *recHandler) Answer(ctx context.Context, c *Call, offer []byte) ([]byte, error) {
	if h.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if h.answerFn != nil {
		return h.answerFn(offer)
	}
	return []byte(testSDP), nil
}

func (h *recHandler) Accept(ctx context.Context, c *Call, answer []byte) error { return nil }

func (h *recHandler) Established(c *Call) {
	h.mu.Lock()
	h.established++
	h.mu.Unlock()
	h.estCh <- c
}

func (h *recHandler) Updated(c *Call, remote []byte) {
	h.mu.Lock()
	h.updated++
	h.mu.Unlock()
	select {
	case h.updCh <- c:
	default:
	}
}

func (h *recHandler) Ended(c *Call, r EndReason) {
	h.mu.Lock()
	h.ended[c]++
	h.reasons = append(h.reasons, r)
	h.mu.Unlock()
	h.endCh <- r
}

func (h *recHandler) counts() (est, upd, ended int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.ended {
		ended += n
	}
	return h.established, h.updated, ended
}

// checkEndedOnce fails if any call saw Ended more than once.
func (h *recHandler) checkEndedOnce(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for c, n := range h.ended {
		if n != 1 {
			t.Errorf("call %s: Ended called %d times", c.ID(), n)
		}
	}
}

// sipgo logs a few things (connection reference counts at teardown, when a
// TLS connection is closed by both its reader and the pool) through its
// package-wide default logger rather than the one we hand it: keep them
// out of the test output unless SIP_TEST_LOG is set.
func init() {
	if os.Getenv("SIP_TEST_LOG") == "" {
		sip.SetDefaultLogger(slog.New(slog.DiscardHandler))
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("SIP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

const (
	testUser = "alice"
	testPass = "s3cret"
)

func authOpts(t testing.TB) *Opts {
	return &Opts{
		Logger:  testLogger(t),
		Callers: []Caller{{URI: "sip:alice@127.0.0.1", Password: testPass}},
	}
}

// startUA makes a UA listening on loopback for the given networks.
func startUA(t testing.TB, h SessionHandler, o *Opts, networks ...string) *UA {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	u, err := New(h, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = u.Close() })
	for _, n := range networks {
		if _, err := u.Listen(n, "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// rawPeer is a hand-driven SIP peer over UDP or TCP.
type rawPeer struct {
	t       testing.TB
	network string
	conn    net.Conn
	rd      *bufio.Reader
	local   string
}

// dialRaw connects to addr over "udp", "tcp" or "tls" (with conf).
func dialRaw(t testing.TB, network string, addr net.Addr, conf ...*tls.Config) *rawPeer {
	t.Helper()
	var c net.Conn
	var err error
	if network == "tls" {
		c, err = tls.Dial("tcp", addr.String(), conf[0])
	} else {
		c, err = net.Dial(network, addr.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, network: network, conn: c, rd: bufio.NewReaderSize(c, 65536), local: c.LocalAddr().String()}
}

func (p *rawPeer) send(msg string) {
	p.t.Helper()
	if _, err := p.conn.Write([]byte(msg)); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// recv reads one message (nil on timeout or error).
func (p *rawPeer) recv(timeout time.Duration) sip.Message {
	_ = p.conn.SetReadDeadline(time.Now().Add(timeout))
	if p.network == "udp" {
		buf := make([]byte, 65536)
		n, err := p.conn.Read(buf)
		if err != nil {
			return nil
		}
		m, err := sip.ParseMessage(buf[:n])
		if err != nil {
			p.t.Logf("unparsable message: %v", err)
			return nil
		}
		return m
	}
	var hdr bytes.Buffer
	cl := 0
	for {
		line, err := p.rd.ReadString('\n')
		if err != nil {
			return nil
		}
		if hdr.Len() == 0 && strings.TrimSpace(line) == "" {
			continue
		}
		hdr.WriteString(line)
		if l := strings.ToLower(line); strings.HasPrefix(l, "content-length:") || strings.HasPrefix(l, "l:") {
			cl, _ = strconv.Atoi(strings.TrimSpace(line[strings.IndexByte(line, ':')+1:]))
		}
		if line == "\r\n" {
			break
		}
	}
	body := make([]byte, cl)
	if _, err := io.ReadFull(p.rd, body); err != nil {
		return nil
	}
	hdr.Write(body)
	m, err := sip.ParseMessage(hdr.Bytes())
	if err != nil {
		return nil
	}
	return m
}

// final waits for the final response to a request with Call-ID cid (and
// CSeq method m), answering nothing else.
func (p *rawPeer) final(cid string, m string, timeout time.Duration) *sip.Response {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		msg := p.recv(time.Until(deadline))
		if msg == nil {
			continue
		}
		res, ok := msg.(*sip.Response)
		if !ok || res.IsProvisional() {
			continue
		}
		if res.CallID() != nil && res.CallID().Value() == cid && (m == "" || string(res.CSeq().MethodName) == m) {
			return res
		}
	}
	return nil
}

// request renders a request from the peer to the UA.
type reqSpec struct {
	method, ruri, from, fromTag, to, toTag, callID string
	cseq                                           int
	cseqMethod                                     string
	extra                                          []string
	body                                           string
	noContact                                      bool
}

func (p *rawPeer) build(s reqSpec) string {
	if s.cseqMethod == "" {
		s.cseqMethod = s.method
	}
	if s.from == "" {
		s.from = "sip:alice@127.0.0.1"
	}
	if s.fromTag == "" {
		s.fromTag = "ft" + strconv.Itoa(int(time.Now().UnixNano()%1e9))
	}
	if s.to == "" {
		s.to = s.ruri
	}
	var b strings.Builder
	tp := strings.ToUpper(p.network)
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", s.method, s.ruri)
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=z9hG4bK%d;rport\r\n", tp, p.local, time.Now().UnixNano())
	fmt.Fprintf(&b, "Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <%s>;tag=%s\r\n", s.from, s.fromTag)
	if s.toTag != "" {
		fmt.Fprintf(&b, "To: <%s>;tag=%s\r\n", s.to, s.toTag)
	} else {
		fmt.Fprintf(&b, "To: <%s>\r\n", s.to)
	}
	fmt.Fprintf(&b, "Call-ID: %s\r\n", s.callID)
	fmt.Fprintf(&b, "CSeq: %d %s\r\n", s.cseq, s.cseqMethod)
	if !s.noContact {
		fmt.Fprintf(&b, "Contact: <sip:alice@%s;transport=%s>\r\n", p.local, p.network)
	}
	for _, e := range s.extra {
		b.WriteString(e + "\r\n")
	}
	if s.body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(s.body), s.body)
	return b.String()
}

func uaURI(u *UA, network string) string {
	a := u.Addr(network)
	s := "sip:cam@" + a.String()
	if network != "udp" {
		s += ";transport=" + network
	}
	return s
}

func waitCh[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timeout waiting for %s", what)
	}
	var z T
	return z
}

// reinviteBothAndHangUp re-INVITEs from the caller's side (c, handler ha)
// and then the callee's (cb, hb), and hangs up from the caller: both
// updates and the callee's remote-BYE end must be seen.
func reinviteBothAndHangUp(t *testing.T, ctx context.Context, c, cb *Call, ha, hb *recHandler) {
	t.Helper()
	if err := c.Reinvite(ctx); err != nil {
		t.Fatalf("caller re-INVITE: %v", err)
	}
	waitCh(t, hb.updCh, "callee updated")
	if err := cb.Reinvite(ctx); err != nil {
		t.Fatalf("callee re-INVITE: %v", err)
	}
	waitCh(t, ha.updCh, "caller updated")
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if r := waitCh(t, hb.endCh, "callee ended"); r != ReasonRemoteBye {
		t.Errorf("callee reason %q", r)
	}
}
