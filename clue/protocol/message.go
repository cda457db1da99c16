package protocol

// XML namespaces (RFC 8847 §12.1, RFC 8846 §26.1).
const (
	// NamespaceProtocol is the namespace of CLUE protocol messages.
	NamespaceProtocol = "urn:ietf:params:xml:ns:clue-protocol"
	// NamespaceInfo is the namespace of the CLUE data model (clue-info).
	NamespaceInfo = "urn:ietf:params:xml:ns:clue-info"
	// NamespaceXSI is the XML Schema instance namespace we emit.
	NamespaceXSI = "http://www.w3.org/2001/XMLSchema-instance"
	// namespaceXSIBroken is the https spelling every RFC 8847 example uses
	// (RFC-Editor URL rewrite, DIGEST §9 #1). Accepted on input as an alias
	// of NamespaceXSI, never emitted.
	namespaceXSIBroken = "https://www.w3.org/2001/XMLSchema-instance"
	namespaceXML       = "http://www.w3.org/XML/1998/namespace"

	// protocolName is the fixed value of the "protocol" attribute
	// (RFC 8847 §5: "A mandatory attribute set to "CLUE"").
	protocolName = "CLUE"
)

// Kind identifies a CLUE message type (RFC 8847 §5, §12.4.1).
type Kind uint8

// The six message types of RFC 8847 §5.
const (
	KindUnknown Kind = iota
	KindOptions
	KindOptionsResponse
	KindAdvertisement
	KindAck
	KindConfigure
	KindConfigureResponse
)

var kindNames = [...]string{"unknown", "options", "optionsResponse", "advertisement", "ack", "configure", "configureResponse"}

// String returns the root element name ("optionsResponse").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

func kindOf(local string) Kind {
	for i, n := range kindNames[1:] {
		if n == local {
			return Kind(i + 1)
		}
	}
	return KindUnknown
}

// IsResponse reports whether k is one of the response messages deriving from
// clueResponseType (RFC 8847 §5: optionsResponse, ack, configureResponse).
// Nothing can be sent back in reply to a response.
func (k Kind) IsResponse() bool {
	return k == KindOptionsResponse || k == KindAck || k == KindConfigureResponse
}

// Space returns the sender's sequence-number space for messages of kind k
// (RFC 8847 §5).
func (k Kind) Space() Space {
	switch k {
	case KindAdvertisement, KindConfigureResponse:
		return SpaceProvider
	case KindAck, KindConfigure:
		return SpaceConsumer
	}
	return SpaceInitiation
}

// Header is the part every CLUE message shares (RFC 8847 §5, Figure 1,
// clueMessageType). The "protocol" attribute is always "CLUE" and not stored.
type Header struct {
	// V is the "v" attribute: the protocol version of the message.
	V Version
	// ClueID is the optional <clueId>, "" when absent. An empty <clueId/>
	// is read as absent: it identifies nothing.
	ClueID string
	// SeqNr is <sequenceNr> (xs:positiveInteger, 0 = not set).
	SeqNr uint64
}

// MsgHeader returns h; every message embeds a Header and so gets this method.
func (h *Header) MsgHeader() *Header { return h }

// Message is one of *Options, *OptionsResponse, *Advertisement, *Ack,
// *Configure, *ConfigureResponse.
type Message interface {
	Kind() Kind
	MsgHeader() *Header
	isMessage()
}

// Response holds what clueResponseType adds (RFC 8847 §5, Figure 2).
type Response struct {
	Code Code
	// Reason is the optional <reasonString> ("" = absent).
	Reason string
}

// Options is the 'options' message (RFC 8847 §5.1), sent by the Channel
// Initiator as soon as the CLUE data channel is ready.
type Options struct {
	Header
	MediaProvider bool
	MediaConsumer bool
	// SupportedVersions: exactly one entry per supported major, with that
	// major's highest minor. Empty = element absent (the CI supports only
	// V.Major.0 … V).
	SupportedVersions []Version
	// SupportedExtensions: empty = element absent (no extensions).
	SupportedExtensions []Extension
}

// OptionsResponse is the 'optionsResponse' message (RFC 8847 §5.2), sent by
// the Channel Receiver to the Channel Initiator.
type OptionsResponse struct {
	Header
	Response
	// MediaProvider / MediaConsumer: nil = element absent. RFC 8847 §5.2:
	// mandatory when the code is 2xx.
	MediaProvider *bool
	MediaConsumer *bool
	// Version is the highest commonly supported version (zero = absent;
	// mandatory when the code is 2xx).
	Version Version
	// CommonExtensions: empty = element absent. See DIGEST / doc.go: the
	// list type needs at least one <extension>, so "no common extension" can
	// only be said by omitting the element (as RFC 8847 §10.2 does).
	CommonExtensions []Extension
}

// Advertisement is the 'advertisement' message (RFC 8847 §5.3) an MP sends to
// describe its captures; a new one completely replaces the previous one.
type Advertisement struct {
	Header
	// Body is the clue-info content: mediaCaptures, encodingGroups and
	// captureScenes (mandatory), simultaneousSets, globalViews, people.
	Body AdvertisementBody
}

// Ack is the 'ack' message (RFC 8847 §5.4): the MC's answer to an
// advertisement. A non-2xx Code is a NACK (RFC 8847 §6.1).
type Ack struct {
	Header
	Response
	// AdvSeqNr is <advSequenceNr>: the sequenceNr of the advertisement
	// acknowledged.
	AdvSeqNr uint64
}

// Configure is the 'configure' message (RFC 8847 §5.5): the captures the MC
// wants to receive.
type Configure struct {
	Header
	// AdvSeqNr is <advSequenceNr>: the advertisement the configure refers to.
	AdvSeqNr uint64
	// Ack is the optional <ack> (0 = absent; otherwise a 2xx code): a
	// 'configure+ack' also acknowledges advertisement AdvSeqNr.
	Ack Code
	// Body is the optional <captureEncodings>: the capture encodings to
	// instantiate. Absent = request nothing (an empty <captureEncodings/> is
	// schema-invalid).
	Body CaptureEncodingsBody
}

// ConfigureResponse is the 'configureResponse' message (RFC 8847 §5.6).
type ConfigureResponse struct {
	Header
	Response
	// ConfSeqNr is <confSequenceNr>: the sequenceNr of the configure answered.
	ConfSeqNr uint64
}

func (*Options) Kind() Kind           { return KindOptions }
func (*OptionsResponse) Kind() Kind   { return KindOptionsResponse }
func (*Advertisement) Kind() Kind     { return KindAdvertisement }
func (*Ack) Kind() Kind               { return KindAck }
func (*Configure) Kind() Kind         { return KindConfigure }
func (*ConfigureResponse) Kind() Kind { return KindConfigureResponse }

func (*Options) isMessage()           {}
func (*OptionsResponse) isMessage()   {}
func (*Advertisement) isMessage()     {}
func (*Ack) isMessage()               {}
func (*Configure) isMessage()         {}
func (*ConfigureResponse) isMessage() {}

// newMessage returns an empty message of kind k (nil for KindUnknown).
func newMessage(k Kind) Message {
	switch k {
	case KindOptions:
		return &Options{}
	case KindOptionsResponse:
		return &OptionsResponse{}
	case KindAdvertisement:
		return &Advertisement{}
	case KindAck:
		return &Ack{}
	case KindConfigure:
		return &Configure{}
	case KindConfigureResponse:
		return &ConfigureResponse{}
	}
	return nil
}

// responseOf returns the response part of a response message.
func responseOf(m Message) *Response {
	switch m := m.(type) {
	case *OptionsResponse:
		return &m.Response
	case *Ack:
		return &m.Response
	case *ConfigureResponse:
		return &m.Response
	}
	return nil
}
