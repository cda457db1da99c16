//go:build !linux

package transport

import "net"

// newBatchReader: without recvmmsg, one datagram per read.
func newBatchReader(c *net.UDPConn, _ int) batchReader { return newSingleReader(c) }
