//go:build !amd64 || purego

package mont

var ifmaAsm map[string]mul52Fn

// ifmaMissing says why the IFMA kernel is not tested.
const ifmaMissing = "it is amd64-only and this build is purego or another architecture"
