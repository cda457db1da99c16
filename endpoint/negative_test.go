package endpoint_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cluecam/cluecam/clue/sip"
)

// fixedOffer is a SIP session handler that offers a given body and
// records whether it ever got further.
type fixedOffer struct {
	body     string
	accepted bool
}

func (f *fixedOffer) Offer(context.Context, *sip.Call) ([]byte, error) { return []byte(f.body), nil }
func (f *fixedOffer) Answer(context.Context, *sip.Call, []byte) ([]byte, error) {
	return nil, errors.New("no")
}
func (f *fixedOffer) Accept(context.Context, *sip.Call, []byte) error { f.accepted = true; return nil }
func (f *fixedOffer) Established(*sip.Call)                           {}
func (f *fixedOffer) Updated(*sip.Call, []byte)                       {}
func (f *fixedOffer) Ended(*sip.Call, sip.EndReason)                  {}

const sdpHead = "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"

const fp = "a=fingerprint:sha-256 12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD\r\n"

// TestOffersRefused: offers the box cannot take are refused with the
// status RFC 3261/3264 asks for, and leave nothing running: no session,
// no capture, no media.
func TestOffersRefused(t *testing.T) {
	b := newBox(t, []sip.Caller{{URI: "sip:alice@127.0.0.1", Password: "pw"}})
	cases := []struct {
		name string
		sdp  string
		code int
	}{
		{"malformed SDP", "v=0\r\nthis is not sdp\r\n", 400},
		{"no m-line at all", sdpHead, 488},
		{"plain RTP/AVP only (no SRTP)", sdpHead + "m=video 40000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", 488},
		{"SDES-SRTP, no DTLS-SRTP", sdpHead + "m=video 40000 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n" +
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n", 488},
		{"DTLS without fingerprint", sdpHead + "m=video 40000 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\na=setup:actpass\r\na=rtcp-mux\r\n", 488},
		{"unknown transport profile", sdpHead + "m=application 40000 TCP/MSRP *\r\n", 488},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &fixedOffer{body: tc.sdp}
			ua, err := sip.New(h, &sip.Opts{Logger: testLog(t), AllowUnauthenticated: true,
				Account: sip.Account{URI: "sip:alice@127.0.0.1", Password: "pw"}})
			if err != nil {
				t.Fatal(err)
			}
			defer ua.Close()
			if _, err := ua.Listen("tcp", "127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err = ua.Dial(ctx, "sip:cluecam@"+b.ua.Addr("tcp").String()+";transport=tcp")
			var rej *sip.RejectedError
			if !errors.As(err, &rej) || rej.Code != tc.code {
				t.Fatalf("got %v, want a %d", err, tc.code)
			}
			if h.accepted {
				t.Fatal("an answer was accepted")
			}
			waitFor(t, "no session", func() bool { return b.ep.Calls() == 0 })
			if a := b.hub.Active(); len(a) != 0 {
				t.Fatalf("captures streaming: %v", a)
			}
			if strings.TrimSpace(rej.Reason) == "" {
				t.Error("refusal without a reason phrase")
			}
		})
	}
}
