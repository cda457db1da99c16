package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cluecam/cluecam/clue/consumer"
	"github.com/cluecam/cluecam/clue/sdp"
	"github.com/cluecam/cluecam/clue/sip"
	"github.com/cluecam/cluecam/endpoint"
)

// cmdCall is the consumer side of a CLUE call: it calls SIP-URI, takes
// part in the CLUE session (options, advertisement, configure by the
// default consumer policy), receives the SRTP media and reports per
// capture what arrived. Tests and people use it to check a box.
func cmdCall(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "call")
	from := fs.String("from", "", "our SIP URI (From; default sip:cluecam@LISTEN-IP)")
	passFile := fs.String("password-file", "", "file holding the digest password (or set CLUECAM_PASSWORD); never given on the command line")
	listen := fs.String("listen", "127.0.0.1:0", "local address for SIP (TCP and UDP) and media")
	duration := fs.Duration("duration", 10*time.Second, "hang up after this long")
	packets := fs.Int("packets", 0, "hang up once every configured capture delivered this many packets (0: wait for --duration)")
	video := fs.Int("video", 2, "CLUE video lines to offer (how many cameras we can watch at once)")
	audio := fs.Int("audio", 1, "CLUE audio lines to offer (how many microphones we can hear at once)")
	mccs := fs.String("mccs", "no", "multiple-content captures to configure: no (individual captures only), with, or only")
	stateFlag := fs.String("state-dir", "", "directory keeping our DTLS certificate (default: as for run)")
	tlsCA := fs.String("tls-ca", "", "PEM file of the CAs that sign the callee's SIP TLS certificate (sips: targets; default the system roots)")
	tlsPin := fs.String("tls-pin", "", "refuse a callee whose TLS certificate does not have this fingerprint (\"sha-256 AB:CD:...\")")
	tlsCert := fs.String("tls-cert", "", "our SIP TLS certificate chain (PEM; default our self-signed identity)")
	tlsKey := fs.String("tls-key", "", "the key of --tls-cert (PEM)")
	var lf logFlags
	lf.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	if err := lf.validate(); err != nil {
		fmt.Fprintf(e.stderr, "cluecam call: %v\n", err)
		return exitUsage
	}
	log, err := lf.logger(e.stderr, "text", "warn")
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam call: %v\n", err)
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "cluecam call: "+format+"\n", a...)
		return exitFail
	}
	target := fs.Arg(0)
	if !strings.HasPrefix(target, "sip:") && !strings.HasPrefix(target, "sips:") {
		fmt.Fprintf(e.stderr, "cluecam call: %q is not a SIP URI\n", target)
		return exitUsage
	}
	choice, ok := map[string]consumer.MCCChoice{"no": consumer.NoMCCs, "with": consumer.WithMCCs, "only": consumer.OnlyMCCs}[*mccs]
	if !ok {
		fmt.Fprintf(e.stderr, "cluecam call: --mccs %q: expected no, with or only\n", *mccs)
		return exitUsage
	}
	policy := &consumer.Policy{MCCs: choice, MaxPerMedia: map[string]int{}}
	for typ, n := range map[string]int{"video": *video, "audio": *audio} {
		if n > 0 {
			policy.Media = append(policy.Media, typ)
			policy.MaxPerMedia[typ] = n
		}
	}
	secure := strings.HasPrefix(target, "sips:") || strings.Contains(target, "transport=tls")
	if (*tlsCert == "") != (*tlsKey == "") {
		fmt.Fprintln(e.stderr, "cluecam call: --tls-cert and --tls-key go together")
		return exitUsage
	}
	if !strings.Contains(target, "transport=") && !secure {
		// CLUE offers exceed 1300 bytes: RFC 3261 §18.1.1 sends them over
		// a congestion-controlled transport.
		target += ";transport=tcp"
	}
	lap, err := netip.ParseAddrPort(*listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam call: --listen %q: %v\n", *listen, err)
		return exitUsage
	}
	password := os.Getenv("CLUECAM_PASSWORD")
	if *passFile != "" {
		b, err := os.ReadFile(*passFile)
		if err != nil {
			return fail("--password-file: %v", err)
		}
		password = strings.TrimSpace(string(b))
	}
	cert, err := loadCertificate(stateDirOr(*stateFlag))
	if err != nil {
		return fail("%v", err)
	}
	fromURI := *from
	if fromURI == "" {
		fromURI = "sip:cluecam@" + lap.Addr().String()
	}

	rep := newCallReport()
	ep, err := endpoint.New(endpoint.Options{
		Log: log, Certificate: cert, MediaAddr: lap.Addr(),
		Consumer: &endpoint.ConsumerOpts{Video: *video, Audio: *audio, Policy: policy, OnPacket: rep.packet, OnEvent: rep.event},
	})
	if err != nil {
		return fail("%v", err)
	}
	defer ep.Close()
	uo := &sip.Opts{Logger: log, UserAgent: "cluecam/" + version, AllowUnauthenticated: true,
		Account: sip.Account{URI: fromURI, Password: password}, ErrorStatus: sdp.Status, MaxCalls: 1}
	networks := []string{"tcp", "udp"}
	if secure {
		uo.TLS = sip.TLSOpts{CAFile: *tlsCA, CertFile: *tlsCert, KeyFile: *tlsKey}
		if *tlsPin != "" {
			uo.TLS.ServerFingerprints = []string{*tlsPin}
		}
		if *tlsCert == "" {
			uo.TLS.Certificates = []tls.Certificate{cert.TLS}
		}
		networks = append(networks, "tls")
	}
	sip.SetLibraryLogger(log)
	ua, err := sip.New(ep, uo)
	if err != nil {
		return fail("%v", err)
	}
	defer ua.Close()
	for _, n := range networks {
		if _, err := ua.Listen(n, *listen); err != nil {
			return fail("listen %s %s: %v", n, *listen, err)
		}
	}

	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	call, err := ua.Dial(dctx, target)
	cancel()
	if err != nil {
		var rej *sip.RejectedError
		if errors.As(err, &rej) {
			return fail("%s refused the call: %d %s", target, rej.Code, rej.Reason)
		}
		return fail("%s: %v", target, err)
	}
	fmt.Fprintf(e.stdout, "call %s established\n", call.ID())

	deadline := time.NewTimer(*duration)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-deadline.C:
			break wait
		case <-call.Done():
			break wait
		case <-tick.C:
			if *packets > 0 && rep.enough(*packets) {
				break wait
			}
		}
	}
	ended := call.State() == sip.StateEnded
	if !ended {
		hctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := call.Hangup(hctx); err != nil {
			fmt.Fprintf(e.stderr, "cluecam call: hangup: %v\n", err)
		}
		cancel()
	}
	rep.print(e.stdout)
	if ended {
		fmt.Fprintf(e.stdout, "the far end ended the call: %s\n", call.Reason())
	}
	if !rep.anyMedia() {
		return fail("no media received")
	}
	return exitOK
}

// callReport gathers what a call delivered, per CaptId.
type callReport struct {
	mu         sync.Mutex
	streams    map[string]*streamReport
	perSSRC    map[uint32]int // packets per RTP stream
	configured []string
	events     []endpoint.Event
}

type streamReport struct {
	packets, frames, bytes int
	ssrc                   uint32
	pt                     uint8
	mid                    string // the BUNDLE MID the packets carried
}

func newCallReport() *callReport {
	return &callReport{streams: map[string]*streamReport{}, perSSRC: map[uint32]int{}}
}

func (r *callReport) packet(_ *sip.Call, p endpoint.Packet) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := string(p.CaptID)
	if id == "" {
		id = fmt.Sprintf("(no CaptId, ssrc %08x)", p.SSRC)
	}
	s := r.streams[id]
	if s == nil {
		s = &streamReport{ssrc: p.SSRC, pt: p.PT, mid: string(p.MID)}
		r.streams[id] = s
	}
	s.packets++
	r.perSSRC[p.SSRC]++
	s.bytes += len(p.Payload)
	if p.Marker {
		s.frames++
	}
}

func (r *callReport) event(_ *sip.Call, ev endpoint.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	if ev.Kind == "configured" {
		r.configured = strings.Fields(strings.Trim(ev.Detail, "[]"))
	}
}

// enough: every configured capture encoding (one RTP stream each, an
// MCC's packets naming the constituent shown) delivered n packets.
func (r *callReport) enough(n int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.configured) == 0 {
		return false
	}
	full := 0
	for _, c := range r.perSSRC {
		if c >= n {
			full++
		}
	}
	return full >= len(r.configured)
}

func (r *callReport) anyMedia() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.streams) > 0
}

func (r *callReport) print(w interface{ Write([]byte) (int, error) }) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range r.events {
		fmt.Fprintf(w, "clue: %s %s\n", ev.Kind, ev.Detail)
	}
	ids := make([]string, 0, len(r.streams))
	for id := range r.streams {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := r.streams[id]
		fmt.Fprintf(w, "capture %s: %d packets, %d frames, %d payload bytes, ssrc %08x, pt %d, mid %q\n", id, s.packets, s.frames, s.bytes, s.ssrc, s.pt, s.mid)
	}
}
