// Package ctgrind marks memory as secret or public for Valgrind's Memcheck,
// which then reports every conditional jump, conditional move of a branch's
// kind and memory address that depends on a secret: the "ctgrind" method
// (A. Langley, 2010), used by BoringSSL and libsecp256k1 for constant-time
// checks.
//
// Memcheck tracks, bit by bit, which values derive from uninitialised memory
// and complains when one decides a branch or forms an address. [Secret]
// declares memory uninitialised, so whatever is computed from it inherits the
// mark; [Public] declares it initialised again, for values that the protocol
// reveals anyway (a public key A = g^a, a claim sent on the wire).
//
// The functions do something only in a binary built with the valgrind build
// tag on linux/amd64 (which also makes the Go runtime describe its allocator
// to Valgrind) and run under valgrind; otherwise they are empty and compile
// away. Under the tag but not under Valgrind they are harmless: the request
// is a sequence of rotations that leaves its register unchanged.
package ctgrind

import "unsafe"

// Memcheck's client request codes (valgrind/memcheck.h: the tool base
// ('M'<<24 | 'C'<<16) plus the request's index).
const (
	reqMakeMemUndefined = 0x4d430000 + 1
	reqMakeMemDefined   = 0x4d430000 + 2
)

// Secret marks b as secret: Memcheck reports any branch or address that
// depends on its contents or on values computed from them.
func Secret(b []byte) {
	if enabled && len(b) > 0 {
		request(reqMakeMemUndefined, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	}
}

// Public marks b as public again (declassifies it).
func Public(b []byte) {
	if enabled && len(b) > 0 {
		request(reqMakeMemDefined, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	}
}

// PublicValue marks the memory of *p as public again.
func PublicValue[T any](p *T) {
	Public(unsafe.Slice((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(*p)))
}

// Enabled reports whether the client requests are compiled in (the valgrind
// build tag on linux/amd64). It does not tell whether Valgrind is running.
func Enabled() bool { return enabled }
