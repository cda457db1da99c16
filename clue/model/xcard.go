package model

import "sort"

// XCard is the content of an xCard-typed element, <personInfo> (RFC 8846
// §21.1.2) or <sceneInformation> (§16.1): vcardType of RFC 7852 Appendix A,
// the XSD form of RFC 6351. FN and N are modelled; every other property,
// <group> and extension element is kept verbatim in Other.
//
// There is no VERSION element: in xCard the namespace plays that role
// (RFC 6351 §5.1), so RFC 8845 §7.1.1.10's "supply VERSION and FN" reduces to
// FN here.
type XCard struct {
	FN    []FN      // formatted name, at least one (RFC 6350 §6.2.1; RFC 8846 §21.1.2)
	N     *N        // structured name (RFC 6350 §6.2.2)
	Other []Element // other properties in document order
}

// FN is the <fn> property: <fn><parameters/>?<text>…</text></fn>.
type FN struct {
	Params *Element // <parameters>, verbatim; nil when absent
	Text   string
}

// N is the <n> property (RFC 6350 §6.2.2, RFC 6351).
type N struct {
	Params                                     *Element
	Surname, Given, Additional, Prefix, Suffix []string
}

// vcardProps is the order of the properties in RFC 7852's vcardType
// (`property` group); the XSD maps RELAX NG interleave to a sequence, so
// output must follow it (DIGEST §9 #19). <group> follows the properties,
// extension elements (xs:any ##other) come last.
var vcardProps = []string{
	"adr", "anniversary", "bday", "caladruri", "caluri", "categories",
	"clientpidmap", "email", "fburl", "fn", "geo", "impp", "key", "kind",
	"lang", "logo", "member", "n", "nickname", "note", "org", "photo",
	"prodid", "related", "rev", "role", "gender", "sound", "source", "tel",
	"title", "tz", "uid", "url",
}

// vcardSingle are the properties with maxOccurs="1" in the XSD, i.e. the
// cardinality *1 properties of RFC 6350 that RFC 6351 §5.2 says MUST still be
// respected.
var vcardSingle = map[string]bool{
	"anniversary": true, "bday": true, "kind": true, "n": true,
	"prodid": true, "rev": true, "gender": true, "uid": true,
}

var vcardRank = func() map[string]int {
	m := make(map[string]int, len(vcardProps)+1)
	for i, p := range vcardProps {
		m[p] = i
	}
	m["group"] = len(vcardProps)
	return m
}()

// rank of an xCard child for output ordering; ok is false for names in the
// vCard namespace that RFC 7852 does not define (RFC 6351 §5.1: ignored).
func xcardRank(space, local string) (int, bool) {
	if space != NSVCard {
		return len(vcardProps) + 1, true
	}
	r, ok := vcardRank[local]
	return r, ok
}

// xcardItem is one child of an xCard in output order.
type xcardItem struct {
	rank int
	fn   *FN
	n    *N
	el   *Element
}

// items returns the children of c sorted into schema order (stable, so
// document order is kept within one property).
func (c *XCard) items() []xcardItem {
	items := make([]xcardItem, 0, len(c.FN)+len(c.Other)+1)
	for i := range c.FN {
		items = append(items, xcardItem{rank: vcardRank["fn"], fn: &c.FN[i]})
	}
	if c.N != nil {
		items = append(items, xcardItem{rank: vcardRank["n"], n: c.N})
	}
	for i := range c.Other {
		r, ok := xcardRank(c.Other[i].Name.Space, c.Other[i].Name.Local)
		if !ok {
			r = len(vcardProps) + 1
		}
		items = append(items, xcardItem{rank: r, el: &c.Other[i]})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].rank < items[j].rank })
	return items
}
