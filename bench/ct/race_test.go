//go:build race

package ct

// raceEnabled is true under -race, where the race detector's instrumentation
// of the arithmetic makes timing meaningless and slow.
const raceEnabled = true
