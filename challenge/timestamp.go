// Package challenge holds what a Cognito client needs to answer a sign-in
// challenge besides the SRP arithmetic: the TIMESTAMP of PASSWORD_VERIFIER
// (docs/protocol.md §4) and SECRET_HASH (docs/protocol.md §5).
//
// Constant time: [SecretHash] keys HMAC-SHA256 with the client secret, and
// HMAC never branches on or indexes by its key's contents; only the lengths of
// the secret, the user name and the client id (all treated as public) affect
// its timing. The timestamp functions handle public data and are not
// constant-time.
package challenge

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// timestampLayout is docs/protocol.md §4's Java pattern EEE MMM d HH:mm:ss z yyyy
// in Go's notation: "15" is the 24-hour clock ("03" would be the 12-hour one),
// "_2" is not used because the day is not padded at all, and Go's names are
// English whatever the process locale.
const timestampLayout = "Mon Jan 2 15:04:05 UTC 2006"

// FormatTimestamp returns the TIMESTAMP that Cognito expects for the instant t
// (docs/protocol.md §4), for example "Tue Jan 1 06:06:09 UTC 2019": t in UTC,
// English three-letter weekday and month, day of month without zero padding,
// 24-hour zero-padded time, the literal "UTC" and the year. Sub-second digits
// are dropped (not rounded).
//
// Years 1 to 999 are zero-padded to four digits and years after 9999 are
// written in full ("10000"), as Java's yyyy does. Years before 1 have no
// spelling in the server's pattern (Java would switch to the BC era without
// saying so): they are written as Go writes them ("0000", "-0001") and
// [ParseTimestamp] refuses them.
func FormatTimestamp(t time.Time) string {
	var buf [len(timestampLayout) + 8]byte
	return string(t.UTC().AppendFormat(buf[:0], timestampLayout))
}

// ErrTimestampFormat is matched, with errors.Is, by every error that
// [ParseTimestamp] and [CanonicalTimestamp] return. The server answers such a
// TIMESTAMP with InvalidParameterException.
var ErrTimestampFormat = errors.New("challenge: TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in English")

// TimestampError describes a TIMESTAMP that does not parse. It wraps
// [ErrTimestampFormat].
type TimestampError struct {
	Input  string // the TIMESTAMP as given (public data)
	Reason string // what is wrong with it, for people
}

// Error returns a message naming the input (cut to 64 bytes) and the reason.
func (e *TimestampError) Error() string {
	in := e.Input
	if len(in) > 64 {
		in = in[:64] + "..."
	}
	return "challenge: TIMESTAMP " + strconv.Quote(in) + " does not match EEE MMM d HH:mm:ss z yyyy: " + e.Reason
}

// quoteField quotes one field of a bad TIMESTAMP for a Reason, cut to 32
// bytes so that a huge input cannot make a huge message.
func quoteField(f string) string {
	if len(f) > 32 {
		f = f[:32] + "..."
	}
	return strconv.Quote(f)
}

// Unwrap returns [ErrTimestampFormat].
func (e *TimestampError) Unwrap() error { return ErrTimestampFormat }

var (
	weekdayNames = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthNames   = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// ParseTimestamp parses a TIMESTAMP of the form "Tue Jan 1 06:06:09 UTC 2019"
// the way the server does (docs/protocol.md §4) and returns the instant in UTC.
//
// Like the server's parser, it accepts spellings that are not canonical: a
// zero-padded day ("Jan 01"), a weekday that does not match the date (the
// weekday is checked to be a weekday name and otherwise ignored) and a year
// with extra leading zeros ("02019"). The server
// signs the canonical re-rendering of what it parsed, so a client that sent
// either gets "Incorrect username or password", not a format error. Compare
// the input with [CanonicalTimestamp] to catch them.
//
// Everything else must be exact, and anything else is a [*TimestampError]
// wrapping [ErrTimestampFormat]: single spaces between six fields and none
// around them; English weekday and month abbreviations with that case ("Tue",
// "Jan"); a day of one or two digits that exists in that month and year (no
// rolling Feb 30 over into March); hour, minute and second of exactly two
// digits each in 00-23, 00-59 and 00-59 (no hour 24, no leap second); the
// literal zone "UTC" (no "GMT", "Z" or offset); a year of four to nine ASCII
// digits, 0001 or later.
func ParseTimestamp(s string) (time.Time, error) {
	fail := func(reason string) (time.Time, error) {
		return time.Time{}, &TimestampError{Input: s, Reason: reason}
	}
	f := strings.Split(s, " ")
	if len(f) != 6 {
		return fail("want six fields separated by single spaces")
	}
	if indexOf(weekdayNames[:], f[0]) < 0 {
		return fail("weekday " + quoteField(f[0]) + " is not an English abbreviation (Mon ... Sun)")
	}
	m := indexOf(monthNames[:], f[1])
	if m < 0 {
		return fail("month " + quoteField(f[1]) + " is not an English abbreviation (Jan ... Dec)")
	}
	month := time.Month(m + 1)

	day, ok := digits(f[2], 1, 2)
	if !ok || day < 1 || day > 31 {
		return fail("day " + quoteField(f[2]) + " is not 1 to 31")
	}

	clock := f[3]
	if len(clock) != 8 || clock[2] != ':' || clock[5] != ':' {
		return fail("time " + quoteField(clock) + " is not HH:mm:ss")
	}
	hour, ok1 := digits(clock[0:2], 2, 2)
	minute, ok2 := digits(clock[3:5], 2, 2)
	second, ok3 := digits(clock[6:8], 2, 2)
	switch {
	case !ok1 || !ok2 || !ok3:
		return fail("time " + quoteField(clock) + " is not HH:mm:ss")
	case hour > 23:
		return fail("hour " + clock[0:2] + " is not 00 to 23")
	case minute > 59:
		return fail("minute " + clock[3:5] + " is not 00 to 59")
	case second > 59:
		return fail("second " + clock[6:8] + " is not 00 to 59")
	}

	if f[4] != "UTC" {
		return fail("zone " + quoteField(f[4]) + " is not UTC")
	}

	year, ok := digits(f[5], 4, 9)
	if !ok || year < 1 {
		return fail("year " + quoteField(f[5]) + " is not four to nine digits from 0001")
	}

	t := time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // time.Date normalized, e.g. Feb 30 to Mar 2
		return fail(monthNames[m] + " " + f[2] + " does not exist in " + f[5])
	}
	return t, nil
}

// CanonicalTimestamp returns FormatTimestamp(ParseTimestamp(s)): the string
// that the server signs when it receives s. A client's TIMESTAMP is right only
// if it equals its canonical form.
func CanonicalTimestamp(s string) (string, error) {
	t, err := ParseTimestamp(s)
	if err != nil {
		return "", err
	}
	return FormatTimestamp(t), nil
}

func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}

// digits parses s as a decimal number of minLen to maxLen ASCII digits
// (maxLen at most 9, so that the value fits any int).
func digits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
