// Command compare measures what sending one H.264 file as SRTP over
// loopback costs in CPU: `cluecam stream --file --pace none` against
// GStreamer (filesrc ! h264parse ! rtph264pay ! srtpenc ! udpsink) and
// ffmpeg (-c copy -f rtp to srtp://, no -re). Each sender is a child
// process; its CPU is the user+sys time of its rusage, so start-up and
// file reading count for everyone alike. A socket of this program drains
// the datagrams and counts them.
//
// In the same run it measures, in process, packetize+seal of the file's
// access units (rtp.H264Packetizer + srtp.SendStream, the pipeline's hot
// loop) against the cryptographic floor: crypto/cipher AES-CTR and
// crypto/hmac HMAC-SHA1 over the same packets, with nothing else.
//
//	make bench-compare              # or: go run ./test/compare [-file F] [-runs N]
//
// The default input is a 30 s 1080p30 8 Mbit/s H.264 Annex-B file made
// with ffmpeg's testsrc2 (plus noise, so the encoder has to spend the bit
// rate) and libx264 into .cache/compare/, once.
package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // SRTP's HMAC-SHA1.
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cluecam/cluecam/media/codec"
	"github.com/cluecam/cluecam/media/rtp"
	"github.com/cluecam/cluecam/media/srtp"
)

func main() {
	file := flag.String("file", "", "H.264 Annex-B file (default: generate .cache/compare/1080p30-8M-30s.h264)")
	runs := flag.Int("runs", 3, "runs per sender; the table shows the median CPU")
	flag.Parse()
	if err := run(*file, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(file string, runs int) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	cache := filepath.Join(root, ".cache", "compare")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	if file == "" {
		file = filepath.Join(cache, "1080p30-8M-30s.h264")
		if err := generate(file); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	aus := 0
	s := codec.NewAccessUnitScanner(data)
	for _, ok := s.Next(); ok; _, ok = s.Next() {
		aus++
	}
	fmt.Printf("input: %s, %.1f MB, %d access units (%.1f s at 30 fps, %.2f Mbit/s)\n",
		file, float64(len(data))/1e6, aus, float64(aus)/30, float64(len(data))*8/(float64(aus)/30)/1e6)

	bin := filepath.Join(cache, "cluecam")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/cluecam")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}

	key := make([]byte, 30)
	rand.Read(key)
	b64 := base64.StdEncoding.EncodeToString(key)
	senders := []sender{
		{"cluecam stream", func(port int) *exec.Cmd {
			return exec.Command(bin, "stream", "--file", file, "--fps", "30", "--pace", "none", "--capture", "VC1",
				"--to", fmt.Sprintf("127.0.0.1:%d", port), "--srtp-key", b64, "--log-level", "warn")
		}},
		{"gst-launch-1.0", func(port int) *exec.Cmd {
			// mtu is the whole RTP packet: 1200 bytes of payload as ours.
			return exec.Command("gst-launch-1.0", "-q", "filesrc", "location="+file, "!", "h264parse", "!",
				"rtph264pay", "pt=96", "mtu=1212", "config-interval=-1", "!",
				"srtpenc", fmt.Sprintf("key=%x", key), "rtp-cipher=aes-128-icm", "rtp-auth=hmac-sha1-80",
				"rtcp-cipher=aes-128-icm", "rtcp-auth=hmac-sha1-80", "!",
				"udpsink", "host=127.0.0.1", fmt.Sprintf("port=%d", port), "sync=false", "async=false")
		}},
		{"ffmpeg", func(port int) *exec.Cmd {
			return exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "h264", "-framerate", "30",
				"-i", file, "-c", "copy", "-f", "rtp", "-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80", "-srtp_out_params", b64,
				fmt.Sprintf("srtp://127.0.0.1:%d?pkt_size=1212", port))
		}},
	}
	var results []result
	for _, sd := range senders {
		var rs []result
		for i := 0; i < runs; i++ {
			r, err := measure(sd)
			if err != nil {
				return fmt.Errorf("%s: %w", sd.name, err)
			}
			rs = append(rs, r)
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].cpu < rs[j].cpu })
		results = append(results, rs[len(rs)/2])
	}

	fmt.Printf("\nwhole-process CPU (user+sys of the child, median of %d runs) to send the file as SRTP to a loopback sink:\n\n", runs)
	fmt.Printf("| sender | CPU s | user s | sys s | wall s | packets received | MB received | CPU ns/byte |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Printf("| %s | %.3f | %.3f | %.3f | %.2f | %d | %.1f | %.2f |\n", r.name, r.cpu.Seconds(), r.user.Seconds(), r.sys.Seconds(),
			r.wall.Seconds(), r.packets, float64(r.bytes)/1e6, float64(r.cpu.Nanoseconds())/float64(len(data)))
	}
	ours := results[0].cpu.Seconds()
	fmt.Printf("\nours/gst = %.3f, ours/ffmpeg = %.3f (CPU per byte of the same file; goal: ours/gst <= 0.333)\n",
		ours/results[1].cpu.Seconds(), ours/results[2].cpu.Seconds())

	return hotLoop(data)
}

type sender struct {
	name string
	cmd  func(port int) *exec.Cmd
}

type result struct {
	name             string
	cpu, user, sys   time.Duration
	wall             time.Duration
	packets, bytes   int64
	receivedComplete bool
}

// measure runs one sender against a fresh draining sink.
func measure(sd sender) (result, error) {
	r := result{name: sd.name}
	rtpc, rtcpc, err := socketPair()
	if err != nil {
		return r, err
	}
	defer rtpc.Close()
	defer rtcpc.Close()
	var packets, bytesIn atomic.Int64
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		buf := make([]byte, 65536)
		for {
			n, err := rtpc.Read(buf)
			if err != nil {
				return
			}
			packets.Add(1)
			bytesIn.Add(int64(n))
		}
	}()
	go io.Copy(io.Discard, rtcpc)
	cmd := sd.cmd(rtpc.LocalAddr().(*net.UDPAddr).Port)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return r, fmt.Errorf("%v\n%s", err, errb.String())
	}
	r.wall = time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return r, errors.New("no rusage on this platform")
	}
	r.user = time.Duration(ru.Utime.Nano())
	r.sys = time.Duration(ru.Stime.Nano())
	r.cpu = r.user + r.sys
	// Let the drain catch up with what is in the socket buffer.
	for last := int64(-1); last != packets.Load(); time.Sleep(200 * time.Millisecond) {
		last = packets.Load()
	}
	r.packets, r.bytes = packets.Load(), bytesIn.Load()
	return r, nil
}

// socketPair binds an even loopback port for RTP and the next for RTCP,
// with large receive buffers so the sink loses as little as it can.
func socketPair() (*net.UDPConn, *net.UDPConn, error) {
	for i := 0; i < 100; i++ {
		a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, nil, err
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		if p%2 != 0 {
			a.Close()
			continue
		}
		b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1})
		if err != nil {
			a.Close()
			continue
		}
		a.SetReadBuffer(32 << 20)
		return a, b, nil
	}
	return nil, nil, errors.New("no free port pair")
}

// generate makes the default input once: 30 s of 1080p30 at 8 Mbit/s.
func generate(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	fmt.Fprintf(os.Stderr, "generating %s with ffmpeg (libx264, once)...\n", path)
	tmp := path + ".tmp"
	cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=30,noise=alls=10:allf=t",
		"-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "high", "-pix_fmt", "yuv420p",
		"-b:v", "8M", "-maxrate", "8M", "-bufsize", "8M", "-g", "60", "-f", "h264", tmp)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	return os.Rename(tmp, path)
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run inside the module")
	}
	return filepath.Dir(gomod), nil
}

// hotLoop measures, on the file's access units, the pipeline's per-packet
// work (packetize + SRTP seal from the frame into a packet buffer) and the
// cryptography alone over the same packets, best of several passes.
func hotLoop(data []byte) error {
	var aus [][]byte
	s := codec.NewAccessUnitScanner(data)
	for au, ok := s.Next(); ok; au, ok = s.Next() {
		aus = append(aus, data[au.Start:au.End])
	}
	st, err := rtp.NewStream(rtp.StreamOptions{PayloadType: 96, ClockRate: 90000, CaptID: "VC1", CaptIDExtID: 1})
	if err != nil {
		return err
	}
	h, err := rtp.NewH264Packetizer(st, nil)
	if err != nil {
		return err
	}
	key := make([]byte, 30)
	snd, err := srtp.NewSender(srtp.ProfileAES128CMSHA1_80, key[:16], key[16:])
	if err != nil {
		return err
	}
	ss, err := snd.Stream(st.SSRC())
	if err != nil {
		return err
	}
	pool := rtp.NewPool(&rtp.PoolOptions{Buffers: 4})
	out := make([]byte, 0, 2048)
	var sizes []int // payload size of every packet, for the floor
	ours := best(5, func() {
		sizes = sizes[:0]
		for i, au := range aus {
			h.SetFrame(au, time.Duration(i)*time.Second/30)
			for h.More() {
				p := pool.Get()
				if err := h.Next(p); err != nil {
					panic(err)
				}
				if _, err := ss.SealRTPSegments(out[:0], p.Header(), p.Segments()); err != nil {
					panic(err)
				}
				sizes = append(sizes, p.PayloadLen())
				p.Release()
			}
		}
	})
	block, _ := aes.NewCipher(make([]byte, 16))
	mac := hmac.New(sha1.New, make([]byte, 20))
	pkt := make([]byte, 2048)
	var iv [16]byte
	var tag [sha1.Size]byte
	floor := best(5, func() {
		for i, n := range sizes {
			binary.BigEndian.PutUint32(iv[12:], uint32(i))
			cipher.NewCTR(block, iv[:]).XORKeyStream(pkt[12:12+n], pkt[12:12+n])
			mac.Reset()
			mac.Write(pkt[:12+n])
			mac.Write(iv[:4])
			mac.Sum(tag[:0])
		}
	})
	n := float64(len(data))
	fmt.Printf("\nin process, %d packets of this file (best of 5 passes):\n\n", len(sizes))
	fmt.Printf("| work | ns/byte | MB/s |\n|---|---|---|\n")
	fmt.Printf("| packetize + SRTP seal (ours) | %.3f | %.0f |\n", float64(ours.Nanoseconds())/n, n/ours.Seconds()/1e6)
	fmt.Printf("| crypto floor: AES-CTR + HMAC-SHA1 (crypto/cipher, crypto/hmac) | %.3f | %.0f |\n", float64(floor.Nanoseconds())/n, n/floor.Seconds()/1e6)
	fmt.Printf("\nours/floor = %.3f\n", ours.Seconds()/floor.Seconds())
	return nil
}

func best(n int, f func()) time.Duration {
	b := time.Duration(1<<63 - 1)
	for i := 0; i < n; i++ {
		t := time.Now()
		f()
		b = min(b, time.Since(t))
	}
	return b
}
