package challenge_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
)

// readJSON decodes testdata/name into v. A missing or malformed vector file is
// a test failure, never a skip.
func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("vector file: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestTimestampVectors checks every row of testdata/cognito-timestamps.json
// (TIMESTAMP strings from pycognito, cognito-srp-helper, alexrudd/cognito-srp,
// aws-sdk-net-extensions-cognito and amplify-android test suites).
func TestTimestampVectors(t *testing.T) {
	var file struct {
		Examples []struct {
			UTC       string `json:"utc"`
			Timestamp string `json:"TIMESTAMP"`
			Source    string `json:"source"`
		} `json:"examples"`
	}
	readJSON(t, "cognito-timestamps.json", &file)
	if len(file.Examples) != 8 {
		t.Fatalf("cognito-timestamps.json has %d examples, want 8", len(file.Examples))
	}
	for _, ex := range file.Examples {
		instant, err := time.Parse(time.RFC3339, ex.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if got := challenge.FormatTimestamp(instant); got != ex.Timestamp {
			t.Errorf("FormatTimestamp(%s) = %q, want %q (%s)", ex.UTC, got, ex.Timestamp, ex.Source)
		}
		got, err := challenge.ParseTimestamp(ex.Timestamp)
		if err != nil || !got.Equal(instant) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", ex.Timestamp, got, err, instant)
		}
		if c, err := challenge.CanonicalTimestamp(ex.Timestamp); c != ex.Timestamp || err != nil {
			t.Errorf("CanonicalTimestamp(%q) = %q, %v", ex.Timestamp, c, err)
		}
	}
}

func TestFormatTimestampFixed(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2019, 1, 1, 6, 6, 9, 0, time.UTC), "Tue Jan 1 06:06:09 UTC 2019"}, // docs/protocol.md §4
		{time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), "Thu Feb 29 12:00:00 UTC 2024"},
		{time.Date(2000, 2, 29, 23, 59, 59, 999999999, time.UTC), "Tue Feb 29 23:59:59 UTC 2000"}, // truncated, not rounded
		{time.Date(2018, 7, 10, 13, 1, 0, 0, time.UTC), "Tue Jul 10 13:01:00 UTC 2018"},           // 24-hour clock
		{time.Date(2018, 7, 10, 0, 0, 0, 0, time.UTC), "Tue Jul 10 00:00:00 UTC 2018"},            // midnight is 00
		{time.Date(2018, 7, 10, 12, 0, 0, 0, time.UTC), "Tue Jul 10 12:00:00 UTC 2018"},           // noon is 12
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "Thu Jan 1 00:00:00 UTC 1970"},
		// Year decisions (see FormatTimestamp): zero-padded to four digits,
		// written in full above 9999, Go's spelling before year 1.
		{time.Date(999, 12, 31, 23, 59, 59, 0, time.UTC), "Tue Dec 31 23:59:59 UTC 0999"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "Mon Jan 1 00:00:00 UTC 0001"},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "Fri Dec 31 23:59:59 UTC 9999"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "Sat Jan 1 00:00:00 UTC 10000"},
		{time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC), "Sun Dec 31 00:00:00 UTC 0000"},
		{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), "Fri Jan 1 00:00:00 UTC -0001"},
		// Other zones are converted to UTC first.
		{time.Date(2019, 1, 1, 6, 6, 9, 0, time.FixedZone("UTC+14", 14*3600)), "Mon Dec 31 16:06:09 UTC 2018"},
		{time.Date(2018, 12, 31, 20, 6, 9, 0, time.FixedZone("UTC-10", -10*3600)), "Tue Jan 1 06:06:09 UTC 2019"},
	} {
		if got := challenge.FormatTimestamp(tc.t); got != tc.want {
			t.Errorf("FormatTimestamp(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

// englishTimestamp is an independent rendering of docs/protocol.md §4 from the
// calendar fields, with its own English tables, to cross-check FormatTimestamp.
func englishTimestamp(t time.Time) string {
	weekdays := []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months := []string{"", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	t = t.UTC()
	return fmt.Sprintf("%s %s %d %02d:%02d:%02d UTC %04d", weekdays[t.Weekday()], months[t.Month()],
		t.Day(), t.Hour(), t.Minute(), t.Second(), t.Year())
}

// TestTimestampCalendar covers every day from 1999-12-01 to 2029-01-31 (every
// day of month 1-31, every weekday and month, the leap days 2000-02-29 to
// 2028-02-29), each at 00:00:00, 13:07:08 (which a 12-hour clock gets wrong)
// and 23:59:59, against an independent rendering, and parses each back.
func TestTimestampCalendar(t *testing.T) {
	seenDay := map[int]bool{}
	seenWeekday := map[time.Weekday]bool{}
	seenMonth := map[time.Month]bool{}
	leapDays := 0
	start := time.Date(1999, 12, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2029, 2, 1, 0, 0, 0, 0, time.UTC)
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		for _, tod := range []time.Duration{0, 13*time.Hour + 7*time.Minute + 8*time.Second, 24*time.Hour - time.Second} {
			instant := d.Add(tod)
			want := englishTimestamp(instant)
			got := challenge.FormatTimestamp(instant)
			if got != want {
				t.Fatalf("FormatTimestamp(%v) = %q, want %q", instant, got, want)
			}
			back, err := challenge.ParseTimestamp(got)
			if err != nil || !back.Equal(instant) {
				t.Fatalf("ParseTimestamp(%q) = %v, %v; want %v", got, back, err, instant)
			}
		}
		seenDay[d.Day()] = true
		seenWeekday[d.Weekday()] = true
		seenMonth[d.Month()] = true
		if d.Month() == time.February && d.Day() == 29 {
			leapDays++
		}
	}
	if len(seenDay) != 31 || len(seenWeekday) != 7 || len(seenMonth) != 12 || leapDays != 8 {
		t.Fatalf("coverage: %d days, %d weekdays, %d months, %d leap days", len(seenDay), len(seenWeekday), len(seenMonth), leapDays)
	}
	// Every hour renders on the 24-hour clock (the "03" layout bug of
	// docs/protocol.md §4 would print 13:00 as 01:00).
	for h := range 24 {
		got := challenge.FormatTimestamp(time.Date(2019, 1, 1, h, 0, 0, 0, time.UTC))
		if want := fmt.Sprintf("Tue Jan 1 %02d:00:00 UTC 2019", h); got != want {
			t.Errorf("hour %d: %q, want %q", h, got, want)
		}
	}
}

// TestTimestampRoundTrip formats and parses 10,000 seeded random instants
// between year 1 and year 12000 (and in random zones) and checks
// Parse(Format(t)) == t truncated to the second, and that the rendering is
// canonical.
func TestTimestampRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2019))
	lo := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := range 10000 {
		var sec int64
		if i%2 == 0 { // half of them in the years a real clock shows
			sec = 946684800 + rng.Int64N(100*365*86400)
		} else {
			sec = lo + rng.Int64N(hi-lo)
		}
		zone := time.FixedZone("z", (rng.IntN(27*60)-12*60)*60)
		instant := time.Unix(sec, rng.Int64N(1e9)).In(zone)
		s := challenge.FormatTimestamp(instant)
		if want := englishTimestamp(instant); s != want {
			t.Fatalf("FormatTimestamp(%v) = %q, want %q", instant, s, want)
		}
		back, err := challenge.ParseTimestamp(s)
		if err != nil {
			t.Fatalf("ParseTimestamp(%q): %v", s, err)
		}
		if want := time.Unix(sec, 0); !back.Equal(want) {
			t.Fatalf("ParseTimestamp(%q) = %v, want %v", s, back, want.UTC())
		}
		if c, err := challenge.CanonicalTimestamp(s); c != s || err != nil {
			t.Fatalf("CanonicalTimestamp(%q) = %q, %v", s, c, err)
		}
	}
}

// TestParseTimestampNonCanonical covers the spellings that the server's
// parser accepts but whose canonical form differs, so the signature fails.
func TestParseTimestampNonCanonical(t *testing.T) {
	want := time.Date(2019, 1, 1, 6, 6, 9, 0, time.UTC)
	for _, tc := range []struct{ in, canonical string }{
		{"Tue Jan 01 06:06:09 UTC 2019", "Tue Jan 1 06:06:09 UTC 2019"}, // zero-padded day
		{"Mon Jan 1 06:06:09 UTC 2019", "Tue Jan 1 06:06:09 UTC 2019"},  // wrong weekday
		{"Sun Jan 01 06:06:09 UTC 2019", "Tue Jan 1 06:06:09 UTC 2019"}, // both
		{"Tue Jan 1 06:06:09 UTC 02019", "Tue Jan 1 06:06:09 UTC 2019"}, // zero-padded year
	} {
		got, err := challenge.ParseTimestamp(tc.in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", tc.in, got, err, want)
		}
		c, err := challenge.CanonicalTimestamp(tc.in)
		if err != nil || c != tc.canonical {
			t.Errorf("CanonicalTimestamp(%q) = %q, %v; want %q", tc.in, c, err, tc.canonical)
		}
		if c == tc.in {
			t.Errorf("%q should not be canonical", tc.in)
		}
	}
	// Years decided in FormatTimestamp: 0999 and 10000 round-trip.
	for _, s := range []string{"Tue Dec 31 23:59:59 UTC 0999", "Sat Jan 1 00:00:00 UTC 10000", "Mon Jan 1 00:00:00 UTC 0001"} {
		if c, err := challenge.CanonicalTimestamp(s); c != s || err != nil {
			t.Errorf("CanonicalTimestamp(%q) = %q, %v", s, c, err)
		}
	}
}

func TestParseTimestampRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"Tue Jan 1 24:00:00 UTC 2019",    // hour 24
		"Tue Jan 1 25:00:00 UTC 2019",    //
		"Tue Jan 1 06:60:09 UTC 2019",    // minute 60
		"Tue Jan 1 06:06:60 UTC 2019",    // leap second
		"Tue Jan 1 6:06:09 UTC 2019",     // unpadded hour
		"Tue Jan 1 06:6:09 UTC 2019",     // unpadded minute
		"Tue Jan 1 06:06:9 UTC 2019",     // unpadded second
		"Tue Jan 1 06:06 UTC 2019",       // no seconds
		"Tue Jan 1 06:06:09.5 UTC 2019",  // fraction
		"Tue Jan 1 06-06-09 UTC 2019",    //
		"Tue Jan 1 06:06:09 PM UTC 2019", // 12-hour clock
		"Tue Jan 1 +6:06:09 UTC 2019",    //
		"Di Jan 1 06:06:09 UTC 2019",     // German weekday
		"Tue Mär 1 06:06:09 UTC 2019",    // German month
		"Tue Mai 1 06:06:09 UTC 2019",    //
		"Tue janv. 1 06:06:09 UTC 2019",  // French month
		"Tue Okt 1 06:06:09 UTC 2019",    //
		"tue Jan 1 06:06:09 UTC 2019",    // case
		"Tue JAN 1 06:06:09 UTC 2019",    //
		"Tuesday Jan 1 06:06:09 UTC 2019",
		"Tue January 1 06:06:09 UTC 2019",
		"Tue Jan 1 06:06:09 2019",           // missing UTC
		"Tue Jan 1 06:06:09 GMT 2019",       // other zone names
		"Tue Jan 1 06:06:09 utc 2019",       //
		"Tue Jan 1 06:06:09 Z 2019",         //
		"Tue Jan 1 06:06:09 +0000 2019",     //
		"Tue Jan 1 06:06:09 UTC+00:00 2019", //
		"Tue Jan  1 06:06:09 UTC 2019",      // extra spaces
		" Tue Jan 1 06:06:09 UTC 2019",      //
		"Tue Jan 1 06:06:09 UTC 2019 ",      //
		"Tue Jan 1 06:06:09 UTC 2019\n",     //
		"Tue\tJan 1 06:06:09 UTC 2019",      // tab
		"Tue Jan 1 06:06:09  UTC 2019",      //
		"Tue Jan 1\u00a006:06:09 UTC 2019",  // no-break space
		"Tue Jan 0 06:06:09 UTC 2019",       // day 0
		"Tue Jan 32 06:06:09 UTC 2019",      // day 32
		"Tue Jan 001 06:06:09 UTC 2019",     // three-digit day
		"Tue Jan -1 06:06:09 UTC 2019",      //
		"Thu Feb 29 06:06:09 UTC 2019",      // not a leap year
		"Thu Feb 29 06:06:09 UTC 1900",      // not a leap year (century)
		"Sat Feb 30 06:06:09 UTC 2020",      // never
		"Tue Apr 31 06:06:09 UTC 2019",      // 30-day month
		"Tue Jan 1 06:06:09 UTC 19",         // two-digit year
		"Tue Jan 1 06:06:09 UTC 999",        // three-digit year
		"Tue Jan 1 06:06:09 UTC 0000",       // year 0
		"Tue Jan 1 06:06:09 UTC -0001",      // before year 1
		"Tue Jan 1 06:06:09 UTC +2019",      //
		"Tue Jan 1 06:06:09 UTC 1234567890", // ten digits
		"Tue Jan 1 06:06:09 UTC ２０１９",       // full-width digits
		"Tue Jan ١ 06:06:09 UTC 2019",       // Arabic-Indic digit
		"2019-01-01T06:06:09Z",
		"Tue, 01 Jan 2019 06:06:09 UTC",
		"Tue Jan 1 06:06:09 UTC 2019 extra",
		strings.Repeat("x", 10000),
	} {
		got, err := challenge.ParseTimestamp(in)
		if err == nil {
			t.Errorf("ParseTimestamp(%q) = %v, want an error", in, got)
			continue
		}
		if !errors.Is(err, challenge.ErrTimestampFormat) {
			t.Errorf("ParseTimestamp(%q): %v does not match ErrTimestampFormat", in, err)
		}
		var te *challenge.TimestampError
		if !errors.As(err, &te) || te.Input != in || te.Reason == "" {
			t.Errorf("ParseTimestamp(%q): %#v is not a *TimestampError for the input", in, err)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "challenge: ") || len(msg) > 300 {
			t.Errorf("ParseTimestamp(%q): message %q", in, msg)
		}
		if !got.IsZero() {
			t.Errorf("ParseTimestamp(%q) returned %v with an error", in, got)
		}
		if c, err := challenge.CanonicalTimestamp(in); c != "" || !errors.Is(err, challenge.ErrTimestampFormat) {
			t.Errorf("CanonicalTimestamp(%q) = %q, %v", in, c, err)
		}
	}
}

// TestParseTimestampMutations feeds 20,000 seeded single-byte mutations of a
// valid TIMESTAMP to ParseTimestamp: it must never panic, and whatever it
// accepts must re-render to a string that parses to the same instant.
func TestParseTimestampMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 9))
	base := "Tue Jan 1 06:06:09 UTC 2019"
	alphabet := " :0123456789ADFJMNOSTUCadefghilnoprtuvy-+\x00\xff"
	for range 20000 {
		b := []byte(base)
		switch rng.IntN(3) {
		case 0:
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		case 1:
			i := rng.IntN(len(b))
			b = append(b[:i], b[i+1:]...)
		case 2:
			i := rng.IntN(len(b) + 1)
			b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
		}
		s := string(b)
		got, err := challenge.ParseTimestamp(s)
		if err != nil {
			if !errors.Is(err, challenge.ErrTimestampFormat) {
				t.Fatalf("ParseTimestamp(%q): untyped error %v", s, err)
			}
			continue
		}
		again, err := challenge.ParseTimestamp(challenge.FormatTimestamp(got))
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q parsed to %v, whose rendering does not round-trip: %v", s, got, err)
		}
	}
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"Tue Jan 1 06:06:09 UTC 2019", "Sat Jan 1 00:00:00 UTC 10000", "Tue Jan 01 24:00:00 UTC 2019", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := challenge.ParseTimestamp(s)
		if err != nil {
			if !errors.Is(err, challenge.ErrTimestampFormat) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		c := challenge.FormatTimestamp(got)
		if again, err := challenge.ParseTimestamp(c); err != nil || !again.Equal(got) {
			t.Fatalf("%q -> %v -> %q does not round-trip: %v", s, got, c, err)
		}
	})
}

func ExampleFormatTimestamp() {
	t := time.Date(2019, time.January, 1, 6, 6, 9, 0, time.UTC)
	fmt.Println(challenge.FormatTimestamp(t))
	// Output: Tue Jan 1 06:06:09 UTC 2019
}

func ExampleCanonicalTimestamp() {
	// A zero-padded day parses, but the server signs the canonical form, so a
	// signature over the padded string would be refused.
	sent := "Tue Jan 01 06:06:09 UTC 2019"
	canonical, err := challenge.CanonicalTimestamp(sent)
	fmt.Println(canonical, canonical == sent, err)

	_, err = challenge.ParseTimestamp("Tue Jan 1 24:00:00 UTC 2019")
	fmt.Println(errors.Is(err, challenge.ErrTimestampFormat))
	// Output:
	// Tue Jan 1 06:06:09 UTC 2019 false <nil>
	// true
}
