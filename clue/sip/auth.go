package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// Server-side digest authentication (RFC 3261 §22, RFC 7616, RFC 8760).
//
// Nonces are stateless until a request authenticates: a nonce is
// base64url(t ‖ r ‖ mac) with t the issue time (8 bytes, Unix seconds, big
// endian), r 8 random bytes and mac the first 16 bytes of
// HMAC-SHA256(secret, "cluecam-nonce" ‖ realm ‖ t ‖ r). Checking it needs
// the secret only ("authenticate before allocating per-peer state"). After
// a request authenticates, the nonce's highest nonce-count is kept in a
// bounded table until the nonce expires; a request whose nc is not above
// it is a replay (RFC 7616 §3.4.4 / §5.12). When the table is full the
// oldest entry is evicted and every nonce issued at or before it counts as
// stale from then on, so eviction never reopens a replay.

const nonceRawLen = 8 + 8 + 16

type authResult int

const (
	authOK        authResult = iota
	authChallenge            // 401, fresh challenge
	authStale                // 401, stale=true
	authForbidden            // 403: authenticated, not allowed
)

type ncEntry struct {
	nc     int
	issued int64
}

type authenticator struct {
	realm   string
	algs    []string
	ttl     time.Duration
	secret  []byte
	now     func() time.Time
	callers []callerEntry
	noAuth  bool
	max     int

	mu    sync.Mutex
	nc    map[string]ncEntry
	floor int64 // nonces issued at or before floor are stale
}

type callerEntry struct {
	Caller
	key uriKey
}

func newAuthenticator(o *Opts) *authenticator {
	a := &authenticator{
		realm:  o.Realm,
		algs:   o.Algorithms,
		ttl:    o.NonceTTL,
		secret: o.Secret,
		now:    o.Now,
		noAuth: o.AllowUnauthenticated,
		max:    o.NonceCountEntries,
		nc:     make(map[string]ncEntry),
		floor:  -1,
	}
	for _, c := range o.Callers {
		k, _ := parseURI(c.URI)
		a.callers = append(a.callers, callerEntry{Caller: c, key: k})
	}
	return a
}

func (a *authenticator) mac(t, r []byte) []byte {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte("cluecam-nonce"))
	m.Write([]byte(a.realm))
	m.Write(t)
	m.Write(r)
	return m.Sum(nil)[:16]
}

func (a *authenticator) newNonce() string {
	var b [nonceRawLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.now().Unix()))
	_, _ = rand.Read(b[8:16])
	copy(b[16:], a.mac(b[:8], b[8:16]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkNonce reports whether the nonce is ours and its issue time.
func (a *authenticator) checkNonce(n string) (issued int64, ok bool) {
	if len(n) != base64.RawURLEncoding.EncodedLen(nonceRawLen) {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != nonceRawLen {
		return 0, false
	}
	if !hmac.Equal(b[16:], a.mac(b[:8], b[8:16])) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b[:8])), true
}

// challenges returns one WWW-Authenticate value per offered algorithm
// (RFC 8760 §2.4), all with the same fresh nonce and qop="auth".
func (a *authenticator) challenges(stale bool) []string {
	n := a.newNonce()
	out := make([]string, 0, len(a.algs))
	for _, alg := range a.algs {
		c := digest.Challenge{Realm: a.realm, Nonce: n, Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		out = append(out, c.String())
	}
	return out
}

func (a *authenticator) lookup(username string) *callerEntry {
	for i := range a.callers {
		if a.callers[i].Username == username {
			return &a.callers[i]
		}
	}
	return nil
}

func (a *authenticator) allowedFrom(from uriKey) *callerEntry {
	for i := range a.callers {
		if a.callers[i].key == from {
			return &a.callers[i]
		}
	}
	return nil
}

// check authenticates and authorises a request. authz is the
// Authorization header value ("" if absent), from the From URI.
func (a *authenticator) check(method, authz string, from uriKey) (authResult, *Caller, string) {
	if a.noAuth {
		if len(a.callers) == 0 {
			return authOK, nil, ""
		}
		if c := a.allowedFrom(from); c != nil {
			return authOK, &c.Caller, ""
		}
		return authForbidden, nil, "caller not allowed"
	}
	if authz == "" {
		return authChallenge, nil, "no credentials"
	}
	cr, err := digest.ParseCredentials(authz)
	if err != nil {
		return authChallenge, nil, "bad Authorization header"
	}
	if cr.Realm != a.realm {
		return authChallenge, nil, "wrong realm"
	}
	alg := strings.ToUpper(cr.Algorithm)
	if alg == "" {
		alg = "MD5" // RFC 7616 §3.4: absent means MD5
	}
	offered := false
	for _, x := range a.algs {
		offered = offered || x == alg
	}
	if !offered {
		return authChallenge, nil, "algorithm not offered"
	}
	// We offer qop=auth only; RFC 2069 responses (no qop, no nc) cannot be
	// protected against replay and are refused.
	if cr.QOP != "auth" || cr.Nc <= 0 || cr.Cnonce == "" {
		return authChallenge, nil, "qop=auth required"
	}
	issued, ok := a.checkNonce(cr.Nonce)
	if !ok {
		return authChallenge, nil, "unknown nonce"
	}
	ce := a.lookup(cr.Username)
	pw := "\x00invalid"
	if ce != nil {
		pw = ce.Password
	}
	want, err := digest.Digest(&digest.Challenge{
		Realm: a.realm, Nonce: cr.Nonce, Algorithm: cr.Algorithm, QOP: []string{"auth"}, Opaque: cr.Opaque,
	}, digest.Options{
		Method: method, URI: cr.URI, Username: cr.Username, Password: pw, Cnonce: cr.Cnonce, Count: cr.Nc,
	})
	if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(cr.Response))) != 1 || ce == nil {
		// RFC 3261 §22.2/§22.4: credentials that do not verify get a new
		// challenge (401), the same answer as for an unknown user, so the
		// response tells nothing about which usernames exist.
		return authChallenge, nil, "bad credentials"
	}
	now := a.now().Unix()
	a.mu.Lock()
	stale := now-issued >= int64(a.ttl/time.Second) || issued > now+5 || issued <= a.floor
	if stale {
		a.mu.Unlock()
		return authStale, nil, "stale nonce"
	}
	e, seen := a.nc[cr.Nonce]
	if seen && cr.Nc <= e.nc {
		a.mu.Unlock()
		return authChallenge, nil, fmt.Sprintf("replayed nonce-count %08x", cr.Nc)
	}
	if !seen && len(a.nc) >= a.max {
		a.evictLocked(now)
		if issued <= a.floor {
			a.mu.Unlock()
			return authStale, nil, "stale nonce"
		}
	}
	a.nc[cr.Nonce] = ncEntry{nc: cr.Nc, issued: issued}
	a.mu.Unlock()
	// Authorisation: the From URI must be the authenticated caller's.
	if ce.key != from {
		return authForbidden, nil, "From does not match the authenticated caller"
	}
	return authOK, &ce.Caller, ""
}

func (a *authenticator) evictLocked(now int64) {
	ttl := int64(a.ttl / time.Second)
	oldestKey, oldest := "", int64(0)
	for k, e := range a.nc {
		if now-e.issued >= ttl {
			delete(a.nc, k)
			continue
		}
		if oldestKey == "" || e.issued < oldest {
			oldestKey, oldest = k, e.issued
		}
	}
	if len(a.nc) >= a.max && oldestKey != "" {
		delete(a.nc, oldestKey)
		if oldest > a.floor {
			a.floor = oldest
		}
	}
}
