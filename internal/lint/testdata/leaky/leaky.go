// Package leaky breaks every rule internal/lint checks. It is never built.
package leaky

import (
	"bytes"
	b2 "bytes"
	"math/big"
	"reflect"
	"slices"
)

func leaks(x, y []byte) bool {
	_ = new(big.Int).SetBytes(x)
	return bytes.Equal(x, y) || b2.Compare(x, y) == 0 || reflect.DeepEqual(x, y) ||
		slices.Equal(x, y) || string(x) == string(y) || string(x) != ""
}
