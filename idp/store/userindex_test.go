package store

import (
	"testing"

	"pgregory.net/rapid"
)

// TestIndexFormat: formatIndex and parseIndex round-trip any list of
// server ids with or without an expiry, and a stored value that is not an
// index (a damaged file) is an error, never a panic.
func TestIndexFormat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		id := rapid.StringMatching(`[A-Za-z0-9_./\x00-]{1,60}`)
		idx := rapid.SliceOf(rapid.Custom(func(t *rapid.T) IndexEntry {
			return IndexEntry{Key: id.Draw(t, "key"), Expires: rapid.Int64Range(0, 1<<40).Draw(t, "exp")}
		})).Draw(t, "idx")
		got, err := parseIndex(formatIndex(idx))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(idx) {
			t.Fatalf("%d entries, want %d", len(got), len(idx))
		}
		for i := range idx {
			if got[i] != idx[i] {
				t.Fatalf("entry %d: %+v, want %+v", i, got[i], idx[i])
			}
		}
	})
	for _, bad := range []string{"k\tnot-a-number", "a\n b\t1e3", "k\t99999999999999999999"} {
		if _, err := parseIndex([]byte(bad)); err == nil {
			t.Errorf("parseIndex(%q): no error", bad)
		}
	}
}
