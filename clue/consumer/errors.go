package consumer

import "errors"

// Errors callers may branch on.
var (
	// ErrPolicy: the policy names something the advertisement does not
	// have (a scene view) or asks for a subset the MCC does not allow.
	ErrPolicy = errors.New("consumer: policy does not fit the advertisement")
	// ErrInternal: the chosen configure fails the data model's check
	// (a bug in this package).
	ErrInternal = errors.New("consumer: configure does not check")
)
