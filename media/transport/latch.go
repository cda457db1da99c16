package transport

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// maxSessions bounds the candidate DTLS handshakes a RemoteHint endpoint
// runs at once (one per source that sent a ClientHello); a new source evicts
// the oldest.
const maxSessions = 4

// DTLS handshake message types (RFC 6347 §4.2.2, RFC 5246 §7.4).
const (
	hsClientHello        = 1
	hsServerHello        = 2
	hsHelloVerifyRequest = 3
)

// firstHandshakeType returns the handshake message type of a datagram's
// first record when it is an epoch-0 handshake record (RFC 6347 §4.1: a
// 13-byte record header, then the 12-byte handshake header of §4.2.2). Only
// such a record can open a handshake; anything else from an unknown source
// is dropped without a session.
func firstHandshakeType(pkt []byte) (byte, bool) {
	const recordHeader, handshakeHeader = 13, 12
	if len(pkt) < recordHeader+handshakeHeader || pkt[0] != 22 || pkt[3] != 0 || pkt[4] != 0 {
		return 0, false
	}
	return pkt[recordHeader], true
}

// hintState is the DTLS side of an endpoint with a RemoteHint: the candidate
// sessions until one authenticates (the winner), whose source is then the
// latched path.
type hintState struct {
	mu       sync.Mutex
	role     Role          // of the Handshake running; RoleNone before
	sessions []*dtlsConn   // oldest first
	client   *dtlsConn     // the client session, until it binds
	winner   *dtlsConn     // the session whose handshake verified the peer
	added    chan struct{} // a server session was added (cap 1)
}

// dispatchHintDTLS routes a DTLS datagram of a RemoteHint endpoint. Before
// a handshake authenticates, a datagram reaches only its own source's
// session: a server session opened by that source's ClientHello, or the
// client session, which binds to the first source that answers its
// ClientHello (a HelloVerifyRequest or ServerHello). Afterwards only the
// latched source is heard.
func (e *Endpoint) dispatchHintDTLS(pkt []byte, from netip.AddrPort) verdict {
	h := &e.hint
	h.mu.Lock()
	if w := h.winner; w != nil {
		h.mu.Unlock()
		if p := e.selected.Load(); p == nil || p.ap != from {
			e.stats.droppedUnlatched.Add(1)
			return vDropped
		}
		return w.deliver(pkt)
	}
	for _, s := range h.sessions {
		if src, bound := s.source(); bound && src == from {
			h.mu.Unlock()
			return s.deliver(pkt)
		}
	}
	typ, ok := firstHandshakeType(pkt)
	if c := h.client; c != nil && ok && (typ == hsServerHello || typ == hsHelloVerifyRequest) {
		// The answer to our ClientHello may come from another address than
		// the one in SDP (a NAT, a multi-homed peer); the handshake on it
		// decides whether it is the peer. Our flights still go to the hint,
		// which has been seen to reach it.
		c.mu.Lock()
		c.src, c.bound = from, true
		c.mu.Unlock()
		h.client = nil
		h.mu.Unlock()
		return c.deliver(pkt)
	}
	if h.role != RoleClient && ok && typ == hsClientHello {
		var evict *dtlsConn
		if len(h.sessions) >= maxSessions {
			evict = h.sessions[0]
			h.sessions = append(h.sessions[:0], h.sessions[1:]...)
		}
		s := newSession(e, from, true)
		h.sessions = append(h.sessions, s)
		select {
		case h.added <- struct{}{}:
		default:
		}
		h.mu.Unlock()
		if evict != nil {
			evict.Close()
		}
		return s.deliver(pkt)
	}
	h.mu.Unlock()
	e.stats.droppedUnlatched.Add(1)
	return vDropped
}

// dropSession forgets a closed session; when it was the winner, media
// authorisation ends with it and a new handshake may run.
func (e *Endpoint) dropSession(c *dtlsConn) {
	h := &e.hint
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, s := range h.sessions {
		if s == c {
			h.sessions = append(h.sessions[:i], h.sessions[i+1:]...)
			break
		}
	}
	if h.client == c {
		h.client = nil
	}
	if h.winner == c {
		h.winner = nil
		h.role = RoleNone
		e.verified.Store(false)
		e.dtlsBusy.Store(false)
	}
}

// closeSessions closes every session but keep.
func (e *Endpoint) closeSessions(keep *dtlsConn) {
	h := &e.hint
	h.mu.Lock()
	var others []*dtlsConn
	for _, s := range h.sessions {
		if s != keep {
			others = append(others, s)
		}
	}
	h.mu.Unlock()
	for _, s := range others {
		s.Close()
	}
}

// handshakeHint runs the handshake of a RemoteHint endpoint and latches to
// the source whose handshake verified the peer's certificate.
func (e *Endpoint) handshakeHint(ctx context.Context, role Role, cfg *Config) (*Association, error) {
	if _, err := checkConfig(role, cfg); err != nil {
		e.dtlsBusy.Store(false)
		return nil, err
	}
	h := &e.hint
	h.mu.Lock()
	h.role = role
	h.mu.Unlock()
	fail := func(err error) (*Association, error) {
		e.closeSessions(nil)
		h.mu.Lock()
		h.role = RoleNone
		h.client = nil
		h.mu.Unlock()
		e.dtlsBusy.Store(false)
		return nil, err
	}

	if role == RoleClient {
		// Sessions opened by ClientHellos before the role was known have no
		// place in a client's handshake.
		e.closeSessions(nil)
		c := newSession(e, e.opts.RemoteHint, false)
		h.mu.Lock()
		h.sessions = append(h.sessions, c)
		h.client = c
		h.mu.Unlock()
		a, err := Handshake(ctx, c, c.raddr, RoleClient, cfg)
		if err != nil {
			return fail(err)
		}
		return e.latch(c, a)
	}

	timeout := cfg.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	type result struct {
		s   *dtlsConn
		a   *Association
		err error
	}
	results := make(chan result) // unbuffered: an unclaimed association is closed
	stop := make(chan struct{})
	defer close(stop)
	var lastErr error
	for {
		h.mu.Lock()
		for _, s := range h.sessions {
			if !s.started {
				s.started = true
				go func(s *dtlsConn) {
					a, err := Handshake(ctx, s, s.raddr, RoleServer, cfg)
					select {
					case results <- result{s, a, err}:
					case <-stop:
						if a != nil {
							a.Close()
						}
					}
				}(s)
			}
		}
		h.mu.Unlock()
		select {
		case <-h.added:
		case r := <-results:
			if r.err == nil {
				return e.latch(r.s, r.a)
			}
			// A stranger's failed handshake does not end the wait for the
			// peer's; the last failure is reported if none succeeds.
			lastErr = r.err
		case <-timer.C:
			if lastErr != nil {
				return fail(lastErr)
			}
			return fail(fmt.Errorf("transport: dtls handshake: %w", context.DeadlineExceeded))
		case <-ctx.Done():
			return fail(context.Cause(ctx))
		case <-e.closed:
			return fail(ErrEndpointClosed)
		}
	}
}

// latch makes s's source the endpoint's path once s's handshake verified
// the peer: media is accepted from, and sent to, that source only.
func (e *Endpoint) latch(s *dtlsConn, a *Association) (*Association, error) {
	src, bound := s.source()
	if !bound {
		a.Close()
		e.closeSessions(nil)
		e.dtlsBusy.Store(false)
		return nil, errors.New("transport: dtls peer has no source address")
	}
	e.selectPath(src)
	s.won.Store(true)
	h := &e.hint
	h.mu.Lock()
	h.winner = s
	h.client = nil
	h.mu.Unlock()
	e.closeSessions(s)
	e.authorize(a)
	go func() {
		select {
		case <-a.Done():
		case <-e.closed:
		}
		s.Close()
	}()
	return a, nil
}
