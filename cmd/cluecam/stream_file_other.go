//go:build !linux

package main

import "os"

func readWhole(path string) ([]byte, error) { return os.ReadFile(path) }
