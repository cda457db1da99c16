package sdp

import (
	"strconv"
	"strings"

	psdp "github.com/pion/sdp/v3"
)

// Marshal writes the session as SDP text (CRLF line ends, RFC 4566 §5).
// Attributes come in a fixed order, so the output is deterministic:
// session: v o s c t, groups, ice-lite, ice credentials, DTLS, extmaps,
// others; media: m c b, mid, label, direction, bundle-only, ICE, DTLS,
// rtcp-mux, extmaps, rtpmap/fmtp/rtcp-fb per payload type, ssrc, SCTP,
// others. Marshal does not validate; Parse of the output does.
func (s *Session) Marshal() ([]byte, error) {
	return s.pion().Marshal()
}

// String is the SDP text (Marshal without the error, which pion never
// returns).
func (s *Session) String() string {
	b, _ := s.Marshal()
	return string(b)
}

func (s *Session) pion() *psdp.SessionDescription {
	addrType := s.Origin.AddrType
	if addrType == "" {
		addrType = addrTypeOf(s.Origin.Address)
	}
	user := s.Origin.Username
	if user == "" {
		user = "-"
	}
	name := s.Name
	if name == "" {
		name = "-"
	}
	d := &psdp.SessionDescription{
		Origin: psdp.Origin{Username: user, SessionID: s.Origin.SessionID, SessionVersion: s.Origin.Version,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: s.Origin.Address},
		SessionName:      psdp.SessionName(name),
		TimeDescriptions: []psdp.TimeDescription{{}},
	}
	if s.Addr != "" {
		d.ConnectionInformation = connInfo(s.Addr)
	}
	var a attrs
	for i := range s.Groups {
		a.add("group", formatGroup(&s.Groups[i]))
	}
	if s.ICELite {
		a.flag("ice-lite")
	}
	a.ice(&s.ICE)
	a.dtls(&s.DTLS)
	for i := range s.ExtMaps {
		a.add("extmap", formatExtMap(&s.ExtMaps[i]))
	}
	a.other(s.Other)
	d.Attributes = a
	for i := range s.Media {
		d.MediaDescriptions = append(d.MediaDescriptions, s.Media[i].pion())
	}
	return d
}

func (m *Media) pion() *psdp.MediaDescription {
	md := &psdp.MediaDescription{MediaName: psdp.MediaName{
		Media:   m.Type,
		Port:    psdp.RangedPort{Value: m.Port},
		Protos:  strings.Split(m.Proto, "/"),
		Formats: m.Formats,
	}}
	if m.Addr != "" {
		md.ConnectionInformation = connInfo(m.Addr)
	}
	if m.Bandwidth.AS != 0 {
		md.Bandwidth = append(md.Bandwidth, psdp.Bandwidth{Type: "AS", Bandwidth: m.Bandwidth.AS})
	}
	if m.Bandwidth.TIAS != 0 {
		md.Bandwidth = append(md.Bandwidth, psdp.Bandwidth{Type: "TIAS", Bandwidth: m.Bandwidth.TIAS})
	}
	var a attrs
	if m.MID != "" {
		a.add("mid", m.MID)
	}
	if m.Label != "" {
		a.add("label", m.Label)
	}
	if !m.IsDataChannel() {
		// RFC 8841 §9.2: direction attributes mean nothing on an SCTP m-line.
		a.flag(m.Direction.String())
	}
	if m.BundleOnly {
		a.flag("bundle-only")
	}
	a.ice(&m.ICE)
	for i := range m.ICE.Candidates {
		a.add("candidate", formatCandidate(&m.ICE.Candidates[i]))
	}
	a.dtls(&m.DTLS)
	if m.RTCPMux {
		a.flag("rtcp-mux")
	}
	if r := m.RTP; r != nil {
		for i := range r.ExtMaps {
			a.add("extmap", formatExtMap(&r.ExtMaps[i]))
		}
		for i := range r.Codecs {
			c := &r.Codecs[i]
			pt := strconv.Itoa(int(c.PT))
			if c.Name != "" {
				v := pt + " " + c.Name + "/" + strconv.FormatUint(uint64(c.ClockRate), 10)
				if c.Channels != 0 {
					v += "/" + strconv.Itoa(int(c.Channels))
				}
				a.add("rtpmap", v)
			}
			if c.Fmtp != "" {
				a.add("fmtp", pt+" "+c.Fmtp)
			}
			for _, fb := range c.FB {
				v := pt + " " + fb.Type
				if fb.Param != "" {
					v += " " + fb.Param
				}
				a.add("rtcp-fb", v)
			}
		}
		for _, x := range r.SSRCs {
			a.add("ssrc", strconv.FormatUint(uint64(x.ID), 10)+" cname:"+x.CNAME)
		}
	}
	if sc := m.SCTP; sc != nil {
		a.add("sctp-port", strconv.Itoa(int(sc.Port)))
		if sc.MaxMessageSize != nil {
			a.add("max-message-size", strconv.FormatUint(*sc.MaxMessageSize, 10))
		}
		for i := range sc.Channels {
			ch := &sc.Channels[i]
			a.add("dcmap", formatDCMap(ch))
			for _, x := range ch.DCSA {
				a.add("dcsa", strconv.Itoa(int(ch.StreamID))+" "+x)
			}
		}
	}
	a.other(m.Other)
	md.Attributes = a
	return md
}

type attrs []psdp.Attribute

func (a *attrs) add(k, v string) { *a = append(*a, psdp.Attribute{Key: k, Value: v}) }
func (a *attrs) flag(k string)   { *a = append(*a, psdp.Attribute{Key: k}) }

func (a *attrs) ice(i *ICE) {
	if i.Ufrag != "" {
		a.add("ice-ufrag", i.Ufrag)
	}
	if i.Pwd != "" {
		a.add("ice-pwd", i.Pwd)
	}
}

func (a *attrs) dtls(d *DTLS) {
	if d.Setup != SetupNone {
		a.add("setup", d.Setup.String())
	}
	for _, fp := range d.Fingerprints {
		a.add("fingerprint", fp.Hash+" "+fp.Value)
	}
	if d.TLSID != "" {
		a.add("tls-id", d.TLSID)
	}
}

func (a *attrs) other(o []Attribute) {
	for _, x := range o {
		*a = append(*a, psdp.Attribute(x))
	}
}

func connInfo(addr string) *psdp.ConnectionInformation {
	return &psdp.ConnectionInformation{NetworkType: "IN", AddressType: addrTypeOf(addr),
		Address: &psdp.Address{Address: addr}}
}

func addrTypeOf(addr string) string {
	if strings.Contains(addr, ":") {
		return "IP6"
	}
	return "IP4"
}
