package provider

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/hw"
)

// Decision is the provider's answer to a configure (RFC 8847 §5.6): the
// response code and reason for the configureResponse, and the findings
// behind them.
type Decision struct {
	Code   protocol.Code
	Reason string // for <reasonString>; "" with 200
	// Problems are the Error-severity findings (nil with 200); the first
	// one decided the code.
	Problems model.Problems
}

// OK reports whether the configure is accepted.
func (d Decision) OK() bool { return d.Code.IsSuccess() }

// rank orders a problem by the precedence described at CheckConfigure and
// gives its response code.
func rank(adv *model.Advertisement, ces model.CaptureEncodings, p *model.Problem) (int, protocol.Code) {
	switch p.Rule {
	case model.RuleRequired:
		return 0, protocol.CodeBadSyntax
	case model.RuleIDSyntax, model.RuleCEUnknownCapture, RuleUnknownEncoding:
		return 1, protocol.CodeInvalidValue
	case model.RuleRef:
		// An unresolved reference in configuredContent.
		return 1, protocol.CodeInvalidValue
	case RuleGroupLimit:
		return 2, protocol.CodeSemanticErrors
	case model.RuleCEEncoding:
		// Not in the capture's group: unknown altogether (302, reported
		// as RuleUnknownEncoding too) or another group's (303).
		for i := range ces {
			if strings.HasSuffix(p.Where, fmt.Sprintf("%q", ces[i].ID)) && !advertisesEncoding(adv, ces[i].EncodingID) {
				return 1, protocol.CodeInvalidValue
			}
		}
		return 3, protocol.CodeConflictingValues
	case model.RuleIDUnique, model.RuleCEEncodingReuse, model.RuleCECaptureReuse:
		return 3, protocol.CodeConflictingValues
	case model.RuleSubsetChoice:
		return 4, protocol.CodeSubsetChoiceNotAllowed
	}
	return 5, protocol.CodeSemanticErrors
}

// CheckConfigure decides how the provider answers a configure whose
// capture encodings are ces, against the advertisement they refer to
// (RFC 8845 §10: "The Configure MUST be valid according to the most
// recently received Advertisement"). It uses model's CheckConfigure and
// adds the encoding-group limits and the distinction between unknown and
// conflicting identifiers. Empty ces (no <captureEncodings>: request
// nothing) is 200.
//
// The response codes a configure can get, and why (RFC 8847 §5.7 Table 1
// gives titles only; clue/protocol's doc lists the envelope-level ones).
// A configure is all or nothing (RFC 8847 §5.6): of all its problems, the
// first in this order decides the code (the root cause before its
// consequences: three streams asked of a group of two encodings also
// reuse an encoding, and the answer names the group):
//
//	301 Bad syntax          a captureEncoding lacks its ID, captureID or
//	                        encodingID (the schema requires them; Parse
//	                        already answers such messages)
//	302 Invalid value       an identifier names nothing in the advertisement
//	                        (an unknown captureID, encodingID, or reference
//	                        in configuredContent), or an ID is not an
//	                        NCName. RFC 8847's 403 "Invalid identifier" is
//	                        reserved for the clueId, so a wrong capture or
//	                        encoding identifier is an invalid value.
//	400 Semantic errors     encoding limits exceeded: more capture
//	                        encodings from a group than it has encodings
//	                        (RFC 8845 §9.3, §10.3)
//	303 Conflicting values  identifiers that exist but cannot be used
//	                        together: an encoding used twice (RFC 8845
//	                        §9.1), a capture used twice (§7.1), an encoding
//	                        outside the capture's group (§10), a capture
//	                        encoding ID repeated (xs:ID)
//	405 Subset choice       configuredContent for an MCC that does not
//	    not allowed         allow subset choice, or names no captures
//	                        (RFC 8846 §11.9)
//	400 Semantic errors     anything else the advertisement does not allow:
//	                        captures not in one simultaneous set (RFC 8845
//	                        §8), a capture without an encoding group (§9.3),
//	                        configuredContent on a capture that is not an
//	                        MCC, beyond the MCC, over maxCaptures, or
//	                        containing the MCC itself
//
// Answer adds the two that depend on the advertisement sequence numbers:
// 404 Advertisement expired, and 400 for an advertisement never sent.
func CheckConfigure(adv *model.Advertisement, ces model.CaptureEncodings) Decision {
	if len(ces) == 0 {
		return Decision{Code: protocol.CodeSuccess}
	}
	// This package's findings first: of equal rank, they say more.
	ps := groupLimits(adv, ces)
	for _, p := range adv.CheckConfigure(ces) {
		if p.Severity == model.Error {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return Decision{Code: protocol.CodeSuccess}
	}
	best, bestRank, code := 0, len(ps)+99, protocol.CodeSemanticErrors
	for i := range ps {
		if r, c := rank(adv, ces, &ps[i]); r < bestRank {
			best, bestRank, code = i, r, c
		}
	}
	// The deciding problem first, the others in their order.
	ps = append(model.Problems{ps[best]}, append(ps[:best:best], ps[best+1:]...)...)
	return Decision{Code: code, Reason: reason(&ps[0]), Problems: ps}
}

// RuleGroupLimit is the rule this package adds to model's configure rules:
// more capture encodings from one encoding group than it has encodings
// (RFC 8845 §9.3: "The maximum number of Capture Encodings that can result
// from a particular Encoding Group constraint is equal to the number of
// Individual Encodings in the group"; §10.3: the consumer MUST keep within
// the group's capabilities).
const RuleGroupLimit model.Rule = "ce-group-limit"

// RuleUnknownEncoding: an encodingID that is in no encoding group of the
// advertisement (RFC 8846 §22.2).
const RuleUnknownEncoding model.Rule = "ce-unknown-encoding"

func groupLimits(adv *model.Advertisement, ces model.CaptureEncodings) model.Problems {
	var ps model.Problems
	per := map[string]int{}
	var order []string
	for i := range ces {
		ce := &ces[i]
		c := adv.Capture(ce.CaptureID)
		if ce.EncodingID != "" && !advertisesEncoding(adv, ce.EncodingID) {
			ps = append(ps, model.Problem{Rule: RuleUnknownEncoding, Where: fmt.Sprintf("captureEncoding %q", ce.ID),
				Section: "RFC 8846 §22.2", Msg: fmt.Sprintf("encodingID %q is in no encoding group of the advertisement", ce.EncodingID)})
		}
		if c == nil || c.EncGroupIDREF == "" || adv.EncodingGroup(c.EncGroupIDREF) == nil {
			continue
		}
		if per[c.EncGroupIDREF] == 0 {
			order = append(order, c.EncGroupIDREF)
		}
		per[c.EncGroupIDREF]++
	}
	for _, id := range order {
		g := adv.EncodingGroup(id)
		if have := distinct(g.EncodingIDs); per[id] > have {
			ps = append(ps, model.Problem{Rule: RuleGroupLimit, Where: "captureEncodings", Section: "RFC 8845 §9.3, §10.3",
				Msg: fmt.Sprintf("%d capture encodings from encodingGroup %q, which has %d encodings", per[id], id, have)})
		}
	}
	return ps
}

func advertisesEncoding(adv *model.Advertisement, id string) bool {
	for i := range adv.EncodingGroups {
		if slices.Contains(adv.EncodingGroups[i].EncodingIDs, id) {
			return true
		}
	}
	return false
}

func distinct(ids []string) int {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	return len(seen)
}

// reason is the <reasonString>: the code's title and the specific problem
// (RFC 8847 §5.7 encourages more specific descriptions).
func reason(p *model.Problem) string {
	return p.Where + ": " + p.Msg + " (" + p.Section + ")"
}

// Answer decides the configureResponse to a configure message, given the
// newest advertisement message the provider sent: 404 when the configure
// refers to an older advertisement (RFC 8847 §5.7 "Advertisement
// expired"), 400 when it names one never sent, otherwise CheckConfigure.
// (clue/protocol's provider machine makes the same sequence decisions and
// ignores an out-of-date configure+ack, RFC 8847 §6.1; Answer is for
// callers without a machine, such as `cluecam clue check`.)
func Answer(adv *protocol.Advertisement, c *protocol.Configure) Decision {
	switch {
	case c.AdvSeqNr < adv.SeqNr:
		return Decision{Code: protocol.CodeAdvertisementExpired,
			Reason: fmt.Sprintf("configure refers to advertisement %d, the current one is %d", c.AdvSeqNr, adv.SeqNr)}
	case c.AdvSeqNr > adv.SeqNr:
		return Decision{Code: protocol.CodeSemanticErrors,
			Reason: fmt.Sprintf("configure refers to advertisement %d, which was never sent (the newest is %d)", c.AdvSeqNr, adv.SeqNr)}
	}
	return CheckConfigure(&adv.Body, c.Body)
}

// ProtocolCheck has the signature of protocol.Opts.CheckConfigure, so that
// a participant answers configures with this package's decisions.
func ProtocolCheck(adv *protocol.AdvertisementBody, c *protocol.Configure) (protocol.Code, string) {
	d := CheckConfigure(adv, c.Body)
	return d.Code, d.Reason
}

// Order is what an accepted capture encoding asks of the box: run capture
// CaptureID (device Device in mode Video/Audio) into the stream of
// encoding EncodingID within the limits.
type Order struct {
	CaptureEncodingID string // the <captureEncoding> ID
	CaptureID         string
	EncodingID        string
	Name              string // the Room's capture or MCC name
	Media             string
	// Device is the device to start; "" for an MCC, whose Sources say
	// what it switches between.
	Device string
	Video  hw.VideoMode
	Audio  hw.AudioFormat
	// Limits of the capture encoding: the encoding's, narrowed by the
	// capture's own mode and bit-rate cap, and the bit rate by the
	// group's share (see Accept).
	MaxWidth, MaxHeight int
	MaxFrameRate        hw.Rational
	MaxBitrate          uint64
	// MCC only: the constituents to switch between (the configured
	// subset, or all), and the policy that chooses. Voices[i] is the
	// microphone of Sources[i] (Device "" when it has none);
	// SwitchInterval is the RoundRobin period.
	Sources        []Source
	Voices         []Source
	Policy         string
	SwitchInterval time.Duration
}

func (o Order) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "start %s %q", o.Media, o.CaptureID)
	if o.Device != "" {
		fmt.Fprintf(&b, " on %s", o.Device)
	}
	fmt.Fprintf(&b, " as %s (%s)", o.EncodingID, o.CaptureEncodingID)
	if o.Media == model.MediaVideo {
		fmt.Fprintf(&b, ": max %dx%d@%v", o.MaxWidth, o.MaxHeight, o.MaxFrameRate)
	} else {
		fmt.Fprintf(&b, ": %v", o.Audio)
	}
	fmt.Fprintf(&b, ", %d bit/s", o.MaxBitrate)
	if len(o.Sources) > 0 {
		ids := make([]string, len(o.Sources))
		for i, s := range o.Sources {
			ids[i] = s.CaptureID
		}
		fmt.Fprintf(&b, ", switching %s", strings.Join(ids, " "))
		if o.Policy != "" {
			fmt.Fprintf(&b, " by %s", o.Policy)
		}
	}
	return b.String()
}

// Accept decides a configure against this advertisement and, when it is
// accepted, turns it into orders, one per capture encoding in the
// configure's order.
//
// Bit rates: each capture encoding gets the smaller of its encoding's and
// its capture's limit; when the capture encodings instantiated from one
// group would together exceed maxGroupBandwidth, each is scaled down in
// proportion so that the sum fits (RFC 8845 §9.2: "the sum of all the
// individual Capture Encoding bitrates MUST be less than or equal to this
// group value").
func (a *Advertisement) Accept(ces model.CaptureEncodings) (Decision, []Order) {
	d := CheckConfigure(&a.Body, ces)
	if !d.OK() || len(ces) == 0 {
		return d, nil
	}
	orders := make([]Order, 0, len(ces))
	sum := map[string]uint64{}
	for i := range ces {
		ce := &ces[i]
		src := a.sources[ce.CaptureID]
		enc := a.Encodings[a.encs[ce.EncodingID]]
		o := Order{
			CaptureEncodingID: ce.ID, CaptureID: ce.CaptureID, EncodingID: ce.EncodingID,
			Name: src.Name, Media: src.Media, Device: src.Device, Video: src.Video, Audio: src.Audio,
			MaxWidth: enc.MaxWidth, MaxHeight: enc.MaxHeight, MaxFrameRate: enc.MaxFrameRate,
			MaxBitrate: minNonZero(enc.MaxBitrate, src.MaxBitrate), Policy: src.Policy,
		}
		if src.Media == model.MediaAudio {
			o.Audio = minNonZeroAudio(src.Audio, enc.Audio)
		}
		if !src.MCC {
			o.MaxWidth, o.MaxHeight = min(o.MaxWidth, src.Video.Width), min(o.MaxHeight, src.Video.Height)
			if src.Video.FrameRate.Valid() && src.Video.FrameRate.Float64() < o.MaxFrameRate.Float64() {
				o.MaxFrameRate = src.Video.FrameRate
			}
		} else {
			content := src.Content
			if ce.ConfiguredContent != nil {
				content = a.Body.Expand(ce.ConfiguredContent) // RFC 8846 §11.9: "MUST then include only that subset"
			}
			o.SwitchInterval = src.SwitchInterval
			for _, id := range content {
				if s, ok := a.sources[id]; ok && !s.MCC {
					o.Sources = append(o.Sources, *s)
					var voice Source
					if mic, ok := a.sources[src.Voices[id]]; ok {
						voice = *mic
					}
					o.Voices = append(o.Voices, voice)
				}
			}
		}
		sum[enc.Group] += o.MaxBitrate
		orders = append(orders, o)
	}
	for i := range orders {
		g := a.Body.EncodingGroup(a.Encodings[a.encs[orders[i].EncodingID]].Group)
		if total := sum[g.EncodingGroupID]; total > g.MaxGroupBandwidth {
			orders[i].MaxBitrate = orders[i].MaxBitrate * g.MaxGroupBandwidth / total
		}
	}
	return d, orders
}

func minNonZeroAudio(a, b hw.AudioFormat) hw.AudioFormat {
	if a.Valid() {
		return a
	}
	return b
}
