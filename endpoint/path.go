package endpoint

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"

	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/media/srtp"
	"github.com/cluecam/cluecam/media/transport"
)

// path is one transport of a call: a UDP socket, the transport endpoint
// on it (RFC 7983 demultiplexing, ICE or latching) and, once DTLS
// completes, its association (SRTP keys; the data channel's conn). With
// BUNDLE (RFC 9143) one path carries every line; a peer without BUNDLE
// gets one per accepted m-line, each with its own checks and its own
// DTLS association (RFC 5764 §4.1: keys are per transport).
type path struct {
	s      *session
	conn   *net.UDPConn
	port   int
	ep     *transport.Endpoint // set by ensure (s.mu)
	remote sdp.Transport       // the peer's side of this path (s.mu)
	lines  []int               // m-lines on this path, the data channel's first if any (s.mu)
	assoc  atomic.Pointer[transport.Association]
}

// newPath opens a socket on the media address; s.mu is held or the
// session is not shared yet.
func (s *session) newPath() (*path, error) {
	network := "udp4"
	if s.e.o.MediaAddr.Is6() {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(s.e.o.MediaAddr, 0)))
	if err != nil {
		return nil, fmt.Errorf("media socket: %w", err)
	}
	p := &path{s: s, conn: conn, port: conn.LocalAddr().(*net.UDPAddr).Port}
	s.paths = append(s.paths, p)
	return p, nil
}

// splitPorts gives every item of our SDP its own path, for a peer whose
// offer has no BUNDLE group: its lines will not share a transport.
// s.mu is held.
func (s *session) splitPorts() error {
	l := s.local
	ports := []*int{}
	for i := range l.Fallback {
		ports = append(ports, &l.Fallback[i].Port)
	}
	if l.DataChannel != nil {
		ports = append(ports, &l.DataChannel.Port)
	}
	for i := range l.Encodings {
		ports = append(ports, &l.Encodings[i].Port)
	}
	for i := range l.Receive {
		ports = append(ports, &l.Receive[i].Port)
	}
	for k, pp := range ports {
		if *pp != 0 {
			continue
		}
		if k == 0 {
			*pp = s.paths[0].port // the session's first socket
			continue
		}
		p, err := s.newPath()
		if err != nil {
			return err
		}
		*pp = p.port
	}
	return nil
}

// localPort is the port m-line i of an exchange uses on our side: its
// own, or, in a BUNDLE group, the group's (bundle-only lines have none).
func localPort(neg *sdp.Negotiation, i int) int {
	if b := neg.Bundle; b != nil && slices.Contains(b.MIDs, neg.Streams[i].MID) {
		if t := neg.Local.MediaByMID(b.Tag); t >= 0 && neg.Local.Media[t].Port != 0 {
			return neg.Local.Media[t].Port
		}
		for _, mid := range b.MIDs {
			if t := neg.Local.MediaByMID(mid); t >= 0 && neg.Local.Media[t].Port != 0 {
				return neg.Local.Media[t].Port
			}
		}
	}
	return neg.Local.Media[i].Port
}

// pathFor is the path of m-line i; nil when none of ours has its port.
func (s *session) pathFor(neg *sdp.Negotiation, i int) *path {
	port := localPort(neg, i)
	for _, p := range s.paths {
		if p.port == port {
			return p
		}
	}
	return nil
}

// ensurePaths gives every path an accepted line runs on its endpoint and
// the peer's transport; s.mu is held.
func (s *session) ensurePaths(neg *sdp.Negotiation) error {
	for _, p := range s.paths {
		p.lines = p.lines[:0]
	}
	add := func(i int, rt sdp.Transport) error {
		p := s.pathFor(neg, i)
		if p == nil {
			return fmt.Errorf("m-line %d: no socket on port %d", i, localPort(neg, i))
		}
		if len(p.lines) == 0 {
			p.remote = rt
		}
		if !slices.Contains(p.lines, i) {
			p.lines = append(p.lines, i)
		}
		return p.ensure(rt)
	}
	if c := neg.Channel; c != nil && neg.CLUE {
		if err := add(c.MLine, c.Remote); err != nil {
			return err
		}
	}
	for _, st := range neg.Streams {
		if st.Active {
			if err := add(st.MLine, st.Remote); err != nil {
				return err
			}
		}
	}
	return nil
}

// ensure creates the path's endpoint: with ICE, checks authenticate the
// peer's address (an ICE-lite responder, or Connect as full agent);
// without, the SDP's address is where DTLS starts, and the address that
// completes a verified handshake is latched before any media flows.
func (p *path) ensure(rt sdp.Transport) error {
	s := p.s
	if p.ep != nil {
		if rt.ICE.Ufrag != "" {
			p.ep.SetRemoteICE(rt.ICE.Ufrag, rt.ICE.Pwd)
		}
		return nil
	}
	opts := &transport.EndpointOpts{OnMedia: p.onMedia, ConsentTimeout: s.e.o.ConsentTimeout, OnConsentLost: func() {
		// RFC 7675 §5.1: no consent, no media; the call cannot go on.
		if s.ctx.Err() == nil {
			s.fail(transport.ErrConsentLost)
		}
	}}
	if s.local.ICE != nil {
		opts.ICE = &transport.ICECredentials{LocalUfrag: s.local.ICE.Ufrag, LocalPwd: s.local.ICE.Pwd}
	} else {
		a, err := netip.ParseAddr(rt.Addr)
		if err != nil {
			return fmt.Errorf("peer media address %q: %w", rt.Addr, err)
		}
		// Only a hint: a peer behind NAT sends from another address; the
		// source whose DTLS handshake verifies the fingerprint is latched.
		opts.RemoteHint = netip.AddrPortFrom(a.Unmap(), uint16(rt.Port))
	}
	ep, err := transport.NewEndpoint(p.conn, opts)
	if err != nil {
		return err
	}
	p.ep = ep
	if rt.ICE.Ufrag != "" {
		ep.SetRemoteICE(rt.ICE.Ufrag, rt.ICE.Pwd)
	}
	return nil
}

// role is our DTLS role on the path: the opposite of the peer's a=setup
// on its lines (RFC 5763 §5, RFC 8842 §5.1). s.mu is held.
func (p *path) role(neg *sdp.Negotiation) transport.Role {
	switch p.remote.DTLS.Setup {
	case sdp.SetupActive:
		return transport.RoleServer
	case sdp.SetupPassive:
		return transport.RoleClient
	}
	if neg.DTLSClient {
		return transport.RoleClient
	}
	return transport.RoleServer
}

// connect runs the path's connectivity checks and DTLS handshake (RFC
// 8122 §5: the certificate must match the SDP fingerprint, and any
// configured pin). setup bounds the checks; the association lives as long
// as the session.
func (p *path) connect(setup context.Context, neg *sdp.Negotiation, pins []transport.Fingerprint) error {
	s := p.s
	s.mu.Lock()
	ep, rt, lite, role := p.ep, p.remote, s.iceLite, p.role(neg)
	s.mu.Unlock()
	if rt.ICE.Ufrag != "" && !lite {
		raddr, err := candidateAddr(rt)
		if err != nil {
			return err
		}
		// Connect keeps checking for consent (RFC 7675) until the session
		// ends; the setup deadline applies to the first success only.
		res := make(chan error, 1)
		go func() { res <- ep.Connect(s.ctx, raddr) }()
		select {
		case err := <-res:
			if err != nil {
				return fmt.Errorf("ice: %w", err)
			}
		case <-setup.Done():
			return fmt.Errorf("ice: no answer to connectivity checks from %v", raddr)
		}
	}
	if rt.ICE.Ufrag != "" {
		if _, err := ep.WaitPeer(setup); err != nil {
			return fmt.Errorf("ice: no authenticated connectivity check from the peer: %w", err)
		}
	}
	a, err := ep.Handshake(s.ctx, role, &transport.Config{
		Certificate: s.e.o.Certificate, RemoteFingerprints: remoteFingerprints(rt.DTLS), Pins: pins,
		HandshakeTimeout: s.e.o.SetupTimeout,
		Receiver:         &srtp.ReceiverOpts{LearnRTP: 16, LearnRTCP: 16},
	})
	if err != nil {
		return fmt.Errorf("dtls: %w", err)
	}
	p.assoc.Store(a)
	s.log.Info("media path secured", "port", p.port, "peer", fmt.Sprint(ep.Peer()), "role", role, "profile", a.Profile())
	return nil
}

// onMedia opens what the authorised peer sends on this path: SRTCP
// feedback goes to the call's pipelines, SRTP to the consumer.
func (p *path) onMedia(pkt []byte, isRTCP bool) {
	s := p.s
	a := p.assoc.Load()
	if a == nil {
		return
	}
	if isRTCP {
		plain, err := a.Receiver().OpenRTCP(pkt[:0], pkt)
		if err != nil {
			return // counted by the receiver
		}
		if subs := s.rtcp.Load(); subs != nil {
			for _, sub := range *subs {
				sub.HandleRTCP(plain) // each pipeline takes what names its SSRC
			}
		}
		return
	}
	plain, err := a.Receiver().OpenRTP(pkt[:0], pkt)
	if err != nil {
		return
	}
	if c := s.e.o.Consumer; c != nil && c.OnPacket != nil {
		if pk, err := ParseRTP(plain, uint8(s.captIDExt.Load())); err == nil {
			pk.MID = pk.Element(uint8(s.midExt.Load()))
			c.OnPacket(s.call, pk)
		}
	}
}

// stop closes the endpoint (no packet leaves after it returns) or, when
// there is none yet, the socket.
func (p *path) stop() {
	if p.ep != nil {
		p.ep.Close()
	} else {
		p.conn.Close()
	}
}
