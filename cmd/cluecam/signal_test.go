package main

import (
	"os"
	"syscall"
	"testing"
)

// sendHUP delivers SIGHUP to this process; cmdRun has it registered with
// signal.Notify before it logs "ready", so it is caught, not fatal.
func sendHUP(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
}
