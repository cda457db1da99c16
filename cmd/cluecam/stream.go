package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/media/codec"
	"github.com/cluecam/cluecam/media/pipeline"
	"github.com/cluecam/cluecam/media/rtp"
	"github.com/cluecam/cluecam/media/srtp"
)

// streamProfiles are the SRTP profiles `cluecam stream --srtp-profile`
// seals with, under SDES keying (a=crypto, RFC 4568): "aes-cm", the default,
// is the one every viewer (ffmpeg, VLC, GStreamer) knows; "aes-gcm" is
// RFC 7714's AEAD, which libsrtp (GStreamer's srtpdec) opens but ffmpeg
// does not, and which costs less CPU where AES has instructions.
var streamProfiles = map[string]struct {
	profile srtp.Profile
	suite   string // the a=crypto crypto-suite name
}{
	"aes-cm": {srtp.ProfileAES128CMSHA1_80, "AES_CM_128_HMAC_SHA1_80"}, // RFC 4568 §6.2.1
	// RFC 7714 §14.2: 16 bytes of key and 12 of salt in the inline key.
	"aes-gcm": {srtp.ProfileAEADAES128GCM, "AEAD_AES_128_GCM"},
}

// captIDExtID is the a=extmap ID of the CaptId header extension.
const captIDExtID = 1

// streamArgs are the validated flags of `cluecam stream`.
type streamArgs struct {
	config, capture, to string
	key                 []byte // master key ‖ salt; never logged
	profile             string // key of streamProfiles
	insecure            bool
	frames              int
	duration            time.Duration
	codec               string // audio captures: pcmu, pcma, g722 or l16
	file                string // H.264 Annex-B file instead of a capture
	fps                 int    // frame rate of the file
	pace                string // "realtime" or "none" (file only)
	noGSO               bool
}

// cmdStream streams one capture of the configuration (or an H.264 file) to
// HOST:PORT (RTCP to PORT+1) and prints the SDP a viewer needs on stdout.
// The SRTP key is the user's (SDES-style keying in a=crypto, not DTLS); it
// appears in the SDP and nowhere else.
func cmdStream(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "stream")
	var a streamArgs
	var key string
	fs.StringVar(&a.config, "config", "", "configuration file (default: the boot partition's cluecam.toml, else the built-in demo configuration)")
	fs.StringVar(&a.capture, "capture", "", "name of the capture to stream (required without --file; with it, the CaptId sent, default \"file\")")
	fs.StringVar(&a.to, "to", "", "destination HOST:PORT for RTP; RTCP goes to PORT+1 (required)")
	fs.StringVar(&key, "srtp-key", "", "SRTP master key and salt in base64: 30 bytes for aes-cm, 28 for aes-gcm")
	fs.StringVar(&a.profile, "srtp-profile", "aes-cm", `SRTP profile: "aes-cm" (AES_CM_128_HMAC_SHA1_80) or "aes-gcm" (AEAD_AES_128_GCM, RFC 7714)`)
	fs.BoolVar(&a.insecure, "insecure-rtp", false, "send unprotected RTP instead of SRTP")
	fs.IntVar(&a.frames, "frames", 0, "stop after N frames (audio: 20 ms periods) (default: until interrupted, or the end of --file)")
	fs.DurationVar(&a.duration, "duration", 0, "stop after this long (default: until interrupted)")
	fs.StringVar(&a.codec, "codec", "", `audio captures: "pcmu", "pcma" (G.711, 8 kHz), "g722" (16 kHz) or "l16" (the capture's rate) (default "g722")`)
	fs.StringVar(&a.file, "file", "", "stream this H.264 Annex-B file instead of a capture (benchmarks, interoperability tests)")
	fs.IntVar(&a.fps, "fps", 30, "frame rate of --file, 1..240")
	fs.BoolVar(&a.noGSO, "no-gso", false, "send one datagram per system call slot instead of UDP segmentation offload runs (for packet captures on lo, which see the runs unsplit)")
	fs.StringVar(&a.pace, "pace", "realtime", `with --file: "realtime" sends at --fps, "none" as fast as the sink takes it`)
	var lf logFlags
	lf.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := func(msg string) int {
		fmt.Fprintf(e.stderr, "cluecam stream: %s\n", msg)
		fs.Usage()
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected arguments")
	case a.capture == "" && a.file == "":
		return usageErr("--capture is required")
	case a.to == "":
		return usageErr("--to is required")
	case (key == "") == !a.insecure:
		return usageErr("give exactly one of --srtp-key and --insecure-rtp")
	case a.frames < 0 || a.duration < 0:
		return usageErr("--frames and --duration must not be negative")
	case a.frames > 0 && a.duration > 0:
		return usageErr("give at most one of --frames and --duration")
	case a.pace != "realtime" && a.pace != "none":
		return usageErr(fmt.Sprintf("--pace %q: expected \"realtime\" or \"none\"", a.pace))
	case a.pace == "none" && a.file == "":
		return usageErr("--pace none needs --file: a live capture cannot be sent faster than it happens")
	case a.fps < 1 || a.fps > 240:
		return usageErr(fmt.Sprintf("--fps %d: expected 1..240", a.fps))
	case a.file != "" && a.codec != "":
		return usageErr("--codec is for audio captures, not --file")
	}
	sp, ok := streamProfiles[a.profile]
	if !ok {
		return usageErr(fmt.Sprintf("--srtp-profile %q: expected \"aes-cm\" or \"aes-gcm\"", a.profile))
	}
	if a.insecure && flagSet(fs, "srtp-profile") {
		return usageErr("--srtp-profile is for --srtp-key, not --insecure-rtp")
	}
	if a.codec != "" {
		if _, ok := audioCodecs[a.codec]; !ok {
			return usageErr(fmt.Sprintf("--codec %q: expected \"pcmu\", \"pcma\", \"g722\" or \"l16\"", a.codec))
		}
	}
	if a.file != "" && a.capture == "" {
		a.capture = "file"
	}
	if err := lf.validate(); err != nil {
		return usageErr(err.Error())
	}
	if key != "" {
		k, err := base64.StdEncoding.DecodeString(key)
		if n := sp.profile.KeyLen() + sp.profile.SaltLen(); err != nil || len(k) != n {
			// The value is a secret: say what is wrong, never echo it.
			return usageErr(fmt.Sprintf("--srtp-key [redacted]: expected %d bytes of master key and salt in base64 for --srtp-profile %s",
				n, a.profile))
		}
		a.key = k
	}
	if _, _, err := net.SplitHostPort(a.to); err != nil {
		return usageErr(fmt.Sprintf("--to %q: %v", a.to, err))
	}

	_, cfg, err := loadRunConfig(a.config)
	if err != nil {
		printConfigError(e, err)
		return exitFail
	}
	log, err := lf.logger(e.stderr, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam stream: %v\n", err)
		return exitFail
	}
	if err := runStream(ctx, e, log, cfg, &a); err != nil {
		log.Error("stream failed", "capture", a.capture, "err", err)
		return exitFail
	}
	return exitOK
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// audioCodec is how `cluecam stream` sends an audio capture.
type audioCodec struct {
	codec rtp.AudioCodec
	pt    uint8 // RFC 3551 §6 static types; L16 takes a dynamic one
	rate  int   // sampling rate; 0: the capture's
	name  string
}

var audioCodecs = map[string]audioCodec{
	"pcmu": {rtp.PCMU, 0, 8000, "PCMU"},
	"pcma": {rtp.PCMA, 8, 8000, "PCMA"},
	"g722": {rtp.G722, 9, 16000, "G722"},
	"l16":  {rtp.L16, 97, 0, "L16"},
}

// streamSource is what runStream sends: a video source and its mode, or an
// audio source and its format.
type streamSource struct {
	name  string
	video hw.VideoSource
	mode  hw.VideoMode
	audio hw.AudioSource
	afmt  hw.AudioFormat
	desc  string // for the log: device and mode
}

// openStreamSource opens and starts the capture (or file) to stream.
func openStreamSource(ctx context.Context, log *slog.Logger, cfg *config.Config, a *streamArgs) (*streamSource, error) {
	if a.file != "" {
		f, err := openFileSource(a.file, a.fps, a.pace == "realtime")
		if err != nil {
			return nil, err
		}
		return &streamSource{name: a.capture, video: f, mode: f.mode, desc: a.file}, nil
	}
	inv := appliance.NewInventory(cfg, hw.SystemClock)
	devs, scanErr := inv.Devices(ctx)
	if scanErr != nil {
		log.Warn("device scan incomplete", "err", scanErr)
	}
	bound, bindErr := appliance.Bind(cfg, devs)
	var c *appliance.Capture
	for i := range bound {
		if bound[i].Name == a.capture {
			c = &bound[i]
		}
	}
	if c == nil {
		for _, cc := range cfg.Captures {
			if cc.Name == a.capture {
				return nil, fmt.Errorf("capture %q has no device: %w", a.capture, bindErr)
			}
		}
		return nil, fmt.Errorf("no capture %q in the configuration", a.capture)
	}
	s := &streamSource{name: c.Name}
	if c.Media == config.MediaAudio {
		ac := audioCodecs[pick(a.codec, "g722")]
		src, err := inv.OpenAudio(ctx, c.Device)
		if err != nil {
			return nil, err
		}
		// The codec fixes the rate (G.711: 8 kHz, G.722: 16 kHz) and mono;
		// the device must capture that itself (ALSA plughw: devices
		// convert), the box does not resample.
		want := c.Audio
		if ac.rate != 0 {
			want = hw.AudioFormat{Rate: ac.rate, Channels: 1, Encoding: hw.S16LE}
		}
		if !slices.Contains(src.Formats(), want) {
			src.Close()
			return nil, fmt.Errorf("capture %q: device %s cannot capture %v for %s (an ALSA plughw: device converts)", c.Name, c.Device, want, ac.name)
		}
		if err := src.Start(hw.AudioConfig{Format: want}); err != nil {
			src.Close()
			return nil, err
		}
		s.audio, s.afmt, s.desc = src, want, c.Device+" "+want.String()
		return s, nil
	}
	if a.codec != "" {
		return nil, fmt.Errorf("capture %q is video: --codec is for audio captures", c.Name)
	}
	src, err := inv.OpenVideo(ctx, c.Device)
	if err != nil {
		return nil, err
	}
	if err := src.Start(c.Video); err != nil {
		src.Close()
		return nil, err
	}
	s.video, s.mode, s.desc = src, c.Video, c.Device+" "+c.Video.String()
	return s, nil
}

func (s *streamSource) close() {
	if s.video != nil {
		s.video.Stop()
		s.video.Close()
	}
	if s.audio != nil {
		s.audio.Stop()
		s.audio.Close()
	}
}

func runStream(ctx context.Context, e *env, log *slog.Logger, cfg *config.Config, a *streamArgs) error {
	src, err := openStreamSource(ctx, log, cfg, a)
	if err != nil {
		return err
	}
	defer src.close()

	extID := uint8(captIDExtID)
	if len(src.name) > 16 {
		extID = 15 // the two-byte form (RFC 8285 §4.3) carries longer IDs
	}
	var (
		m    sdpMedia
		pz   pipeline.Packetizer
		ap   *rtp.AudioPacketizer
		st   *rtp.Stream
		err2 error
	)
	if src.audio != nil {
		ac := audioCodecs[pick(a.codec, "g722")]
		clock := pipeline.AudioClockRate(ac.codec, src.afmt.Rate)
		st, err = rtp.NewStream(rtp.StreamOptions{PayloadType: ac.pt, ClockRate: clock, CaptID: src.name, CaptIDExtID: extID})
		if err != nil {
			return err
		}
		if ap, err2 = pipeline.NewAudioPacketizerFor(ac.codec, src.afmt, st); err2 != nil {
			return err2
		}
		m = sdpMedia{kind: "audio", pt: ac.pt, rtpmap: fmt.Sprintf("%s/%d", ac.name, clock), ptime: ap.PTime()}
		if ac.codec == rtp.L16 && src.afmt.Channels > 1 {
			m.rtpmap += fmt.Sprintf("/%d", src.afmt.Channels) // RFC 4566 §6: encoding parameters
		}
		pz = ap
	} else {
		m = sdpMedia{kind: "video", pt: 96, rtpmap: "H264/90000"}
		switch src.mode.Format {
		case hw.FormatH264:
		case hw.FormatMJPEG:
			m.pt, m.rtpmap = 26, "JPEG/90000" // RFC 3551 §6: JPEG/90000
		default:
			return fmt.Errorf("capture %q: %w: %v", src.name, pipeline.ErrFormat, src.mode.Format)
		}
		st, err = rtp.NewStream(rtp.StreamOptions{PayloadType: m.pt, ClockRate: 90000, CaptID: src.name, CaptIDExtID: extID})
		if err != nil {
			return err
		}
		if pz, err = pipeline.NewVideoPacketizer(src.mode.Format, st); err != nil {
			return err
		}
	}

	dst, err := net.ResolveUDPAddr("udp", a.to)
	if err != nil {
		return err
	}
	rtcpDst := &net.UDPAddr{IP: dst.IP, Port: dst.Port + 1, Zone: dst.Zone}
	network := "udp4"
	if dst.IP.To4() == nil {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, nil)
	if err != nil {
		return err
	}
	defer conn.Close()

	var sealer pipeline.Sealer = pipeline.PlainRTP{}
	if a.insecure {
		log.Warn("sending unprotected RTP (--insecure-rtp): anyone on the path can watch and alter the stream", "to", dst.String())
	} else {
		prof := streamProfiles[a.profile].profile
		snd, err := srtp.NewSender(prof, a.key[:prof.KeyLen()], a.key[prof.KeyLen():])
		if err != nil {
			return errors.New("srtp: cannot derive keys from --srtp-key [redacted]")
		}
		defer snd.Close()
		ss, err := snd.Stream(st.SSRC())
		if err != nil {
			return err
		}
		sealer = pipeline.SRTPSealer{Stream: ss, Profile: prof}
	}
	sink, err := pipeline.NewUDPSink(conn, dst, rtcpDst, sealer)
	if err != nil {
		return err
	}
	if a.noGSO {
		sink.SetGSO(false)
	}

	m.ssrc, m.cname = st.SSRC(), fmt.Sprintf("cluecam-%08x", st.SSRC())
	opts := &pipeline.Options{CNAME: m.cname, Log: log,
		// A file sent as fast as possible waits for the socket instead
		// of dropping frames.
		Backpressure: a.pace == "none"}
	var p *pipeline.Pipeline
	if ap != nil {
		p, err = pipeline.NewAudio(src.audio, ap, opts)
	} else {
		p, err = pipeline.New(src.video, pz, opts)
	}
	if err != nil {
		return err
	}
	h := p.AddSink(sink)
	if a.insecure {
		go readFeedback(conn, p, h)
	}

	if a.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.duration)
		defer cancel()
	}
	var first hw.Frame
	if src.video != nil {
		// The first frame after Start is a keyframe: H.264 SDP takes
		// profile-level-id and sprop-parameter-sets from its SPS and PPS.
		if first, err = src.video.ReadFrame(ctx); err != nil {
			return err
		}
		if m.pt == 96 {
			if err := m.h264Fmtp(first.Data); err != nil {
				first.Release()
				return err
			}
		}
	}
	sdp := streamSDP(src.name, dst, m, extID, streamProfiles[a.profile].suite, a.key)
	// One write: a viewer (or a test) may read the SDP and start listening
	// before the first packet leaves.
	if _, err := fmt.Fprint(e.stdout, sdp); err != nil {
		first.Release()
		return err
	}
	log.Info("streaming", "capture", src.name, "source", src.desc, "to", dst.String(),
		"srtp", !a.insecure, "srtp_profile", a.profile, "ssrc", fmt.Sprintf("%08x", st.SSRC()))
	n := a.frames
	if src.video != nil {
		if err := p.ProcessFrame(&first); err != nil {
			log.Warn("frame dropped", "err", err)
		}
		p.MaybeSendReports()
		n--
	}
	var runErr error
	if a.frames != 1 || src.audio != nil {
		runErr = p.Run(ctx, n)
	}
	p.Close() // sends what is queued
	// BYE after the media, a little later so that a receiver reading RTP
	// and RTCP from two sockets sees the last frame before the BYE.
	time.Sleep(100 * time.Millisecond)
	p.SendBYE("end of stream")
	s, ss := p.Stats(), h.Stats()
	log.Info("stream ended", "frames", s.Frames, "packets", s.Packets, "bytes", s.Bytes, "dropped", s.DroppedFrames,
		"sent_packets", ss.Packets, "send_errors", ss.SendErrors, "keyframe_requests", s.KeyframeRequests,
		"retransmitted", ss.Retransmitted, "nack_missed", ss.NACKMissed)
	if runErr != nil && !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) && !errors.Is(runErr, io.EOF) {
		return runErr
	}
	return nil
}

// readFeedback hands the RTCP a plain-RTP viewer sends back to our socket
// (RTCP on the RTP port, RFC 5761 §4, or symmetric RTCP) to the pipeline
// until the socket is closed: NACKs get retransmissions, PLIs keyframes.
// Under SDES keying the viewer's SRTCP would be under its own key, which
// this one-way command never learns, so only plain RTP gets feedback.
func readFeedback(conn *net.UDPConn, p *pipeline.Pipeline, h *pipeline.SinkHandle) {
	buf := make([]byte, 1500)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		// RFC 5761 §4: RTCP packet types 192..223 in the second byte.
		if n >= 8 && buf[1] >= 192 && buf[1] <= 223 {
			p.HandleRTCP(h, buf[:n])
		}
	}
}

// sdpMedia is the m= section of the stream.
type sdpMedia struct {
	kind   string // "video" or "audio"
	ssrc   uint32
	cname  string
	pt     uint8
	rtpmap string // encoding name/clock rate[/channels]
	fmtp   string
	ptime  time.Duration // audio
}

// h264Fmtp sets the H.264 format parameters from the first access unit:
// packetization-mode 1 and the parameter sets (RFC 6184 §8.1).
func (m *sdpMedia) h264Fmtp(first []byte) error {
	sps, pps := codec.ParameterSets(first)
	if sps == nil || pps == nil {
		return errors.New("the first H.264 frame carries no SPS and PPS")
	}
	s, err := codec.ParseSPS(sps)
	if err != nil {
		return err
	}
	m.fmtp = fmt.Sprintf("packetization-mode=1;profile-level-id=%s;sprop-parameter-sets=%s", s.ProfileLevelID(), codec.SpropParameterSets(sps, pps))
	return nil
}

// streamSDP describes the stream for a viewer receiving at dst (RFC 4566):
// RTP/SAVP with the SDES key in a=crypto (RFC 4568 §6.1, key ‖ salt in
// base64, suite the crypto-suite name) or RTP/AVP without one; the payload format (H.264
// packetization-mode 1, JPEG as static PT 26, or audio with its rtpmap and
// a=ptime); the CaptId header extension (RFC 8849 §5.2); the SSRC and its
// CNAME (RFC 5576).
func streamSDP(name string, dst *net.UDPAddr, m sdpMedia, extID uint8, suite string, key []byte) string {
	ipv := "IP4"
	if dst.IP.To4() == nil {
		ipv = "IP6"
	}
	var sid [8]byte
	rand.Read(sid[:])
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- %d 0 IN %s %s\r\ns=cluecam %s\r\nc=IN %s %s\r\nt=0 0\r\n",
		binary.BigEndian.Uint64(sid[:])>>2, ipv, dst.IP, name, ipv, dst.IP)
	proto := "RTP/SAVP"
	if key == nil {
		proto = "RTP/AVP"
	}
	fmt.Fprintf(&b, "m=%s %d %s %d\r\n", m.kind, dst.Port, proto, m.pt)
	fmt.Fprintf(&b, "a=rtpmap:%d %s\r\n", m.pt, m.rtpmap)
	if m.fmtp != "" {
		fmt.Fprintf(&b, "a=fmtp:%d %s\r\n", m.pt, m.fmtp)
	}
	if m.ptime > 0 {
		fmt.Fprintf(&b, "a=ptime:%d\r\n", m.ptime.Milliseconds())
	}
	fmt.Fprintf(&b, "a=extmap:%d %s\r\n", extID, rtp.CaptIDURI)
	// RFC 5576 §4.1: the SSRC up front, for receivers that key SRTP
	// contexts by it before the first packet (GStreamer's srtpdec).
	fmt.Fprintf(&b, "a=ssrc:%d cname:%s\r\n", m.ssrc, m.cname)
	if key != nil {
		fmt.Fprintf(&b, "a=crypto:1 %s inline:%s\r\n", suite, base64.StdEncoding.EncodeToString(key))
	}
	return b.String()
}
