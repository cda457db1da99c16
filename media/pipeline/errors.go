package pipeline

import "errors"

// ErrClosed: the pipeline or sink was closed.
var ErrClosed = errors.New("pipeline: closed")

// ErrFormat: the source's format has no packetizer here.
var ErrFormat = errors.New("pipeline: unsupported video format")
