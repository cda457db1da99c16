package provider

import (
	"fmt"
	"reflect"

	"github.com/cluecam/cluecam/clue/model"
)

// Readvertise builds the advertisement for room and returns it when it
// differs from prev, the one last sent: RFC 8847 §5.3 "the MP SHOULD send
// a new advertisement whenever its capabilities change" (a camera went
// away, a PTZ head came to rest somewhere else, the configuration was
// reloaded). next is nil when nothing changed (or prev is nil and the room
// cannot be built: see err).
//
// A new advertisement completely replaces the previous one (RFC 8847
// §5.3), and must not move a static capture (RFC 8845 §7.1.1.4): when
// model.CheckUpdate finds that it does (a reload moved a fixed camera in
// the configuration), next is returned with an error wrapping
// ErrStaticMoved, and the caller has to restart the CLUE session before
// sending it. Cameras on PTZ heads are advertised "dynamic" and may move.
func Readvertise(prev *Advertisement, room *Room) (next *Advertisement, err error) {
	next, err = Build(room)
	if err != nil {
		return nil, err
	}
	if prev == nil {
		return next, nil
	}
	if reflect.DeepEqual(prev.Body, next.Body) && reflect.DeepEqual(prev.Encodings, next.Encodings) {
		return nil, nil
	}
	if ps := model.CheckUpdate(&prev.Body, &next.Body).Errors(); len(ps) > 0 {
		return next, fmt.Errorf("%w: %w", ErrStaticMoved, ps)
	}
	return next, nil
}
