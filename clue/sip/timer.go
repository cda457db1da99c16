package sip

import (
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// RFC 4028 header handling. Session-Expires (compact "x") carries
// delta-seconds and an optional refresher=uac|uas; Min-SE the smallest
// interval the sender accepts.

func header(m interface{ GetHeader(string) sip.Header }, names ...string) string {
	for _, n := range names {
		if h := m.GetHeader(n); h != nil {
			return h.Value()
		}
	}
	return ""
}

// parseSE returns the interval, the refresher param ("" if absent) and
// whether the header was present and valid.
func parseSE(v string) (time.Duration, string, bool) {
	if v == "" {
		return 0, "", false
	}
	parts := strings.Split(v, ";")
	n, err := strconv.ParseUint(strings.TrimSpace(parts[0]), 10, 32)
	if err != nil || n == 0 {
		return 0, "", false
	}
	ref := ""
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "refresher") {
			ref = strings.ToLower(strings.TrimSpace(val))
		}
	}
	if ref != "" && ref != "uac" && ref != "uas" {
		ref = ""
	}
	return time.Duration(n) * time.Second, ref, true
}

func parseMinSE(v string) time.Duration {
	v, _, _ = strings.Cut(v, ";")
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0
	}
	return time.Duration(n) * time.Second
}

func hasTag(m interface{ GetHeaders(string) []sip.Header }, tag string, names ...string) bool {
	for _, n := range names {
		for _, h := range m.GetHeaders(n) {
			for _, t := range strings.Split(h.Value(), ",") {
				if strings.EqualFold(strings.TrimSpace(t), tag) {
					return true
				}
			}
		}
	}
	return false
}

func secs(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// timerUAS negotiates the session timer of an incoming INVITE or UPDATE
// (RFC 4028 §9): it returns the interval, whether we refresh, and the
// headers for the 2xx; or code 422 with Min-SE.
func (u *UA) timerUAS(req *sip.Request) (time.Duration, bool, int, []sip.Header) {
	st := u.opts.SessionTimer
	se, ref, has := parseSE(header(req, "Session-Expires", "x"))
	supports := hasTag(req, "timer", "Supported", "k")
	if has && se < st.MinSE {
		if supports {
			// §9: too small and the UAC can retry: 422 with our Min-SE.
			return 0, false, 422, []sip.Header{sip.NewHeader("Min-SE", secs(st.MinSE))}
		}
		se = st.MinSE // §9: a proxy inserted it; raise it instead.
	}
	if !has {
		if st.Expires == 0 {
			return 0, false, 0, nil
		}
		se = st.Expires
		ref = ""
	} else if st.Expires != 0 && se > st.Expires {
		// §9: the UAS may reduce the interval, not below Min-SE.
		peerMin := parseMinSE(header(req, "Min-SE"))
		se = max(st.Expires, peerMin, st.MinSE)
	}
	if ref == "" {
		ref = "uas"
		if supports {
			ref = "uac"
		}
	}
	if !supports {
		ref = "uas" // §9: only we can refresh if the UAC lacks timer support
	}
	hdrs := []sip.Header{sip.NewHeader("Session-Expires", secs(se)+";refresher="+ref)}
	if supports {
		hdrs = append(hdrs, sip.NewHeader("Require", "timer"))
	}
	return se, ref == "uas", 0, hdrs
}

// timerUAC adds the session-timer headers of a request we send (§7.1,
// §7.4): cur/weRefresh are the running values (0: initial request).
func (u *UA) timerUAC(req *sip.Request, cur time.Duration, weRefresh, inDialog bool) {
	st := u.opts.SessionTimer
	req.AppendHeader(sip.NewHeader("Supported", "timer"))
	se := cur
	if se == 0 {
		se = st.Expires
	}
	if se == 0 {
		return
	}
	v := secs(se)
	if inDialog && cur != 0 {
		if weRefresh {
			v += ";refresher=uac"
		} else {
			v += ";refresher=uas"
		}
	}
	req.AppendHeader(sip.NewHeader("Session-Expires", v))
	req.AppendHeader(sip.NewHeader("Min-SE", secs(st.MinSE)))
}

// timerFromResponse reads the interval a 2xx to our INVITE/UPDATE set
// (§7.2): refresher=uac means us. No Session-Expires: no timer.
func (u *UA) timerFromResponse(res *sip.Response, _ time.Duration, _ bool) (time.Duration, bool) {
	se, ref, ok := parseSE(header(res, "Session-Expires", "x"))
	if !ok {
		return 0, false
	}
	if !u.opts.SessionTimer.AllowShort && se < 90*time.Second {
		se = 90 * time.Second
	}
	return se, ref != "uas"
}
