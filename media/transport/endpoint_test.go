package transport

import (
	"bytes"
	"net/netip"
	"sync"
	"testing"
	"time"
)

var testICE = ICECredentials{LocalUfrag: "lite", LocalPwd: "litepasswordlitepassword", RemoteUfrag: "full", RemotePwd: "fullpasswordfullpassword"}

type sentDatagram struct {
	b  []byte
	to netip.AddrPort
}

// fakeEndpoint is an endpoint without a socket: what it writes is recorded.
func fakeEndpoint(t testing.TB, opts *EndpointOpts) (*Endpoint, *[]sentDatagram) {
	t.Helper()
	e, err := newEndpoint(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() }) // stops the consent watcher
	var mu sync.Mutex
	var sent []sentDatagram
	e.writeTo = func(b []byte, to netip.AddrPort) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, sentDatagram{bytes.Clone(b), to})
		return nil
	}
	return e, &sent
}

type checkOpts struct {
	username     string
	pwd          string
	noMI         bool
	controlled   bool
	useCandidate bool
	unknownAttr  bool
}

func buildCheck(o checkOpts) []byte {
	var tx [12]byte
	copy(tx[:], "txid-abcdefg")
	var w stunBuilder
	w.start(make([]byte, 512), stunBindingRequest, &tx)
	if o.username != "" {
		w.attrString(attrUsername, o.username)
	}
	w.attrUint32(attrPriority, 1)
	if o.controlled {
		w.attrUint64(attrICEControlled, 1)
	} else {
		w.attrUint64(attrICEControlling, 1)
	}
	if o.useCandidate {
		w.attr(attrUseCandidate, nil)
	}
	if o.unknownAttr {
		w.attrUint32(0x0077, 0)
	}
	if !o.noMI {
		w.integrity(newSTUNMAC(o.pwd))
	}
	w.fingerprint()
	return w.b
}

func goodCheck() checkOpts {
	return checkOpts{username: "lite:full", pwd: testICE.LocalPwd, useCandidate: true}
}

func TestICELiteAnswersAuthenticatedCheck(t *testing.T) {
	now := time.Unix(1000, 0)
	e, sent := fakeEndpoint(t, &EndpointOpts{ICE: &testICE, Now: func() time.Time { return now }})
	from := netip.MustParseAddrPort("192.0.2.7:4000")
	if !e.ConsentExpired() {
		t.Fatal("consent before any check")
	}
	if v := e.dispatch(buildCheck(goodCheck()), from); v != vSTUNAnswered {
		t.Fatalf("verdict %v", v)
	}
	if len(*sent) != 1 || (*sent)[0].to != from {
		t.Fatalf("sent %v", *sent)
	}
	var m stunMsg
	if !parseSTUN((*sent)[0].b, &m) || m.typ != stunBindingSuccess || m.fpOff < 0 {
		t.Fatalf("response does not parse as success with FINGERPRINT: %x", (*sent)[0].b)
	}
	if !m.checkIntegrity(newSTUNMAC(testICE.LocalPwd)) {
		t.Fatal("response MESSAGE-INTEGRITY not keyed with our ice-pwd")
	}
	if !m.hasXORAddr || m.xorAddr != from {
		t.Fatalf("XOR-MAPPED-ADDRESS %v", m.xorAddr)
	}
	if p, ok := e.Peer(); !ok || p != from {
		t.Fatalf("peer %v %v", p, ok)
	}
	if e.ConsentExpired() || !e.LastConsent().Equal(now) {
		t.Fatal("consent not recorded")
	}
	if s := e.Stats(); s.Nominations != 1 || s.STUNRequests != 1 {
		t.Fatalf("stats %+v", s)
	}
	// RFC 7675: 30 s without a check and consent is gone.
	now = now.Add(31 * time.Second)
	if !e.ConsentExpired() || e.Authorized() {
		t.Fatal("consent did not expire")
	}
	e.dispatch(buildCheck(goodCheck()), from)
	if e.ConsentExpired() {
		t.Fatal("a new check did not refresh consent")
	}
	// Not authorised yet: DTLS has not verified the peer.
	if e.Authorized() {
		t.Fatal("authorised before DTLS")
	}
}

func TestICELiteRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    checkOpts
		code int
	}{
		{"no username", checkOpts{pwd: testICE.LocalPwd}, 400},
		{"no integrity", checkOpts{username: "lite:full", noMI: true}, 400},
		{"unknown ufrag", checkOpts{username: "other:full", pwd: testICE.LocalPwd}, 401},
		{"wrong remote ufrag", checkOpts{username: "lite:evil", pwd: testICE.LocalPwd}, 401},
		{"wrong password", checkOpts{username: "lite:full", pwd: "guessedpasswordguessed"}, 401},
		{"role conflict", checkOpts{username: "lite:full", pwd: testICE.LocalPwd, controlled: true}, 487},
		{"unknown attribute", checkOpts{username: "lite:full", pwd: testICE.LocalPwd, unknownAttr: true}, 420},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, sent := fakeEndpoint(t, &EndpointOpts{ICE: &testICE})
			from := netip.MustParseAddrPort("198.51.100.1:1234")
			if v := e.dispatch(buildCheck(tc.o), from); v != vSTUNRejected {
				t.Fatalf("verdict %v", v)
			}
			var m stunMsg
			if len(*sent) != 1 || !parseSTUN((*sent)[0].b, &m) || m.typ != stunBindingError {
				t.Fatalf("no error response: %v", *sent)
			}
			if m.errorCode != tc.code || m.miOff >= 0 || m.fpOff < 0 {
				t.Fatalf("code %d mi %d fp %d", m.errorCode, m.miOff, m.fpOff)
			}
			if _, ok := e.Peer(); ok {
				t.Fatal("latched on a rejected check")
			}
			// And DTLS from that address is still refused.
			if v := e.dispatch([]byte{22, 0xfe, 0xfd, 0, 0}, from); v != vDropped {
				t.Fatal("dtls accepted after a rejected check")
			}
		})
	}
}

func TestNoLatchOnUnauthenticatedTraffic(t *testing.T) {
	e, sent := fakeEndpoint(t, &EndpointOpts{ICE: &testICE})
	att := netip.MustParseAddrPort("203.0.113.9:666")
	rtp := []byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xde, 0xad}
	dtls := []byte{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for _, p := range [][]byte{dtls, rtp, {0x80, 200, 0, 1, 0, 0, 0, 1}} {
		if v := e.dispatch(p, att); v != vDropped {
			t.Fatalf("verdict %v for %x", v, p)
		}
	}
	if _, ok := e.Peer(); ok || len(*sent) != 0 {
		t.Fatal("latched or answered")
	}
	if s := e.Stats(); s.DroppedUnlatched != 3 {
		t.Fatalf("stats %+v", s)
	}
	// The real peer checks; the attacker's port still gets nothing in.
	peer := netip.MustParseAddrPort("192.0.2.7:4000")
	e.dispatch(buildCheck(goodCheck()), peer)
	if v := e.dispatch(dtls, att); v != vDropped {
		t.Fatal("attacker dtls accepted after the peer's check")
	}
	if v := e.dispatch(rtp, att); v != vDropped {
		t.Fatal("attacker rtp accepted after the peer's check")
	}
	if v := e.dispatch(dtls, peer); v != vDTLS {
		t.Fatal("peer dtls refused")
	}
}

func TestNonICEAcceptsOnlySDPAddress(t *testing.T) {
	sdp := netip.MustParseAddrPort("192.0.2.7:4000")
	e, _ := fakeEndpoint(t, &EndpointOpts{RemoteAddr: sdp})
	att := netip.MustParseAddrPort("192.0.2.7:4001")
	dtls := []byte{22, 0xfe, 0xfd, 0, 0}
	rtp := []byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}
	if e.dispatch(dtls, att) != vDropped || e.dispatch(rtp, att) != vDropped {
		t.Fatal("accepted from another port")
	}
	if e.dispatch(dtls, sdp) != vDTLS {
		t.Fatal("dtls from the SDP address refused")
	}
	// Media only after DTLS verified the peer.
	if e.dispatch(rtp, sdp) != vDropped {
		t.Fatal("media before DTLS verification")
	}
	e.verified.Store(true)
	if e.dispatch(rtp, sdp) != vMedia {
		t.Fatal("media after verification refused")
	}
	// A check without ICE is not answered.
	if e.dispatch(buildCheck(goodCheck()), att) != vDropped {
		t.Fatal("answered a check without ICE")
	}
}

func TestDTLSQueueBounded(t *testing.T) {
	sdp := netip.MustParseAddrPort("192.0.2.7:4000")
	e, _ := fakeEndpoint(t, &EndpointOpts{RemoteAddr: sdp, DTLSQueue: 4})
	for i := 0; i < 10; i++ {
		e.dispatch([]byte{22, 0xfe, 0xfd}, sdp)
	}
	if s := e.Stats(); s.DroppedQueueFull != 6 {
		t.Fatalf("stats %+v", s)
	}
}

// FuzzSTUN: parsing and handling arbitrary STUN-range input never panics,
// and never latches unless the input is a check that really verifies.
func FuzzSTUN(f *testing.F) {
	f.Add(unhex(f, rfc5769Request))
	f.Add(unhex(f, rfc5769IPv4Response))
	f.Add(unhex(f, rfc5769IPv6Response))
	f.Add(buildCheck(goodCheck()))
	f.Add(buildCheck(checkOpts{username: "lite:full", noMI: true}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m stunMsg
		ok := parseSTUN(b, &m)
		e, _ := fakeEndpoint(t, &EndpointOpts{ICE: &testICE})
		from := netip.MustParseAddrPort("192.0.2.1:1")
		e.dispatch(b, from)
		if _, latched := e.Peer(); latched {
			if !ok || m.typ != stunBindingRequest || !m.checkIntegrity(newSTUNMAC(testICE.LocalPwd)) {
				t.Fatalf("latched on %x", b)
			}
		}
	})
}

// FuzzDemux: a sequence of arbitrary datagrams (split on 0xff 0xff) from
// one address never panics and never latches anything without a verified
// check.
func FuzzDemux(f *testing.F) {
	f.Add([]byte{22, 0xfe, 0xfd, 0xff, 0xff, 0x80, 0, 0, 1})
	f.Add(append(append([]byte{0x80, 200, 0, 1}, 0xff, 0xff), buildCheck(checkOpts{username: "lite:full", pwd: "x"})...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, _ := fakeEndpoint(t, &EndpointOpts{ICE: &testICE})
		from := netip.MustParseAddrPort("192.0.2.1:1")
		for _, p := range bytes.Split(b, []byte{0xff, 0xff}) {
			v := e.dispatch(p, from)
			if v == vDTLS || v == vMedia || v == vSTUNAnswered {
				var m stunMsg
				if !parseSTUN(p, &m) || !m.checkIntegrity(newSTUNMAC(testICE.LocalPwd)) {
					if _, latched := e.Peer(); !latched {
						t.Fatalf("verdict %v without a latch", v)
					}
				}
			}
		}
		if _, latched := e.Peer(); latched {
			t.Fatalf("latched on fuzz input %x", b)
		}
	})
}
