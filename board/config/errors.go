package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Classes of problems. A *FieldError wraps exactly one of them, so a caller
// (the check-config subcommand, a test) can tell a typo in a key from a bad
// value with errors.Is without parsing messages.
var (
	// ErrSyntax: the file is not valid TOML. Decoding stops at the first
	// syntax error because nothing after it can be trusted.
	ErrSyntax = errors.New("config: syntax error")
	// ErrUnknownKey: a key the schema does not define (usually a typo).
	ErrUnknownKey = errors.New("config: unknown key")
	// ErrType: a value of the wrong TOML type (string where an integer is
	// expected, ...).
	ErrType = errors.New("config: wrong type")
	// ErrValue: a value of the right type that is out of range, malformed,
	// missing, duplicated, or inconsistent with another key.
	ErrValue = errors.New("config: invalid value")
	// ErrFile: a file named by the configuration (password_file, ca_file)
	// cannot be used. Only Load reports it: Parse never touches the disk.
	ErrFile = errors.New("config: referenced file")
	// ErrInsecure marks warnings about settings that work but weaken the
	// box's security (readable secret files, authentication turned off).
	ErrInsecure = errors.New("config: insecure setting")
)

// FieldError is one problem in a configuration file, located precisely
// enough for a person at a serial console to fix it without guessing.
type FieldError struct {
	File string // name as given to Parse or Load
	Line int    // 1-based; always ≥ 1
	Col  int    // 1-based, in characters; always ≥ 1
	Key  string // dotted path such as capture[1].geometry.point_of_capture; "" for syntax errors
	Msg  string // what is wrong and what is expected
	Err  error  // one of ErrSyntax, ErrUnknownKey, ErrType, ErrValue, ErrFile, ErrInsecure, possibly also wrapping an OS error
}

// Error formats the problem as file:line:col: key: message, the form
// editors and compilers use, so the console output is clickable.
func (e *FieldError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Col)
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the class of the problem (and any underlying OS error).
func (e *FieldError) Unwrap() error { return e.Err }

// Errors is every problem found in one pass over a file, sorted by position.
// Parse and Load return it (as error) when at least one problem is fatal.
type Errors []*FieldError

// Error prints one problem per line, in file order.
func (l Errors) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (l Errors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sortErrors orders by line then column; problems found at the same place
// keep the order in which the decoder found them.
func sortErrors(l []*FieldError) {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Col < l[j].Col
	})
}
