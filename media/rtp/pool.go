package rtp

import (
	"sync/atomic"
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
// concurrent use.
type Pool struct {
	free       chan *Packet
	size       int // buffer length
	maxPayload int
	limit      int32
	made       atomic.Int32
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
		free:       make(chan *Packet, o.Buffers),
		size:       Headroom + MaxHeaderLen + o.MaxPayload + Trailer,
		maxPayload: o.MaxPayload,
		limit:      int32(o.Buffers),
	}
}

// MaxPayload returns the payload size every buffer holds.
func (p *Pool) MaxPayload() int { return p.maxPayload }

// BufferSize returns the length of every buffer.
func (p *Pool) BufferSize() int { return p.size }

// Get returns an empty packet, or nil when all Buffers are out (callers
// treat that as ErrPoolExhausted). The packet is returned with Release.
func (p *Pool) Get() *Packet {
	select {
	case pkt := <-p.free:
		pkt.out.Store(true)
		return pkt
	default:
	}
	if p.made.Add(1) > p.limit {
		p.made.Add(-1)
		// Another goroutine may have put one back meanwhile.
		select {
		case pkt := <-p.free:
			pkt.out.Store(true)
			return pkt
		default:
			return nil
		}
	}
	pkt := &Packet{buf: make([]byte, p.size), pool: p}
	pkt.out.Store(true)
	return pkt
}

// Outstanding returns how many packets are out of the pool.
func (p *Pool) Outstanding() int { return int(p.made.Load()) - len(p.free) }

func (p *Pool) put(pkt *Packet) {
	if !pkt.out.CompareAndSwap(true, false) {
		return // released twice: ignore the second
	}
	pkt.reset()
	select {
	case p.free <- pkt:
	default: // cannot happen: the channel holds every buffer ever made
	}
}
