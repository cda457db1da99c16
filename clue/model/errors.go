package model

import (
	"errors"
	"fmt"
	"strings"
)

// Errors callers may branch on.
var (
	// ErrTooLarge: the document exceeds DecodeOpts.MaxBytes.
	ErrTooLarge = errors.New("model: document too large")
	// ErrTooDeep: elements nest deeper than DecodeOpts.MaxDepth.
	ErrTooDeep = errors.New("model: elements nested too deeply")
	// ErrNotClueInfo: the root element is not clue-info's <clueInfo>.
	ErrNotClueInfo = errors.New("model: root element is not <clueInfo>")
)

// DecodeError is a decoding failure at a position of the input. Decoding
// errors are XML-level (RFC 8847 §5.7 classes them 3xx: a well-formedness
// error is 301, an invalid value 302, conflicting values 303, other
// schema-level problems 300).
type DecodeError struct {
	Line, Col int    // position reached by the decoder (1-based; 0 if unknown)
	Elem      string // local name of the element being decoded, if any
	Msg       string
	Err       error // underlying error (xml.SyntaxError, strconv, ErrTooLarge...), may be nil
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("model: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d:%d: ", e.Line, e.Col)
	}
	if e.Elem != "" {
		fmt.Fprintf(&b, "<%s>: ", e.Elem)
	}
	b.WriteString(e.Msg)
	if e.Err != nil && e.Msg == "" {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Severity of a Problem.
type Severity uint8

const (
	// Error: a MUST / MUST NOT of the RFCs or a schema constraint is broken.
	Error Severity = iota
	// Warning: a SHOULD, or a point where the RFCs disagree and DIGEST.md §9
	// chose to accept the input.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Problem is one semantic finding of a Check or Validate call.
type Problem struct {
	Severity Severity
	Rule     Rule   // stable identifier of the rule
	Where    string // element and ID, e.g. `mediaCapture "VC3"`
	Msg      string
	Section  string // where the rule comes from, e.g. "RFC 8846 §11.5.2"
}

func (p Problem) String() string {
	s := p.Where + ": " + p.Msg + " (" + p.Section + ")"
	if p.Severity == Warning {
		s = "warning: " + s
	}
	return s
}

// Problems is a list of findings; as an error it reads as the list.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return "model: " + ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model: %d problems:", len(ps))
	for _, p := range ps {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Errors returns the Error-severity problems.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == Error {
			out = append(out, p)
		}
	}
	return out
}

// Has reports whether a problem with the rule exists whose Where contains
// where ("" matches any).
func (ps Problems) Has(r Rule, where string) bool {
	for _, p := range ps {
		if p.Rule == r && strings.Contains(p.Where, where) {
			return true
		}
	}
	return false
}

// err returns the Error-severity problems as an error, or nil.
func (ps Problems) err() error {
	if e := ps.Errors(); len(e) > 0 {
		return e
	}
	return nil
}
