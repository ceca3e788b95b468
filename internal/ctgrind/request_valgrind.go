//go:build valgrind && linux && amd64

package ctgrind

const enabled = true

// request issues a Valgrind client request with two arguments and returns
// Valgrind's answer (0 when not running under Valgrind).
//
//go:noescape
func request(code, a1, a2 uintptr) uintptr
