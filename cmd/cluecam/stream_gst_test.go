package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cluecam/cluecam/internal/testenv"
	"github.com/cluecam/cluecam/media/rtp/rtcp"
)

// launchGate is the stream command's stdout: its first write (the whole
// SDP) starts a receiver made from it and returns only once that receiver
// has bound its UDP port, so no packet leaves before it listens.
type launchGate struct {
	t      *testing.T
	port   int
	build  func(sdp string) *exec.Cmd
	mu     sync.Mutex
	sdp    string
	cmd    *exec.Cmd
	out    bytes.Buffer // stdout and stderr together
	done   chan error
	closed bool
}

func (g *launchGate) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cmd != nil {
		return len(b), nil
	}
	g.sdp = string(b)
	g.cmd = g.build(g.sdp)
	g.cmd.Stdout, g.cmd.Stderr = &g.out, &g.out
	if err := g.cmd.Start(); err != nil {
		return 0, err
	}
	g.done = make(chan error, 1)
	go func() { g.done <- g.cmd.Wait() }()
	waitUDPBound(g.port)
	return len(b), nil
}

// stop ends the receiver with SIGINT (gst-launch -e turns it into an EOS,
// so every decoded buffer reaches the file) and waits for it.
func (g *launchGate) stop(t *testing.T) {
	t.Helper()
	if g.cmd == nil {
		t.Fatal("no SDP written: the receiver never started")
	}
	g.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-g.done:
		if err != nil {
			t.Errorf("%s: %v\n%s", filepath.Base(g.cmd.Path), err, g.out.String())
		}
	case <-time.After(30 * time.Second):
		g.cmd.Process.Kill()
		<-g.done
		t.Fatalf("%s did not stop on SIGINT:\n%s", filepath.Base(g.cmd.Path), g.out.String())
	}
}

// waitUDPBound waits until a socket is bound to the UDP port (IPv4 or
// IPv6), from /proc/net; without procfs it gives the receiver a moment.
func waitUDPBound(port int) {
	hexPort := []byte(fmt.Sprintf(":%04X ", port))
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			time.Sleep(time.Second)
			return
		}
		b6, _ := os.ReadFile("/proc/net/udp6")
		if bytes.Contains(b, hexPort) || bytes.Contains(b6, hexPort) {
			return
		}
	}
}

var (
	ssrcLine  = regexp.MustCompile(`a=ssrc:(\d+) `)
	sentCount = regexp.MustCompile(`msg="stream ended" frames=(\d+) packets=(\d+) `)
)

// streamIn runs `cluecam stream` in process with stdout going to w and
// returns the frames (periods) and packets it sent, from its last log line.
func streamIn(t *testing.T, w *launchGate, args ...string) (frames, packets int, log string) {
	t.Helper()
	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := dispatch(ctx, &env{stdout: w, stderr: &stderr, getenv: func(string) string { return "" }}, append([]string{"stream"}, args...))
	if code != exitOK {
		t.Fatalf("cluecam stream %q: exit %d:\n%s", args, code, stderr.String())
	}
	m := sentCount.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no stream summary in the log:\n%s", stderr.String())
	}
	frames, _ = strconv.Atoi(m[1])
	packets, _ = strconv.Atoi(m[2])
	return frames, packets, stderr.String()
}

// randomKey returns n random bytes of SRTP master key ‖ salt, in base64
// and raw.
func randomKey(n int) (b64 string, raw []byte) {
	raw = make([]byte, n)
	for i := range raw {
		raw[i] = byte(rand.IntN(256))
	}
	return base64.StdEncoding.EncodeToString(raw), raw
}

// tsharkCapture captures the UDP datagrams to port on loopback into a pcap
// file with tshark (dumpcap), as an observer we did not write.
type tsharkCapture struct {
	cmd  *exec.Cmd
	path string
	errb syncBuffer
	done chan error
}

func startTshark(t *testing.T, tshark string, port int) *tsharkCapture {
	t.Helper()
	c := &tsharkCapture{path: filepath.Join(t.TempDir(), "stream.pcap"), done: make(chan error, 1)}
	// -B 64: a 64 MiB kernel capture buffer, so a loaded machine does
	// not drop datagrams the check counts.
	c.cmd = exec.Command(tshark, "-i", "lo", "-B", "64", "-f", fmt.Sprintf("udp dst port %d", port), "-F", "pcap", "-w", c.path)
	c.cmd.Stderr = &c.errb
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("tshark: %v", err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	// tshark says "Capturing on 'Loopback: lo'" when dumpcap starts, which
	// on a busy machine can be before its filter sees packets: probe with
	// one-byte datagrams (never RTP) until one is in the file.
	probe, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		s := c.errb.String()
		if strings.Contains(s, "Capturing on") {
			if pcapRecords(c.path, 0) > 0 {
				return c
			}
			probe.Write([]byte{0})
		}
		select {
		case err := <-c.done:
			t.Fatalf("tshark cannot capture on lo (it needs root or the wireshark group): %v\n%s", err, s)
		default:
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			t.Fatalf("tshark did not start capturing:\n%s", s)
		}
	}
}

// stop ends the capture once it holds want datagrams (dumpcap may still
// be behind on a busy machine, and SIGINT drops what it has not read yet),
// or after a generous deadline, and returns the pcap's path.
func (c *tsharkCapture) stop(t *testing.T, want int) string {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); pcapRecords(c.path, minRTPRecord) < want && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("tshark did not stop:\n%s", c.errb.String())
	}
	return c.path
}

// checkCaptIDOnWire has tshark dissect the capture as RTP and checks that
// every one of the packets sent carries the CaptId element in the one-byte
// header extension (RFC 8285 §4.2: profile 0xBEDE, ID 1 as in a=extmap)
// with the capture's name as its value (RFC 8849 §5.2). Under SRTP the
// header and its extension are in the clear (RFC 3711 §3.1), so this holds
// for the protected stream too.
func checkCaptIDOnWire(t *testing.T, tshark, pcap string, port, packets int, captID string) {
	t.Helper()
	cmd := exec.Command(tshark, "-r", pcap, "-d", fmt.Sprintf("udp.port==%d,rtp", port), "-Y", "rtp.version == 2", // not the capture probes
		"-T", "fields", "-E", "separator=,",
		"-e", "rtp.seq", "-e", "rtp.ext.profile", "-e", "rtp.ext.rfc5285.id", "-e", "rtp.ext.rfc5285.data")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != packets {
		t.Fatalf("tshark saw %d RTP packets on the wire, %d were sent:\n%s", len(lines), packets, out)
	}
	want := hex.EncodeToString([]byte(captID))
	seqs := map[string]bool{}
	for _, l := range lines {
		f := strings.Split(l, ",")
		if len(f) != 4 || f[1] != "0xbede" || f[2] != "1" || strings.ReplaceAll(f[3], ":", "") != want {
			t.Fatalf("packet %q: want profile 0xbede, element ID 1, data %s (%q)", l, want, captID)
		}
		seqs[f[0]] = true
	}
	if len(seqs) != packets {
		t.Fatalf("%d distinct sequence numbers among %d packets", len(seqs), packets)
	}
}

// TestStreamGStreamerDecodes streams each kind of capture with `cluecam
// stream` under an SRTP key to GStreamer on loopback: srtpdec with the key
// in its caps (libsrtp, not our code), then GStreamer's own depayloader and
// decoder, decoded into a file. Every frame (every audio sample) sent must
// come out, and GStreamer must report no warning or error. Meanwhile tshark
// captures the datagrams on lo and checks the CaptId extension of every
// packet (as root; tshark cannot capture otherwise). H.264 goes under both
// SRTP profiles of --srtp-profile: AES_CM_128_HMAC_SHA1_80 and
// AEAD_AES_128_GCM (RFC 7714), the latter opened by libsrtp's AES-GCM.
func TestStreamGStreamerDecodes(t *testing.T) {
	gst := testenv.NeedCommand(t, "gst-launch-1.0")
	tshark := testenv.NeedCommand(t, "tshark")
	if testing.Short() {
		t.Skip("streams in real time")
	}
	for _, tc := range []struct {
		name, capture, codec string
		frames               int
		caps, decode         string
		unit                 int // bytes per decoded frame, or per sample
		perPacket            int // audio: samples per packet
		gso                  bool
		profile              string // --srtp-profile; "" the default, aes-cm
	}{
		{"h264", "main", "", 60, "media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264, payload=(int)96",
			"rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420", 640 * 360 * 3 / 2, 0, false, ""},
		{"h264-gso", "main", "", 60, "media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264, payload=(int)96",
			"rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420", 640 * 360 * 3 / 2, 0, true, ""},
		{"h264-gcm", "main", "", 60, "media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264, payload=(int)96",
			"rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420", 640 * 360 * 3 / 2, 0, false, "aes-gcm"},
		{"h264-gcm-gso", "main", "", 60, "media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264, payload=(int)96",
			"rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420", 640 * 360 * 3 / 2, 0, true, "aes-gcm"},
		{"mjpeg", "wide", "", 30, "media=(string)video, clock-rate=(int)90000, encoding-name=(string)JPEG, payload=(int)26",
			"rtpjpegdepay ! jpegdec ! videoconvert ! video/x-raw,format=I420", 640 * 480 * 3 / 2, 0, false, ""},
		{"mjpeg-gso", "wide", "", 30, "media=(string)video, clock-rate=(int)90000, encoding-name=(string)JPEG, payload=(int)26",
			"rtpjpegdepay ! jpegdec ! videoconvert ! video/x-raw,format=I420", 640 * 480 * 3 / 2, 0, true, ""},
		{"pcmu", "table-mic", "pcmu", 100, "media=(string)audio, clock-rate=(int)8000, encoding-name=(string)PCMU, payload=(int)0",
			"rtppcmudepay ! mulawdec ! audio/x-raw,format=S16LE,rate=8000,channels=1", 2, 160, false, ""},
		{"pcma", "table-mic", "pcma", 100, "media=(string)audio, clock-rate=(int)8000, encoding-name=(string)PCMA, payload=(int)8",
			"rtppcmadepay ! alawdec ! audio/x-raw,format=S16LE,rate=8000,channels=1", 2, 160, false, ""},
		// RFC 3551 §4.5.2: G722/8000 in SDP and caps, 16 kHz out of the decoder.
		{"g722", "table-mic", "g722", 100, "media=(string)audio, clock-rate=(int)8000, encoding-name=(string)G722, payload=(int)9",
			"rtpg722depay ! avdec_g722 ! audioconvert ! audio/x-raw,format=S16LE,rate=16000,channels=1", 2, 320, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// libsrtp's names for the profile, and its master key ‖ salt
			// length (RFC 7714 §14.2: 16 + 12 bytes for AEAD_AES_128_GCM).
			suite, cipher, auth, keyLen := "AES_CM_128_HMAC_SHA1_80", "aes-128-icm", "hmac-sha1-80", 30
			if tc.profile == "aes-gcm" {
				suite, cipher, auth, keyLen = "AEAD_AES_128_GCM", "aes-128-gcm", "null", 28
			}
			key, raw := randomKey(keyLen)
			port := testenv.FreeUDPPortPair(t)
			out := filepath.Join(t.TempDir(), "decoded.raw")
			g := &launchGate{t: t, port: port, build: func(sdp string) *exec.Cmd {
				m := ssrcLine.FindStringSubmatch(sdp)
				if m == nil {
					t.Errorf("SDP without a=ssrc:\n%s", sdp)
					m = []string{"", "0"}
				}
				caps := fmt.Sprintf("application/x-srtp, %s, ssrc=(uint)%s, roc=(uint)0, srtp-key=(buffer)%x, "+
					"srtp-cipher=(string)%[4]s, srtp-auth=(string)%[5]s, srtcp-cipher=(string)%[4]s, srtcp-auth=(string)%[5]s",
					tc.caps, m[1], raw, cipher, auth)
				args := []string{"-e", "udpsrc", fmt.Sprintf("port=%d", port), "address=127.0.0.1", "buffer-size=4194304", "caps=" + caps, "!", "srtpdec", "!"}
				args = append(args, strings.Fields(tc.decode)...)
				args = append(args, "!", "filesink", "location="+out)
				cmd := exec.Command(gst, args...)
				// Warnings and errors of every element (libav's decoder
				// messages included) go to stderr, which must stay empty
				// of them.
				cmd.Env = append(os.Environ(), "GST_DEBUG=*:2", "GST_DEBUG_NO_COLOR=1")
				return cmd
			}}
			args := []string{"--capture", tc.capture, "--to", fmt.Sprintf("127.0.0.1:%d", port), "--srtp-key", key, "--frames", fmt.Sprint(tc.frames)}
			if tc.codec != "" {
				args = append(args, "--codec", tc.codec)
			}
			if tc.profile != "" {
				args = append(args, "--srtp-profile", tc.profile)
			}
			// With UDP segmentation offload (the default) the capture on
			// lo would see whole runs of packets as one, so the wire check
			// runs on the streams sent without it; the -gso cases prove
			// the receiver gets the same.
			var capture *tsharkCapture
			if !tc.gso {
				args = append(args, "--no-gso")
				if os.Geteuid() == 0 || testenv.InCI() {
					capture = startTshark(t, tshark, port)
				} else {
					t.Log("not root: no capture on lo, the CaptId wire check is skipped (CI runs as root)")
				}
			}
			frames, packets, log := streamIn(t, g, args...)
			// Give the receiver the last datagrams (loopback: milliseconds)
			// before asking it to finish.
			time.Sleep(500 * time.Millisecond)
			g.stop(t)
			pcap := ""
			if capture != nil {
				pcap = capture.stop(t, packets)
			}
			if frames != tc.frames {
				t.Fatalf("sent %d frames, want %d:\n%s", frames, tc.frames, log)
			}
			if want := "a=crypto:1 " + suite + " inline:" + key + "\r\n"; !strings.Contains(g.sdp, want) {
				t.Errorf("SDP lacks %q:\n%s", want, g.sdp)
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatalf("no decoded output: %v\n%s", err, g.out.String())
			}
			want := tc.frames
			if tc.perPacket > 0 {
				want = packets * tc.perPacket
			}
			t.Logf("%s: sent %d frames in %d packets; GStreamer decoded %d bytes (want %d units of %d)", tc.name, frames, packets, st.Size(), want, tc.unit)
			if st.Size() != int64(want*tc.unit) {
				t.Errorf("GStreamer decoded %d bytes = %.2f units, want %d\n%s", st.Size(), float64(st.Size())/float64(tc.unit), want, g.out.String())
			}
			for _, l := range strings.Split(g.out.String(), "\n") {
				if strings.Contains(l, " WARN ") || strings.Contains(l, " ERROR ") || strings.HasPrefix(l, "ERROR") || strings.HasPrefix(l, "WARNING") {
					t.Errorf("GStreamer: %s", l)
				}
			}
			if capture != nil {
				checkCaptIDOnWire(t, tshark, pcap, port, packets, tc.capture)
			}
		})
	}
}

// TestStreamFFmpegDecodesAudio is TestStreamFFmpegDecodes for the audio
// codecs: ffmpeg (libavformat's SRTP and RTP demuxers, libavcodec's
// decoders) receives the SDP `cluecam stream` prints, decodes every packet
// sent, reports no error, and ends on the RTCP BYE.
func TestStreamFFmpegDecodesAudio(t *testing.T) {
	ff := testenv.NeedCommand(t, "ffmpeg")
	if testing.Short() {
		t.Skip("streams in real time")
	}
	for _, codec := range []string{"pcmu", "pcma", "g722", "l16"} {
		t.Run(codec, func(t *testing.T) {
			key, _ := randomKey(30)
			port := testenv.FreeUDPPortPair(t)
			g := &launchGate{t: t, port: port, build: func(sdp string) *exec.Cmd {
				path := filepath.Join(t.TempDir(), "stream.sdp")
				if err := os.WriteFile(path, []byte(sdp), 0o600); err != nil {
					t.Error(err)
				}
				cmd := exec.Command(ff, "-hide_banner", "-nostdin", "-loglevel", "error",
					"-protocol_whitelist", "file,udp,rtp,crypto", "-buffer_size", "4194304",
					"-i", path, "-map", "0:a", "-f", "framecrc", "-")
				return cmd
			}}
			_, packets, log := streamIn(t, g, "--capture", "table-mic", "--to", fmt.Sprintf("127.0.0.1:%d", port),
				"--srtp-key", key, "--frames", "100", "--codec", codec)
			select {
			case err := <-g.done:
				if err != nil {
					t.Fatalf("ffmpeg: %v\n%s", err, g.out.String())
				}
			case <-time.After(30 * time.Second):
				g.cmd.Process.Kill()
				<-g.done
				t.Fatalf("ffmpeg did not end on BYE:\n%s", g.out.String())
			}
			var got, errs []string
			for _, l := range strings.Split(g.out.String(), "\n") {
				switch {
				case l == "" || l[0] == '#':
				case strings.HasPrefix(l, "0,"):
					got = append(got, l)
				default:
					errs = append(errs, l)
				}
			}
			t.Logf("%s: sent %d packets, ffmpeg decoded %d frames", codec, packets, len(got))
			if len(errs) > 0 {
				t.Errorf("ffmpeg reported:\n%s\nstream log:\n%s", strings.Join(errs, "\n"), log)
			}
			if len(got) != packets {
				t.Fatalf("ffmpeg decoded %d frames, %d packets were sent", len(got), packets)
			}
		})
	}
}

// TestStreamAnswersNACK: a plain-RTP viewer that NACKs a packet (RFC 4585
// §6.2.1, sent back to the stream's source address) gets it again, byte
// for byte, while the stream goes on.
func TestStreamAnswersNACK(t *testing.T) {
	if testing.Short() {
		t.Skip("streams in real time")
	}
	port := testenv.FreeUDPPortPair(t)
	rc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- dispatch(context.Background(), &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }},
			[]string{"stream", "--capture", "main", "--to", fmt.Sprintf("127.0.0.1:%d", port), "--insecure-rtp", "--frames", "45"})
	}()
	rc.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 2048)
	var lost []byte
	var from *net.UDPAddr
	for i := 0; ; i++ {
		n, addr, err := rc.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("after %d packets: %v\n%s", i, err, stderr.String())
		}
		if i == 20 {
			lost, from = bytes.Clone(buf[:n]), addr
			break
		}
	}
	seq := binary.BigEndian.Uint16(lost[2:])
	ssrc := binary.BigEndian.Uint32(lost[8:])
	if _, err := rc.WriteToUDP(rtcp.AppendNACK(nil, 0x5eed, ssrc, []rtcp.NACKPair{{PID: seq}}), from); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := rc.Read(buf)
		if err != nil {
			t.Fatalf("no retransmission of seq %d: %v\n%s", seq, err, stderr.String())
		}
		if binary.BigEndian.Uint16(buf[2:]) == seq {
			if !bytes.Equal(buf[:n], lost) {
				t.Fatalf("retransmission of seq %d differs from the first send", seq)
			}
			break
		}
	}
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), " retransmitted=1 ") {
		t.Errorf("log does not count the retransmission:\n%s", stderr.String())
	}
}

// minRTPRecord is the smallest captured frame that can hold RTP on lo:
// Ethernet 14 + IPv4 20 + UDP 8 + RTP header 12 bytes (the probes are 43).
const minRTPRecord = 14 + 20 + 8 + 12

// pcapRecords counts the records of at least minLen bytes in a classic
// pcap file (a 24-byte file header, then a 16-byte header and incl_len
// bytes per record, in the file's byte order), ignoring a record still
// being written.
func pcapRecords(path string, minLen int) int {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 24 {
		return 0
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(b) == 0xa1b2c3d4 || binary.BigEndian.Uint32(b) == 0xa1b23c4d {
		order = binary.BigEndian
	}
	n := 0
	for off := 24; off+16 <= len(b); {
		l := int(order.Uint32(b[off+8:]))
		if off+16+l > len(b) {
			break
		}
		if l >= minLen {
			n++
		}
		off += 16 + l
	}
	return n
}
