package protocol

// This file is the seam between the protocol envelope (RFC 8847) and the
// clue-info data model (RFC 8846, package clue/model) that advertisement and
// configure carry. Nothing else in the package looks inside a body: to change
// how bodies are represented, change the two aliases and the functions here.
//
// RFC 8847 §5.3, §5.5: the group containers (<mediaCaptures>, …,
// <captureEncodings>) are clue-protocol elements; their children are
// clue-info elements.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cluecam/cluecam/clue/model"
)

// AdvertisementBody is the clue-info content of an advertisement: the six
// groups (RFC 8847 §5.3).
type AdvertisementBody = model.Advertisement

// CaptureEncodingsBody is the content of a configure's <captureEncodings>
// (RFC 8847 §5.5); empty means the element is absent (the configure requests
// nothing — an empty <captureEncodings/> is schema-invalid, DIGEST §3.3).
type CaptureEncodingsBody = model.CaptureEncodings

// advGroups lists the advertisement's groups in schema order (RFC 8847 §9
// advertisementMessageType).
var advGroups = [...]struct {
	container string
	mandatory bool
}{
	{"mediaCaptures", true},
	{"encodingGroups", true},
	{"captureScenes", true},
	{"simultaneousSets", false},
	{"globalViews", false},
	{"people", false},
}

// infoNS is how we write the clue-info content inside a message: the
// containers unprefixed (clue-protocol is the message's default namespace),
// clue-info under "dm" (the prefix RFC 8847 §9 uses for it), xsi and xcard
// declared on the root.
var infoNS = model.Namespaces{Container: "", Info: "dm", XSI: "xsi", VCard: "xcard"}

// bodyDeclarations is what the root of an advertisement or configure
// declares for infoNS.
func bodyDeclarations(dst []byte) []byte {
	for _, a := range infoNS.Declarations() {
		dst = append(dst, ' ')
		dst = append(dst, a.Name.Local...)
		dst = append(dst, '=', '"')
		dst = appendEscText(dst, a.Value)
		dst = append(dst, '"')
	}
	return dst
}

// modelOpts hands the model decoder the rest of our depth budget and the
// prefix bindings in scope (for xsi:type QNames).
func (r *reader) modelOpts() *model.DecodeOpts {
	return &model.DecodeOpts{MaxDepth: max(1, r.maxDepth-r.depth), NS: r.ns.bindings()}
}

// afterModel accounts for the container end tag the model decoder consumed.
func (r *reader) afterModel() {
	r.depth--
	r.ns.pop()
}

// modelError turns a model decoding error into a ParseError with a 3xx
// code: too deep / too large 300; not well formed 301; a value out of its
// type's range 302; any other structural problem 301.
func (r *reader) modelError(err error) error {
	if err == nil {
		return nil
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe
	}
	code := CodeBadSyntax
	var ne *strconv.NumError
	switch {
	case errors.Is(err, model.ErrTooDeep), errors.Is(err, model.ErrTooLarge):
		code = CodeLowLevelError
	case errors.As(err, &ne):
		code = CodeInvalidValue
	}
	e := r.failErr(code, err, "clue-info content")
	var de *model.DecodeError
	if errors.As(err, &de) && de.Line > 0 {
		e.Line, e.Col = de.Line, de.Col
		e.Msg = strings.TrimPrefix(de.Error(), "model: ")
	}
	return e
}

// decodeAdvertisementGroup reads group container se of an advertisement.
func decodeAdvertisementGroup(r *reader, se xml.StartElement, b *AdvertisementBody, _ int) error {
	err := b.DecodeGroup(r.xd, se, r.modelOpts())
	r.afterModel()
	return r.modelError(err)
}

// encodeAdvertisementBody writes the six containers in schema order.
func encodeAdvertisementBody(dst []byte, b *AdvertisementBody) ([]byte, error) {
	if err := advertisementComplete(b); err != nil {
		return dst, err
	}
	return encodeModel(dst, func(e *xml.Encoder) error { return b.EncodeGroups(e, infoNS) })
}

func decodeCaptureEncodings(r *reader, se xml.StartElement, b *CaptureEncodingsBody) error {
	ces, err := model.DecodeCaptureEncodings(r.xd, se, r.modelOpts())
	r.afterModel()
	*b = ces
	return r.modelError(err)
}

func encodeCaptureEncodings(dst []byte, b CaptureEncodingsBody) ([]byte, error) {
	return encodeModel(dst, func(e *xml.Encoder) error { return b.Encode(e, infoNS) })
}

func captureEncodingsPresent(b CaptureEncodingsBody) bool { return len(b) > 0 }

func encodeModel(dst []byte, fn func(*xml.Encoder) error) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	e := xml.NewEncoder(buf)
	if err := fn(e); err != nil {
		return dst, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	if err := e.Flush(); err != nil {
		return dst, fmt.Errorf("%w: %w", ErrInvalidMessage, err)
	}
	return buf.Bytes(), nil
}

// advertisementComplete checks that a body can be sent: the three mandatory
// groups are present (RFC 8847 §9 advertisementMessageType).
func advertisementComplete(b *AdvertisementBody) error {
	switch {
	case len(b.MediaCaptures) == 0:
		return errorf(ErrInvalidMessage, "advertisement without mediaCaptures")
	case len(b.EncodingGroups) == 0:
		return errorf(ErrInvalidMessage, "advertisement without encodingGroups")
	case len(b.CaptureScenes) == 0:
		return errorf(ErrInvalidMessage, "advertisement without captureScenes")
	}
	return nil
}

// ---- checks against the data model ----

// CheckAdvertisement is the default check a Media Consumer applies to a
// received advertisement before handing it to the application (RFC 8847
// §6.2: an advertisement whose processing is unsuccessful is answered with a
// NACK). It rejects bodies with Error-severity problems of the data model
// (model.Advertisement.Check: schema constraints such as xs:ID uniqueness and
// IDREF resolution, RFC 8847 §7, and the MUSTs of RFC 8846 / RFC 8845) with
// 400 Semantic errors (302 for ID syntax, 303 for a reused ID). Warnings are
// accepted.
func CheckAdvertisement(a *Advertisement) (Code, string) {
	return problemsCode(a.Body.Check(), CodeSemanticErrors)
}

// CheckConfigure is the default check a Media Provider applies to a
// configure against the advertisement it refers to before handing it to the
// application (RFC 8845 §10: the configure MUST be valid for the most recent
// advertisement; RFC 8847 §5.6: no partial execution). A subset choice the
// MCC does not allow is 405 (RFC 8847 §5.7, RFC 8846 §11.9); any other
// Error-severity problem 400 (302 / 303 for ID syntax / reuse).
func CheckConfigure(adv *AdvertisementBody, c *Configure) (Code, string) {
	if !captureEncodingsPresent(c.Body) {
		return CodeSuccess, ""
	}
	ps := adv.CheckConfigure(c.Body)
	for _, p := range ps {
		if p.Severity == model.Error && p.Rule == model.RuleSubsetChoice {
			return CodeSubsetChoiceNotAllowed, p.String()
		}
	}
	return problemsCode(ps, CodeSemanticErrors)
}

func problemsCode(ps model.Problems, def Code) (Code, string) {
	for _, p := range ps {
		if p.Severity != model.Error {
			continue
		}
		switch p.Rule {
		case model.RuleIDSyntax:
			return CodeInvalidValue, p.String()
		case model.RuleIDUnique:
			return CodeConflictingValues, p.String()
		}
		return def, p.String()
	}
	return CodeSuccess, ""
}
