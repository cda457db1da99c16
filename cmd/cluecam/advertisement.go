package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cluecam/cluecam/board/appliance"
	"github.com/cluecam/cluecam/board/config"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/clue/provider"
	"github.com/cluecam/cluecam/hw"
)

// cmdAdvertisement prints the RFC 8847 advertisement message the box would
// send now: the configuration bound to the devices the inventory lists
// (nothing is opened or started), heads at their home presets, the
// disclosure policy of security.disclose. The message goes to stdout as
// the box sends it (compact) or indented with --indent; a one-line summary
// goes to stderr. Configuration errors are printed as check-config prints
// them, exit 1.
func cmdAdvertisement(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "advertisement")
	path := fs.String("config", "", "configuration file (default: the boot partition's cluecam.toml, else the built-in demo configuration)")
	indent := fs.Bool("indent", false, "indent the XML for reading (the box sends it compact)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	_, cfg, err := loadRunConfig(*path)
	if err != nil {
		printConfigError(e, err)
		return exitFail
	}
	devs, scanErr := appliance.NewInventory(cfg, hw.SystemClock).Devices(ctx)
	if scanErr != nil {
		fmt.Fprintf(e.stderr, "cluecam advertisement: device scan incomplete: %v\n", scanErr)
	}
	captures, err := appliance.Bind(cfg, devs)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam advertisement: %v\n", err)
		return exitFail
	}
	room := appliance.NewRoom(cfg, captures, devs, appliance.HomePositions(cfg))
	adv, err := provider.Build(&room)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam advertisement: %v\n", err)
		return exitFail
	}
	// RFC 8847 §5: the first message of the provider's sequence-number
	// space; the initial value "can be chosen randomly", 1 reads best.
	msg := &protocol.Advertisement{Header: protocol.Header{V: protocol.Version10, ClueID: clueID(cfg), SeqNr: 1}, Body: adv.Body}
	data, err := protocol.Marshal(msg)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam advertisement: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(e.stderr, "advertisement: %d bytes as sent; %v\n", len(data), adv)
	if *indent {
		if data, err = indentXML(data); err != nil {
			fmt.Fprintf(e.stderr, "cluecam advertisement: %v\n", err)
			return exitFail
		}
	}
	e.stdout.Write(append(data, '\n'))
	return exitOK
}

// clueID is the <clueId> the box uses (RFC 8847 §5, optional): the user
// part of its SIP address, which the peer knows already from SIP, so it
// discloses nothing new.
func clueID(cfg *config.Config) string {
	u := cfg.Identity.SIPURI
	if i := strings.IndexByte(u, ':'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.IndexByte(u, '@'); i >= 0 {
		return u[:i]
	}
	return "cluecam"
}

// indentXML re-lays out a document one element per line, keeping prefixes
// and attributes as they are (encoding/xml's encoder would rename them).
// Text-only elements stay on one line; the document must have no mixed
// content, which CLUE messages do not.
func indentXML(data []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var b bytes.Buffer
	depth := 0
	var last xml.Token
	newline := func() {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", depth))
	}
	name := func(n xml.Name) string {
		if n.Space != "" {
			return n.Space + ":" + n.Local
		}
		return n.Local
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return b.Bytes(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("indent: %w", err)
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			newline()
			fmt.Fprintf(&b, "<?%s %s?>", t.Target, t.Inst)
		case xml.StartElement:
			newline()
			b.WriteString("<" + name(t.Name))
			for _, a := range t.Attr {
				b.WriteString(" " + name(a.Name) + `="`)
				if err := xml.EscapeText(&b, []byte(a.Value)); err != nil {
					return nil, err
				}
				b.WriteByte('"')
			}
			b.WriteByte('>')
			depth++
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			if err := xml.EscapeText(&b, t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			depth--
			switch last.(type) {
			case xml.StartElement, xml.CharData:
			default:
				newline()
			}
			b.WriteString("</" + name(t.Name) + ">")
		case xml.Comment, xml.Directive:
			return nil, errors.New("indent: comments and directives are not expected")
		}
		if cd, ok := tok.(xml.CharData); !ok || len(bytes.TrimSpace(cd)) > 0 {
			last = xml.CopyToken(tok)
		}
	}
}
