//go:build !race

package ct

const raceEnabled = false
