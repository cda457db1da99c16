package rtp

import (
	"sync"
)

// Buffer layout. Every pooled buffer is
//
//	| Headroom | RTP header (<= MaxHeaderLen) | payload (<= MaxPayload) | Trailer |
//
// with the RTP header starting at offset Headroom.
const (
	// Headroom is reserved before the RTP header so that a transport can
	// prepend its framing in place (TURN ChannelData: 4 bytes; RFC 4571
	// framing over TCP: 2 bytes).
	Headroom = 32
	// MaxCaptIDLen is the longest capture ID a Stream sends (CLUE capture
	// IDs are short xs:ID tokens such as "VC3").
	MaxCaptIDLen = 64
	// MaxHeaderLen is the largest RTP header a Stream writes: the fixed 12
	// bytes, no CSRCs, and the header extension (4 bytes of extension
	// header, a two-byte element header, the capture ID, padding).
	MaxHeaderLen = 12 + 4 + 2 + MaxCaptIDLen + 2
	// Trailer is reserved after the payload for what SRTP appends: the
	// authentication tag (10 bytes for AES_CM_128_HMAC_SHA1_80, 16 for
	// AEAD_AES_128_GCM) and an optional MKI.
	Trailer = 32
	// DefaultMaxPayload is the default RTP payload size limit: 1200 bytes
	// keeps header + payload + SRTP tag + IPv6/UDP headers well inside a
	// 1280-byte IPv6 minimum MTU path with tunnel overheads.
	DefaultMaxPayload = 1200
	// MaxSegments bounds the payload segments of one packet (an STAP-A of
	// k NAL units uses 2k of them).
	MaxSegments = 16
)

// PoolOptions configure a Pool. The zero value is the default.
type PoolOptions struct {
	// Buffers is the bound: the most packets that can be out at once
	// (default 512, enough for three 1080p keyframes in flight).
	Buffers int
	// MaxPayload is the largest RTP payload a buffer must hold (default
	// DefaultMaxPayload). Packetizers using the pool must not be
	// configured larger.
	MaxPayload int
}

// Pool is a bounded pool of fixed-size packet buffers. Buffers are
// allocated on first use, up to Buffers of them, and recycled through a
// free list: once warm, Get and Put allocate nothing. It is safe for
// concurrent use. The free list is a stack under a mutex: in the
// pipeline one goroutine takes and returns every packet, and an
// uncontended mutex costs a fraction of a channel operation (the
// channel this replaced was 40% of packetizing a 1080p keyframe).
type Pool struct {
	mu         sync.Mutex
	free       []*Packet // stack of idle buffers (cap: limit)
	made       int       // buffers allocated so far (mu)
	size       int       // buffer length
	maxPayload int
	limit      int
}

// NewPool returns a pool; nil opts means the defaults.
func NewPool(opts *PoolOptions) *Pool {
	var o PoolOptions
	if opts != nil {
		o = *opts
	}
	if o.Buffers <= 0 {
		o.Buffers = 512
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	return &Pool{
		free:       make([]*Packet, 0, o.Buffers),
		size:       Headroom + MaxHeaderLen + o.MaxPayload + Trailer,
		maxPayload: o.MaxPayload,
		limit:      o.Buffers,
	}
}

// MaxPayload returns the payload size every buffer holds.
func (p *Pool) MaxPayload() int { return p.maxPayload }

// BufferSize returns the length of every buffer.
func (p *Pool) BufferSize() int { return p.size }

// Get returns an empty packet, or nil when all Buffers are out (callers
// treat that as ErrPoolExhausted). The packet is returned with Release.
func (p *Pool) Get() *Packet {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		pkt := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.mu.Unlock()
		pkt.out.Store(true)
		return pkt
	}
	if p.made >= p.limit {
		p.mu.Unlock()
		return nil
	}
	p.made++
	p.mu.Unlock()
	pkt := &Packet{buf: make([]byte, p.size), pool: p}
	pkt.out.Store(true)
	return pkt
}

// Outstanding returns how many packets are out of the pool.
func (p *Pool) Outstanding() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.made - len(p.free)
}

func (p *Pool) put(pkt *Packet) {
	if !pkt.out.CompareAndSwap(true, false) {
		return // released twice: ignore the second
	}
	pkt.reset()
	p.mu.Lock()
	p.free = append(p.free, pkt) // never grows: at most limit buffers exist
	p.mu.Unlock()
}
