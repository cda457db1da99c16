package config

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Parse decodes and validates a configuration held in memory. filename is
// only used in messages. Parse never touches the file system: relative
// paths stay as written and secrets from password_file stay empty (use
// Load for that).
//
// On failure the error is Errors holding every problem found, sorted by
// line; a TOML syntax error stops decoding, so it comes alone. On success
// the returned Config has every default filled in and may carry Warnings.
func Parse(filename string, data []byte) (*Config, error) {
	return parse(filename, data, nil)
}

// utf8BOM is stripped: editors on other systems add it to files on the FAT
// partition, and TOML does not allow it.
var utf8BOM = []byte("\xef\xbb\xbf")

func parse(filename string, data []byte, fs *fileAccess) (*Config, error) {
	if len(data) > MaxFileSize {
		// A boot file this big is a mistake (or an attack on the parser),
		// not a configuration.
		return nil, fmt.Errorf("config: %s: file larger than %d bytes", filename, MaxFileSize)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	root, serr := parseTree(data)
	if serr != nil {
		return nil, Errors{{File: filename, Line: serr.at.line, Col: serr.at.col, Msg: "TOML syntax error: " + serr.msg, Err: ErrSyntax}}
	}
	d := &decoder{file: filename, fs: fs}
	c := Default()
	d.config(root, c)
	if len(d.errs) > 0 {
		sortErrors(d.errs)
		return nil, Errors(d.errs)
	}
	sortErrors(d.warns)
	c.Warnings = d.warns
	return c, nil
}

// decoder walks the tree, filling a Config and collecting problems. It never
// stops at a problem: a bad value leaves the default in place and decoding
// goes on, so one pass finds everything.
type decoder struct {
	file  string
	fs    *fileAccess // nil in Parse
	errs  []*FieldError
	warns []*FieldError
}

func (d *decoder) report(list *[]*FieldError, at pos, key string, class error, format string, args ...any) {
	if at.line < 1 {
		at = pos{1, 1}
	}
	if at.col < 1 {
		at.col = 1
	}
	*list = append(*list, &FieldError{File: d.file, Line: at.line, Col: at.col, Key: key, Msg: fmt.Sprintf(format, args...), Err: class})
}

func (d *decoder) errorf(at pos, key string, class error, format string, args ...any) {
	d.report(&d.errs, at, key, class, format, args...)
}

func (d *decoder) warnf(at pos, key string, class error, format string, args ...any) {
	d.report(&d.warns, at, key, class, format, args...)
}

// invalid reports a bad value at the value.
func (d *decoder) invalid(key string, v *node, format string, args ...any) {
	d.errorf(at(v), key, ErrValue, format, args...)
}

// at is where v is, or the top of the file when there is no v (a check
// about a default value that no key set).
func at(v *node) pos {
	if v == nil {
		return pos{1, 1}
	}
	return v.at
}

// required reports a missing key of table t (nil when the whole table is
// missing) at the table's header, or at the top of the file.
func (d *decoder) required(path string, t *node, key, hint string) {
	at := pos{1, 1}
	if t != nil {
		at = t.key
	}
	msg := "required"
	if hint != "" {
		msg += ": " + hint
	}
	d.errorf(at, join(path, key), ErrValue, "%s", msg)
}

// notApplicable reports a key that has no effect because of another
// setting; ignoring it silently would hide the mistake.
func (d *decoder) notApplicable(key string, v *node, why string) {
	d.errorf(v.key, key, ErrValue, "not used %s", why)
}

// join appends a key to a dotted path, quoting keys that are not bare keys
// so the path reads like the TOML that names it.
func join(path, key string) string {
	if !isBareKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isNameByte(k[i]) {
			return false
		}
	}
	return true
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// field is one key a table may hold, and how to decode it. Keeping the
// schema as lists of fields means the set of known keys (for unknown-key
// errors and suggestions) is the set of keys decoded: they cannot drift.
type field struct {
	name   string
	decode func(key string, v *node)
}

// fields decodes table t found at path: each present key goes to its field's
// decode, any other key is an unknown-key error. A nil t (table absent) is
// fine and decodes nothing; a t that is not a table is a type error and
// fields returns false so the caller skips its "required" checks, which
// would only repeat the problem.
func (d *decoder) fields(path string, t *node, fs []field) bool {
	if t == nil {
		return true
	}
	if t.kind != kindTable {
		d.errorf(t.at, path, ErrType, "expected table, found %s", describe(t))
		return false
	}
	for _, k := range t.keys {
		v := t.fields[k]
		key := join(path, k)
		found := false
		for _, f := range fs {
			if f.name == k {
				f.decode(key, v)
				found = true
				break
			}
		}
		if !found {
			d.unknown(key, k, v, fs)
		}
	}
	return true
}

func (d *decoder) unknown(key, name string, v *node, fs []field) {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	msg := "unknown key"
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	} else {
		sort.Strings(names)
		msg += "; expected one of " + strings.Join(names, ", ")
	}
	d.errorf(v.key, key, ErrUnknownKey, "%s", msg)
}

// suggest returns the known name closest to a typo, if it is close.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	if len(name) <= 3 {
		bestDist = 2
	}
	for _, k := range known {
		if dist := editDistance(strings.ToLower(name), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance, bounded to short keys.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describe names a value for "found ..." in messages.
func describe(v *node) string {
	switch v.kind {
	case kindString:
		return "string " + quoteShort(v.str)
	case kindInteger:
		return "integer " + strconv.FormatInt(v.i, 10)
	case kindFloat:
		return "float " + strconv.FormatFloat(v.f, 'g', -1, 64)
	case kindBool:
		return "boolean " + strconv.FormatBool(v.b)
	case kindDateTime:
		return "date-time " + v.str
	case kindArray:
		return "array"
	case kindTable:
		return "table"
	}
	return "value"
}

// quoteShort quotes s for a message, cut to a readable length.
func quoteShort(s string) string {
	const limit = 48
	if utf8.RuneCountInString(s) > limit {
		r := []rune(s)
		return strconv.Quote(string(r[:limit])) + "…"
	}
	return strconv.Quote(s)
}

// typeError reports a value of the wrong TOML type.
func (d *decoder) typeError(key string, v *node, expected string) {
	d.errorf(v.at, key, ErrType, "expected %s, found %s", expected, describe(v))
}

// str decodes any string.
func (d *decoder) str(key string, v *node, expected string) (string, bool) {
	if v.kind != kindString {
		d.typeError(key, v, expected)
		return "", false
	}
	return v.str, true
}

// text decodes optional free text that may be shown to people or put into
// SIP headers: not empty (remove the key instead: unset means "nothing"),
// at most maxLen characters, and no control characters, which could split a
// SIP header.
func (d *decoder) text(dst *string, key string, v *node, maxLen int) bool {
	expected := fmt.Sprintf("non-empty string of at most %d characters", maxLen)
	s, ok := d.str(key, v, expected)
	if !ok {
		return false
	}
	switch {
	case s == "":
		d.invalid(key, v, "expected %s; remove the key to leave it unset", expected)
		return false
	case utf8.RuneCountInString(s) > maxLen:
		d.invalid(key, v, "expected %s, found %d characters", expected, utf8.RuneCountInString(s))
		return false
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		d.invalid(key, v, "must not contain control characters such as newlines")
		return false
	}
	*dst = s
	return true
}

// name decodes an identifier for a scene, capture, PTZ head or preset.
func (d *decoder) name(dst *string, key string, v *node) bool {
	const expected = "name of 1 to 32 characters from A-Z a-z 0-9 _ -"
	s, ok := d.str(key, v, expected)
	if !ok {
		return false
	}
	if !validName(s) {
		d.invalid(key, v, "expected %s, found %s", expected, quoteShort(s))
		return false
	}
	*dst = s
	return true
}

func validName(s string) bool {
	return len(s) >= 1 && len(s) <= 32 && isBareKey(s)
}

// enum decodes a string from a fixed set.
func (d *decoder) enum(dst *string, key string, v *node, allowed ...string) bool {
	expected := "one of " + quoteList(allowed)
	s, ok := d.str(key, v, expected)
	if !ok {
		return false
	}
	for _, a := range allowed {
		if s == a {
			*dst = s
			return true
		}
	}
	d.invalid(key, v, "expected %s, found %s", expected, quoteShort(s))
	return false
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// integer decodes an integer in lo..hi.
func (d *decoder) integer(dst *int, key string, v *node, lo, hi int) bool {
	expected := fmt.Sprintf("integer %d..%d", lo, hi)
	if v.kind != kindInteger {
		d.typeError(key, v, expected)
		return false
	}
	if v.i < int64(lo) || v.i > int64(hi) {
		d.invalid(key, v, "expected %s, found %d", expected, v.i)
		return false
	}
	*dst = int(v.i)
	return true
}

// intOneOf decodes an integer from a fixed set.
func (d *decoder) intOneOf(dst *int, key string, v *node, allowed ...int) bool {
	q := make([]string, len(allowed))
	for i, a := range allowed {
		q[i] = strconv.Itoa(a)
	}
	expected := "one of " + strings.Join(q, ", ")
	if v.kind != kindInteger {
		d.typeError(key, v, "integer "+expected)
		return false
	}
	for _, a := range allowed {
		if v.i == int64(a) {
			*dst = a
			return true
		}
	}
	d.invalid(key, v, "expected %s, found %d", expected, v.i)
	return false
}

// number decodes an integer or float in lo..hi; NaN and infinities are
// never valid.
func (d *decoder) number(dst *float64, key string, v *node, lo, hi float64) bool {
	expected := fmt.Sprintf("number %s..%s", fmtFloat(lo), fmtFloat(hi))
	var f float64
	switch v.kind {
	case kindInteger:
		f = float64(v.i)
	case kindFloat:
		f = v.f
	default:
		d.typeError(key, v, expected)
		return false
	}
	if math.IsNaN(f) || f < lo || f > hi {
		d.invalid(key, v, "expected %s, found %s", expected, fmtFloat(f))
		return false
	}
	*dst = f
	return true
}

func (d *decoder) boolean(dst *bool, key string, v *node) bool {
	if v.kind != kindBool {
		d.typeError(key, v, "boolean true or false")
		return false
	}
	*dst = v.b
	return true
}

// duration decodes a Go duration string such as "600s" or "30m" in lo..hi.
// Durations are strings, not bare numbers, so the unit is always visible.
func (d *decoder) duration(dst *time.Duration, key string, v *node, lo, hi time.Duration) bool {
	expected := fmt.Sprintf("duration %s..%s such as %q", fmtDuration(lo), fmtDuration(hi), fmtDuration(lo))
	s, ok := d.str(key, v, expected)
	if !ok {
		return false
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.invalid(key, v, "expected %s (units ms, s, m, h), found %s", expected, quoteShort(s))
		return false
	}
	if dur < lo || dur > hi {
		d.invalid(key, v, "expected %s, found %s", expected, quoteShort(s))
		return false
	}
	*dst = dur
	return true
}

// array checks that v is an array and returns its elements.
func (d *decoder) array(key string, v *node, expected string) ([]*node, bool) {
	if v.kind != kindArray {
		d.typeError(key, v, expected)
		return nil, false
	}
	return v.elems, true
}

// stringList decodes an array of strings, each checked by elem (which reports
// its own errors); duplicates are errors. The result is never nil, so a
// present but empty list stays distinguishable from an absent one.
func (d *decoder) stringList(key string, v *node, expected string, elem func(key string, v *node, s string) bool) ([]string, bool) {
	elems, ok := d.array(key, v, "array of "+expected)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(elems))
	seen := map[string]int{}
	allOK := true
	for i, e := range elems {
		k := index(key, i)
		s, ok := d.str(k, e, expected)
		if !ok || !elem(k, e, s) {
			allOK = false
			continue
		}
		if first, dup := seen[s]; dup {
			d.invalid(k, e, "duplicate of %s[%d]", key, first)
			allOK = false
			continue
		}
		seen[s] = i
		out = append(out, s)
	}
	return out, allOK
}

// tables returns the tables of an array of tables, written either as
// [[key]] sections or as an inline array of inline tables.
func (d *decoder) tables(key string, v *node) []*node {
	if v.kind != kindArray {
		d.typeError(key, v, "array of tables ([["+lastKey(key)+"]])")
		return nil
	}
	out := make([]*node, 0, len(v.elems))
	for i, e := range v.elems {
		if e.kind != kindTable {
			d.typeError(index(key, i), e, "table")
			continue
		}
		out = append(out, e)
	}
	return out
}

// lastKey is the last component of a dotted path without indexes.
func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// fmtDuration prints whole seconds as "600s" (how the docs write them) and
// anything finer in Go syntax; both parse back with time.ParseDuration.
func fmtDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}
