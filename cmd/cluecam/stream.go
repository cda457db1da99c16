package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
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

// streamProfile is the SRTP profile of SDES-keyed streams: the one every
// viewer (ffmpeg, VLC, GStreamer) knows from a=crypto (RFC 4568).
const streamProfile = srtp.ProfileAES128CMSHA1_80

// captIDExtID is the a=extmap ID of the CaptId header extension.
const captIDExtID = 1

// streamArgs are the validated flags of `cluecam stream`.
type streamArgs struct {
	config, capture, to string
	key                 []byte // master key ‖ salt; never logged
	insecure            bool
	frames              int
	duration            time.Duration
}

// cmdStream streams one capture of the configuration to HOST:PORT (RTCP to
// PORT+1) and prints the SDP a viewer needs on stdout. The SRTP key is the
// user's (SDES-style keying in a=crypto, not DTLS); it appears in the SDP
// and nowhere else.
func cmdStream(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "stream")
	var a streamArgs
	var key string
	fs.StringVar(&a.config, "config", "", "configuration file (default: the boot partition's cluecam.toml, else the built-in demo configuration)")
	fs.StringVar(&a.capture, "capture", "", "name of the capture to stream (required)")
	fs.StringVar(&a.to, "to", "", "destination HOST:PORT for RTP; RTCP goes to PORT+1 (required)")
	fs.StringVar(&key, "srtp-key", "", "SRTP master key and salt, 30 bytes in base64 (AES_CM_128_HMAC_SHA1_80)")
	fs.BoolVar(&a.insecure, "insecure-rtp", false, "send unprotected RTP instead of SRTP")
	fs.IntVar(&a.frames, "frames", 0, "stop after N frames (default: until interrupted)")
	fs.DurationVar(&a.duration, "duration", 0, "stop after this long (default: until interrupted)")
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
	case a.capture == "":
		return usageErr("--capture is required")
	case a.to == "":
		return usageErr("--to is required")
	case (key == "") == !a.insecure:
		return usageErr("give exactly one of --srtp-key and --insecure-rtp")
	case a.frames < 0 || a.duration < 0:
		return usageErr("--frames and --duration must not be negative")
	case a.frames > 0 && a.duration > 0:
		return usageErr("give at most one of --frames and --duration")
	}
	if err := lf.validate(); err != nil {
		return usageErr(err.Error())
	}
	if key != "" {
		k, err := base64.StdEncoding.DecodeString(key)
		if err != nil || len(k) != streamProfile.KeyLen()+streamProfile.SaltLen() {
			// The value is a secret: say what is wrong, never echo it.
			return usageErr(fmt.Sprintf("--srtp-key [redacted]: expected %d bytes of master key and salt in base64",
				streamProfile.KeyLen()+streamProfile.SaltLen()))
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

func runStream(ctx context.Context, e *env, log *slog.Logger, cfg *config.Config, a *streamArgs) error {
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
				return fmt.Errorf("capture %q has no device: %w", a.capture, bindErr)
			}
		}
		return fmt.Errorf("no capture %q in the configuration", a.capture)
	}
	if c.Media != config.MediaVideo {
		return fmt.Errorf("capture %q: only video captures can be streamed so far", c.Name)
	}
	var pt uint8
	switch c.Video.Format {
	case hw.FormatH264:
		pt = 96
	case hw.FormatMJPEG:
		pt = 26 // RFC 3551 §6: JPEG/90000
	default:
		return fmt.Errorf("capture %q: %w: %v", c.Name, pipeline.ErrFormat, c.Video.Format)
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

	extID := uint8(captIDExtID)
	if len(c.Name) > 16 {
		extID = 15 // the two-byte form (RFC 8285 §4.3) carries longer IDs
	}
	st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: pt, ClockRate: 90000, CaptID: c.Name, CaptIDExtID: extID})
	if err != nil {
		return err
	}
	var pz pipeline.Packetizer
	if pt == 96 {
		pz, err = rtp.NewH264Packetizer(st, &rtp.H264Options{RepeatParameterSets: true})
	} else {
		pz, err = rtp.NewJPEGPacketizer(st, nil)
	}
	if err != nil {
		return err
	}

	var sealer pipeline.Sealer = pipeline.PlainRTP{}
	if a.insecure {
		log.Warn("sending unprotected RTP (--insecure-rtp): anyone on the path can watch and alter the stream", "to", dst.String())
	} else {
		snd, err := srtp.NewSender(streamProfile, a.key[:streamProfile.KeyLen()], a.key[streamProfile.KeyLen():])
		if err != nil {
			return errors.New("srtp: cannot derive keys from --srtp-key [redacted]")
		}
		defer snd.Close()
		ss, err := snd.Stream(st.SSRC())
		if err != nil {
			return err
		}
		sealer = pipeline.SRTPSealer{Stream: ss, Profile: streamProfile}
	}
	sink, err := pipeline.NewUDPSink(conn, dst, rtcpDst, sealer)
	if err != nil {
		return err
	}

	src, err := inv.OpenVideo(ctx, c.Device)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := src.Start(c.Video); err != nil {
		return err
	}
	defer src.Stop()
	p, err := pipeline.New(src, pz, &pipeline.Options{CNAME: fmt.Sprintf("cluecam-%08x", st.SSRC()), Log: log})
	if err != nil {
		return err
	}
	h := p.AddSink(sink)

	if a.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.duration)
		defer cancel()
	}
	// The first frame after Start is a keyframe: H.264 SDP takes
	// profile-level-id and sprop-parameter-sets from its SPS and PPS.
	first, err := src.ReadFrame(ctx)
	if err != nil {
		return err
	}
	sdp, err := streamSDP(c, dst, pt, extID, a.key, first.Data)
	if err != nil {
		first.Release()
		return err
	}
	// One write: a viewer (or a test) may read the SDP and start listening
	// before the first packet leaves.
	if _, err := fmt.Fprint(e.stdout, sdp); err != nil {
		first.Release()
		return err
	}
	log.Info("streaming", "capture", c.Name, "device", c.Device, "mode", c.Video.String(), "to", dst.String(),
		"srtp", !a.insecure, "ssrc", fmt.Sprintf("%08x", st.SSRC()))
	if err := p.ProcessFrame(&first); err != nil {
		log.Warn("frame dropped", "err", err)
	}
	p.MaybeSendReports()
	runErr := p.Run(ctx, a.frames-1)
	if a.frames == 1 {
		runErr = nil
	}
	p.Close() // sends what is queued
	// BYE after the media, a little later so that a receiver reading RTP
	// and RTCP from two sockets sees the last frame before the BYE.
	time.Sleep(100 * time.Millisecond)
	p.SendBYE("end of stream")
	s, ss := p.Stats(), h.Stats()
	log.Info("stream ended", "frames", s.Frames, "packets", s.Packets, "bytes", s.Bytes, "dropped", s.DroppedFrames,
		"sent_packets", ss.Packets, "send_errors", ss.SendErrors, "keyframe_requests", s.KeyframeRequests)
	if runErr != nil && !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) {
		return runErr
	}
	return nil
}

// streamSDP describes the stream for a viewer receiving at dst (RFC 4566):
// RTP/SAVP with the SDES key in a=crypto (RFC 4568 §6.1, key ‖ salt in
// base64) or RTP/AVP without one; H.264 packetization-mode 1 with the
// parameter sets of the first frame (RFC 6184 §8.1), or JPEG (RFC 2435,
// static PT 26); the CaptId header extension (RFC 8849 §5.2).
func streamSDP(c *appliance.Capture, dst *net.UDPAddr, pt, extID uint8, key, first []byte) (string, error) {
	ipv := "IP4"
	if dst.IP.To4() == nil {
		ipv = "IP6"
	}
	var sid [8]byte
	rand.Read(sid[:])
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- %d 0 IN %s %s\r\ns=cluecam %s\r\nc=IN %s %s\r\nt=0 0\r\n",
		binary.BigEndian.Uint64(sid[:])>>2, ipv, dst.IP, c.Name, ipv, dst.IP)
	proto := "RTP/SAVP"
	if key == nil {
		proto = "RTP/AVP"
	}
	fmt.Fprintf(&b, "m=video %d %s %d\r\n", dst.Port, proto, pt)
	if pt == 26 {
		b.WriteString("a=rtpmap:26 JPEG/90000\r\n")
	} else {
		sps, pps := codec.ParameterSets(first)
		if sps == nil || pps == nil {
			return "", errors.New("the first H.264 frame carries no SPS and PPS")
		}
		s, err := codec.ParseSPS(sps)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "a=rtpmap:%d H264/90000\r\na=fmtp:%d packetization-mode=1;profile-level-id=%s;sprop-parameter-sets=%s\r\n",
			pt, pt, s.ProfileLevelID(), codec.SpropParameterSets(sps, pps))
	}
	fmt.Fprintf(&b, "a=extmap:%d %s\r\n", extID, rtp.CaptIDURI)
	if key != nil {
		fmt.Fprintf(&b, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", base64.StdEncoding.EncodeToString(key))
	}
	return b.String(), nil
}
