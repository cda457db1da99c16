package transport

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Defaults of EndpointOpts.
const (
	DefaultBatchSize = 32
	// DefaultConsentTimeout is how long consent lasts without an
	// authenticated check (RFC 7675 §5.1: 30 seconds).
	DefaultConsentTimeout = 30 * time.Second
	defaultDTLSQueue      = 64
	maxDatagram           = 2048
	// maxAuthenticated bounds the remote candidates remembered after an
	// authenticated check.
	maxAuthenticated = 8
)

// ICECredentials are the a=ice-ufrag and a=ice-pwd values of both sides.
type ICECredentials struct {
	LocalUfrag, LocalPwd string
	// RemoteUfrag, when not empty, must be the second half of the USERNAME
	// of every check (RFC 8445 §7.2.2: "LFRAG:RFRAG" from the sender's
	// view, so "ours:theirs" here). RemotePwd keys the checks this endpoint
	// sends (Connect) and the responses it verifies.
	RemoteUfrag, RemotePwd string
}

// EndpointOpts configures an Endpoint.
type EndpointOpts struct {
	// ICE, when set, makes the endpoint an ICE-lite agent (RFC 8445 §2.5):
	// DTLS and media are accepted only from addresses that sent an
	// authenticated STUN check, and sent only to the selected one while
	// consent lasts.
	ICE *ICECredentials
	// RemoteAddr, without ICE, is the peer's address from SDP: DTLS is
	// accepted only from it, and media only after the DTLS handshake with
	// it verified the peer's fingerprint.
	RemoteAddr netip.AddrPort
	// RemoteHint, without ICE and instead of RemoteAddr, is the peer's SDP
	// address (c=/m=) when the peer may send from another one (behind a
	// NAT, multi-homed): it is only where the ClientHello goes when this
	// box is the DTLS client. DTLS is accepted from any source, each in a
	// handshake of its own (a server session per source that sent a
	// ClientHello, at most 4; as client, the session binds to the first
	// source that answers). The endpoint latches to the source whose
	// handshake verified the peer's fingerprint and pins, and only then
	// accepts media, from that source only. A stranger's datagrams can at
	// worst make a handshake fail; they are never latched.
	RemoteHint netip.AddrPort
	// BatchSize is how many datagrams one receive system call reads
	// (DefaultBatchSize when 0).
	BatchSize int
	// DTLSQueue bounds the DTLS datagrams waiting for the handshake/record
	// layer; more are dropped and counted.
	DTLSQueue int
	// ConsentTimeout: DefaultConsentTimeout when 0.
	ConsentTimeout time.Duration
	// PeerTimeout, without ICE, when positive: the peer is taken as gone,
	// as if consent had expired, when no authenticated traffic came from it
	// for this long: the DTLS handshake that verified it, then what the
	// caller reports with MarkAuthenticated (an SRTP or SRTCP packet that
	// opened, a data channel message). Zero turns this off: RFC 7675
	// consent needs ICE, and a caller that never reports traffic must not
	// lose its calls.
	PeerTimeout time.Duration
	// OnConsentLost is called once, on a goroutine of its own, when consent
	// expired (RFC 7675 §5.1; without ICE, PeerTimeout passed): media
	// sending has stopped and the association is closed; the call should
	// end. ConsentLost is the same signal as a channel.
	OnConsentLost func()
	// OnMedia receives each SRTP (rtcp false) or SRTCP (rtcp true) packet
	// from the authorised peer, on the receive goroutine. pkt is valid only
	// during the call; it may be opened in place. It must not block.
	OnMedia func(pkt []byte, rtcp bool)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// EndpointStats counts what the endpoint did with datagrams.
type EndpointStats struct {
	STUNRequests     uint64 // binding requests answered with success
	STUNErrors       uint64 // binding error responses sent (400/401/420/487)
	STUNMalformed    uint64 // STUN-range datagrams that do not parse
	Nominations      uint64 // authenticated checks with USE-CANDIDATE
	DroppedUnlatched uint64 // DTLS/media from an address not authorised
	DroppedQueueFull uint64 // DTLS datagrams dropped for a full queue
	DroppedOther     uint64 // unknown, ZRTP, TURN and stray datagrams
	MediaIn          uint64 // SRTP/SRTCP handed to OnMedia
	PacketsOut       uint64 // media datagrams sent
}

type endpointCounters struct {
	stunRequests, stunErrors, stunMalformed, nominations atomic.Uint64
	droppedUnlatched, droppedQueueFull, droppedOther     atomic.Uint64
	mediaIn, packetsOut                                  atomic.Uint64
}

// peerPath is the remote address media and DTLS go to; immutable.
type peerPath struct {
	ap  netip.AddrPort
	udp *net.UDPAddr
}

// batchConn is the sending half of ipv4.PacketConn and ipv6.PacketConn.
// (Their ReadBatch allocates a *net.UDPAddr per datagram; the endpoint
// reads with its own batchReader.)
type batchConn interface {
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// Endpoint is one call's UDP socket: it demultiplexes STUN, DTLS and
// SRTP/SRTCP (RFC 7983), answers ICE checks as an ICE-lite agent, hands DTLS
// to the handshake and media to OnMedia, and sends media in batches — only
// to an authorised peer.
type Endpoint struct {
	conn *net.UDPConn
	bc   batchConn   // sends (WriteBatch)
	rd   batchReader // receives, on the read goroutine only
	opts EndpointOpts
	now  func() time.Time

	// writeTo sends one datagram (STUN responses, DTLS); a seam for fuzzing.
	writeTo func(b []byte, to netip.AddrPort) error

	// Receive-goroutine state.
	localMAC hash.Hash
	stunOut  [stunMaxLen]byte
	msg      stunMsg

	remoteMu    sync.Mutex
	remoteUfrag string
	remoteMAC   hash.Hash
	pending     map[[12]byte]chan netip.AddrPort // Connect transactions

	mu            sync.Mutex
	authenticated []netip.AddrPort // addresses with an authenticated check
	lastConsent   atomic.Int64     // unix nanos of the last authenticated check on the selected path
	selected      atomic.Pointer[peerPath]
	selectedCh    chan struct{} // closed when a path is first selected
	selectOnce    sync.Once

	verified atomic.Bool // DTLS verified the peer on the selected path
	dtlsIn   chan []byte
	dtlsBusy atomic.Bool
	hint     hintState                   // RemoteHint endpoints
	assoc    atomic.Pointer[Association] // the latest association

	consentOnce sync.Once     // starts the consent watcher
	lost        atomic.Bool   // consent expired: sticky
	lostCh      chan struct{} // closed when consent expired

	closed    chan struct{}
	closeOnce sync.Once
	done      chan struct{} // read loop ended
	err       error

	stats endpointCounters
}

// NewEndpoint starts an endpoint on conn, which it owns from then on.
func NewEndpoint(conn *net.UDPConn, opts *EndpointOpts) (*Endpoint, error) {
	return startEndpoint(conn, opts, nil)
}

// startEndpoint is NewEndpoint with a chosen reader (nil: the platform's
// batch reader); benchmarks compare readers this way.
func startEndpoint(conn *net.UDPConn, opts *EndpointOpts, rd batchReader) (*Endpoint, error) {
	e, err := newEndpoint(opts)
	if err != nil {
		return nil, err
	}
	e.conn = conn
	if rd == nil {
		rd = newBatchReader(conn, e.opts.BatchSize)
	}
	e.rd = rd
	if la, ok := conn.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() != nil {
		e.bc = ipv4.NewPacketConn(conn)
	} else {
		e.bc = ipv6.NewPacketConn(conn)
	}
	e.writeTo = func(b []byte, to netip.AddrPort) error {
		_, err := conn.WriteToUDPAddrPort(b, to)
		return err
	}
	go e.readLoop()
	return e, nil
}

func newEndpoint(opts *EndpointOpts) (*Endpoint, error) {
	var o EndpointOpts
	if opts != nil {
		o = *opts
	}
	if o.ICE == nil && !o.RemoteAddr.IsValid() && !o.RemoteHint.IsValid() {
		return nil, errors.New("transport: endpoint needs ICE credentials or the peer's address")
	}
	if o.RemoteHint.IsValid() && (o.ICE != nil || o.RemoteAddr.IsValid()) {
		return nil, errors.New("transport: RemoteHint is for endpoints without ICE or RemoteAddr")
	}
	if o.ICE != nil && (o.ICE.LocalUfrag == "" || o.ICE.LocalPwd == "") {
		return nil, errors.New("transport: endpoint needs a local ice-ufrag and ice-pwd")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.DTLSQueue <= 0 {
		o.DTLSQueue = defaultDTLSQueue
	}
	if o.ConsentTimeout <= 0 {
		o.ConsentTimeout = DefaultConsentTimeout
	}
	e := &Endpoint{
		opts:       o,
		now:        o.Now,
		pending:    make(map[[12]byte]chan netip.AddrPort),
		selectedCh: make(chan struct{}),
		dtlsIn:     make(chan []byte, o.DTLSQueue),
		closed:     make(chan struct{}),
		done:       make(chan struct{}),
		lostCh:     make(chan struct{}),
		hint:       hintState{added: make(chan struct{}, 1)},
		writeTo:    func([]byte, netip.AddrPort) error { return nil },
	}
	if e.now == nil {
		e.now = time.Now
	}
	if o.ICE != nil {
		e.localMAC = newSTUNMAC(o.ICE.LocalPwd)
		e.SetRemoteICE(o.ICE.RemoteUfrag, o.ICE.RemotePwd)
	} else if o.RemoteAddr.IsValid() {
		e.selectPath(o.RemoteAddr)
	}
	return e, nil
}

func (e *Endpoint) selectPath(ap netip.AddrPort) {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if p := e.selected.Load(); p != nil && p.ap == ap {
		return
	}
	e.selected.Store(&peerPath{ap: ap, udp: net.UDPAddrFromAddrPort(ap)})
	e.selectOnce.Do(func() { close(e.selectedCh) })
}

// Close stops the endpoint and closes its socket; it is idempotent.
func (e *Endpoint) Close() error {
	e.closeOnce.Do(func() {
		e.verified.Store(false)
		close(e.closed)
		if e.conn != nil {
			e.conn.Close()
			<-e.done
		}
	})
	return nil
}

// LocalAddr is the socket's address.
func (e *Endpoint) LocalAddr() net.Addr { return e.conn.LocalAddr() }

// Stats returns the counters.
func (e *Endpoint) Stats() EndpointStats {
	s := &e.stats
	return EndpointStats{
		STUNRequests: s.stunRequests.Load(), STUNErrors: s.stunErrors.Load(),
		STUNMalformed: s.stunMalformed.Load(), Nominations: s.nominations.Load(),
		DroppedUnlatched: s.droppedUnlatched.Load(), DroppedQueueFull: s.droppedQueueFull.Load(),
		DroppedOther: s.droppedOther.Load(), MediaIn: s.mediaIn.Load(), PacketsOut: s.packetsOut.Load(),
	}
}

// Peer is the selected remote address, if any: set by an authenticated
// check (ICE), from EndpointOpts.RemoteAddr, or with a RemoteHint, the
// source whose DTLS handshake verified the peer.
func (e *Endpoint) Peer() (netip.AddrPort, bool) {
	if p := e.selected.Load(); p != nil {
		return p.ap, true
	}
	return netip.AddrPort{}, false
}

// Authorized reports whether media may flow now: a path is selected, DTLS
// verified the peer on it, the association lives and, with ICE, consent has
// not expired.
func (e *Endpoint) Authorized() bool {
	return e.selected.Load() != nil && e.verified.Load() && !e.lost.Load() && !e.ConsentExpired()
}

// notAuthorized is the error for a send refused now: ErrConsentLost once
// consent that existed has expired, ErrNotAuthorized otherwise.
func (e *Endpoint) notAuthorized() error {
	if e.lost.Load() || (e.lastConsent.Load() != 0 && e.ConsentExpired()) {
		return ErrConsentLost
	}
	return ErrNotAuthorized
}

// ConsentLost is closed when consent expired (RFC 7675 §5.1) or, without
// ICE, PeerTimeout passed; see EndpointOpts.OnConsentLost. Without ICE and
// PeerTimeout it never closes.
func (e *Endpoint) ConsentLost() <-chan struct{} { return e.lostCh }

// consentTimeout is how long consent lasts; zero when it is not tracked.
func (e *Endpoint) consentTimeout() time.Duration {
	if e.opts.ICE != nil {
		return e.opts.ConsentTimeout
	}
	return e.opts.PeerTimeout
}

// refreshConsent records an authenticated check (or check response) on the
// selected path, or without ICE authenticated traffic, and starts the
// watcher with the first.
func (e *Endpoint) refreshConsent() {
	e.lastConsent.Store(e.now().UnixNano())
	e.consentOnce.Do(func() { go e.watchConsent() })
}

// MarkAuthenticated tells a PeerTimeout endpoint (no ICE) that
// authenticated traffic came from the peer: an SRTP or SRTCP packet that
// opened, a data channel message. With ICE, or without PeerTimeout, it does
// nothing: only checks refresh ICE consent (RFC 7675 §5.1). It allocates
// nothing and may be called for every packet.
func (e *Endpoint) MarkAuthenticated() {
	if e.opts.ICE == nil && e.opts.PeerTimeout > 0 && e.verified.Load() {
		e.refreshConsent()
	}
}

// watchConsent wakes when consent would expire and, if no check refreshed
// it meanwhile, ends it.
func (e *Endpoint) watchConsent() {
	timeout := e.consentTimeout()
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-e.closed:
			return
		}
		if !e.ConsentExpired() {
			age := e.now().Sub(time.Unix(0, e.lastConsent.Load()))
			t.Reset(max(timeout-age, time.Millisecond))
			continue
		}
		e.loseConsent()
		return
	}
}

// loseConsent: RFC 7675 §5.1, once consent expires the agent ceases
// transmission on the 5-tuple at once. Media stops (SendBatch and Send
// return ErrConsentLost), the association is closed, which destroys its
// SRTP keys, and the layer above is told so it can end the call; consent
// does not come back on this endpoint.
func (e *Endpoint) loseConsent() {
	if !e.lost.CompareAndSwap(false, true) {
		return
	}
	e.verified.Store(false)
	close(e.lostCh)
	if a := e.assoc.Load(); a != nil {
		a.stop(fmt.Errorf("%w: %w", ErrClosed, ErrConsentLost))
	}
	if f := e.opts.OnConsentLost; f != nil {
		f()
	}
}

// authorize lets media flow on the selected path with a's keys.
func (e *Endpoint) authorize(a *Association) {
	e.assoc.Store(a)
	e.verified.Store(true)
	if e.opts.ICE == nil && e.opts.PeerTimeout > 0 {
		// The handshake that verified the peer is authenticated traffic.
		e.refreshConsent()
	}
	if e.lost.Load() {
		// Consent expired during the handshake.
		e.verified.Store(false)
		a.stop(fmt.Errorf("%w: %w", ErrClosed, ErrConsentLost))
	}
}

// LastConsent is the time of the last authenticated ICE check (or check
// response) on the selected path or, without ICE and with PeerTimeout, of
// the last authenticated traffic; zero before any, or when not tracked.
func (e *Endpoint) LastConsent() time.Time {
	n := e.lastConsent.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// ConsentExpired reports, with ICE, that no authenticated check arrived on
// the selected path for ConsentTimeout (RFC 7675 §5.1), or that consent was
// lost before: the layer above must stop sending media. An ICE-lite agent
// sends no checks of its own, so the peer's authenticated checks (and, after
// Connect, the authenticated responses to ours) stand for consent. Without
// ICE it is false unless PeerTimeout passed since the last authenticated
// traffic.
func (e *Endpoint) ConsentExpired() bool {
	timeout := e.consentTimeout()
	if timeout <= 0 {
		return false
	}
	if e.lost.Load() {
		return true // for good: see loseConsent
	}
	n := e.lastConsent.Load()
	if n == 0 {
		// With ICE, no consent yet; without, nothing authenticated yet:
		// media is not authorised anyway.
		return e.opts.ICE != nil
	}
	return e.now().Sub(time.Unix(0, n)) > timeout
}

// readLoop reads batches (recvmmsg on Linux) into the reader's buffers and
// dispatches each datagram in place: steady-state media allocates nothing.
func (e *Endpoint) readLoop() {
	defer close(e.done)
	for {
		n, err := e.rd.read()
		if err != nil {
			select {
			case <-e.closed:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				e.err = err
				return
			}
			continue
		}
		for i := 0; i < n; i++ {
			pkt, from, ok := e.rd.packet(i)
			if !ok {
				e.stats.droppedOther.Add(1)
				continue
			}
			e.dispatch(pkt, from)
		}
	}
}

// verdict is what dispatch did with a datagram (for tests).
type verdict uint8

const (
	vDropped verdict = iota
	vSTUNAnswered
	vSTUNRejected
	vSTUNResponse
	vDTLS
	vMedia
)

// dispatch handles one received datagram (RFC 7983 §7).
func (e *Endpoint) dispatch(pkt []byte, from netip.AddrPort) verdict {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	switch Classify(pkt) {
	case ClassSTUN:
		return e.handleSTUN(pkt, from)
	case ClassDTLS:
		if e.opts.RemoteHint.IsValid() {
			return e.dispatchHintDTLS(pkt, from)
		}
		if !e.dtlsAllowed(from) {
			e.stats.droppedUnlatched.Add(1)
			return vDropped
		}
		select {
		case e.dtlsIn <- append([]byte(nil), pkt...):
			return vDTLS
		default:
			e.stats.droppedQueueFull.Add(1)
			return vDropped
		}
	case ClassRTP, ClassRTCP:
		p := e.selected.Load()
		if p == nil || p.ap != from || !e.mediaInAllowed() {
			e.stats.droppedUnlatched.Add(1)
			return vDropped
		}
		e.stats.mediaIn.Add(1)
		if e.opts.OnMedia != nil {
			e.opts.OnMedia(pkt, Classify(pkt) == ClassRTCP)
		}
		return vMedia
	}
	e.stats.droppedOther.Add(1)
	return vDropped
}

// dtlsAllowed: with ICE, from an address that passed an authenticated
// check; without, from the SDP address only.
func (e *Endpoint) dtlsAllowed(from netip.AddrPort) bool {
	if e.opts.ICE == nil {
		return from == netip.AddrPortFrom(e.opts.RemoteAddr.Addr().Unmap(), e.opts.RemoteAddr.Port())
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.authenticated {
		if a == from {
			return true
		}
	}
	return false
}

// mediaInAllowed: with ICE, after the authenticated check that selected the
// path (the SRTP keys come later; SRTP authentication then rules); without
// ICE, only once DTLS verified the peer at that address.
func (e *Endpoint) mediaInAllowed() bool {
	if e.opts.ICE != nil {
		return true
	}
	return e.verified.Load()
}

func (e *Endpoint) handleSTUN(pkt []byte, from netip.AddrPort) verdict {
	m := &e.msg
	if !parseSTUN(pkt, m) {
		e.stats.stunMalformed.Add(1)
		return vDropped
	}
	switch m.typ {
	case stunBindingRequest:
		return e.handleRequest(m, from)
	case stunBindingSuccess, stunBindingError:
		return e.handleResponse(m, from)
	}
	// Indications (keepalives) and other methods: nothing to do.
	e.stats.droppedOther.Add(1)
	return vDropped
}

// handleRequest answers a binding request as an ICE-lite agent
// (RFC 8445 §7.3, RFC 8489 §9.1.3).
func (e *Endpoint) handleRequest(m *stunMsg, from netip.AddrPort) verdict {
	ice := e.opts.ICE
	if ice == nil {
		e.stats.droppedOther.Add(1)
		return vDropped
	}
	if m.username == nil || m.miOff < 0 {
		// RFC 8489 §9.1.3: no USERNAME or MESSAGE-INTEGRITY → 400.
		return e.reject(m, from, stunCodeBadRequest, "Bad Request")
	}
	if !e.usernameOK(m.username) || !m.checkIntegrity(e.localMAC) {
		return e.reject(m, from, stunCodeUnauthenticated, "Unauthenticated")
	}
	if m.nUnknownComp > 0 {
		return e.reject(m, from, stunCodeUnknownAttr, "Unknown Attribute")
	}
	if m.controlled {
		// RFC 8445 §7.3.1.1: both sides think they are controlled; a lite
		// agent cannot take the controlling role, so the peer must.
		return e.reject(m, from, stunCodeRoleConflict, "Role Conflict")
	}

	// Authenticated: remember the address (bounded) and refresh consent.
	e.mu.Lock()
	known := false
	for _, a := range e.authenticated {
		known = known || a == from
	}
	if !known {
		if len(e.authenticated) >= maxAuthenticated {
			copy(e.authenticated, e.authenticated[1:])
			e.authenticated = e.authenticated[:maxAuthenticated-1]
		}
		e.authenticated = append(e.authenticated, from)
	}
	e.mu.Unlock()
	cur := e.selected.Load()
	if m.useCandidate {
		e.stats.nominations.Add(1)
	}
	if cur == nil || (m.useCandidate && cur.ap != from) {
		// The first authenticated check selects a path; a nomination
		// (USE-CANDIDATE) from the controlling agent moves it (RFC 8445
		// §7.3.1.5, §8.2).
		e.selectPath(from)
		cur = e.selected.Load()
	}
	if cur.ap == from {
		e.refreshConsent()
	}

	var w stunBuilder
	w.start(e.stunOut[:], stunBindingSuccess, &m.txID)
	w.xorMappedAddress(from)
	w.integrity(e.localMAC)
	w.fingerprint()
	e.writeTo(w.b, from)
	e.stats.stunRequests.Add(1)
	return vSTUNAnswered
}

func (e *Endpoint) usernameOK(u []byte) bool {
	l := e.opts.ICE.LocalUfrag
	if len(u) <= len(l) || string(u[:len(l)]) != l || u[len(l)] != ':' {
		return false
	}
	rest := u[len(l)+1:]
	e.remoteMu.Lock()
	ru := e.remoteUfrag
	e.remoteMu.Unlock()
	if ru != "" {
		return string(rest) == ru
	}
	return len(rest) > 0
}

// SetRemoteICE sets the peer's a=ice-ufrag and a=ice-pwd once they are
// known (from the answer, when this box offered).
func (e *Endpoint) SetRemoteICE(ufrag, pwd string) {
	e.remoteMu.Lock()
	defer e.remoteMu.Unlock()
	e.remoteUfrag = ufrag
	e.remoteMAC = nil
	if pwd != "" {
		e.remoteMAC = newSTUNMAC(pwd)
	}
}

// reject sends a binding error response: with FINGERPRINT, without
// MESSAGE-INTEGRITY (there is no key the requester proved to hold).
func (e *Endpoint) reject(m *stunMsg, from netip.AddrPort, code int, reason string) verdict {
	var w stunBuilder
	w.start(e.stunOut[:], stunBindingError, &m.txID)
	w.errorCode(code, reason)
	if code == stunCodeUnknownAttr {
		var v [8]byte
		for i := 0; i < m.nUnknownComp; i++ {
			binary.BigEndian.PutUint16(v[2*i:], m.unknownComp[i])
		}
		w.attr(attrUnknownAttributes, v[:2*m.nUnknownComp])
	}
	w.fingerprint()
	e.writeTo(w.b, from)
	e.stats.stunErrors.Add(1)
	return vSTUNRejected
}

// handleResponse completes a Connect transaction: the response must carry
// our transaction id and MESSAGE-INTEGRITY keyed with the peer's password.
func (e *Endpoint) handleResponse(m *stunMsg, from netip.AddrPort) verdict {
	e.remoteMu.Lock()
	ch, ok := e.pending[m.txID]
	valid := ok && e.remoteMAC != nil && m.checkIntegrity(e.remoteMAC)
	if valid {
		delete(e.pending, m.txID)
	}
	e.remoteMu.Unlock()
	if !valid || m.typ != stunBindingSuccess {
		e.stats.droppedOther.Add(1)
		return vDropped
	}
	ch <- from // buffered, one send
	return vSTUNResponse
}

// Connect runs connectivity checks to raddr as the controlling agent would
// (RFC 8445 §7.2.2 with USE-CANDIDATE): for a box that calls an ICE-lite
// peer, and for tests. On an authenticated success response raddr becomes
// the selected path; checks then continue every 5 s for consent
// (RFC 7675) until ctx ends or the endpoint closes.
func (e *Endpoint) Connect(ctx context.Context, raddr netip.AddrPort) error {
	ice := e.opts.ICE
	e.remoteMu.Lock()
	remoteUfrag, ok := e.remoteUfrag, e.remoteMAC != nil
	e.remoteMu.Unlock()
	if ice == nil || remoteUfrag == "" || !ok {
		return errors.New("transport: Connect needs the remote ice-ufrag and ice-pwd")
	}
	raddr = netip.AddrPortFrom(raddr.Addr().Unmap(), raddr.Port())
	check := func(ctx context.Context, rto time.Duration) error {
		var tx [12]byte
		rand.Read(tx[:])
		ch := make(chan netip.AddrPort, 1)
		var buf [256]byte
		var w stunBuilder
		w.start(buf[:], stunBindingRequest, &tx)
		w.attrString(attrUsername, remoteUfrag+":"+ice.LocalUfrag)
		w.attrUint32(attrPriority, 0x7e0000ff)
		w.attrUint64(attrICEControlling, binary.BigEndian.Uint64(tx[:8]))
		w.attr(attrUseCandidate, nil)
		e.remoteMu.Lock()
		w.integrity(e.remoteMAC)
		e.pending[tx] = ch
		e.remoteMu.Unlock()
		w.fingerprint()
		defer func() {
			e.remoteMu.Lock()
			delete(e.pending, tx)
			e.remoteMu.Unlock()
		}()
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case from := <-ch:
				if from != raddr {
					return fmt.Errorf("transport: check response from %v, not %v", from, raddr)
				}
				e.mu.Lock()
				known := false
				for _, a := range e.authenticated {
					known = known || a == raddr
				}
				if !known && len(e.authenticated) < maxAuthenticated {
					e.authenticated = append(e.authenticated, raddr)
				}
				e.mu.Unlock()
				e.selectPath(raddr)
				e.refreshConsent()
				return nil
			case <-t.C:
				e.writeTo(w.b, raddr)
				t.Reset(rto)
				if rto < time.Second {
					rto *= 2
				}
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-e.closed:
				return ErrEndpointClosed
			}
		}
	}
	if err := check(ctx, 100*time.Millisecond); err != nil {
		return err
	}
	go func() {
		tk := time.NewTicker(5 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				check(cctx, 500*time.Millisecond)
				cancel()
			case <-ctx.Done():
				return
			case <-e.closed:
				return
			}
		}
	}()
	return nil
}

// WaitPeer waits until a path is selected (an authenticated check arrived,
// or at once without ICE).
func (e *Endpoint) WaitPeer(ctx context.Context) (netip.AddrPort, error) {
	select {
	case <-e.selectedCh:
		ap, _ := e.Peer()
		return ap, nil
	case <-ctx.Done():
		return netip.AddrPort{}, context.Cause(ctx)
	case <-e.closed:
		return netip.AddrPort{}, ErrEndpointClosed
	}
}

// Handshake waits for the peer's path, runs the DTLS handshake with it over
// this endpoint (see the package function Handshake) and, once the peer's
// certificate is verified, authorises media on that path. Media stops being
// authorised when the association ends.
//
// With a RemoteHint there is no path before the handshake: as client it
// sends its ClientHello to the hint, as server it waits for ClientHellos
// from anywhere, and the path is the source of the handshake that verified
// the peer (see EndpointOpts.RemoteHint).
func (e *Endpoint) Handshake(ctx context.Context, role Role, cfg *Config) (*Association, error) {
	if e.opts.RemoteHint.IsValid() {
		if !e.dtlsBusy.CompareAndSwap(false, true) {
			return nil, errors.New("transport: endpoint already has a dtls association")
		}
		return e.handshakeHint(ctx, role, cfg)
	}
	ap, err := e.WaitPeer(ctx)
	if err != nil {
		return nil, err
	}
	if !e.dtlsBusy.CompareAndSwap(false, true) {
		return nil, errors.New("transport: endpoint already has a dtls association")
	}
	dc := newDTLSConn(e, net.UDPAddrFromAddrPort(ap))
	a, err := Handshake(ctx, dc, dc.raddr, role, cfg)
	if err != nil {
		dc.Close()
		return nil, err
	}
	e.authorize(a)
	go func() {
		select {
		case <-a.Done():
		case <-e.closed:
		}
		// RFC 8445/5764: access ends with the association.
		e.verified.Store(false)
	}()
	return a, nil
}

// ErrEndpointClosed is returned once the endpoint is closed.
var ErrEndpointClosed = errors.New("transport: endpoint closed")

// ErrNotAuthorized: media may not be sent now (no selected path, DTLS not
// verified, association ended or consent expired).
var ErrNotAuthorized = errors.New("transport: peer not authorised for media")

// ErrConsentLost: consent expired (RFC 7675 §5.1); media stays stopped on
// this endpoint. It wraps ErrNotAuthorized.
var ErrConsentLost = fmt.Errorf("%w: consent expired", ErrNotAuthorized)

// Batch is a caller-owned batch of outgoing datagrams: the messages and
// their scatter lists are allocated once, by NewBatch, and reused.
type Batch struct {
	msgs []ipv4.Message
	bufs [][]byte
	n    int
}

// NewBatch returns a batch of up to size datagrams.
func NewBatch(size int) *Batch {
	b := &Batch{msgs: make([]ipv4.Message, size), bufs: make([][]byte, size)}
	for i := range b.msgs {
		b.msgs[i].Buffers = b.bufs[i : i+1 : i+1]
	}
	return b
}

// Add queues pkt (not copied: it must stay untouched until Send returns);
// false when the batch is full.
func (b *Batch) Add(pkt []byte) bool {
	if b.n == len(b.msgs) {
		return false
	}
	b.bufs[b.n] = pkt
	b.n++
	return true
}

// Len is the number of datagrams queued.
func (b *Batch) Len() int { return b.n }

// Reset empties the batch.
func (b *Batch) Reset() {
	clear(b.bufs[:b.n])
	b.n = 0
}

// SendBatch sends the batch's datagrams to the authorised peer with as few
// system calls as the platform allows (sendmmsg on Linux) and empties it.
// It allocates nothing.
func (e *Endpoint) SendBatch(b *Batch) (int, error) {
	defer b.Reset()
	if !e.Authorized() {
		return 0, e.notAuthorized()
	}
	p := e.selected.Load()
	return e.sendBatch(b, p.udp)
}

func (e *Endpoint) sendBatch(b *Batch, to *net.UDPAddr) (int, error) {
	ms := b.msgs[:b.n]
	for i := range ms {
		ms[i].Addr = to
	}
	sent := 0
	for sent < len(ms) {
		n, err := e.bc.WriteBatch(ms[sent:], 0)
		sent += n
		if err != nil {
			e.stats.packetsOut.Add(uint64(sent))
			return sent, err
		}
		if n == 0 {
			break
		}
	}
	e.stats.packetsOut.Add(uint64(sent))
	return sent, nil
}

// Send sends one datagram to the authorised peer.
func (e *Endpoint) Send(pkt []byte) error {
	if !e.Authorized() {
		return e.notAuthorized()
	}
	p := e.selected.Load()
	if _, err := e.conn.WriteToUDPAddrPort(pkt, p.ap); err != nil {
		return err
	}
	e.stats.packetsOut.Add(1)
	return nil
}

// String describes the endpoint for logs.
func (e *Endpoint) String() string {
	var b strings.Builder
	b.WriteString("endpoint ")
	if e.conn != nil {
		b.WriteString(e.conn.LocalAddr().String())
	}
	if p, ok := e.Peer(); ok {
		b.WriteString(" ↔ ")
		b.WriteString(p.String())
	}
	return b.String()
}
