package config

import (
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// The decoder does not use go-toml's struct decoding: it stops at the first
// type mismatch and forgets where values came from. Instead the document is
// turned into a small tree in which every value remembers the line and column
// of its key and of itself, and the schema (schema.go) walks that tree,
// reporting every problem it meets.
//
// Building the tree in two steps keeps the TOML rules in one place:
//  1. go-toml's full decoder checks the document against the TOML
//     specification (duplicate keys, tables defined twice, dotted keys
//     reaching into inline tables, ...). Those rules are subtle and go-toml
//     owns them; we only translate its first error into a FieldError.
//  2. go-toml's unstable parser then yields the AST with byte ranges, from
//     which build() assembles the tree. Because step 1 passed, build() only
//     ever sees valid documents; it still fails gracefully instead of
//     panicking if the two ever disagree.

// kind is the TOML type of a node.
type kind uint8

const (
	kindTable kind = iota + 1
	kindArray
	kindString
	kindInteger
	kindFloat
	kindBool
	kindDateTime
)

// pos is a 1-based line and column (columns count characters, not bytes).
type pos struct{ line, col int }

// node is one TOML value with the positions needed for messages.
type node struct {
	kind kind
	key  pos // where the key naming this value is (table header for [tables])
	at   pos // where the value itself starts

	str string  // kindString; raw text for kindDateTime
	i   int64   // kindInteger
	f   float64 // kindFloat
	b   bool    // kindBool

	keys   []string         // kindTable: keys in document order
	fields map[string]*node // kindTable
	elems  []*node          // kindArray

	arrayOfTables bool // kindArray built by [[header]] lines
}

// get returns the field k of a table, or nil.
func (n *node) get(k string) *node {
	if n == nil || n.kind != kindTable {
		return nil
	}
	return n.fields[k]
}

func newTable(key, at pos) *node {
	return &node{kind: kindTable, key: key, at: at, fields: map[string]*node{}}
}

func (n *node) set(k string, v *node) {
	if _, ok := n.fields[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.fields[k] = v
}

// lines maps byte offsets to positions.
type lines struct {
	data   []byte
	starts []int // byte offset of the start of each line
}

func newLines(data []byte) *lines {
	l := &lines{data: data, starts: make([]int, 1, 64)}
	for i, c := range data {
		if c == '\n' {
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

func (l *lines) pos(off int) pos {
	if off < 0 {
		off = 0
	}
	if off > len(l.data) {
		off = len(l.data)
	}
	i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	return pos{line: i + 1, col: utf8.RuneCount(l.data[l.starts[i]:off]) + 1}
}

// syntaxError is a TOML syntax error, located.
type syntaxError struct {
	at  pos
	msg string
}

// parseTree checks data against the TOML specification and builds the tree.
func parseTree(data []byte) (*node, *syntaxError) {
	var scratch map[string]any
	if err := toml.Unmarshal(data, &scratch); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return nil, &syntaxError{at: pos{max(line, 1), max(col, 1)}, msg: strings.TrimPrefix(de.Error(), "toml: ")}
		}
		return nil, &syntaxError{at: pos{1, 1}, msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	b := builder{lines: newLines(data)}
	b.p.Reset(data)
	return b.build()
}

// builder assembles the tree from the AST of a valid document.
type builder struct {
	p     unstable.Parser
	lines *lines
	root  *node
	err   *syntaxError
}

func (b *builder) fail(at pos, msg string) {
	if b.err == nil {
		b.err = &syntaxError{at: at, msg: msg}
	}
}

// rangePos is the position of an AST node's raw bytes.
func (b *builder) rangePos(n *unstable.Node) pos {
	return b.lines.pos(int(n.Raw.Offset))
}

func (b *builder) build() (*node, *syntaxError) {
	b.root = newTable(pos{1, 1}, pos{1, 1})
	cur := b.root
	for b.err == nil && b.p.NextExpression() {
		e := b.p.Expression()
		switch e.Kind {
		case unstable.KeyValue:
			b.keyValue(cur, e)
		case unstable.Table, unstable.ArrayTable:
			cur = b.header(e)
		}
	}
	if err := b.p.Error(); err != nil && b.err == nil {
		at := pos{1, 1}
		var pe *unstable.ParserError
		if errors.As(err, &pe) {
			if off, ok := offsetIn(b.lines.data, pe.Highlight); ok {
				at = b.lines.pos(off)
			}
		}
		b.fail(at, err.Error())
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.root, nil
}

// header handles [a.b] and [[a.b]]: intermediate keys descend into tables or
// into the last element of arrays of tables; the last key names the table.
func (b *builder) header(e *unstable.Node) *node {
	t := b.root
	it := e.Key()
	var parts []*unstable.Node
	for it.Next() {
		parts = append(parts, it.Node())
	}
	for i, k := range parts {
		name := string(k.Data)
		at := b.rangePos(k)
		last := i == len(parts)-1
		child := t.fields[name]
		if last && e.Kind == unstable.ArrayTable {
			if child == nil {
				child = &node{kind: kindArray, key: at, at: at, arrayOfTables: true}
				t.set(name, child)
			}
			if child.kind != kindArray || !child.arrayOfTables {
				b.fail(at, "key "+name+" is not an array of tables")
				return t
			}
			elem := newTable(at, at)
			child.elems = append(child.elems, elem)
			return elem
		}
		switch {
		case child == nil:
			child = newTable(at, at)
			t.set(name, child)
		case child.kind == kindArray && child.arrayOfTables && len(child.elems) > 0:
			child = child.elems[len(child.elems)-1]
		case child.kind == kindTable:
			if last {
				// A table first created implicitly (by [a.b] before [a])
				// is located at its own header from now on.
				child.key, child.at = at, at
			}
		default:
			b.fail(at, "key "+name+" is not a table")
			return t
		}
		t = child
	}
	return t
}

// keyValue stores key = value into t, creating the tables of a dotted key.
func (b *builder) keyValue(t *node, e *unstable.Node) {
	it := e.Key()
	var parts []*unstable.Node
	for it.Next() {
		parts = append(parts, it.Node())
	}
	if len(parts) == 0 {
		b.fail(b.rangePos(e), "key-value without key")
		return
	}
	for _, k := range parts[:len(parts)-1] {
		name := string(k.Data)
		child := t.fields[name]
		if child == nil {
			at := b.rangePos(k)
			child = newTable(at, at)
			t.set(name, child)
		}
		if child.kind != kindTable {
			b.fail(b.rangePos(k), "key "+name+" is not a table")
			return
		}
		t = child
	}
	k := parts[len(parts)-1]
	keyAt := b.rangePos(k)
	v := b.value(e.Value(), keyAt, k)
	if v == nil {
		return
	}
	name := string(k.Data)
	if _, dup := t.fields[name]; dup {
		b.fail(keyAt, "key "+name+" is already defined")
		return
	}
	t.set(name, v)
}

// value converts an AST value. keyNode, when not nil, is the key the value
// is assigned to: arrays carry no byte range in the AST, so their position
// is found by scanning from the end of the key to the '['.
func (b *builder) value(v *unstable.Node, key pos, keyNode *unstable.Node) *node {
	n := &node{key: key}
	switch v.Kind {
	case unstable.String:
		n.kind, n.str, n.at = kindString, string(v.Data), b.rangePos(v)
	case unstable.Bool:
		n.kind, n.b, n.at = kindBool, string(v.Data) == "true", b.rangePos(v)
	case unstable.Integer:
		n.kind, n.at = kindInteger, b.rangePos(v)
		i, err := strconv.ParseInt(string(v.Data), 0, 64) // base 0 reads 0x, 0o, 0b and '_' as TOML does
		if err != nil {
			b.fail(n.at, "invalid integer "+strconv.Quote(string(v.Data)))
			return nil
		}
		n.i = i
	case unstable.Float:
		n.kind, n.at = kindFloat, b.rangePos(v)
		f, ok := parseFloat(string(v.Data))
		if !ok {
			b.fail(n.at, "invalid float "+strconv.Quote(string(v.Data)))
			return nil
		}
		n.f = f
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		n.kind, n.str, n.at = kindDateTime, string(v.Data), b.rangePos(v)
	case unstable.Array:
		n.kind = kindArray
		n.at = key
		if keyNode != nil {
			n.at = b.arrayStart(keyNode, key)
		}
		it := v.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			cp := b.rangePos(c)
			if c.Kind == unstable.Array || c.Kind == unstable.InlineTable {
				cp = n.at // arrays inside arrays have no range; the outer array's start is close enough
			}
			e := b.value(c, cp, nil)
			if e == nil {
				return nil
			}
			if len(n.elems) == 0 && keyNode == nil && e.kind != kindArray {
				n.at = e.at
			}
			n.elems = append(n.elems, e)
		}
	case unstable.InlineTable:
		at := b.rangePos(v)
		n = newTable(key, at)
		it := v.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind != unstable.KeyValue {
				continue
			}
			b.keyValue(n, c)
			if b.err != nil {
				return nil
			}
		}
	default:
		b.fail(b.rangePos(v), "unexpected "+v.Kind.String())
		return nil
	}
	return n
}

// arrayStart finds the '[' of `key = [`, starting after the key's raw bytes.
func (b *builder) arrayStart(k *unstable.Node, fallback pos) pos {
	data := b.lines.data
	off := int(k.Raw.Offset + k.Raw.Length)
	for off < len(data) && (data[off] == ' ' || data[off] == '\t') {
		off++
	}
	if off >= len(data) || data[off] != '=' {
		return fallback
	}
	off++
	for off < len(data) && (data[off] == ' ' || data[off] == '\t') {
		off++
	}
	if off >= len(data) || data[off] != '[' {
		return fallback
	}
	return b.lines.pos(off)
}

// parseFloat reads a TOML float: underscores between digits, inf and nan
// with an optional sign.
func parseFloat(s string) (float64, bool) {
	switch strings.TrimLeft(s, "+-") {
	case "inf":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	return f, err == nil
}

// offsetIn is the offset of sub inside data, if sub is a slice of it (the
// parser's error highlights are).
func offsetIn(data, sub []byte) (int, bool) {
	if sub == nil {
		return 0, false
	}
	off := cap(data) - cap(sub)
	if off < 0 || off > len(data) {
		return 0, false
	}
	return off, true
}
