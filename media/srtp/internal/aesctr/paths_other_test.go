//go:build !amd64 || purego

package aesctr

// Only amd64 has more than one assembly path; elsewhere there is at most one.

func asmPaths() []string  { return []string{"asm"} }
func setAsmPath(int)      {}
func asmPathName() string { return "asm" }
