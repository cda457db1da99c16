package config

import (
	"strings"
	"testing"
)

func TestTreePositions(t *testing.T) {
	doc := "a = 1\n[t]\n\"k é\" = \"é\"\nk2 = [ 1,\n  2 ]\n[[arr]]\nx.y = true\n[[arr]]\n[arr.sub]\nz = 1979-05-27\ninl = { p = [0, 1.5e3, -inf] }\n"
	root, serr := parseTree([]byte(doc))
	if serr != nil {
		t.Fatal(serr.msg)
	}
	for _, tc := range []struct {
		n        *node
		kind     kind
		key, val pos
	}{
		{root.get("a"), kindInteger, pos{1, 1}, pos{1, 5}},
		{root.get("t"), kindTable, pos{2, 2}, pos{2, 2}},
		{root.get("t").get("k é"), kindString, pos{3, 1}, pos{3, 9}},
		{root.get("t").get("k2"), kindArray, pos{4, 1}, pos{4, 6}},
		{root.get("t").get("k2").elems[1], kindInteger, pos{5, 3}, pos{5, 3}},
		{root.get("arr").elems[0].get("x"), kindTable, pos{7, 1}, pos{7, 1}},
		{root.get("arr").elems[0].get("x").get("y"), kindBool, pos{7, 3}, pos{7, 7}},
		{root.get("arr").elems[1], kindTable, pos{8, 3}, pos{8, 3}},
		{root.get("arr").elems[1].get("sub"), kindTable, pos{9, 6}, pos{9, 6}},
		{root.get("arr").elems[1].get("sub").get("z"), kindDateTime, pos{10, 1}, pos{10, 5}},
		{root.get("arr").elems[1].get("sub").get("inl").get("p"), kindArray, pos{11, 9}, pos{11, 13}},
	} {
		if tc.n == nil {
			t.Fatalf("missing node, want %v at %v", tc.kind, tc.key)
		}
		if tc.n.kind != tc.kind || tc.n.key != tc.key || tc.n.at != tc.val {
			t.Errorf("node %v key %v at %v, want %v key %v at %v", tc.n.kind, tc.n.key, tc.n.at, tc.kind, tc.key, tc.val)
		}
	}
	if p := root.get("arr").elems[1].get("sub").get("inl").get("p"); p.elems[1].f != 1500 || p.elems[2].f > -1e308 {
		t.Errorf("floats = %v, %v", p.elems[1].f, p.elems[2].f)
	}
}

// build only ever sees documents go-toml accepted; fed invalid ones
// directly it must fail cleanly rather than panic or produce a tree.
func TestBuilderDefensive(t *testing.T) {
	for _, doc := range []string{
		"a = 1\na = 2\n",
		"a = 1\na.b = 2\n",
		"a = 1\n[a.b]\n",
		"a = 1\n[[a]]\n",
		"[a]\n[[a]]\n",
		"a = [1]\n[a.b]\n",
		"x = {a = 1, a = 2}\n",
		"x = 99999999999999999999\n",
		"x = [1, 99999999999999999999]\n",
		"x = {y = 99999999999999999999}\n",
		"x = 1.2.3\n",
		"[unclosed\n",
	} {
		b := builder{lines: newLines([]byte(doc))}
		b.p.Reset([]byte(doc))
		root, serr := b.build()
		if serr == nil || root != nil {
			t.Errorf("%q: built a tree", doc)
			continue
		}
		if serr.at.line < 1 || serr.at.col < 1 || serr.msg == "" {
			t.Errorf("%q: bad error %+v", doc, serr)
		}
		// The real entry point reports them as syntax errors.
		if _, err := Parse("x.toml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "x.toml:") {
			t.Errorf("%q: Parse err = %v", doc, err)
		}
	}
}
