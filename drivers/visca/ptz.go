package visca

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/cluecam/cluecam/hw"
)

// DefaultLimits are those of a PTZOptics-style camera: ±170° pan,
// -30…+90° tilt, 1–20× zoom; the speeds are the top speeds' estimates.
var DefaultLimits = hw.PTZLimits{
	Pan: hw.Range{Min: -170, Max: 170}, Tilt: hw.Range{Min: -30, Max: 90}, Zoom: hw.Range{Min: 1, Max: 20},
	PanSpeed: 100, TiltSpeed: 90, ZoomSpeed: 5,
	Home: hw.Position{Pan: 0, Tilt: 0, Zoom: 1},
}

// Opts configure a camera. Zero fields take the defaults.
type Opts struct {
	// ID is the device ID ("visca:/dev/ttyUSB0"); default "visca:1".
	ID string
	// Addr is the camera address 1–7 (default 1).
	Addr uint8
	// Limits replaces DefaultLimits when any speed is set. Limits.Home
	// must be pan 0, tilt 0: Home uses the camera's Home command.
	Limits hw.PTZLimits
	// PanUnitsPerDegree and TiltUnitsPerDegree convert degrees to the
	// camera's position units (default 14.4: PTZOptics, ±170° = ±0x0990).
	PanUnitsPerDegree, TiltUnitsPerDegree float64
	// ZoomMaxUnits is the zoom position at Limits.Zoom.Max (default
	// 0x4000); Limits.Zoom.Min is 0, and zoom is linear in between.
	ZoomMaxUnits uint16
	// PanSpeed and TiltSpeed are VV and WW of moves (default the maxima).
	PanSpeed, TiltSpeed uint8
	// PollInterval is how often a moving head's position is asked for
	// (default 100 ms).
	PollInterval time.Duration
	// Presets maps preset names to CAM_Memory numbers already stored in
	// the camera (with the position they hold). SetPreset of a new name
	// takes the lowest free number.
	Presets map[string]StoredPreset
}

// StoredPreset is a preset held in camera memory Number.
type StoredPreset struct {
	Number uint8
	hw.Position
}

// PTZ is a VISCA camera as an hw.PTZ. Moves send absolute Pan-tiltDrive
// and Zoom Direct commands and end with their completions; while they run,
// the position is inquired every PollInterval (on the injected clock).
type PTZ struct {
	clock hw.Clock
	opts  Opts
	info  hw.DeviceInfo
	zoom  bool
	feed  hw.PositionFeed

	wire    sync.Mutex // one exchange on the transport at a time
	t       Transport
	buf     [MaxMessage]byte
	pending map[uint8]bool  // sockets of commands not yet completed
	results map[uint8]error // completions (nil) and errors per socket

	mu       sync.Mutex
	isClosed bool
	pos      hw.Position // last known position
	gen      uint64
	waiter   hw.Timer
	presets  map[string]StoredPreset
}

var _ hw.PTZ = (*PTZ)(nil)

// New returns the camera on t. A nil clock means hw.SystemClock; nil opts
// the defaults. It asks for the current position once.
func New(t Transport, clock hw.Clock, opts *Opts) (*PTZ, error) {
	if clock == nil {
		clock = hw.SystemClock
	}
	var o Opts
	if opts != nil {
		o = *opts
	}
	if o.Addr == 0 {
		o.Addr = 1
	}
	if o.ID == "" {
		o.ID = fmt.Sprintf("visca:%d", o.Addr)
	}
	l := o.Limits
	if l.PanSpeed == 0 && l.TiltSpeed == 0 && l.ZoomSpeed == 0 {
		l = DefaultLimits
	}
	o.Limits = l
	if o.PanUnitsPerDegree == 0 {
		o.PanUnitsPerDegree = 14.4
	}
	if o.TiltUnitsPerDegree == 0 {
		o.TiltUnitsPerDegree = 14.4
	}
	if o.ZoomMaxUnits == 0 {
		o.ZoomMaxUnits = 0x4000
	}
	if o.PanSpeed == 0 {
		o.PanSpeed = MaxPanSpeed
	}
	if o.TiltSpeed == 0 {
		o.TiltSpeed = MaxTiltSpeed
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	switch {
	case o.Addr > 7:
		return nil, fmt.Errorf("visca: address %d: want 1–7", o.Addr)
	case l.Pan.Min > l.Pan.Max || l.Tilt.Min > l.Tilt.Max || l.Zoom.Min > l.Zoom.Max || !l.Contains(l.Home) || l.Home.Pan != 0 || l.Home.Tilt != 0:
		return nil, fmt.Errorf("visca: %s: limits %+v: want Min <= Max and Home at pan 0, tilt 0 within", o.ID, l)
	case math.Abs(max(-l.Pan.Min, l.Pan.Max)*o.PanUnitsPerDegree) > math.MaxInt16 || math.Abs(max(-l.Tilt.Min, l.Tilt.Max)*o.TiltUnitsPerDegree) > math.MaxInt16:
		return nil, fmt.Errorf("visca: %s: limits exceed 16-bit positions at the configured scale", o.ID)
	}
	p := &PTZ{clock: clock, opts: o, t: t, zoom: l.Zoom.Min < l.Zoom.Max,
		pending: map[uint8]bool{}, results: map[uint8]error{}, presets: map[string]StoredPreset{}}
	p.info = hw.DeviceInfo{ID: o.ID, Driver: "visca", Name: "VISCA camera", Kind: hw.KindPTZ, Caps: hw.CapPan | hw.CapTilt | hw.CapPresets}
	if p.zoom {
		p.info.Caps |= hw.CapZoom
	}
	for n, sp := range o.Presets {
		if n == "" || sp.Number > MaxMemory || !l.Contains(sp.Position) {
			return nil, wrap(o.ID, fmt.Errorf("preset %q (%d) at %v: %w", n, sp.Number, sp.Position, hw.ErrOutOfRange))
		}
		p.presets[n] = sp
	}
	pos, err := p.inquire()
	if err != nil {
		return nil, wrap(o.ID, err)
	}
	p.pos = pos
	return p, nil
}

// Info describes the device.
func (p *PTZ) Info() hw.DeviceInfo { return p.info }

// Limits returns the travel and speeds.
func (p *PTZ) Limits() hw.PTZLimits { return p.opts.Limits }

// units converts a position to camera units.
func (p *PTZ) units(pos hw.Position) (pan, tilt int16, zoom uint16) {
	pan = int16(math.Round(pos.Pan * p.opts.PanUnitsPerDegree))
	tilt = int16(math.Round(pos.Tilt * p.opts.TiltUnitsPerDegree))
	if p.zoom {
		z := p.opts.Limits.Zoom
		zoom = uint16(math.Round((pos.Zoom - z.Min) / (z.Max - z.Min) * float64(p.opts.ZoomMaxUnits)))
	}
	return
}

// degrees converts camera units to a position.
func (p *PTZ) degrees(pan, tilt int16, zoom uint16) hw.Position {
	z := p.opts.Limits.Zoom
	pos := hw.Position{Pan: float64(pan) / p.opts.PanUnitsPerDegree, Tilt: float64(tilt) / p.opts.TiltUnitsPerDegree, Zoom: z.Min}
	if p.zoom {
		pos.Zoom = z.Min + float64(zoom)/float64(p.opts.ZoomMaxUnits)*(z.Max-z.Min)
	}
	return pos
}

// readLocked reads one reply, recording completions and errors of pending
// sockets; it returns replies that answer the current exchange.
func (p *PTZ) readLocked() (Reply, bool, error) {
	n, err := p.t.ReadMessage(p.buf[:])
	if err != nil {
		return Reply{}, false, err
	}
	r, err := ParseReply(p.buf[:n])
	if err != nil {
		return Reply{}, false, err
	}
	if r.Socket != 0 && p.pending[r.Socket] && r.Kind != ReplyAck {
		delete(p.pending, r.Socket)
		p.results[r.Socket] = r.Err
		return r, false, nil
	}
	return r, true, nil
}

// command sends cmd and waits for its ACK; it returns the socket the
// camera runs it in.
func (p *PTZ) command(cmd []byte) (uint8, error) {
	p.wire.Lock()
	defer p.wire.Unlock()
	if err := p.t.WriteMessage(cmd); err != nil {
		return 0, err
	}
	for {
		r, mine, err := p.readLocked()
		if err != nil {
			return 0, err
		}
		if !mine {
			continue
		}
		switch r.Kind {
		case ReplyAck:
			delete(p.results, r.Socket)
			p.pending[r.Socket] = true
			return r.Socket, nil
		case ReplyError:
			return 0, r.Err
		case ReplyCompletion:
			if len(r.Data) == 0 { // completed at once, without an ACK
				p.results[r.Socket] = nil
				return r.Socket, nil
			}
		}
	}
}

// inquiry sends inq and returns the data of its reply.
func (p *PTZ) inquiryLocked(inq []byte) ([]byte, error) {
	if err := p.t.WriteMessage(inq); err != nil {
		return nil, err
	}
	for {
		r, mine, err := p.readLocked()
		if err != nil {
			return nil, err
		}
		if !mine {
			continue
		}
		switch {
		case r.Kind == ReplyError:
			return nil, r.Err
		case r.Kind == ReplyCompletion && r.Socket == 0 && len(r.Data) > 0:
			return r.Data, nil
		}
	}
}

// inquire asks for the position.
func (p *PTZ) inquire() (hw.Position, error) {
	p.wire.Lock()
	defer p.wire.Unlock()
	d, err := p.inquiryLocked(PanTiltPosInq(p.opts.Addr))
	if err != nil {
		return hw.Position{}, err
	}
	pan, tilt, err := PanTiltPosition(d)
	if err != nil {
		return hw.Position{}, err
	}
	var zoom uint16
	if p.zoom {
		if d, err = p.inquiryLocked(ZoomPosInq(p.opts.Addr)); err != nil {
			return hw.Position{}, err
		}
		if zoom, err = ZoomPosition(d); err != nil {
			return hw.Position{}, err
		}
	}
	return p.degrees(pan, tilt, zoom), nil
}

// done reports whether every socket has a result, and the first error.
func (p *PTZ) done(sockets []uint8) (bool, error) {
	p.wire.Lock()
	defer p.wire.Unlock()
	var first error
	for _, s := range sockets {
		err, ok := p.results[s]
		if !ok {
			return false, nil
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return true, first
}

// Position returns the camera's reported position, or the last known one
// when the inquiry fails.
func (p *PTZ) Position() hw.Position {
	p.mu.Lock()
	closed, last := p.isClosed, p.pos
	p.mu.Unlock()
	if closed {
		return last
	}
	pos, err := p.inquire()
	if err != nil {
		return last
	}
	p.mu.Lock()
	p.pos = pos
	p.mu.Unlock()
	return pos
}

// supersedeLocked interrupts a running move.
func (p *PTZ) supersedeLocked() {
	p.gen++
	if p.waiter != nil {
		p.waiter.Wake()
		p.waiter = nil
	}
}

// move sends the commands of a move to target and waits for their
// completions.
func (p *PTZ) move(ctx context.Context, target hw.Position, cmds ...[]byte) error {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return wrap(p.opts.ID, hw.ErrClosed)
	}
	p.supersedeLocked()
	gen := p.gen
	timer := p.clock.NewTimer()
	defer timer.Stop()
	p.waiter = timer
	p.mu.Unlock()

	var sockets []uint8
	for _, c := range cmds {
		s, err := p.command(c)
		if err != nil {
			return wrap(p.opts.ID, err)
		}
		sockets = append(sockets, s)
	}
	for {
		ok, err := p.done(sockets)
		p.mu.Lock()
		if p.gen != gen {
			closed := p.isClosed
			p.mu.Unlock()
			if closed {
				return wrap(p.opts.ID, hw.ErrClosed)
			}
			return wrap(p.opts.ID, hw.ErrInterrupted)
		}
		if ok {
			p.waiter = nil
			if err == nil {
				p.pos = target
			}
			p.mu.Unlock()
			if err != nil {
				return wrap(p.opts.ID, err)
			}
			p.feed.Publish(target)
			return nil
		}
		p.mu.Unlock()
		serr := timer.SleepUntil(ctx, p.clock.Now()+p.opts.PollInterval)
		switch {
		case errors.Is(serr, hw.ErrWoken):
			continue
		case serr != nil: // ctx done: stop where we are
			p.mu.Lock()
			mine := p.gen == gen
			if mine {
				p.supersedeLocked()
			}
			p.mu.Unlock()
			if mine {
				if err := p.halt(); err != nil {
					return wrap(p.opts.ID, err)
				}
			}
			return serr
		}
		if pos, err := p.inquire(); err == nil {
			p.mu.Lock()
			p.pos = pos
			p.mu.Unlock()
		} else {
			return wrap(p.opts.ID, err)
		}
	}
}

// halt sends the stop commands, then publishes where the head stopped.
func (p *PTZ) halt() error {
	if _, err := p.command(PanTiltStop(p.opts.Addr, p.opts.PanSpeed, p.opts.TiltSpeed)); err != nil {
		return err
	}
	if p.zoom {
		if _, err := p.command(ZoomStop(p.opts.Addr)); err != nil {
			return err
		}
	}
	pos, err := p.inquire()
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.pos = pos
	p.mu.Unlock()
	p.feed.Publish(pos)
	return nil
}

func (p *PTZ) moveCmds(pos hw.Position) [][]byte {
	pan, tilt, zoom := p.units(pos)
	cmds := [][]byte{PanTiltAbsolute(p.opts.Addr, p.opts.PanSpeed, p.opts.TiltSpeed, pan, tilt)}
	if p.zoom {
		cmds = append(cmds, ZoomDirect(p.opts.Addr, zoom))
	}
	return cmds
}

// MoveAbsolute moves to pos, which must lie within the limits.
func (p *PTZ) MoveAbsolute(ctx context.Context, pos hw.Position) error {
	if !p.zoom {
		pos.Zoom = p.opts.Limits.Zoom.Min
	}
	if !p.opts.Limits.Contains(pos) {
		return wrap(p.opts.ID, fmt.Errorf("%v: %w", pos, hw.ErrOutOfRange))
	}
	return p.move(ctx, pos, p.moveCmds(pos)...)
}

// MoveRelative moves by delta from the current position, clamped to the
// limits (sent as an absolute move, so the clamp holds).
func (p *PTZ) MoveRelative(ctx context.Context, delta hw.Position) error {
	if !p.zoom {
		delta.Zoom = 0
	}
	p.mu.Lock()
	closed := p.isClosed
	p.mu.Unlock()
	if closed {
		return wrap(p.opts.ID, hw.ErrClosed)
	}
	target := p.opts.Limits.Clamp(p.Position().Add(delta))
	return p.move(ctx, target, p.moveCmds(target)...)
}

// Home sends Pan-tiltDrive Home (and zooms to Limits().Home.Zoom).
func (p *PTZ) Home(ctx context.Context) error {
	h := p.opts.Limits.Home
	cmds := [][]byte{PanTiltHome(p.opts.Addr)}
	if p.zoom {
		_, _, z := p.units(h)
		cmds = append(cmds, ZoomDirect(p.opts.Addr, z))
	}
	return p.move(ctx, h, cmds...)
}

// GotoPreset recalls the preset's camera memory.
func (p *PTZ) GotoPreset(ctx context.Context, name string) error {
	p.mu.Lock()
	sp, ok := p.presets[name]
	p.mu.Unlock()
	if !ok {
		return wrap(p.opts.ID, fmt.Errorf("preset %q: %w", name, hw.ErrNotFound))
	}
	return p.move(ctx, sp.Position, Memory(p.opts.Addr, MemoryRecall, sp.Number))
}

// SetPreset stores the current position in camera memory: the name's
// number if it has one, else the lowest free number.
func (p *PTZ) SetPreset(name string) error {
	if name == "" {
		return fmt.Errorf("visca: %s: empty preset name", p.opts.ID)
	}
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return wrap(p.opts.ID, hw.ErrClosed)
	}
	sp, ok := p.presets[name]
	if !ok {
		used := map[uint8]bool{}
		for _, x := range p.presets {
			used[x.Number] = true
		}
		n := -1
		for i := 0; i <= MaxMemory; i++ {
			if !used[uint8(i)] {
				n = i
				break
			}
		}
		if n < 0 {
			p.mu.Unlock()
			return fmt.Errorf("visca: %s: every camera memory is in use", p.opts.ID)
		}
		sp.Number = uint8(n)
	}
	p.mu.Unlock()
	sp.Position = p.Position()
	if _, err := p.command(Memory(p.opts.Addr, MemorySet, sp.Number)); err != nil {
		return wrap(p.opts.ID, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.presets[name] = sp
	return nil
}

// Presets lists the presets sorted by name.
func (p *PTZ) Presets() []hw.Preset {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]hw.Position, len(p.presets))
	for n, sp := range p.presets {
		m[n] = sp.Position
	}
	return hw.PresetList(m)
}

// Stop halts the head and interrupts a running move.
func (p *PTZ) Stop() error {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return wrap(p.opts.ID, hw.ErrClosed)
	}
	p.supersedeLocked()
	p.mu.Unlock()
	if err := p.halt(); err != nil {
		return wrap(p.opts.ID, err)
	}
	return nil
}

// Subscribe reports rest positions (see hw.PTZ).
func (p *PTZ) Subscribe() (<-chan hw.Position, func()) { return p.feed.Subscribe() }

// Close stops the head, interrupts a move, ends subscriptions and closes
// the transport (even when the stop fails, whose error it returns).
func (p *PTZ) Close() error {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return nil
	}
	p.isClosed = true
	p.supersedeLocked()
	p.mu.Unlock()
	p.feed.Close()
	_, err := p.command(PanTiltStop(p.opts.Addr, p.opts.PanSpeed, p.opts.TiltSpeed))
	if err == nil && p.zoom {
		_, err = p.command(ZoomStop(p.opts.Addr))
	}
	p.wire.Lock()
	defer p.wire.Unlock()
	if cerr := p.t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return wrap(p.opts.ID, err)
	}
	return nil
}
