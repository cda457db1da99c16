package sip

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Caller is one identity allowed to call the box (cluecam.toml
// [[security.caller]]): the From URI must name it (user and host; the port
// is ignored) and, when authentication is on, the digest username and
// password must be its.
type Caller struct {
	URI      string // e.g. "sip:alice@example.org"
	Username string // digest username; empty: the URI's user part
	Password string
}

// Account is the box's own SIP identity: the From of outgoing calls, the
// credentials used when a peer or registrar challenges us, and REGISTER.
type Account struct {
	URI       string        // address of record, e.g. "sip:cam1@example.org"
	Username  string        // digest username; empty: the URI's user part
	Password  string        // digest password
	Registrar string        // e.g. "sip:registrar.example.org:5060"; empty: no REGISTER
	Expires   time.Duration // requested registration lifetime; 0: 600 s
}

// SessionTimerOpts configures RFC 4028 session timers.
type SessionTimerOpts struct {
	// Expires is the session interval we ask for (UAC) or reduce to (UAS);
	// 0 disables session timers on our side (peer requests are still
	// honoured). Default 1800 s.
	Expires time.Duration
	// MinSE is the smallest interval we accept (422 below it); at least
	// 90 s (RFC 4028 §4) unless AllowShort. Default 90 s.
	MinSE time.Duration
	// AllowShort permits intervals below 90 s. For tests only: the board
	// layer never sets it.
	AllowShort bool
}

// Opts configures a [UA]. The zero value of every field means its default
// (see [DefaultOpts]); authentication is on unless AllowUnauthenticated.
type Opts struct {
	Logger    *slog.Logger
	UserAgent string // User-Agent / Server header; default "cluecam"
	// Host is the address put in Contact and Via; default the listening IP.
	Host string

	// Realm of digest challenges; default "cluecam".
	Realm string
	// AllowUnauthenticated turns digest authentication off (require_auth =
	// false). Callers, if any, still restrict the From URI.
	AllowUnauthenticated bool
	// Callers is the allow-list (cluecam.toml [[security.caller]] and
	// allowed_peers). Empty with authentication on: every call is refused.
	Callers []Caller
	// Algorithms offered in WWW-Authenticate, in order; default SHA-256,
	// MD5 (RFC 8760 §2.4: one challenge per algorithm, preferred first).
	Algorithms []string
	// NonceTTL is how long a nonce is fresh; default 5 min. A correct
	// response with an older nonce gets 401 stale=true.
	NonceTTL time.Duration
	// Secret keys the nonce HMAC; default 32 random bytes per UA.
	Secret []byte
	// NonceCountEntries bounds the nonce-count replay table; default 1024.
	NonceCountEntries int

	MaxCalls        int     // concurrent calls; beyond: 486. Default 4.
	MaxMessageBytes int     // larger messages are dropped; default 16384
	RatePerSecond   float64 // per source address token bucket; default 50
	RateBurst       int     // default 100
	MaxSources      int     // tracked source addresses; default 4096

	SessionTimer SessionTimerOpts

	// Account is our identity for outgoing calls and REGISTER.
	Account Account

	// TLS configures SIP over TLS: Listen("tls") and requests to sips: or
	// ;transport=tls URIs (RFC 3261 §26.2, RFC 5630).
	TLS TLSOpts

	// ErrorStatus maps an error returned by SessionHandler.Answer to a SIP
	// status (e.g. clue/sdp.Status: 400 or 488). nil or 0: 488.
	ErrorStatus func(error) int

	// Now is the clock; default time.Now.
	Now func() time.Time
}

// DefaultOpts returns the defaults New applies to unset fields.
func DefaultOpts() Opts {
	return Opts{
		UserAgent:         "cluecam",
		Realm:             "cluecam",
		Algorithms:        []string{"SHA-256", "MD5"},
		NonceTTL:          5 * time.Minute,
		NonceCountEntries: 1024,
		MaxCalls:          4,
		MaxMessageBytes:   16384,
		RatePerSecond:     50,
		RateBurst:         100,
		MaxSources:        4096,
		SessionTimer:      SessionTimerOpts{Expires: 1800 * time.Second, MinSE: 90 * time.Second},
		Now:               time.Now,
	}
}

func (o *Opts) withDefaults() (Opts, error) {
	d := DefaultOpts()
	var r Opts
	if o != nil {
		r = *o
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.UserAgent == "" {
		r.UserAgent = d.UserAgent
	}
	if r.Realm == "" {
		r.Realm = d.Realm
	}
	if len(r.Algorithms) == 0 {
		r.Algorithms = d.Algorithms
	}
	for i, a := range r.Algorithms {
		a = strings.ToUpper(a)
		if a != "MD5" && a != "SHA-256" {
			return r, fmt.Errorf("sip: unsupported digest algorithm %q", a)
		}
		r.Algorithms[i] = a
	}
	if r.NonceTTL <= 0 {
		r.NonceTTL = d.NonceTTL
	}
	if len(r.Secret) == 0 {
		r.Secret = make([]byte, 32)
		if _, err := rand.Read(r.Secret); err != nil {
			return r, fmt.Errorf("sip: secret: %w", err)
		}
	}
	if r.NonceCountEntries <= 0 {
		r.NonceCountEntries = d.NonceCountEntries
	}
	if r.MaxCalls <= 0 {
		r.MaxCalls = d.MaxCalls
	}
	if r.MaxMessageBytes <= 0 {
		r.MaxMessageBytes = d.MaxMessageBytes
	}
	if r.RatePerSecond <= 0 {
		r.RatePerSecond = d.RatePerSecond
	}
	if r.RateBurst <= 0 {
		r.RateBurst = d.RateBurst
	}
	if r.MaxSources <= 0 {
		r.MaxSources = d.MaxSources
	}
	st := &r.SessionTimer
	if st.Expires < 0 {
		st.Expires = 0
	} else if st.Expires == 0 {
		st.Expires = d.SessionTimer.Expires
	}
	if st.MinSE <= 0 {
		st.MinSE = d.SessionTimer.MinSE
	}
	if !st.AllowShort {
		// RFC 4028 §4: Min-SE MUST NOT be less than 90 seconds.
		if st.MinSE < 90*time.Second {
			return r, fmt.Errorf("sip: session timer Min-SE %v below 90 s", st.MinSE)
		}
		if st.Expires != 0 && st.Expires < 90*time.Second {
			return r, fmt.Errorf("sip: session interval %v below 90 s", st.Expires)
		}
	}
	if st.Expires != 0 && st.Expires < st.MinSE {
		st.Expires = st.MinSE
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	for i, c := range r.Callers {
		u, err := parseURI(c.URI)
		if err != nil {
			return r, fmt.Errorf("sip: caller %d: %w", i, err)
		}
		if r.Callers[i].Username == "" {
			r.Callers[i].Username = u.user
		}
	}
	if r.Account.URI != "" {
		u, err := parseURI(r.Account.URI)
		if err != nil {
			return r, fmt.Errorf("sip: account: %w", err)
		}
		if r.Account.Username == "" {
			r.Account.Username = u.user
		}
	}
	if r.Account.Expires <= 0 {
		r.Account.Expires = 600 * time.Second
	}
	return r, nil
}

// uriKey is the comparable part of a SIP URI for allow-list matching:
// scheme, user (case-sensitive, RFC 3261 §19.1.4) and host (case-insensitive).
type uriKey struct{ user, host string }

func parseURI(s string) (uriKey, error) {
	if !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") {
		return uriKey{}, fmt.Errorf("sip: %q is not a sip: URI", s)
	}
	rest := s[strings.IndexByte(s, ':')+1:]
	if i := strings.IndexAny(rest, ";?>"); i >= 0 {
		rest = rest[:i]
	}
	user, host, ok := strings.Cut(rest, "@")
	if !ok {
		host, user = user, ""
	}
	if u, err := url.PathUnescape(user); err == nil {
		user = u
	}
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
		host = h
	}
	if host == "" {
		return uriKey{}, fmt.Errorf("sip: %q has no host", s)
	}
	return uriKey{user: user, host: strings.ToLower(host)}, nil
}
