package rtp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
	"github.com/cluecam/cluecam/media/codec"
	"github.com/cluecam/cluecam/media/codec/jpegtest"
	"github.com/cluecam/cluecam/media/rtp/rtcp"
)

// This file is the independent-decoder proof: packets from our
// packetizers, sent as plain RTP over loopback UDP, decoded by ffmpeg's
// RTP demuxer (an SDP file written here) and decoders. Pacing is gentle (a
// millisecond between frames) and nothing depends on timing: ffmpeg stops
// by itself after the expected number of frames, and a generous deadline
// only bounds a failing run.

// ffmpegSession is one ffmpeg receiving RTP described by an SDP file.
type ffmpegSession struct {
	t       *testing.T
	port    int
	cmd     *exec.Cmd
	stderr  bytes.Buffer
	done    chan error
	rtp     *net.UDPConn // our RTP socket
	rtcp    *net.UDPConn // our RTCP socket
	dst     *net.UDPAddr // ffmpeg's RTP port
	dstRTCP *net.UDPAddr // ffmpeg's RTCP port

	mu  sync.Mutex
	out []byte // ffmpeg's stdout so far
}

// startFFmpeg writes the SDP (media section given, with PORT for the
// port) and starts ffmpeg on it with the output arguments.
func startFFmpeg(t *testing.T, media string, outArgs ...string) *ffmpegSession {
	t.Helper()
	ff := testenv.NeedCommand(t, "ffmpeg")
	s := &ffmpegSession{t: t, port: testenv.FreeUDPPortPair(t), done: make(chan error, 1)}
	sdp := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cluecam test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		strings.ReplaceAll(media, "PORT", strconv.Itoa(s.port))
	path := filepath.Join(t.TempDir(), "stream.sdp")
	if err := os.WriteFile(path, []byte(sdp), 0o644); err != nil {
		t.Fatal(err)
	}
	loglevel := "error"
	if l := os.Getenv("CLUECAM_FFMPEG_LOGLEVEL"); l != "" {
		loglevel = l // debugging aid
	}
	// -threads 1: no frame-threading delay, so a picture comes out as soon
	// as the next one starts.
	args := []string{"-hide_banner", "-nostdin", "-loglevel", loglevel,
		"-protocol_whitelist", "file,udp,rtp", "-buffer_size", "4194304", "-threads", "1",
		"-fpsprobesize", "0",
		"-i", path}
	s.cmd = exec.Command(ff, append(args, outArgs...)...)
	s.cmd.Stderr = &s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 64<<10)
		for {
			n, err := stdout.Read(buf)
			s.mu.Lock()
			s.out = append(s.out, buf[:n]...)
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		<-copied // all output read before Wait closes the pipe
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(s.stop)
	s.waitListening()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	s.dst = &net.UDPAddr{IP: lo.IP, Port: s.port}
	s.dstRTCP = &net.UDPAddr{IP: lo.IP, Port: s.port + 1}
	if s.rtp, err = net.ListenUDP("udp4", lo); err != nil {
		t.Fatal(err)
	}
	if s.rtcp, err = net.ListenUDP("udp4", lo); err != nil {
		t.Fatal(err)
	}
	return s
}

// output returns a copy of ffmpeg's stdout so far.
func (s *ffmpegSession) output() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.out...)
}

// waitListening waits until ffmpeg has bound its RTP port, so the first
// packets are not lost: it reads /proc/net/udp where available.
func (s *ffmpegSession) waitListening() {
	hex := fmt.Sprintf(":%04X ", s.port)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			time.Sleep(time.Second) // no procfs: give ffmpeg a moment
			return
		}
		if bytes.Contains(b, []byte(hex)) {
			return
		}
		select {
		case err := <-s.done:
			s.t.Fatalf("ffmpeg exited early: %v\n%s", err, s.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	s.t.Fatal("ffmpeg did not open its RTP port")
}

// udpQueue reads ffmpeg's RTP socket from /proc/net/udp: bytes waiting in
// its receive queue and datagrams the kernel dropped. ok is false without
// procfs.
func (s *ffmpegSession) udpQueue() (queued, drops int, ok bool) {
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return 0, 0, false
	}
	port := fmt.Sprintf(":%04X", s.port)
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 13 || !strings.HasSuffix(f[1], port) {
			continue
		}
		_, rx, _ := strings.Cut(f[4], ":")
		q, _ := strconv.ParseInt(rx, 16, 64)
		d, _ := strconv.Atoi(f[len(f)-1])
		return int(q), d, true
	}
	return 0, 0, false
}

// throttle waits while more than 64 KiB wait in ffmpeg's socket: on a busy
// machine ffmpeg may not run for a while, and loopback UDP drops what
// overflows the receive buffer. This is flow control, not a timing
// assumption: it waits as long as ffmpeg needs (bounded only so a hung
// ffmpeg fails the test rather than hanging it).
func (s *ffmpegSession) throttle() {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		q, _, ok := s.udpQueue()
		if !ok || q < 64<<10 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// drops returns the datagrams the kernel dropped on ffmpeg's socket.
func (s *ffmpegSession) drops() int {
	_, d, _ := s.udpQueue()
	return d
}

func (s *ffmpegSession) stop() {
	select {
	case err := <-s.done: // finished (wait put the result back)
		s.done <- err
	default:
		s.cmd.Process.Kill()
		<-s.done
	}
	if s.rtp != nil {
		s.rtp.Close()
		s.rtcp.Close()
	}
}

// send seals nothing (plain RTP): it assembles each packet and writes it.
func (s *ffmpegSession) send(pz packetizer, pool *Pool) int {
	s.throttle()
	n := 0
	for pz.More() {
		p := pool.Get()
		if err := pz.Next(p); err != nil {
			s.t.Fatal(err)
		}
		if _, err := s.rtp.WriteToUDP(p.Assemble(), s.dst); err != nil {
			s.t.Fatal(err)
		}
		p.Release()
		n++
	}
	return n
}

// sendRTCP sends a compound SR + SDES for the stream.
func (s *ffmpegSession) sendRTCP(st *Stream, now time.Duration) {
	b := st.AppendReport(nil, now, time.Now(), "cluecam-test@127.0.0.1", nil)
	if err := rtcp.Validate(b); err != nil {
		s.t.Fatal(err)
	}
	s.rtcp.WriteToUDP(b, s.dstRTCP)
}

// bye ends ffmpeg's RTP input: RR + BYE for the stream (ffmpeg's RTSP/SDP
// demuxer reports end of file once every stream has said BYE).
func (s *ffmpegSession) bye(st *Stream) {
	b := rtcp.AppendBYE(rtcp.AppendRR(nil, st.SSRC(), nil), st.SSRC(), "end of test")
	if err := rtcp.Validate(b); err != nil {
		s.t.Fatal(err)
	}
	s.rtcp.WriteToUDP(b, s.dstRTCP)
}

// wait waits for ffmpeg to finish by itself; after a deadline that only a
// failing run reaches it says BYE, then kills ffmpeg, and fails.
func (s *ffmpegSession) wait(st *Stream) {
	s.t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			s.t.Fatalf("ffmpeg: %v\n%s", err, s.stderr.String())
		}
	case <-time.After(2 * time.Minute):
		s.bye(st)
		select {
		case err := <-s.done:
			s.done <- err
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			s.done <- <-s.done
		}
		s.t.Fatalf("ffmpeg did not finish: %d bytes of output, %d datagrams dropped by the kernel; stderr:\n%s",
			len(s.output()), s.drops(), s.stderr.String())
	}
	if s.stderr.Len() > 0 {
		s.t.Errorf("ffmpeg reported errors:\n%s", s.stderr.String())
	}
}

// framecrcs returns the CRC column of ffmpeg's framecrc output.
func framecrcs(out []byte) []string {
	var crcs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		f := strings.Split(l, ",")
		crcs = append(crcs, strings.TrimSpace(f[len(f)-1]))
	}
	return crcs
}

// decodeDirect decodes a file with ffmpeg and returns the frame CRCs.
func decodeDirect(t *testing.T, in []byte, inArgs ...string) []string {
	t.Helper()
	ff := testenv.NeedCommand(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ff, append(append([]string{"-hide_banner", "-nostdin", "-loglevel", "error"}, inArgs...),
		"-i", "-", "-f", "framecrc", "-")...)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return framecrcs(out)
}

// TestFFmpegDecodesH264 sends the synthetic camera's clip (640x360
// Constrained Baseline, 60 frames, SPS/PPS before each IDR) as RFC 6184
// packetization-mode 1 with the CaptId extension, and checks that ffmpeg
// decodes all 60 frames without an error and bit-exactly: every frame's
// CRC equals that of decoding the clip file directly.
func TestFFmpegDecodesH264(t *testing.T) {
	clip := readClip(t)
	want := decodeDirect(t, clip, "-f", "h264")
	if len(want) != 60 {
		t.Fatalf("direct decode: %d frames", len(want))
	}
	for _, mtu := range []int{1200, 300} {
		t.Run(fmt.Sprint("mtu", mtu), func(t *testing.T) {
			sps, pps := codec.ParameterSets(clip)
			sess := startFFmpeg(t, "m=video PORT RTP/AVP 96\r\n"+
				"a=rtpmap:96 H264/90000\r\n"+
				"a=fmtp:96 packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets="+codec.SpropParameterSets(sps, pps)+"\r\n"+
				"a=extmap:1 "+CaptIDURI+"\r\n",
				"-map", "0:v", "-frames:v", "60", "-f", "framecrc", "-")
			st := newStream(t, StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1, Rand: nil})
			h, err := NewH264Packetizer(st, &H264Options{MaxPayload: mtu})
			if err != nil {
				t.Fatal(err)
			}
			pool := NewPool(&PoolOptions{Buffers: 4})
			start := 100 * time.Second
			sc := codec.NewAccessUnitScanner(clip)
			frames, packets := 0, 0
			sess.sendRTCP(st, start) // RR: nothing sent yet
			for au, ok := sc.Next(); ok; au, ok = sc.Next() {
				capture := start + time.Duration(frames)*time.Second/30
				h.SetFrame(clip[au.Start:au.End], capture)
				packets += sess.send(h, pool)
				if frames%15 == 0 {
					sess.sendRTCP(st, capture)
				}
				frames++
				time.Sleep(time.Millisecond)
			}
			// ffmpeg's H.264 parser completes a picture only when the next
			// one starts: the clip's first access unit once more completes
			// the 60th, and ffmpeg stops after it (-frames:v 60).
			firstAU := codec.NewAccessUnitScanner(clip)
			first, _ := firstAU.Next()
			h.SetFrame(clip[first.Start:first.End], start+time.Duration(frames)*time.Second/30)
			sess.send(h, pool)
			sess.sendRTCP(st, start+time.Duration(frames)*time.Second/30)
			sess.wait(st)
			got := framecrcs(sess.output())
			t.Logf("mtu %d: sent %d frames in %d packets, ffmpeg decoded %d", mtu, frames, packets, len(got))
			if len(got) != len(want) {
				t.Fatalf("ffmpeg decoded %d frames, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("frame %d: CRC %s over RTP, %s from the file", i, got[i], want[i])
				}
			}
		})
	}
}

// TestFFmpegDecodesJPEG sends Motion-JPEG as RFC 2435: image/jpeg frames
// (type 1), and DC-only frames of types 0, 64 and 65 with restart markers.
// ffmpeg's RTP/JPEG depacketizer rebuilds each JPEG from our headers and
// in-band tables; every frame must decode to the same pixels as the
// original JPEG.
func TestFFmpegDecodesJPEG(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames func(i int) []byte
	}{
		{"image-jpeg-type1", func(i int) []byte { return testJPEG(t, 320, 240, 60+i, i) }},
		{"type0-422", func(i int) []byte { return jpegtest.Encode(176, 144, jpegtest.S422, 0, i) }},
		{"type64-422-restart", func(i int) []byte { return jpegtest.Encode(176, 144, jpegtest.S422, 3, i) }},
		{"type65-420-restart", func(i int) []byte { return jpegtest.Encode(320, 240, jpegtest.S420, 5, i) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 20
			var frames [][]byte
			var stream []byte
			for i := 0; i < n; i++ {
				f := tc.frames(i)
				frames = append(frames, f)
				stream = append(stream, f...)
			}
			want := decodeDirect(t, stream, "-f", "mjpeg")
			if len(want) != n {
				t.Fatalf("direct decode: %d frames", len(want))
			}
			sess := startFFmpeg(t, "m=video PORT RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=extmap:2 "+CaptIDURI+"\r\n",
				"-map", "0:v", "-frames:v", strconv.Itoa(n), "-f", "framecrc", "-")
			st := newStream(t, StreamOptions{PayloadType: 26, ClockRate: 90000, CaptID: "VC2", CaptIDExtID: 2})
			j, err := NewJPEGPacketizer(st, &JPEGOptions{MaxPayload: 1000})
			if err != nil {
				t.Fatal(err)
			}
			pool := NewPool(&PoolOptions{Buffers: 4})
			packets := 0
			for i, f := range frames {
				if err := j.SetFrame(f, time.Duration(i)*time.Second/15); err != nil {
					t.Fatal(err)
				}
				packets += sess.send(j, pool)
				time.Sleep(time.Millisecond)
			}
			sess.sendRTCP(st, time.Duration(n)*time.Second/15)
			sess.wait(st)
			got := framecrcs(sess.output())
			t.Logf("sent %d frames in %d packets, ffmpeg decoded %d", n, packets, len(got))
			if len(got) != n {
				t.Fatalf("ffmpeg decoded %d frames, want %d", len(got), n)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("frame %d: CRC %s over RTP, %s from the JPEG", i, got[i], want[i])
				}
			}
		})
	}
}

// TestFFmpegDecodesAudio sends 2 s of a 1 kHz tone at -20 dBFS as PCMU,
// PCMA and G.722 and checks ffmpeg's decoded audio: every sample arrives,
// the tone is at 1 kHz and -20 dBFS, and the SNR against the input is
// what the codec should give.
func TestFFmpegDecodesAudio(t *testing.T) {
	for _, tc := range []struct {
		codec AudioCodec
		pt    uint8
		rtpm  string
		rate  int
		minDB float64
	}{
		{PCMU, 0, "PCMU/8000", 8000, 30},
		{PCMA, 8, "PCMA/8000", 8000, 30},
		{G722, 9, "G722/8000", 16000, 30},
		{L16, 96, "L16/16000", 16000, 90},
	} {
		t.Run(tc.codec.String(), func(t *testing.T) {
			const seconds = 2
			clock := 8000
			if tc.codec == L16 {
				clock = tc.rate
			}
			pcm := sine(tc.rate, seconds*tc.rate, 1000, -20, 0)
			st := newStream(t, StreamOptions{PayloadType: tc.pt, ClockRate: clock, CaptID: "AC1", CaptIDExtID: 3})
			a, err := NewAudioPacketizer(st, AudioOptions{Codec: tc.codec, SampleRate: tc.rate})
			if err != nil {
				t.Fatal(err)
			}
			npk := len(pcm) / a.SamplesPerPacket()
			sess := startFFmpeg(t, fmt.Sprintf("m=audio PORT RTP/AVP %d\r\na=rtpmap:%d %s\r\na=extmap:3 %s\r\n", tc.pt, tc.pt, tc.rtpm, CaptIDURI),
				"-map", "0:a", "-frames:a", strconv.Itoa(npk), "-f", "s16le", "-")
			pool := NewPool(&PoolOptions{Buffers: 4})
			period := a.SamplesPerPacket()
			for i := 0; i < npk; i++ {
				capture := time.Duration(i) * 20 * time.Millisecond
				if err := a.Write(pcm[i*period:(i+1)*period], capture, false); err != nil {
					t.Fatal(err)
				}
				sess.send(a, pool)
				if i%25 == 0 {
					sess.sendRTCP(st, capture)
				}
				time.Sleep(time.Millisecond)
			}
			sess.wait(st)
			out := sess.output()
			dec := make([]int16, len(out)/2)
			for i := range dec {
				dec[i] = int16(uint16(out[2*i]) | uint16(out[2*i+1])<<8)
			}
			if len(dec) != len(pcm) {
				t.Fatalf("ffmpeg decoded %d samples, want %d", len(dec), len(pcm))
			}
			skip := tc.rate / 50
			level := 20 * math.Log10(rms(dec[skip:])*math.Sqrt2/32767)
			freq := zeroCrossingHz(dec[skip:], tc.rate)
			_, snr := alignedSNR(pcm, dec, 40, skip)
			t.Logf("%s: %d samples, level %.2f dBFS, %.1f Hz, SNR %.1f dB (best alignment)", tc.codec, len(dec), level, freq, snr)
			if math.Abs(level+20) > 0.5 {
				t.Errorf("level %.2f dBFS, want -20", level)
			}
			if math.Abs(freq-1000) > 2 {
				t.Errorf("frequency %.1f Hz, want 1000", freq)
			}
			if snr < tc.minDB {
				t.Errorf("SNR %.1f dB < %.0f", snr, tc.minDB)
			}
		})
	}
}

func rms(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// zeroCrossingHz estimates the frequency from rising zero crossings,
// interpolated between samples.
func zeroCrossingHz(x []int16, rate int) float64 {
	var first, last float64
	n := 0
	for i := 1; i < len(x); i++ {
		if x[i-1] < 0 && x[i] >= 0 {
			at := float64(i-1) + float64(-x[i-1])/float64(int(x[i])-int(x[i-1]))
			if n == 0 {
				first = at
			}
			last = at
			n++
		}
	}
	if n < 2 {
		return 0
	}
	return float64(n-1) / ((last - first) / float64(rate))
}

func alignedSNR(in, out []int16, maxLag, skip int) (int, float64) {
	best, bestLag := math.Inf(-1), 0
	for lag := 0; lag <= maxLag; lag++ {
		var sig, e float64
		for i := skip; i+lag < len(out) && i < len(in); i++ {
			d := float64(out[i+lag]) - float64(in[i])
			sig += float64(in[i]) * float64(in[i])
			e += d * d
		}
		if snr := 10 * math.Log10(sig/e); snr > best {
			best, bestLag = snr, lag
		}
	}
	return bestLag, best
}
