package model

import (
	"fmt"
	"slices"
)

// Check checks capture encodings on their own: the ID attribute present,
// an NCName and unique (xs:ID, RFC 8846 §22), captureID and encodingID
// present.
func (c CaptureEncodings) Check() Problems {
	var ps Problems
	add := func(r Rule, where, section, format string, args ...any) {
		ps = append(ps, Problem{Rule: r, Where: where, Section: section, Msg: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for i := range c {
		ce := &c[i]
		w := whereCE(ce)
		switch {
		case ce.ID == "":
			add(RuleRequired, w, "RFC 8846 §22", "missing ID")
		case !isNCName(ce.ID):
			add(RuleIDSyntax, w, "RFC 8846 §22 (xs:ID)", "ID %q is not an XML NCName", ce.ID)
		case seen[ce.ID]:
			add(RuleIDUnique, w, "RFC 8846 §22 (xs:ID)", "ID %q used twice", ce.ID)
		}
		seen[ce.ID] = true
		if ce.CaptureID == "" {
			add(RuleRequired, w, "RFC 8846 §22.1", "missing captureID")
		}
		if ce.EncodingID == "" {
			add(RuleRequired, w, "RFC 8846 §22.2", "missing encodingID")
		}
	}
	return ps
}

// Validate returns the Error-severity problems of Check, or nil.
func (c CaptureEncodings) Validate() error { return c.Check().err() }

// CheckConfigure checks a configure's capture encodings against the
// advertisement they refer to (RFC 8845 §10: the configure MUST be valid
// for the most recent advertisement). It includes c.Check(). A provider
// answering the configure maps RuleSubsetChoice (Error) to response code
// 405 (RFC 8847 §5.7) and any other Error to a 4xx of its choosing; the
// advertisement's own problems are not repeated here.
func (a *Advertisement) CheckConfigure(c CaptureEncodings) Problems {
	ps := c.Check()
	k := newChecker(a, "")
	k.ps = nil
	k.mccs() // fills k.content
	k.ps = nil
	sets := k.simultaneousSets()
	k.ps = nil

	usedEnc := map[string]string{}
	usedCap := map[string]string{}
	chosenByType := map[string][]string{}
	for i := range c {
		ce := &c[i]
		w := whereCE(ce)
		if ce.EncodingID != "" {
			// RFC 8845 §9.1: an individual encoding serves at most one
			// capture encoding at a time.
			if prev, ok := usedEnc[ce.EncodingID]; ok {
				k.add(Error, RuleCEEncodingReuse, w, "RFC 8845 §9.1", "encodingID %q already used by %s", ce.EncodingID, prev)
			} else {
				usedEnc[ce.EncodingID] = w
			}
		}
		if ce.CaptureID == "" {
			continue
		}
		mc := k.caps[ce.CaptureID]
		if mc == nil {
			k.add(Error, RuleCEUnknownCapture, w, "RFC 8846 §22.1; RFC 8845 §10", "captureID %q is not in the advertisement", ce.CaptureID)
			continue
		}
		// RFC 8845 §7.1: a capture is the source of at most one capture encoding.
		if prev, ok := usedCap[ce.CaptureID]; ok {
			k.add(Error, RuleCECaptureReuse, w, "RFC 8845 §7.1", "capture %q already configured by %s", ce.CaptureID, prev)
		} else {
			usedCap[ce.CaptureID] = w
			chosenByType[mc.MediaType] = append(chosenByType[mc.MediaType], ce.CaptureID)
		}
		// RFC 8845 §9.3: only captures with an encoding group are configurable,
		// and only with an encoding of that group (RFC 8845 §10).
		g := k.groups[mc.EncGroupIDREF]
		switch {
		case mc.EncGroupIDREF == "" || g == nil:
			k.add(Error, RuleCENoEncGroup, w, "RFC 8845 §9.3; RFC 8846 §11.4", "capture %q has no encoding group", ce.CaptureID)
		case ce.EncodingID != "" && !slices.Contains(g.EncodingIDs, ce.EncodingID):
			k.add(Error, RuleCEEncoding, w, "RFC 8846 §22.2; RFC 8845 §10",
				"encodingID %q is not in capture %q's encodingGroup %q", ce.EncodingID, ce.CaptureID, g.EncodingGroupID)
		}
		if ce.ConfiguredContent != nil {
			k.configuredContent(ce, mc, w)
		}
	}
	// RFC 8845 §8: per media type, the chosen captures lie wholly within one
	// simultaneous set, when sets of that type are advertised.
	for _, mt := range sortedKeys(chosenByType) {
		ids := chosenByType[mt]
		constrained, ok := false, false
		for _, s := range sets {
			if s.mediaType != mt {
				continue
			}
			constrained = true
			if subsetOf(ids, s.caps) {
				ok = true
				break
			}
		}
		if constrained && !ok {
			k.add(Error, RuleCESimultaneous, "captureEncodings", "RFC 8845 §8", "%s captures %q are not all in one simultaneous set", mt, ids)
		}
	}
	return append(ps, k.ps...)
}

// configuredContent checks an MCC subset choice (RFC 8846 §11.9, §22.3;
// RFC 8845 §7.2.1.4, §10).
func (k *checker) configuredContent(ce *CaptureEncoding, mc *MediaCapture, w string) {
	if mc.Individual {
		k.add(Error, RuleCEContentNotMCC, w, "RFC 8846 §22.3", "configuredContent for capture %q, which is not an MCC", mc.CaptureID)
		return
	}
	chosen := k.expandConfigured(w, ce.ConfiguredContent)
	content := k.content[mc.CaptureID]
	if subset([]string{mc.CaptureID}, chosen) {
		k.add(Error, RuleMCCCycle, w, "RFC 8845 §7.2", "configuredContent of MCC %q contains the MCC itself", mc.CaptureID)
	}
	var outside []string
	inContent := toSet(content)
	for _, id := range chosen {
		if id != mc.CaptureID && !inContent[id] {
			outside = append(outside, id)
		}
	}
	same := len(chosen) == len(content) && subset(chosen, content)
	switch {
	case len(content) == 0:
		k.add(Error, RuleSubsetChoice, w, "RFC 8846 §11.9; RFC 8847 §5.7 (405)",
			"MCC %q references no captures: the consumer MUST NOT select a subset", mc.CaptureID)
	case !mc.AllowSubsetChoice && !same:
		k.add(Error, RuleSubsetChoice, w, "RFC 8846 §11.9; RFC 8847 §5.7 (405)",
			"MCC %q does not allow subset choice, configuredContent %q differs from its content %q", mc.CaptureID, chosen, content)
	case !mc.AllowSubsetChoice:
		k.add(Warning, RuleSubsetChoice, w, "RFC 8846 §11.9",
			"configuredContent repeats the full content of MCC %q, which does not allow subset choice", mc.CaptureID)
	}
	if len(content) > 0 && len(outside) > 0 {
		k.add(Error, RuleCEContentOutside, w, "RFC 8846 §11.9, §22.3", "captures %q are not part of MCC %q", outside, mc.CaptureID)
	}
	if m := mc.MaxCaptures; m != nil && len(chosen) > int(m.N) {
		k.add(Error, RuleCEMaxCaptures, w, "RFC 8846 §22.3", "%d captures chosen, maxCaptures is %d", len(chosen), m.N)
	}
}

func (k *checker) expandConfigured(w string, c *Content) []string {
	before := len(k.ps)
	out := k.expand(w, c, true)
	for i := before; i < len(k.ps); i++ {
		k.ps[i].Section = "RFC 8846 §22.3"
		k.ps[i].Msg = "configuredContent: " + k.ps[i].Msg
	}
	return out
}

func subset(a, b []string) bool {
	in := toSet(b)
	for _, x := range a {
		if !in[x] {
			return false
		}
	}
	return true
}

func toSet(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func subsetOf(a []string, b map[string]bool) bool {
	for _, x := range a {
		if !b[x] {
			return false
		}
	}
	return true
}
