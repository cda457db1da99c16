package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/cluecam/cluecam/clue/model"
	"github.com/cluecam/cluecam/clue/protocol"
	"github.com/cluecam/cluecam/clue/provider"
)

// clueCommands are the sub-subcommands of "cluecam clue".
func clueCommands() map[string]command {
	return map[string]command{
		"check": {"check a CLUE message: schema and semantics; a configure also against an advertisement, with the response code the box would answer",
			"[--advertisement ADV.xml] MSG.xml", cmdClueCheck},
	}
}

func clueUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: cluecam clue COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range []string{"check"} {
		c := clueCommands()[n]
		fmt.Fprintf(w, "  %-6s %s %s\n         %s\n", n, n, c.usage, c.summary)
	}
}

// cmdClue dispatches "cluecam clue COMMAND".
func cmdClue(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		clueUsage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		clueUsage(e.stdout)
		return exitOK
	}
	c, ok := clueCommands()[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "cluecam clue: unknown command %q\n\n", args[0])
		clueUsage(e.stderr)
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

// maxMessageFile bounds what clue check reads; protocol.Parse refuses
// anything over its own limit (64 KiB) with a 300 anyway.
const maxMessageFile = 1 << 20

// cmdClueCheck checks one CLUE message (RFC 8847) the way the box checks
// what it receives, and says what it would answer.
//
// Output, one finding per line, compiler style:
//
//	FILE:LINE:COL: error: MSG (would be answered CODE)    schema-level (protocol.Parse)
//	FILE:LINE: error: WHERE: MSG (SECTION) [RULE]           semantic (clue/model, clue/provider)
//	FILE:LINE: warning: …                                   a SHOULD, or a lenient reading
//
// Semantic problems are located by the element they name: the file is read
// again and the line of every element carrying an identifier is recorded
// (mediaCapture/captureID, captureScene/sceneID, sceneView/sceneViewID,
// encodingGroup/encodingGroupID, simultaneousSet/setID,
// globalView/globalViewID or its position, person/personID,
// captureEncoding/ID) along with the group containers (mediaCaptures, …,
// captureEncodings); a problem names one of them ("captureEncoding
// \"ce1\"") and is printed at its start tag's line. A problem naming no
// element has no line.
//
// For a configure with --advertisement, the advertisement is checked too
// (its problems are printed as notes: they do not decide the answer), and
// the last line is the response code and reason the box would send
// (clue/provider.Answer: 404 when the configure refers to an older
// advertisement, then the data-model and encoding checks). Exit 0 when the
// message is valid (a configure: when the answer is 200), 1 otherwise, 2
// for usage errors.
func cmdClueCheck(_ context.Context, e *env, args []string) int {
	c := clueCommands()["check"]
	fs := newUsageFlags(e, "clue check", c.usage, c.summary)
	advPath := fs.String("advertisement", "", "advertisement message a configure refers to")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	path := fs.Arg(0)
	m, data, ok := readMessage(e, path)
	if !ok {
		return exitFail
	}
	lines := elementLines(data)
	report := func(file string, lines map[string]int, sev string, p model.Problem) {
		loc := file
		if l := lineOf(lines, p.Where); l > 0 {
			loc += ":" + strconv.Itoa(l)
		}
		fmt.Fprintf(e.stdout, "%s: %s: %s [%s]\n", loc, sev, p, p.Rule)
	}
	reportAll := func(file string, lines map[string]int, ps model.Problems, errSev string) int {
		n := 0
		for _, p := range ps {
			sev := errSev
			if p.Severity == model.Warning {
				sev = "warning"
			} else {
				n++
			}
			// Problem.String marks warnings itself; print the bare text.
			p.Severity = model.Error
			report(file, lines, sev, p)
		}
		return n
	}

	switch msg := m.(type) {
	case *protocol.Advertisement:
		if n := reportAll(path, lines, msg.Body.Check(), "error"); n > 0 {
			code, _ := protocol.CheckAdvertisement(msg)
			fmt.Fprintf(e.stdout, "%s: advertisement %d: %d error(s); a consumer would answer %v\n", path, msg.SeqNr, n, code)
			return exitFail
		}
		fmt.Fprintf(e.stdout, "%s: advertisement %d: valid (%d captures, %d scenes, %d encoding groups)\n",
			path, msg.SeqNr, len(msg.Body.MediaCaptures), len(msg.Body.CaptureScenes), len(msg.Body.EncodingGroups))
		return exitOK
	case *protocol.Configure:
		if *advPath == "" {
			if n := reportAll(path, lines, msg.Body.Check(), "error"); n > 0 {
				fmt.Fprintf(e.stdout, "%s: configure %d: %d error(s)\n", path, msg.SeqNr, n)
				return exitFail
			}
			fmt.Fprintf(e.stdout, "%s: configure %d: valid on its own; give --advertisement to check it against the advertisement it refers to\n", path, msg.SeqNr)
			return exitOK
		}
		am, adata, ok := readMessage(e, *advPath)
		if !ok {
			return exitFail
		}
		adv, isAdv := am.(*protocol.Advertisement)
		if !isAdv {
			fmt.Fprintf(e.stdout, "%s: error: a %s message, not an advertisement\n", *advPath, am.Kind())
			return exitFail
		}
		reportAll(*advPath, elementLines(adata), adv.Body.Check().Errors(), "note: the advertisement itself")
		d := provider.Answer(adv, msg)
		for _, p := range d.Problems {
			report(path, lines, "error", p)
		}
		for _, p := range adv.Body.CheckConfigure(msg.Body) {
			if p.Severity == model.Warning && msg.AdvSeqNr == adv.SeqNr {
				p.Severity = model.Error // printed as "warning:" already
				report(path, lines, "warning", p)
			}
		}
		fmt.Fprintf(e.stdout, "%s: configure %d for advertisement %d: the box would answer %v", path, msg.SeqNr, msg.AdvSeqNr, d.Code)
		if d.Reason != "" {
			fmt.Fprintf(e.stdout, ": %s", d.Reason)
		}
		fmt.Fprintln(e.stdout)
		if !d.OK() {
			return exitFail
		}
		return exitOK
	default:
		fmt.Fprintf(e.stdout, "%s: %s %d: valid\n", path, m.Kind(), m.MsgHeader().SeqNr)
		return exitOK
	}
}

// readMessage reads and parses a message file, printing parse errors with
// their position and the 3xx code the box would answer.
func readMessage(e *env, path string) (protocol.Message, []byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam clue check: %v\n", err)
		return nil, nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMessageFile+1))
	if err != nil {
		fmt.Fprintf(e.stderr, "cluecam clue check: %v\n", err)
		return nil, nil, false
	}
	m, err := protocol.Parse(data, nil)
	var pe *protocol.ParseError
	switch {
	case errors.As(err, &pe):
		// The message may repeat the position (clue/model's DecodeError).
		msg := linePrefix.ReplaceAllString(pe.Msg, "")
		fmt.Fprintf(e.stdout, "%s:%d:%d: error: %s (would be answered %v)\n", path, pe.Line, pe.Col, msg, pe.Code)
		return nil, nil, false
	case err != nil:
		fmt.Fprintf(e.stdout, "%s: error: %v\n", path, err)
		return nil, nil, false
	}
	return m, data, true
}

var linePrefix = regexp.MustCompile(`^line \d+:\d+: `)

// idAttr names the identifier attribute of the elements problems refer to
// (clue/model's Problem.Where is `element "ID"`).
var idAttr = map[string]string{
	"mediaCapture": "captureID", "captureScene": "sceneID", "sceneView": "sceneViewID",
	"encodingGroup": "encodingGroupID", "simultaneousSet": "setID", "globalView": "globalViewID",
	"person": "personID", "captureEncoding": "ID",
}

// elementLines maps each element a problem can name to the line of its
// start tag: `mediaCapture "VC1"` and the like, `globalView #2` for a
// global view without ID, and the group containers by name. The document
// has been parsed already, so it is well formed.
func elementLines(data []byte) map[string]int {
	out := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(data))
	globals := 0
	for {
		line, _ := d.InputPos() // the position before '<' of the next start tag
		tok, err := d.Token()
		if err != nil {
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		local := se.Name.Local
		if _, isGroup := model.GroupByName(local); isGroup {
			if _, seen := out[local]; !seen {
				out[local] = line
			}
			continue
		}
		attr, ok := idAttr[local]
		if !ok {
			continue
		}
		id := ""
		for _, a := range se.Attr {
			if a.Name.Space == "" && a.Name.Local == attr {
				id = a.Value
			}
		}
		key := local + " " + strconv.Quote(id)
		if local == "globalView" {
			globals++
			if id == "" {
				key = "globalView #" + strconv.Itoa(globals)
			}
		}
		if _, seen := out[key]; !seen {
			out[key] = line
		}
	}
}

// lineOf finds the element a problem's Where names: the key itself or a
// prefix of it ("person \"p1\" personInfo").
func lineOf(lines map[string]int, where string) int {
	best, line := 0, 0
	for k, l := range lines {
		if (where == k || strings.HasPrefix(where, k+" ")) && len(k) > best {
			best, line = len(k), l
		}
	}
	return line
}
