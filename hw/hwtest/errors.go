package hwtest

import "errors"

// ErrUnexpected is returned by a fake for a call that does not match the next
// scripted step; the mismatch has also been reported to the test.
var ErrUnexpected = errors.New("hwtest: unexpected call")

// ErrBlocked is returned by a fake read that waited BlockTimeout for the
// script to reach a delivery step; the stall has also been reported.
var ErrBlocked = errors.New("hwtest: read blocked too long")
