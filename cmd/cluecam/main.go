// Command cluecam is the appliance binary of a CLUE camera box: one static
// executable whose subcommands run the endpoint, inspect the hardware and
// check the boot-partition configuration.
//
// This file holds only the dispatch; each subcommand lives in its own file and
// does the explicit wiring of the packages it needs (ARCHITECTURE.md: cmd
// wires, libraries never exit).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at link time: -ldflags "-X main.version=...".
var version = "dev"

// exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and found a problem (bad config, device error)
	exitUsage = 2 // the command line itself is wrong
)

// env is what a subcommand may touch of the outside world; tests supply
// their own buffers.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	summary string
	usage   string // arguments after the command name
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() map[string]command {
	return map[string]command{
		"run":           {"run the appliance (answers CLUE calls per the config)", "[--config FILE] [log flags]", cmdRun},
		"devices":       {"list the cameras, microphones and PTZ heads found", "[--json] [log flags]", cmdDevices},
		"check-config":  {"validate a configuration file and print the effective config", "FILE", cmdCheckConfig},
		"advertisement": {"print the CLUE advertisement the box would send now", "[--config FILE] [--indent]", cmdAdvertisement},
		"clue":          {"CLUE tools: 'clue check' checks a CLUE message (and a configure against an advertisement)", "check [--advertisement ADV.xml] MSG.xml", cmdClue},
		"ptz":           {"move a pan-tilt head: to a position, a preset or home; or show or stop it", "[--config FILE] HEAD (goto PAN TILT [ZOOM] | preset NAME | home | status | stop)", cmdPTZ},
		"stream":        {"stream one capture as SRTP (or, explicitly, plain RTP) and print the SDP for a viewer", "(--capture NAME | --file H264) --to HOST:PORT [--config FILE] [--srtp-key BASE64 [--srtp-profile aes-cm|aes-gcm] | --insecure-rtp] [--codec pcmu|pcma|g722|l16] [--fps N] [--pace realtime|none] [--no-gso] [--frames N | --duration D] [log flags]", cmdStream},
		"call":          {"call a CLUE endpoint as a media consumer and report the media received per capture", "[--from URI] [--password-file F] [--packets N] [--duration D] [--video N] [--audio N] [--mccs no|with|only] [--listen ADDR] [--tls-ca F] [--tls-pin FP] [--tls-cert F --tls-key F] SIP-URI", cmdCall},
		"version":       {"print the version and build target", "", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(dispatch(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
}

func dispatch(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		usage(e.stdout)
		return exitOK
	}
	c, ok := commands()[name]
	if !ok {
		fmt.Fprintf(e.stderr, "cluecam: unknown command %q\n\n", name)
		usage(e.stderr)
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cluecam COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	cs := commands()
	names := make([]string, 0, len(cs))
	for n := range cs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, cs[n].summary)
	}
	fmt.Fprintln(w, "\nrun 'cluecam COMMAND -h' for a command's flags")
}
