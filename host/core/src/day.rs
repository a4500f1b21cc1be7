//! Calendar days in a campaign's time zone, and the instants that bound them.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A calendar day, counted in days since 1970-01-01. Which instants it covers depends on the
/// time zone it is read in: a day with a daylight-saving change has 23 or 25 hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Day(pub i32);

const UNIX_EPOCH_DATE: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();

impl Day {
    pub fn from_date(date: NaiveDate) -> Day {
        Day((date - UNIX_EPOCH_DATE).num_days() as i32)
    }

    pub fn date(self) -> NaiveDate {
        UNIX_EPOCH_DATE + Duration::days(i64::from(self.0))
    }

    /// Return the day in `tz` that contains the instant `seconds` (Unix seconds).
    pub fn of_instant(seconds: i64, tz: Tz) -> Day {
        let utc = DateTime::<Utc>::from_timestamp(seconds, 0).unwrap_or_default();
        Day::from_date(tz.from_utc_datetime(&utc.naive_utc()).date_naive())
    }

    /// Return the first instant of this day in `tz`, in Unix seconds.
    pub fn start(self, tz: Tz) -> i64 {
        earliest_instant(tz, self.date().and_time(NaiveTime::MIN))
    }

    /// Return the last second of this day in `tz`, in Unix seconds.
    pub fn end(self, tz: Tz) -> i64 {
        self.next().start(tz) - 1
    }

    pub fn next(self) -> Day {
        Day(self.0 + 1)
    }

    /// Iterate over every day from `self` to `last`, both included.
    pub fn through(self, last: Day) -> impl Iterator<Item = Day> {
        (self.0..=last.0).map(Day)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.date())
    }
}

/// The earliest instant at which the wall clock in `tz` shows `local`, or, when `local` falls
/// in a daylight-saving gap and never shows, the first instant after the gap.
pub fn earliest_instant(tz: Tz, local: NaiveDateTime) -> i64 {
    let mut probe = local;
    // Gaps last at most a few hours; step forward a minute at a time until the clock exists.
    for _ in 0..(24 * 60) {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(time) => return time.timestamp(),
            LocalResult::Ambiguous(first, _) => return first.timestamp(),
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&local).timestamp()
}

/// The latest instant at which the wall clock in `tz` shows `local`, or, inside a
/// daylight-saving gap, the last instant before the gap.
pub fn latest_instant(tz: Tz, local: NaiveDateTime) -> i64 {
    let mut probe = local;
    for _ in 0..(24 * 60) {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(time) => return time.timestamp(),
            LocalResult::Ambiguous(_, last) => return last.timestamp(),
            LocalResult::None => probe -= Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&local).timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn day_counts_from_unix_epoch() {
        assert_eq!(Day::from_date(date("1970-01-02")), Day(1));
        assert_eq!(Day(18_276).date(), date("2020-01-15"));
    }

    #[test]
    fn utc_day_has_24_hours() {
        let day = Day::from_date(date("2020-01-15"));
        assert_eq!(day.start(Tz::UTC), 1_579_046_400);
        assert_eq!(day.end(Tz::UTC) - day.start(Tz::UTC) + 1, 24 * 3600);
    }

    #[test]
    fn spring_forward_day_has_23_hours() {
        let day = Day::from_date(date("2020-03-29"));
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(day.end(berlin) - day.start(berlin) + 1, 23 * 3600);
    }

    #[test]
    fn fall_back_day_has_25_hours() {
        let day = Day::from_date(date("2020-10-25"));
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(day.end(berlin) - day.start(berlin) + 1, 25 * 3600);
    }

    #[test]
    fn instant_belongs_to_local_day() {
        // 2020-06-15 12:00 UTC is 02:00 on the 16th in Kiritimati (UTC+14).
        let noon_utc = 1_592_222_400;
        assert_eq!(Day::of_instant(noon_utc, Tz::UTC).date(), date("2020-06-15"));
        assert_eq!(Day::of_instant(noon_utc, chrono_tz::Pacific::Kiritimati).date(), date("2020-06-16"));
    }

    #[test]
    fn midnight_inside_a_gap_starts_after_the_gap() {
        // Santiago skipped from 00:00 to 01:00 on 2019-09-08.
        let santiago = chrono_tz::America::Santiago;
        let day = Day::from_date(date("2019-09-08"));
        let start = day.start(santiago);
        let local = santiago.timestamp_opt(start, 0).unwrap();
        assert_eq!(local.naive_local().time(), NaiveTime::from_hms_opt(1, 0, 0).unwrap());
        assert_eq!(Day::of_instant(start, santiago), day);
        assert_eq!(Day::of_instant(start - 1, santiago), Day(day.0 - 1));
    }
}
