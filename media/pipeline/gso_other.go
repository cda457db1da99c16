//go:build !linux

package pipeline

const gsoAvailable = false

var gsoCmsgLen = 0

func putGSOCmsg(b []byte, size int) []byte { return nil }
