package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"github.com/cluecam/cluecam/internal/testenv"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// torture messages in the style of RFC 4475. want 0: the message cannot
// be answered (no usable Via/CSeq, unparsable): it must be dropped, and
// the UA must stay up.
type tortureCase struct {
	name string
	msg  func(ruri, local, tp string) string
	want int
}

func hdrs(ruri, local, tp, callID string, skip string, extra string, cseq string, body string) string {
	var b strings.Builder
	lines := []string{
		"Via: SIP/2.0/" + tp + " " + local + ";branch=z9hG4bK" + callID,
		"Max-Forwards: 70",
		"From: <sip:alice@127.0.0.1>;tag=t" + callID,
		"To: <" + ruri + ">",
		"Call-ID: " + callID,
		"CSeq: " + cseq,
		"Contact: <sip:alice@" + local + ">",
	}
	for _, l := range lines {
		if skip != "" && strings.HasPrefix(l, skip+":") {
			continue
		}
		b.WriteString(l + "\r\n")
	}
	if extra != "" {
		b.WriteString(extra + "\r\n")
	}
	if !strings.Contains(extra, "Content-Length") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	return b.String()
}

var tortureCases = []tortureCase{
	{"missing Call-ID", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t1", "Call-ID", "", "1 OPTIONS", "")
	}, 400},
	{"missing From", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t2", "From", "", "1 OPTIONS", "")
	}, 400},
	{"missing To", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t3", "To", "", "1 OPTIONS", "")
	}, 400},
	{"missing CSeq", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t4", "CSeq", "", "", "")
	}, 400},
	{"missing Via", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t5", "Via", "", "1 OPTIONS", "")
	}, 0},
	{"CSeq method mismatch", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t6", "", "", "1 INVITE", "")
	}, 400},
	{"unknown method", func(r, l, tp string) string {
		return "FROBNICATE " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t7", "", "", "1 FROBNICATE", "")
	}, 501},
	{"known unsupported method", func(r, l, tp string) string {
		return "SUBSCRIBE " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t8", "", "", "1 SUBSCRIBE", "")
	}, 405},
	{"unsupported Require", func(r, l, tp string) string {
		return "INVITE " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t9", "", "Require: 100rel, foo", "1 INVITE", "")
	}, 420},
	{"non-SIP Request-URI", func(r, l, tp string) string {
		return "OPTIONS tel:+15551234 SIP/2.0\r\n" + hdrs(r, l, tp, "t10", "", "", "1 OPTIONS", "")
	}, 416},
	{"BYE for unknown dialog", func(r, l, tp string) string {
		return "BYE " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t11", "", "", "2 BYE", "")
	}, 481},
	{"in-dialog INVITE for unknown dialog", func(r, l, tp string) string {
		return "INVITE " + r + " SIP/2.0\r\n" + strings.Replace(hdrs(r, l, tp, "t12", "", "", "2 INVITE", ""), "To: <"+r+">", "To: <"+r+">;tag=nosuch", 1)
	}, 481},
	{"body that is not SDP", func(r, l, tp string) string {
		return "INVITE " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t13", "", "Content-Type: text/plain", "1 INVITE", "hello")
	}, 415},
	{"Max-Forwards 0", func(r, l, tp string) string {
		return "INVITE " + r + " SIP/2.0\r\n" + strings.Replace(hdrs(r, l, tp, "t14", "", "", "1 INVITE", ""), "Max-Forwards: 70", "Max-Forwards: 0", 1)
	}, 483},
	{"bad Content-Length (too big)", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t15", "", "Content-Length: 99999", "1 OPTIONS", "")
	}, 0},
	{"negative Content-Length", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t16", "", "Content-Length: -5", "1 OPTIONS", "")
	}, 0},
	{"huge header", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t17", "", "X-Big: "+strings.Repeat("A", 70000), "1 OPTIONS", "")
	}, 0},
	{"garbage bytes", func(r, l, tp string) string { return "\x00\xff\xfe garbage \x01\x02\r\n\r\n" }, 0},
	{"NUL bytes in headers", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/2.0\r\n" + strings.Replace(hdrs(r, l, tp, "t19", "", "", "1 OPTIONS", ""), "Max-Forwards: 70", "Max-Forwards: 7\x000", 1)
	}, 0},
	{"bad Request-URI", func(r, l, tp string) string {
		return "OPTIONS sip:@@@ SIP/2.0\r\n" + hdrs(r, l, tp, "t20", "", "", "1 OPTIONS", "")
	}, 400},
	{"bad SIP version", func(r, l, tp string) string {
		return "OPTIONS " + r + " SIP/7.0\r\n" + hdrs(r, l, tp, "t21", "", "", "1 OPTIONS", "")
	}, 505},
	{"request line only", func(r, l, tp string) string { return "INVITE " + r + " SIP/2.0\r\n\r\n" }, 0},
	{"out-of-dialog ACK", func(r, l, tp string) string {
		return "ACK " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t23", "", "", "1 ACK", "")
	}, 0},
	{"INVITE without Contact (unauthenticated)", func(r, l, tp string) string {
		return "INVITE " + r + " SIP/2.0\r\n" + hdrs(r, l, tp, "t24", "Contact", "", "1 INVITE", "")
	}, 401},
}

// TestTorture sends every torture message over UDP, TCP and TLS:
// answerable ones get their status, the UA stays up, and a valid call then
// works.
func TestTorture(t *testing.T) {
	ca := testenv.NewCA(t, "test CA")
	for _, network := range []string{"udp", "tcp", "tls"} {
		t.Run(network, func(t *testing.T) {
			h := newRec()
			o, co := authOpts(t), callerOpts(t)
			var peerTLS *tls.Config
			if network == "tls" {
				o.TLS, _ = tlsOpts(t, ca, ca, "callee")
				co.TLS, _ = tlsOpts(t, ca, ca, "caller")
				pool := x509.NewCertPool()
				pool.AddCert(ca.Cert)
				peerTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
			}
			u := startUA(t, h, o, network)
			ruri := "sip:cam@" + u.Addr(network).String()
			for _, tc := range tortureCases {
				if network == "udp" && tc.name == "huge header" {
					// Above the UDP datagram limit: cannot be sent at all.
					continue
				}
				t.Run(tc.name, func(t *testing.T) {
					p := dialRaw(t, network, u.Addr(network), peerTLS) // fresh TCP conn: framing errors close it
					msg := tc.msg(ruri, p.local, strings.ToUpper(network))
					if tc.want == 0 {
						// The UA may close the connection while we still
						// write (over TLS the write then fails): fine.
						_, _ = p.conn.Write([]byte(msg))
					} else {
						p.send(msg)
					}
					if tc.want == 0 {
						// Anything but a crash is fine; a response must be a 4xx.
						if m := p.recv(300 * time.Millisecond); m != nil {
							if res, ok := m.(*sip.Response); ok && res.StatusCode < 400 {
								t.Errorf("unexpected %d", res.StatusCode)
							}
						}
						return
					}
					var res *sip.Response
					for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && res == nil; {
						m := p.recv(time.Until(deadline))
						if r, ok := m.(*sip.Response); ok && !r.IsProvisional() {
							res = r
						}
					}
					if res == nil || res.StatusCode != tc.want {
						t.Fatalf("want %d, got %v", tc.want, res)
					}
					if tc.want == 400 && res.Reason == "Bad Request" && tc.name != "missing CSeq" {
						t.Errorf("400 reason does not name the problem: %q", res.Reason)
					}
					if tc.want == 420 && (res.GetHeader("Unsupported") == nil || !strings.Contains(res.GetHeader("Unsupported").Value(), "foo")) {
						t.Errorf("420 without Unsupported: %v", res)
					}
				})
			}
			// The UA is still up: an authenticated call works.
			ha := newRec()
			caller := startUA(t, ha, co, network)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := caller.Dial(ctx, uaURI(u, network))
			if err != nil {
				t.Fatalf("call after torture: %v", err)
			}
			waitCh(t, h.estCh, "established")
			_ = c.Hangup(ctx)
			waitCh(t, h.endCh, "ended")
		})
	}
}

// TestFloodDoesNotStopCall: a call in progress survives a flood of bad
// messages on UDP and TCP from other sources, and can still re-INVITE.
func TestFloodDoesNotStopCall(t *testing.T) {
	h, ha := newRec(), newRec()
	callee := startUA(t, h, authOpts(t), "udp", "tcp")
	caller := startUA(t, ha, callerOpts(t), "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := caller.Dial(ctx, uaURI(callee, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	cb := waitCh(t, h.estCh, "established")
	ruri := "sip:cam@" + callee.Addr("udp").String()
	stop := time.Now().Add(2 * time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		uc, err := net.Dial("udp", callee.Addr("udp").String())
		if err != nil {
			return
		}
		defer uc.Close()
		tc, _ := net.Dial("tcp", callee.Addr("tcp").String())
		for i := 0; time.Now().Before(stop); i++ {
			tcase := tortureCases[i%len(tortureCases)]
			msg := tcase.msg(ruri, uc.LocalAddr().String(), "UDP")
			if len(msg) < 60000 {
				_, _ = uc.Write([]byte(msg))
			}
			// In-dialog garbage aimed at the live call: wrong tags.
			_, _ = uc.Write([]byte(strings.Replace(msg, "Call-ID: ", "Call-ID: "+cb.ID()+"x", 1)))
			if tc != nil {
				if _, err := tc.Write([]byte(tcase.msg(ruri, tc.LocalAddr().String(), "TCP"))); err != nil {
					tc.Close()
					tc, _ = net.Dial("tcp", callee.Addr("tcp").String())
				}
			}
		}
		if tc != nil {
			tc.Close()
		}
	}()
	<-done
	if cb.State() != StateConfirmed {
		t.Fatalf("call state after flood: %v (%v)", cb.State(), cb.Reason())
	}
	if err := c.Reinvite(ctx); err != nil {
		t.Fatalf("re-INVITE after flood: %v", err)
	}
	waitCh(t, h.updCh, "updated")
	_ = c.Hangup(ctx)
	if r := waitCh(t, h.endCh, "ended"); r != ReasonRemoteBye {
		t.Errorf("reason %v", r)
	}
	h.checkEndedOnce(t)
}
