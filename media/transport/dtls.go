package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/logging"

	"github.com/cluecam/cluecam/media/srtp"
)

// exporterLabel is the TLS exporter label of DTLS-SRTP (RFC 5764 §4.2).
const exporterLabel = "EXTRACTOR-dtls_srtp"

// DefaultHandshakeTimeout bounds a handshake when Config.HandshakeTimeout is
// zero. DTLS retransmits with backoff (RFC 6347 §4.2.4.1), so a lossy path
// needs tens of seconds, not one.
const DefaultHandshakeTimeout = 30 * time.Second

// Config configures Handshake.
type Config struct {
	// Certificate is the box's identity (LoadOrCreateCertificate).
	Certificate *Certificate
	// RemoteFingerprints are the peer's SDP a=fingerprint values. At least
	// one must use a supported hash: without it Handshake fails with
	// ErrNoFingerprint before sending anything.
	RemoteFingerprints []Fingerprint
	// Pins, when not empty, are the only certificates this peer may present
	// (from configuration): a certificate that matches none of them is
	// refused even when it matches the SDP fingerprint.
	Pins []Fingerprint
	// Profiles are the SRTP protection profiles offered (as client) or
	// accepted (as server), best first; nil means srtp.PreferredProfiles().
	Profiles []srtp.Profile
	// HandshakeTimeout bounds the handshake; 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// Receiver configures the SRTP receiver (bound SSRCs, learning).
	Receiver *srtp.ReceiverOpts
	// LoggerFactory receives pion/dtls's logs; nil discards them.
	LoggerFactory logging.LoggerFactory

	// onKeyingMaterial, for tests, sees the exported keying material
	// before it is split and zeroed.
	onKeyingMaterial func([]byte)
}

// Association is one DTLS association with SRTP keys: the DTLS connection
// (whose application data the CLUE data channel uses), the SRTP Sender keyed
// with this box's write key and the Receiver keyed with the peer's. It ends
// on a close alert from the peer, on cancellation of the context given to
// Handshake, on a fatal DTLS error or on Close; all of them destroy the SRTP
// keys first and close the DTLS connection.
type Association struct {
	conn     *dtls.Conn
	role     Role
	profile  srtp.Profile
	peerCert []byte
	sender   *srtp.Sender
	receiver *srtp.Receiver
	app      *appConn

	done     chan struct{}
	stopOnce sync.Once
	err      error // why it ended; set before done is closed
}

// Handshake runs the DTLS handshake in role over conn with the peer at
// raddr, verifies the peer's certificate against cfg's fingerprints and pins,
// and derives the SRTP keys. The association lives until ctx is cancelled or
// it ends otherwise; the handshake itself is bounded by cfg.HandshakeTimeout.
//
// Handshake owns conn from the first packet on: conn is closed when the
// handshake fails or the association ends. An invalid cfg (no certificate,
// no usable fingerprint, no valid profile) is reported before conn is used,
// and leaves it open.
//
// Any failure returns an error and leaves no key material: verification
// happens inside the handshake, before the exporter can run.
func Handshake(ctx context.Context, conn net.PacketConn, raddr net.Addr, role Role, cfg *Config) (*Association, error) {
	dtlsProfiles, err := checkConfig(role, cfg)
	if err != nil {
		return nil, err
	}

	// The peer's certificate is checked inside the handshake; the verdict
	// is kept so that the error names the cause rather than pion's alert.
	var (
		vmu       sync.Mutex
		verifyErr error
		peerCert  []byte
	)
	verify := func(raw [][]byte, _ [][]*x509.Certificate) error {
		err := verifyPeer(raw, cfg.RemoteFingerprints, cfg.Pins)
		vmu.Lock()
		defer vmu.Unlock()
		if err != nil {
			verifyErr = err
			return err
		}
		peerCert = append([]byte(nil), raw[0]...)
		return nil
	}
	shared := []dtls.Option{
		dtls.WithCertificates(cfg.Certificate.TLS),
		// RFC 5763 §5: self-signed certificates, verified by fingerprint only.
		dtls.WithInsecureSkipVerify(true),
		dtls.WithVerifyPeerCertificate(verify),
		dtls.WithSRTPProtectionProfiles(dtlsProfiles...),
		dtls.WithExtendedMasterSecret(dtls.RequestExtendedMasterSecret),
	}
	logs := cfg.LoggerFactory
	if logs == nil {
		// pion's default writes errors to stderr; a library stays quiet
		// unless given a logger.
		quiet := logging.NewDefaultLoggerFactory()
		quiet.DefaultLogLevel = logging.LogLevelDisabled
		quiet.ScopeLevels = map[string]logging.LogLevel{}
		quiet.Writer = io.Discard
		logs = quiet
	}
	shared = append(shared, dtls.WithLoggerFactory(logs))

	var dc *dtls.Conn
	if role == RoleClient {
		opts := make([]dtls.ClientOption, 0, len(shared))
		for _, o := range shared {
			opts = append(opts, o)
		}
		dc, err = dtls.ClientWithOptions(conn, raddr, opts...)
	} else {
		opts := make([]dtls.ServerOption, 0, len(shared)+1)
		for _, o := range shared {
			opts = append(opts, o)
		}
		// The client must authenticate too: its certificate is what the
		// fingerprint in its SDP vouches for (RFC 5763 §5).
		opts = append(opts, dtls.WithClientAuth(dtls.RequireAnyClientCert))
		dc, err = dtls.ServerWithOptions(conn, raddr, opts...)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("transport: dtls: %w", err)
	}

	timeout := cfg.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	err = dc.HandshakeContext(hctx)
	cancel()
	vmu.Lock()
	verr, cert := verifyErr, peerCert
	vmu.Unlock()
	if err == nil && cert == nil {
		err = ErrNoPeerCertificate // cannot happen: pion requires one of each side
	}
	if err != nil {
		dc.Close()
		if verr != nil {
			return nil, fmt.Errorf("transport: dtls handshake: %w", verr)
		}
		return nil, fmt.Errorf("transport: dtls handshake: %w", err)
	}

	a, err := newAssociation(dc, role, cert, cfg)
	if err != nil {
		dc.Close()
		return nil, err
	}
	go a.readLoop()
	go func() {
		select {
		case <-ctx.Done():
			a.stop(fmt.Errorf("%w: %w", ErrClosed, context.Cause(ctx)))
		case <-a.done:
		}
	}()
	return a, nil
}

// checkConfig finds what makes a handshake impossible before anything is
// sent, and returns the profiles to offer.
func checkConfig(role Role, cfg *Config) ([]dtls.SRTPProtectionProfile, error) {
	if cfg == nil || cfg.Certificate == nil {
		return nil, errors.New("transport: handshake needs a certificate")
	}
	if role != RoleClient && role != RoleServer {
		return nil, fmt.Errorf("transport: handshake role %v", role)
	}
	usable := false
	for _, f := range cfg.RemoteFingerprints {
		usable = usable || f.Supported()
	}
	if !usable {
		return nil, ErrNoFingerprint
	}
	profiles := cfg.Profiles
	if profiles == nil {
		profiles = srtp.PreferredProfiles()
	}
	dtlsProfiles := make([]dtls.SRTPProtectionProfile, 0, len(profiles))
	for _, p := range profiles {
		if !p.Valid() {
			return nil, fmt.Errorf("transport: %w: %v", srtp.ErrProfile, p)
		}
		dtlsProfiles = append(dtlsProfiles, dtls.SRTPProtectionProfile(p))
	}
	if len(dtlsProfiles) == 0 {
		return nil, ErrNoSRTPProfile
	}
	return dtlsProfiles, nil
}

// verifyPeer checks the peer's leaf certificate against the SDP fingerprints
// and the pins.
func verifyPeer(raw [][]byte, sdp, pins []Fingerprint) error {
	if len(raw) == 0 || len(raw[0]) == 0 {
		return ErrNoPeerCertificate
	}
	if err := VerifyFingerprint(raw[0], sdp); err != nil {
		return err
	}
	if len(pins) > 0 && !matchesAnyPin(raw[0], pins) {
		return ErrPinMismatch
	}
	return nil
}

// newAssociation exports the DTLS-SRTP keying material and keys the SRTP
// contexts with it.
func newAssociation(dc *dtls.Conn, role Role, peerCert []byte, cfg *Config) (*Association, error) {
	sel, ok := dc.SelectedSRTPProtectionProfile()
	if !ok {
		return nil, ErrNoSRTPProfile
	}
	profile := srtp.Profile(sel)
	if !profile.Valid() {
		return nil, fmt.Errorf("%w: peer chose %v", ErrNoSRTPProfile, profile)
	}
	state, ok := dc.ConnectionState()
	if !ok {
		return nil, errors.New("transport: dtls connection state unavailable")
	}
	km, err := state.ExportKeyingMaterial(exporterLabel, nil, profile.KeyingMaterialLen())
	if err != nil {
		return nil, fmt.Errorf("transport: exporting srtp keys: %w", err)
	}
	defer clear(km)
	if cfg.onKeyingMaterial != nil {
		cfg.onKeyingMaterial(km)
	}
	// RFC 5764 §4.2: client_write_SRTP_master_key ‖ server_write_SRTP_master_key
	// ‖ client_write_SRTP_master_salt ‖ server_write_SRTP_master_salt. The
	// client's keys protect what the client sends.
	k, s := profile.KeyLen(), profile.SaltLen()
	clientKey, serverKey := km[:k], km[k:2*k]
	clientSalt, serverSalt := km[2*k:2*k+s], km[2*k+s:2*k+2*s]
	localKey, localSalt, remoteKey, remoteSalt := clientKey, clientSalt, serverKey, serverSalt
	if role == RoleServer {
		localKey, localSalt, remoteKey, remoteSalt = serverKey, serverSalt, clientKey, clientSalt
	}
	sender, err := srtp.NewSender(profile, localKey, localSalt)
	if err != nil {
		return nil, err
	}
	receiver, err := srtp.NewReceiver(profile, remoteKey, remoteSalt, cfg.Receiver)
	if err != nil {
		sender.Close()
		return nil, err
	}
	a := &Association{
		conn:     dc,
		role:     role,
		profile:  profile,
		peerCert: peerCert,
		sender:   sender,
		receiver: receiver,
		done:     make(chan struct{}),
	}
	a.app = newAppConn(a)
	return a, nil
}

// readLoop reads the DTLS connection for as long as it lives: application
// data goes to Conn's readers, and a close alert or a fatal error ends the
// association. Reading is what makes pion/dtls process a peer's alerts.
func (a *Association) readLoop() {
	buf := make([]byte, 64*1024)
	for {
		n, err := a.conn.Read(buf)
		if err == nil {
			a.app.deliver(buf[:n])
			continue
		}
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, dtls.ErrConnClosed) {
			a.stop(fmt.Errorf("%w: peer closed the dtls association", ErrClosed))
			return
		}
		var fatal *dtls.FatalError
		if errors.As(err, &fatal) {
			a.stop(fmt.Errorf("%w: %w", ErrClosed, err))
			return
		}
		// Non-fatal alerts and undecodable records: keep reading.
		select {
		case <-a.done:
			return
		default:
		}
	}
}

// stop ends the association once: SRTP keys are destroyed first, so no
// packet is sealed or opened after the end, then the DTLS connection is
// closed (sending close_notify if the peer has not closed first).
func (a *Association) stop(cause error) {
	a.stopOnce.Do(func() {
		a.err = cause
		a.sender.Close()
		a.receiver.Close()
		a.conn.Close()
		close(a.done)
	})
}

// Close ends the association: destroys the SRTP keys, sends a close alert
// and closes the connection. It is safe to call more than once.
func (a *Association) Close() error {
	a.stop(ErrClosed)
	return nil
}

// Done is closed when the association has ended.
func (a *Association) Done() <-chan struct{} { return a.done }

// Err says why the association ended (wrapping ErrClosed), or nil while it
// lives.
func (a *Association) Err() error {
	select {
	case <-a.done:
		return a.err
	default:
		return nil
	}
}

// Role is this box's DTLS role.
func (a *Association) Role() Role { return a.role }

// Profile is the negotiated SRTP protection profile.
func (a *Association) Profile() srtp.Profile { return a.profile }

// Sender seals what this box sends, with its write key (the client's keys
// when it is the DTLS client, the server's otherwise).
func (a *Association) Sender() *srtp.Sender { return a.sender }

// Receiver opens what the peer sends, with the peer's write key.
func (a *Association) Receiver() *srtp.Receiver { return a.receiver }

// PeerCertificate is the DER certificate the peer presented (verified).
func (a *Association) PeerCertificate() []byte { return append([]byte(nil), a.peerCert...) }

// Conn is the association's application data as a net.Conn, for SCTP (the
// CLUE data channel). Closing it ends the association.
func (a *Association) Conn() net.Conn { return a.app }
