package protocol

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// RFC 8847 §5.7 Table 1, verbatim.
func TestCodesTable1(t *testing.T) {
	want := []struct {
		code   Code
		reason string
	}{
		{200, "Success"}, {300, "Low-level request error"}, {301, "Bad syntax"}, {302, "Invalid value"},
		{303, "Conflicting values"}, {400, "Semantic errors"}, {401, "Version not supported"},
		{402, "Invalid sequencing"}, {403, "Invalid identifier"}, {404, "Advertisement expired"},
		{405, "Subset choice not allowed"},
	}
	if len(Codes()) != len(want) {
		t.Fatalf("Codes() = %v", Codes())
	}
	for i, w := range want {
		c := Codes()[i]
		if c != w.code || c.Reason() != w.reason || c.Description() == "" || !c.Known() {
			t.Errorf("%d: %v %q", i, c, c.Reason())
		}
	}
	if CodeSuccess != 200 || CodeSubsetChoiceNotAllowed != 405 || CodeInvalidSequencing != 402 {
		t.Error("constants")
	}
	if got := Code(404).String(); got != "404 Advertisement expired" {
		t.Error(got)
	}
	// Unknown codes take the reason of their class (§5.7 "MUST respect the
	// semantics of the first code digit").
	if Code(299).Reason() != "Success" || Code(406).Reason() != "Semantic errors" || Code(999).Reason() != "Unknown" {
		t.Error("class reasons")
	}
}

func TestCodeClasses(t *testing.T) {
	for _, tc := range []struct {
		c                 Code
		succ, err, v1, v2 bool
	}{
		{200, true, false, true, true},
		{299, true, false, true, true},
		{100, false, false, false, true}, // reserved for future majors (§5.7)
		{199, false, false, false, true},
		{301, false, true, true, true},
		{405, false, true, true, true},
		{500, false, true, false, true}, // 5xx–9xx not allowed in major 1
		{999, false, true, false, true},
		{99, false, false, false, false}, // "starting with 0 are not allowed"
		{1000, false, false, false, false},
	} {
		if tc.c.IsSuccess() != tc.succ || tc.c.IsError() != tc.err || tc.c.ValidFor(1) != tc.v1 || tc.c.ValidFor(2) != tc.v2 {
			t.Errorf("%d: success %v error %v v1 %v v2 %v", tc.c, tc.c.IsSuccess(), tc.c.IsError(), tc.c.ValidFor(1), tc.c.ValidFor(2))
		}
	}
}

func TestParseVersion(t *testing.T) {
	for s, want := range map[string]Version{"1.0": {1, 0}, "2.7": {2, 7}, "20.44": {20, 44}, "1.00": {1, 0}, "3.4": {3, 4}} {
		if v, err := ParseVersion(s); err != nil || v != want || (v.String() != s && s != "1.00") {
			t.Errorf("%q: %v %v", s, v, err)
		}
	}
	// RFC 8847 §5: "The major number cannot be "0", and if it is more than
	// one digit, it cannot start with a "0"."
	for _, s := range []string{"", "1", "1.", ".1", "0.1", "01.0", "1.0.0", " 1.0", "1.0 ", "a.b", "1.-1", "4294967296.0", "1.4294967296"} {
		if v, err := ParseVersion(s); err == nil {
			t.Errorf("%q accepted as %v", s, v)
		}
	}
}

func TestNegotiateVersion(t *testing.T) {
	for _, tc := range []struct {
		name          string
		offered, ours []Version
		want          Version
		ok            bool
	}{
		// RFC 8847 §10: CP1 {1.4, 2.7}, CP2 {3.0, 2.9, 1.9}: "Version 2.7 is
		// the best common choice."
		{"§10", []Version{{1, 4}, {2, 7}}, []Version{{3, 0}, {2, 9}, {1, 9}}, Version{2, 7}, true},
		// RFC 8847 §7: "an MP ... version 1.5 ... while the MC only
		// understands version 1.4 ... the MP MUST use version 1.4".
		{"§7", []Version{{1, 5}}, []Version{{1, 4}}, Version{1, 4}, true},
		{"1.0", []Version{{1, 0}}, []Version{{1, 0}}, Version{1, 0}, true},
		{"none", []Version{{2, 0}}, []Version{{1, 0}}, Version{}, false},
		{"empty", nil, []Version{{1, 0}}, Version{}, false},
	} {
		v, ok := NegotiateVersion(tc.offered, tc.ours)
		if v != tc.want || ok != tc.ok {
			t.Errorf("%s: %v %v", tc.name, v, ok)
		}
	}
	// §5.1: without supportedVersions, v=3.4 means 3.0 … 3.4.
	if d := DeclaredVersions(Version{3, 4}, nil); !slices.Equal(d, []Version{{3, 4}}) {
		t.Error(d)
	}
	if v, ok := NegotiateVersion(DeclaredVersions(Version{3, 4}, nil), []Version{{3, 2}}); !ok || v != (Version{3, 2}) {
		t.Error(v, ok)
	}
	// §5.1: v SHOULD be the largest minor of the smallest major.
	if v := OptionsVersion([]Version{{2, 7}, {1, 4}}); v != (Version{1, 4}) {
		t.Error(v)
	}
}

func TestCommonExtensions(t *testing.T) {
	e := func(n string, v Version) Extension { return Extension{n, "URL_" + n, v} }
	offered := []Extension{e("E1", Version{1, 4}), e("E4", Version{2, 7}), e("E5", Version{2, 7})}
	ours := []Extension{e("E1", Version{1, 0}), e("E5", Version{2, 1}), {"E4", "other-schema", Version{2, 7}}}
	if got := CommonExtensions(offered, ours, Version{2, 7}); !slices.Equal(got, []Extension{e("E5", Version{2, 7})}) {
		t.Errorf("2.7: %v", got)
	}
	if got := CommonExtensions(offered, ours, Version{1, 4}); !slices.Equal(got, []Extension{e("E1", Version{1, 4})}) {
		t.Errorf("1.4: %v", got)
	}
	if got := CommonExtensions(offered, nil, Version{1, 4}); got != nil {
		t.Errorf("none: %v", got)
	}
}

func TestCounter(t *testing.T) {
	c := NewCounter(0)
	if n, _ := c.Next(); n != 1 {
		t.Error("positiveInteger: 0 becomes 1")
	}
	c = NewCounter(51)
	for want := uint64(51); want < 55; want++ {
		if n, err := c.Next(); n != want || err != nil {
			t.Fatal(n, err)
		}
	}
	c = NewCounter(math.MaxUint64)
	if n, err := c.Next(); n != math.MaxUint64 || err != nil {
		t.Fatal(n, err)
	}
	// No wrap-around: a wrapped number would be "too small" for the peer.
	if _, err := c.Next(); !errors.Is(err, ErrSeqExhausted) {
		t.Fatal(err)
	}
}

func TestTracker(t *testing.T) {
	var tr Tracker
	steps := []struct {
		n    uint64
		want SeqCheck
		last uint64
	}{
		{62, SeqFirst, 62}, // any first value (chosen randomly by the peer)
		{63, SeqNext, 63},
		{63, SeqRepeat, 63}, // "repeated sequence number"
		{60, SeqOld, 63},    // "sequence number too small": no move backwards
		{64, SeqNext, 64},
		{70, SeqGap, 70}, // "sequence number gap": remembered, the next one is 71
		{71, SeqNext, 71},
		{1, SeqOld, 71},
	}
	for i, s := range steps {
		if got := tr.Observe(s.n); got != s.want {
			t.Errorf("%d: Observe(%d) = %s, want %s", i, s.n, got, s.want)
		}
		if last, _ := tr.Last(); last != s.last {
			t.Errorf("%d: last %d, want %d", i, last, s.last)
		}
	}
	tr = Tracker{}
	tr.Observe(math.MaxUint64)
	if got := tr.Check(0); got != SeqOld {
		t.Error("after 2^64-1 nothing is next:", got)
	}
	if !SeqFirst.OK() || !SeqNext.OK() || SeqGap.OK() || SeqRepeat.OK() || SeqOld.OK() {
		t.Error("OK")
	}
}

func TestKindSpaces(t *testing.T) {
	want := map[Kind]Space{
		KindOptions: SpaceInitiation, KindOptionsResponse: SpaceInitiation,
		KindAdvertisement: SpaceProvider, KindConfigureResponse: SpaceProvider,
		KindAck: SpaceConsumer, KindConfigure: SpaceConsumer,
	}
	for k, s := range want {
		if k.Space() != s || kindOf(k.String()) != k {
			t.Errorf("%s", k)
		}
	}
	if !KindAck.IsResponse() || KindConfigure.IsResponse() || kindOf("ACK") != KindUnknown {
		t.Error("IsResponse / kindOf")
	}
}

func TestOptsValidation(t *testing.T) {
	bad := []*Opts{
		{MediaProvider: true, Versions: []Version{}},
		{},
		{MediaProvider: true, Versions: []Version{{1, 0}, {1, 2}}},
		{MediaProvider: true, Versions: []Version{{}}},
		{MediaProvider: true, MaxRetransmits: -1},
		{MediaProvider: true, OptionsTimeout: -1},
		{MediaProvider: true, Extensions: []Extension{{Name: "x", Version: Version{2, 0}}}},
		{MediaProvider: true, ClueID: "a\x00b"},
	}
	for i, o := range bad {
		if _, err := New(o); !errors.Is(err, ErrInvalidOpts) {
			t.Errorf("%d: %v", i, err)
		}
	}
	p, err := New(&Opts{MediaConsumer: true})
	must(t, err)
	if !slices.Equal(p.opts.Versions, []Version{Version10}) || p.opts.OptionsTimeout == 0 || p.opts.Parse.MaxSize != 65536 {
		t.Errorf("defaults: %+v", p.opts)
	}
	if _, err := New(nil); err != nil {
		t.Error(err)
	}
}
