//go:build !unix

package idp

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
