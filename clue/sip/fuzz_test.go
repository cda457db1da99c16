package sip

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

// fakeTx is a server transaction that records responses.
type fakeTx struct{ res []*sip.Response }

func (f *fakeTx) Terminate()                         {}
func (f *fakeTx) OnTerminate(sip.FnTxTerminate) bool { return true }
func (f *fakeTx) Done() <-chan struct{}              { return nil }
func (f *fakeTx) Err() error                         { return nil }
func (f *fakeTx) Respond(r *sip.Response) error      { f.res = append(f.res, r); return nil }
func (f *fakeTx) Acks() <-chan *sip.Request          { return nil }
func (f *fakeTx) OnCancel(sip.FnTxCancel) bool       { return true }

// FuzzRequestHandling feeds arbitrary bytes through sipgo's parser, our
// read filter and our request handler (validation, dialog lookup, digest
// check). It must never panic, and every answered request gets one
// response with a valid status.
func FuzzRequestHandling(f *testing.F) {
	base := "INVITE sip:cam@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:cam@127.0.0.1>\r\nCall-ID: c1\r\n" +
		"CSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n"
	f.Add([]byte(base))
	f.Add([]byte("OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"))
	f.Add([]byte("BYE sip:cam@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: x\r\nCSeq: 2 BYE\r\n\r\n"))
	f.Add([]byte("INVITE sip:cam@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: y\r\nCSeq: 1 INVITE\r\n" +
		"Authorization: Digest username=\"alice\", realm=\"cluecam\", nonce=\"AAAA\", uri=\"sip:cam@h\", response=\"00\", qop=auth, nc=00000001, cnonce=\"x\", algorithm=SHA-256\r\n\r\n"))
	f.Add([]byte("INVITE sip:cam@h SIP/2.0\r\nRequire: foo\r\nSession-Expires: 1;refresher=zz\r\n\r\n"))
	f.Add([]byte("\x00\xff"))
	o := authOpts(f)
	o.RatePerSecond, o.RateBurst = 1e12, 1<<30 // exercise the handler, not the limiter
	u, err := New(newRec(), o)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = u.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		if out, _ := u.readFilter(sip.TransportReadProps{Transport: "udp"}, data); out == nil {
			return
		}
		msg, err := sip.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		_, _, _ = parseSE(header(req, "Session-Expires", "x"))
		tx := &fakeTx{}
		u.onRequest(req, tx)
		if len(tx.res) > 1 {
			t.Fatalf("%d responses", len(tx.res))
		}
		for _, r := range tx.res {
			if r.StatusCode < 100 || r.StatusCode > 699 {
				t.Fatalf("status %d", r.StatusCode)
			}
		}
	})
}
