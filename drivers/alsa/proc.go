package alsa

import (
	"strconv"
	"strings"
)

// Card is one line pair of /proc/asound/cards:
//
//	0 [Loopback       ]: Loopback - Loopback
//	                     Loopback 1
type Card struct {
	Index    int
	ID       string // "Loopback": stable across reboots, unlike Index
	Driver   string
	Name     string // the short name
	LongName string
}

// maxCards bounds what ParseCards accepts (SNDRV_CARDS is 32 by default,
// at most 256).
const maxCards = 256

// ParseCards parses the contents of /proc/asound/cards. Lines it does not
// understand are skipped; "--- no soundcards ---" gives none.
func ParseCards(b []byte) []Card {
	var out []Card
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines) && len(out) < maxCards; i++ {
		c, ok := parseCardLine(lines[i])
		if !ok {
			continue
		}
		if i+1 < len(lines) {
			if _, next := parseCardLine(lines[i+1]); !next {
				c.LongName = strings.TrimSpace(lines[i+1])
				i++
			}
		}
		out = append(out, c)
	}
	return out
}

// parseCardLine parses " 0 [Loopback       ]: Loopback - Loopback".
func parseCardLine(l string) (Card, bool) {
	l = strings.TrimLeft(l, " ")
	num, rest, ok := strings.Cut(l, " ")
	if !ok {
		return Card{}, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n >= maxCards {
		return Card{}, false
	}
	rest = strings.TrimLeft(rest, " ")
	if !strings.HasPrefix(rest, "[") {
		return Card{}, false
	}
	id, rest, ok := strings.Cut(rest[1:], "]")
	if !ok || !strings.HasPrefix(rest, ":") {
		return Card{}, false
	}
	driver, name, _ := strings.Cut(strings.TrimSpace(rest[1:]), " - ")
	return Card{Index: n, ID: strings.TrimSpace(id), Driver: strings.TrimSpace(driver), Name: strings.TrimSpace(name)}, true
}

// pcmNode is a capture PCM device node: /dev/snd/pcmC<card>D<device>c.
type pcmNode struct {
	card, device int
}

// parsePCMNode parses "pcmC0D1c"; ok is false for playback nodes and
// other names.
func parsePCMNode(name string) (pcmNode, bool) {
	rest, ok := strings.CutPrefix(name, "pcmC")
	if !ok {
		return pcmNode{}, false
	}
	rest, ok = strings.CutSuffix(rest, "c")
	if !ok {
		return pcmNode{}, false
	}
	c, d, ok := strings.Cut(rest, "D")
	if !ok {
		return pcmNode{}, false
	}
	card, err1 := strconv.Atoi(c)
	dev, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || card < 0 || dev < 0 || card >= maxCards || dev >= 1024 ||
		strconv.Itoa(card) != c || strconv.Itoa(dev) != d {
		return pcmNode{}, false
	}
	return pcmNode{card: card, device: dev}, true
}

func (n pcmNode) id() string { return "hw:" + strconv.Itoa(n.card) + "," + strconv.Itoa(n.device) }
func (n pcmNode) path() string {
	return "/dev/snd/pcmC" + strconv.Itoa(n.card) + "D" + strconv.Itoa(n.device) + "c"
}

// parseID parses "hw:0,1" (also "hw:0", device 0).
func parseID(id string) (pcmNode, bool) {
	rest, ok := strings.CutPrefix(id, "hw:")
	if !ok {
		return pcmNode{}, false
	}
	c, d, hasDev := strings.Cut(rest, ",")
	if !hasDev {
		d = "0"
	}
	return parsePCMNode("pcmC" + c + "D" + d + "c")
}
