package sip

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// fakeClock is an adjustable clock for nonce expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time          { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) Advance(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }
func newClock() *fakeClock                   { return &fakeClock{t: time.Now()} }
func cid(t *testing.T, n string) string      { return fmt.Sprintf("%s-%d@test", n, time.Now().UnixNano()) }

// authorize computes an Authorization value answering res's challenge
// with the given algorithm.
func authorize(t *testing.T, res *sip.Response, alg, user, pass, method, uri string, nc int) string {
	t.Helper()
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		ch, err := digest.ParseChallenge(h.Value())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(ch.Algorithm, alg) {
			continue
		}
		cr, err := digest.Digest(ch, digest.Options{Method: method, URI: uri, Username: user, Password: pass, Count: nc, Cnonce: "abcdef"})
		if err != nil {
			t.Fatal(err)
		}
		return cr.String()
	}
	t.Fatalf("no %s challenge in %s", alg, res.String())
	return ""
}

func inviteSpec(ruri, callID string, cseq int, extra ...string) reqSpec {
	return reqSpec{method: "INVITE", ruri: ruri, callID: callID, cseq: cseq, body: testSDP, extra: extra}
}

// challenge sends an INVITE without credentials and returns the 401.
func challenge(t *testing.T, p *rawPeer, ruri string) *sip.Response {
	t.Helper()
	id := cid(t, "ch")
	p.send(p.build(inviteSpec(ruri, id, 1)))
	res := p.final(id, "INVITE", 10*time.Second)
	if res == nil || res.StatusCode != 401 {
		t.Fatalf("want 401, got %v", res)
	}
	return res
}

func TestAuthNegative(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			clock := newClock()
			h := newRec()
			o := authOpts(t)
			o.Now = clock.Now
			o.Callers = append(o.Callers, Caller{URI: "sip:bob@127.0.0.1", Password: "bobpw"})
			u := startUA(t, h, o, network)
			ruri := "sip:cam@" + u.Addr(network).String()
			p := dialRaw(t, network, u.Addr(network))

			t.Run("no credentials: 401, SHA-256 then MD5", func(t *testing.T) {
				res := challenge(t, p, ruri)
				w := res.GetHeaders("WWW-Authenticate")
				if len(w) != 2 || !strings.Contains(w[0].Value(), "SHA-256") || !strings.Contains(w[1].Value(), "MD5") ||
					!strings.Contains(w[0].Value(), `qop="auth"`) {
					t.Errorf("challenges: %v", w)
				}
			})
			send := func(t *testing.T, from, authz string) *sip.Response {
				t.Helper()
				id := cid(t, "a")
				s := inviteSpec(ruri, id, 2, "Authorization: "+authz)
				s.from = from
				p.send(p.build(s))
				res := p.final(id, "INVITE", 10*time.Second)
				if res == nil {
					t.Fatal("no response")
				}
				return res
			}
			t.Run("wrong password: 401", func(t *testing.T) {
				ch := challenge(t, p, ruri)
				if res := send(t, "sip:alice@127.0.0.1", authorize(t, ch, "MD5", "alice", "wrong", "INVITE", ruri, 1)); res.StatusCode != 401 {
					t.Errorf("got %d", res.StatusCode)
				}
			})
			t.Run("unknown user: 401", func(t *testing.T) {
				ch := challenge(t, p, ruri)
				if res := send(t, "sip:eve@127.0.0.1", authorize(t, ch, "SHA-256", "eve", "x", "INVITE", ruri, 1)); res.StatusCode != 401 {
					t.Errorf("got %d", res.StatusCode)
				}
			})
			t.Run("caller not allowed: 403", func(t *testing.T) {
				ch := challenge(t, p, ruri)
				// bob authenticates but claims to be mallory.
				if res := send(t, "sip:mallory@127.0.0.1", authorize(t, ch, "MD5", "bob", "bobpw", "INVITE", ruri, 1)); res.StatusCode != 403 {
					t.Errorf("got %d", res.StatusCode)
				}
			})
			t.Run("stale nonce: 401 stale=true", func(t *testing.T) {
				ch := challenge(t, p, ruri)
				clock.Advance(6 * time.Minute)
				res := send(t, "sip:alice@127.0.0.1", authorize(t, ch, "SHA-256", "alice", testPass, "INVITE", ruri, 1))
				if res.StatusCode != 401 || !strings.Contains(strings.ToLower(res.GetHeader("WWW-Authenticate").Value()), "stale=true") {
					t.Errorf("got %s", res.String())
				}
			})
			t.Run("valid then replayed nonce-count: 200 then 401", func(t *testing.T) {
				ch := challenge(t, p, ruri)
				az := authorize(t, ch, "SHA-256", "alice", testPass, "INVITE", ruri, 1)
				if res := send(t, "sip:alice@127.0.0.1", az); res.StatusCode != 200 {
					t.Fatalf("valid credentials: %d", res.StatusCode)
				}
				if res := send(t, "sip:alice@127.0.0.1", az); res.StatusCode != 401 {
					t.Errorf("replay: %d", res.StatusCode)
				}
				// The next nc of the same nonce is fine.
				az2 := authorize(t, ch, "SHA-256", "alice", testPass, "INVITE", ruri, 2)
				if res := send(t, "sip:alice@127.0.0.1", az2); res.StatusCode != 200 {
					t.Errorf("nc=2: %d", res.StatusCode)
				}
			})
			// Only the two valid INVITEs became calls (never ACKed here).
			time.Sleep(100 * time.Millisecond)
			if est, _, _ := h.counts(); est != 0 {
				t.Errorf("established %d calls without ACK", est)
			}
			for _, c := range u.Calls() {
				if c.Peer() == nil || c.Peer().Username != "alice" {
					t.Errorf("call from %+v", c.Peer())
				}
			}
		})
	}
}

// sdpHandler answers through clue/sdp's parser, as package endpoint does.
func sdpHandler() *recHandler {
	h := newRec()
	h.answerFn = func(offer []byte) ([]byte, error) {
		if _, err := sdp.Parse(offer, nil); err != nil {
			return nil, err
		}
		return nil, &StatusError{Code: 488, Reason: "Not Acceptable Here", Err: errors.New("no DTLS-SRTP line")}
	}
	return h
}

func TestSDPRefused(t *testing.T) {
	h := sdpHandler()
	o := &Opts{AllowUnauthenticated: true, ErrorStatus: sdp.Status}
	u := startUA(t, h, o, "udp")
	ruri := "sip:cam@" + u.Addr("udp").String()
	p := dialRaw(t, "udp", u.Addr("udp"))
	cluePlainRTP := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"a=group:CLUE 1 2\r\n" +
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\na=sctp-port:5000\r\na=setup:actpass\r\n" +
		"a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
		"a=dcmap:1 subprotocol=\"CLUE\";ordered=true\r\n" +
		"m=video 40000 RTP/AVP 96\r\na=mid:2\r\na=rtpmap:96 H264/90000\r\na=sendonly\r\na=label:enc1\r\n"
	cases := []struct{ name, body string }{
		{"garbage", "this is not SDP\r\n"},
		{"plain RTP/AVP", testSDP},
		{"CLUE-controlled line without DTLS-SRTP", cluePlainRTP},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, perr := sdp.Parse([]byte(tc.body), nil)
			want := 488
			if perr != nil {
				want = sdp.Status(perr)
			}
			id := cid(t, "sdp")
			s := inviteSpec(ruri, id, 1)
			s.body = tc.body
			p.send(p.build(s))
			res := p.final(id, "INVITE", 10*time.Second)
			if res == nil || res.StatusCode != want {
				t.Fatalf("want %d, got %v (parse err %v)", want, res, perr)
			}
			if want != 400 && want != 488 {
				t.Errorf("status %d is neither 400 nor 488", want)
			}
		})
	}
	if est, _, _ := h.counts(); est != 0 {
		t.Error("refused offer established a call")
	}
	h.checkEndedOnce(t)
}
