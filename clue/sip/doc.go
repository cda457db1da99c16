// Package sip is the SIP user agent of a CLUE endpoint (RFC 8848 §3, RFC
// 3261): UAS and UAC on github.com/emiago/sipgo over UDP, TCP and TLS, with
// server-side digest authentication and an allow-list of callers, per-
// source rate limits, a call cap and message size limits, RFC 4028 session
// timers, re-INVITE in both directions with glare handling, and REGISTER.
//
// The media and CLUE layers plug in through [SessionHandler]; the package
// knows nothing of SDP beyond carrying bodies (package endpoint composes it
// with clue/sdp, mapping SDP errors to 400/488 with [Opts.ErrorStatus] =
// sdp.Status).
//
// # Ordering
//
// sipgo handles every incoming message on its own goroutine, so wire order
// is lost. Each [Call] owns one event loop; requests of the dialog, timer
// expiries and results of our own transactions are queued to it and
// handled one at a time. An ACK is matched to the INVITE it acknowledges
// by CSeq: an ACK overtaken by the next re-INVITE is ignored (the re-
// INVITE completes the earlier exchange if its answer was in the 2xx, and
// gets 491 if the ACK still has to bring an answer). Lower CSeqs get 500
// (RFC 3261 §12.2.2); a re-INVITE while ours is pending gets 491, and ours
// is retried after the RFC 3261 §14.1 interval.
//
// # Security
//
// Out-of-dialog INVITEs are authenticated (digest, see auth.go for the
// nonce format and replay protection) before any per-call state exists;
// unauthenticated requests get 401, callers not on the allow-list 403, and
// the SessionHandler never sees them. In-dialog requests are matched by
// Call-ID and both tags. OPTIONS is answered without authentication (it
// reveals only Allow, Supported and the sip.clue tag). ACK and CANCEL are
// never challenged (RFC 3261 §22.1).
//
// Raw bytes pass a read filter before parsing: datagrams above
// MaxMessageBytes are dropped, and each source address (IP and port) has a
// token bucket; excess UDP datagrams are dropped, an excess TCP connection
// is closed. Beyond MaxCalls an INVITE gets 486. Malformed requests are
// answered when they carry enough to route a response (400 naming the
// header, 420 with Unsupported, 415, 416, 481, 483, 501/405) and dropped
// otherwise; none of this touches other dialogs.
//
// # TLS
//
// Listen("tls") serves SIP over TLS with the box's certificate
// ([TLSOpts].CertFile/KeyFile); a sips: or ;transport=tls target or
// registrar is reached over TLS (RFC 3261 §26.2.2; a sips: URI is never
// downgraded to UDP). The server we dial must chain to [TLSOpts].CAFile and
// name the host we dialled; with [TLSOpts].ServerFingerprints its leaf
// certificate must also match a pin ("sha-256 AB:…", the notation of DTLS
// fingerprints), else the handshake fails with [ErrServerNotPinned]. A
// sips: Request-URI gets a sips: Contact (RFC 3261 §8.1.1.8) and makes the
// dialog secure (§12.1); otherwise Contact says transport=tls. Callers are
// not asked for certificates: digest identifies them end to end. An
// accepted connection must finish its handshake within 10 s.
//
// # REGISTER
//
// [UA.Register] keeps Opts.Account bound at its registrar (RFC 3261 §10.2):
// challenged REGISTERs are answered with digest, refreshes reuse the
// Call-ID with a higher CSeq (§10.2.4) at half the granted lifetime (the
// expires of our Contact in the 200), 423 is retried once with Min-Expires
// (§10.2.8), failures back off exponentially, and [UA.Close] removes the
// binding with Expires: 0 (§10.2.2).
//
// # Proven against
//
// SIPp (challenged UAC, UAS, session-timer expiry); Kamailio 5.6 as
// registrar and proxy over UDP and TLS (digest with qop=auth, refresh,
// de-REGISTER, a call to the registered address with Record-Route);
// openssl s_client and s_server as TLS peers; RFC 4475-style torture
// messages over UDP, TCP and TLS.
package sip
