// Package consumer is the Media Consumer's side of CLUE (RFC 8845 §10):
// given a provider's advertisement and a policy, it chooses captures and
// encodings and builds the <captureEncodings> of a configure that the
// provider can honour. It is pure and imports only clue/model.
//
// The choice, in order:
//
//  1. Candidates: captures that have an encoding group (RFC 8845 §9.3: only
//     they can be configured), filtered by the policy's media types, scene
//     views, captureIDs and MCC preference.
//  2. Simultaneity (RFC 8845 §8): when the advertisement has simultaneous
//     sets of a media type, the consumer "MUST ensure that it chooses Media
//     Captures that lie wholly within one of those" sets: the set holding
//     the most candidates is chosen and the others dropped. Without sets
//     of a media type the candidates are not restricted: RFC 8845 §8 then
//     only promises any one scene view at a time, so a consumer that must
//     not rely on more names one view per media type in Policy.SceneViews
//     (clue/provider advertises no sets exactly when everything can be sent
//     at once).
//  3. Encodings (RFC 8845 §9.1, §9.3, §10.3): candidates are taken in
//     order of <priority> (lower first, none last), then advertisement
//     order; each gets a free encoding of its group (an encoding serves one
//     capture encoding at a time), if one is left and the per-media limit
//     and the bandwidth budget allow.
//  4. Self-check: the result passes model.Advertisement.CheckConfigure.
//
// Bandwidth: an individual encoding's maximum bit rate is an SDP
// parameter (RFC 8845 §9.1), so the policy may supply it
// (EncodingBitrate); without it an encoding is assumed to use its whole
// group's maxGroupBandwidth. A group never costs more than its
// maxGroupBandwidth (RFC 8845 §9.2), so the estimate is a safe upper bound.
package consumer

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/cluecam/cluecam/clue/model"
)

// MCCChoice says whether Multiple Content Captures are wanted.
type MCCChoice uint8

const (
	// WithMCCs takes MCCs and individual captures alike (the default).
	WithMCCs MCCChoice = iota
	// NoMCCs takes individual captures only.
	NoMCCs
	// OnlyMCCs takes MCCs only (a one-screen consumer wanting the
	// loudest speaker, RFC 8845 §12.2.1).
	OnlyMCCs
)

// Policy is what the consumer wants. The zero value asks for everything
// the provider can send at once.
type Policy struct {
	// Media lists the media types wanted; empty means all.
	Media []string
	// SceneViews restricts the choice to the captures of these scene
	// views (RFC 8845 §7.3: a consumer may take one CSV per media type);
	// empty means any capture.
	SceneViews []string
	// Captures restricts the choice to these captureIDs; empty means any.
	Captures []string
	// MCCs says whether MCCs are wanted.
	MCCs MCCChoice
	// MaxPerMedia caps the captures chosen per media type (e.g. the number
	// of screens for "video"); absent or 0 means no cap.
	MaxPerMedia map[string]int
	// Budget is the total bit rate the consumer can receive, in bits per
	// second; 0 means no limit.
	Budget uint64
	// EncodingBitrate returns an individual encoding's maximum bit rate as
	// learnt from SDP; nil, or 0 for an encoding, means unknown.
	EncodingBitrate func(encodingID string) uint64
	// Subsets gives, per MCC captureID, the captures to ask for in
	// <configuredContent> (RFC 8846 §11.9). Only for MCCs that allow
	// subset choice, at most maxCaptures of them.
	Subsets map[string][]string
}

// Choice is the result of Choose.
type Choice struct {
	// Encodings is the <captureEncodings> content of the configure; empty
	// when nothing could be chosen (then the configure carries no
	// <captureEncodings>: request nothing).
	Encodings model.CaptureEncodings
	// Bitrate is the estimated worst-case total bit rate (see the package
	// documentation).
	Bitrate uint64
	// Skipped lists candidates left out and why.
	Skipped []Skip
}

// Skip is a candidate capture that was not chosen.
type Skip struct {
	CaptureID string
	Why       string
}

// Choose picks captures of adv according to p (nil: the zero Policy) and
// returns the capture encodings to configure.
func Choose(adv *model.Advertisement, p *Policy) (*Choice, error) {
	if p == nil {
		p = &Policy{}
	}
	ch := &Choice{}
	cands, err := candidates(adv, p)
	if err != nil {
		return nil, err
	}
	cands = simultaneous(adv, cands, ch)

	used := map[string]bool{}        // encodingIDs taken
	perMedia := map[string]int{}     // captures chosen per media type
	groupCost := map[string]uint64{} // estimated bit rate per group
	total := uint64(0)
	for _, c := range cands {
		if lim := p.MaxPerMedia[c.MediaType]; lim > 0 && perMedia[c.MediaType] >= lim {
			ch.Skipped = append(ch.Skipped, Skip{c.CaptureID, "per-media limit reached"})
			continue
		}
		g := adv.EncodingGroup(c.EncGroupIDREF)
		enc := ""
		for _, id := range g.EncodingIDs {
			if !used[id] {
				enc = id
				break
			}
		}
		if enc == "" {
			// RFC 8845 §9.3: no more capture encodings than encodings.
			ch.Skipped = append(ch.Skipped, Skip{c.CaptureID, "no free encoding in group " + g.EncodingGroupID})
			continue
		}
		cost := g.MaxGroupBandwidth
		if p.EncodingBitrate != nil {
			if b := p.EncodingBitrate(enc); b > 0 {
				cost = min(b, cost)
			}
		}
		newGroup := min(groupCost[g.EncodingGroupID]+cost, g.MaxGroupBandwidth)
		newTotal := total - groupCost[g.EncodingGroupID] + newGroup
		if p.Budget > 0 && newTotal > p.Budget {
			ch.Skipped = append(ch.Skipped, Skip{c.CaptureID, "over the bandwidth budget"})
			continue
		}
		ce := model.CaptureEncoding{ID: "ce" + strconv.Itoa(len(ch.Encodings)+1), CaptureID: c.CaptureID, EncodingID: enc}
		if sub, ok := p.Subsets[c.CaptureID]; ok {
			cc, err := subset(adv, c, sub)
			if err != nil {
				return nil, err
			}
			ce.ConfiguredContent = cc
		}
		used[enc] = true
		perMedia[c.MediaType]++
		groupCost[g.EncodingGroupID] = newGroup
		total = newTotal
		ch.Encodings = append(ch.Encodings, ce)
	}
	ch.Bitrate = total
	if ps := adv.CheckConfigure(ch.Encodings).Errors(); len(ps) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInternal, ps)
	}
	return ch, nil
}

// candidates returns the configurable captures the policy wants, in order
// of preference.
func candidates(adv *model.Advertisement, p *Policy) ([]*model.MediaCapture, error) {
	var inViews map[string]bool
	if len(p.SceneViews) > 0 {
		inViews = map[string]bool{}
		for _, id := range p.SceneViews {
			v, _ := adv.SceneView(id)
			if v == nil {
				return nil, fmt.Errorf("%w: no scene view %q", ErrPolicy, id)
			}
			for _, c := range v.MediaCaptureIDREFs {
				inViews[c] = true
			}
		}
	}
	var out []*model.MediaCapture
	for i := range adv.MediaCaptures {
		c := &adv.MediaCaptures[i]
		switch {
		case c.EncGroupIDREF == "" || adv.EncodingGroup(c.EncGroupIDREF) == nil:
			continue // RFC 8845 §9.3: not configurable
		case len(p.Media) > 0 && !slices.Contains(p.Media, c.MediaType):
			continue
		case len(p.Captures) > 0 && !slices.Contains(p.Captures, c.CaptureID):
			continue
		case inViews != nil && !inViews[c.CaptureID]:
			continue
		case p.MCCs == NoMCCs && c.IsMCC(), p.MCCs == OnlyMCCs && !c.IsMCC():
			continue
		}
		out = append(out, c)
	}
	// RFC 8845 §7.1.1.12: lower priority values are more important; no
	// priority means no assumption, so those come last.
	slices.SortStableFunc(out, func(a, b *model.MediaCapture) int {
		switch {
		case a.Priority == nil && b.Priority == nil:
			return 0
		case a.Priority == nil:
			return 1
		case b.Priority == nil:
			return -1
		case *a.Priority < *b.Priority:
			return -1
		case *a.Priority > *b.Priority:
			return 1
		}
		return 0
	})
	return out, nil
}

// simultaneous keeps, per media type with simultaneous sets, the candidates
// of the set that holds most of them (RFC 8845 §8).
func simultaneous(adv *model.Advertisement, cands []*model.MediaCapture, ch *Choice) []*model.MediaCapture {
	keep := map[string]map[string]bool{} // media type → chosen set's members
	for _, mt := range mediaTypes(cands) {
		var best map[string]bool
		bestN := -1
		for i := range adv.SimultaneousSets {
			members, typ := setMembers(adv, &adv.SimultaneousSets[i])
			if typ != mt {
				continue
			}
			n := 0
			for _, c := range cands {
				if c.MediaType == mt && members[c.CaptureID] {
					n++
				}
			}
			if n > bestN {
				best, bestN = members, n
			}
		}
		if best != nil {
			keep[mt] = best
		}
	}
	var out []*model.MediaCapture
	for _, c := range cands {
		if set, ok := keep[c.MediaType]; ok && !set[c.CaptureID] {
			ch.Skipped = append(ch.Skipped, Skip{c.CaptureID, "not in the chosen simultaneous set"})
			continue
		}
		out = append(out, c)
	}
	return out
}

func mediaTypes(cands []*model.MediaCapture) []string {
	var ts []string
	for _, c := range cands {
		if !slices.Contains(ts, c.MediaType) {
			ts = append(ts, c.MediaType)
		}
	}
	return ts
}

// setMembers expands a simultaneous set to its captures and media type
// (RFC 8846 §19; RFC 8845 §8: a scene view stands for its captures, a
// scene for its scene views of the set's media type).
func setMembers(adv *model.Advertisement, s *model.SimultaneousSet) (map[string]bool, string) {
	members := map[string]bool{}
	mt := s.MediaType
	add := func(id string) {
		if c := adv.Capture(id); c != nil {
			members[id] = true
			if mt == "" {
				mt = c.MediaType
			}
		}
	}
	for _, id := range s.MediaCaptureIDREFs {
		add(id)
	}
	for _, id := range s.SceneViewIDREFs {
		if v, _ := adv.SceneView(id); v != nil {
			for _, c := range v.MediaCaptureIDREFs {
				add(c)
			}
		}
	}
	for _, id := range s.CaptureSceneIDREFs {
		for i := range adv.CaptureScenes {
			sc := &adv.CaptureScenes[i]
			if sc.SceneID != id {
				continue
			}
			for _, v := range sc.SceneViews {
				if sameType(adv, v.MediaCaptureIDREFs, mt) {
					for _, c := range v.MediaCaptureIDREFs {
						add(c)
					}
				}
			}
		}
	}
	return members, mt
}

func sameType(adv *model.Advertisement, ids []string, mt string) bool {
	for _, id := range ids {
		if c := adv.Capture(id); c == nil || c.MediaType != mt {
			return false
		}
	}
	return len(ids) > 0
}

// subset builds <configuredContent> for an MCC (RFC 8846 §11.9, §22.3).
func subset(adv *model.Advertisement, c *model.MediaCapture, ids []string) (*model.Content, error) {
	content := adv.Expand(c.Content)
	switch {
	case c.Individual:
		return nil, fmt.Errorf("%w: %q is not an MCC", ErrPolicy, c.CaptureID)
	case !c.AllowSubsetChoice || len(content) == 0:
		// RFC 8846 §11.9: the consumer MUST NOT select a subset.
		return nil, fmt.Errorf("%w: MCC %q does not allow subset choice", ErrPolicy, c.CaptureID)
	case len(ids) == 0:
		return nil, fmt.Errorf("%w: empty subset for MCC %q", ErrPolicy, c.CaptureID)
	case c.MaxCaptures != nil && len(ids) > int(c.MaxCaptures.N):
		return nil, fmt.Errorf("%w: %d captures for MCC %q, maxCaptures is %d (RFC 8846 §22.3)", ErrPolicy, len(ids), c.CaptureID, c.MaxCaptures.N)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !slices.Contains(content, id) || seen[id] {
			return nil, fmt.Errorf("%w: %q is not (once) in MCC %q", ErrPolicy, id, c.CaptureID)
		}
		seen[id] = true
	}
	return &model.Content{MediaCaptureIDREFs: slices.Clone(ids)}, nil
}
