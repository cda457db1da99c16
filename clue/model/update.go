package model

// CheckUpdate compares an advertisement with the one it replaces in the
// same CLUE session (RFC 8847 §5.3: a new advertisement completely
// replaces the previous one). A capture that was advertised with mobility
// "static" and keeps its captureID:
//   - MUST NOT move its point of capture for the life of the session
//     (RFC 8845 §7.1.1.4): Error;
//   - SHOULD NOT change its spatial information at all (RFC 8846 §11.16):
//     Warning for a changed line of capture or area of capture.
//
// A provider whose camera can move (PTZ presets, a hand-carried camera)
// advertises it "dynamic" or "highly-dynamic", or gives it a new captureID.
func CheckUpdate(prev, next *Advertisement) Problems {
	var ps Problems
	for i := range prev.MediaCaptures {
		old := &prev.MediaCaptures[i]
		if old.Mobility != Static {
			continue
		}
		cur := next.Capture(old.CaptureID)
		if cur == nil {
			continue
		}
		w := whereCap(cur)
		op, np := capturePoint(old), capturePoint(cur)
		if op != nil && (np == nil || *op != *np) {
			ps = append(ps, Problem{Severity: Error, Rule: RuleStaticMoved, Where: w, Section: "RFC 8845 §7.1.1.4",
				Msg: "the point of capture of a static capture moved"})
			continue
		}
		if !sameSpatial(old.Spatial, cur.Spatial) {
			ps = append(ps, Problem{Severity: Warning, Rule: RuleStaticMoved, Where: w, Section: "RFC 8846 §11.16",
				Msg: "the spatial information of a static capture changed"})
		}
	}
	return ps
}

func capturePoint(c *MediaCapture) *Point {
	if c.Spatial == nil || c.Spatial.CaptureOrigin == nil {
		return nil
	}
	return &c.Spatial.CaptureOrigin.CapturePoint
}

func sameSpatial(a, b *SpatialInformation) bool {
	if a == nil || b == nil {
		return a == b
	}
	if (a.CaptureArea == nil) != (b.CaptureArea == nil) || (a.CaptureArea != nil && *a.CaptureArea != *b.CaptureArea) {
		return false
	}
	ao, bo := a.CaptureOrigin, b.CaptureOrigin
	if ao == nil || bo == nil {
		return ao == bo
	}
	al, bl := ao.LineOfCapturePoint, bo.LineOfCapturePoint
	if al == nil || bl == nil {
		return al == bl && ao.CapturePoint == bo.CapturePoint
	}
	return *al == *bl && ao.CapturePoint == bo.CapturePoint
}
