package manifest

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// durationPattern is the whole syntax of a Duration.
const durationPattern = `^[0-9]+(m|h|d|w|y)$`

// datePattern is the syntax of a Date; Date.Time also checks the calendar.
const datePattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`

const day = 24 * time.Hour

// durationUnit maps a Duration's unit letter to its length and its English
// name.
func durationUnit(u byte) (time.Duration, string) {
	switch u {
	case 'm':
		return time.Minute, "minute"
	case 'h':
		return time.Hour, "hour"
	case 'd':
		return day, "day"
	case 'w':
		return 7 * day, "week"
	case 'y':
		return 365 * day, "year"
	}
	return 0, ""
}

// split returns the count and unit letter of a well-formed Duration.
func (d Duration) split() (int64, byte, error) {
	if !regexp.MustCompile(durationPattern).MatchString(string(d)) {
		return 0, 0, fmt.Errorf("%q is not a duration (want a number and a unit m, h, d, w or y, such as \"30d\")", string(d))
	}
	s := string(d)
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is too long a duration", s)
	}
	return n, s[len(s)-1], nil
}

// Std converts the duration to a time.Duration. A day is 24 hours, a week 7
// days and a year 365 days.
func (d Duration) Std() (time.Duration, error) {
	n, u, err := d.split()
	if err != nil {
		return 0, err
	}
	unit, _ := durationUnit(u)
	if n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("%q is too long a duration", string(d))
	}
	return time.Duration(n) * unit, nil
}

// String spells the duration out for reports: "30d" reads "30 days". A
// malformed duration is returned as written.
func (d Duration) String() string {
	n, u, err := d.split()
	if err != nil {
		return string(d)
	}
	_, name := durationUnit(u)
	if n != 1 {
		name += "s"
	}
	return strconv.FormatInt(n, 10) + " " + name
}

// Time returns midnight UTC at the start of the date.
func (d Date) Time() (time.Time, error) {
	if !regexp.MustCompile(datePattern).MatchString(string(d)) {
		return time.Time{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", string(d))
	}
	t, err := time.ParseInLocation(time.DateOnly, string(d), time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a calendar date", string(d))
	}
	return t, nil
}

// Lapsed reports whether an expiry date has passed at now. A date holds
// through its whole day (UTC), so an attestation or a waiver that expires
// on 2027-01-31 still counts on that day.
func (d Date) Lapsed(now time.Time) (bool, error) {
	exp, err := d.Time()
	if err != nil {
		return false, err
	}
	return !now.Before(exp.AddDate(0, 0, 1)), nil
}
