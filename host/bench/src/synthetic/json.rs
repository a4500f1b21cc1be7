//! Hand-written JSON output for the hot path, which writes integers, booleans, escaped strings
//! and MediaWiki's timestamp forms straight into a response buffer. Also the parsing of the
//! timestamps that requests send.

use chrono::{DateTime, NaiveDateTime};

pub(crate) fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

pub(crate) fn push_i64(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    push_u64(out, value.unsigned_abs());
}

pub(crate) fn push_bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// Writes `text` as a JSON string, quotes included.
pub(crate) fn push_string(out: &mut Vec<u8>, text: &str) {
    serde_json::to_writer(&mut *out, text).expect("writing to a Vec cannot fail");
}

/// Converts Unix seconds to (year, month, day, hour, minute, second) in UTC by counting
/// 400-year eras of the proleptic Gregorian calendar. A test below checks it against chrono.
fn civil(timestamp: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = timestamp.div_euclid(86_400);
    let second_of_day = timestamp.rem_euclid(86_400) as u32;
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day, second_of_day / 3_600, second_of_day / 60 % 60, second_of_day % 60)
}

fn push_two_digits(out: &mut Vec<u8>, value: u32) {
    out.push(b'0' + (value / 10) as u8);
    out.push(b'0' + (value % 10) as u8);
}

fn push_year(out: &mut Vec<u8>, year: i64) {
    let year = year.clamp(0, 9_999) as u32;
    push_two_digits(out, year / 100);
    push_two_digits(out, year % 100);
}

/// Writes `timestamp` (Unix seconds) as a quoted ISO 8601 string, e.g. `"2025-01-03T10:00:05Z"`.
pub(crate) fn push_iso_timestamp(out: &mut Vec<u8>, timestamp: i64) {
    let (year, month, day, hour, minute, second) = civil(timestamp);
    out.push(b'"');
    push_year(out, year);
    out.push(b'-');
    push_two_digits(out, month);
    out.push(b'-');
    push_two_digits(out, day);
    out.push(b'T');
    push_two_digits(out, hour);
    out.push(b':');
    push_two_digits(out, minute);
    out.push(b':');
    push_two_digits(out, second);
    out.extend_from_slice(b"Z\"");
}

/// Formats `timestamp` (Unix seconds) in MediaWiki's 14-digit form, e.g. `20250103100005`.
pub(crate) fn mediawiki_timestamp(timestamp: i64) -> String {
    let (year, month, day, hour, minute, second) = civil(timestamp);
    let mut out = Vec::with_capacity(14);
    push_year(&mut out, year);
    for part in [month, day, hour, minute, second] {
        push_two_digits(&mut out, part);
    }
    String::from_utf8(out).expect("digits are ASCII")
}

/// Parses a 14-digit MediaWiki timestamp into Unix seconds.
pub(crate) fn parse_mediawiki_timestamp(text: &str) -> Option<i64> {
    if text.len() != 14 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").ok().map(|time| time.and_utc().timestamp())
}

/// Parses a timestamp parameter into Unix seconds. Accepts ISO 8601 with `Z` or an offset
/// (`2025-01-03T10:00:05Z`), ISO 8601 without a zone (read as UTC), and the 14-digit form;
/// MediaWiki accepts more forms, which return `None` here.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp());
    }
    if let Ok(time) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        return Some(time.and_utc().timestamp());
    }
    parse_mediawiki_timestamp(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_write_every_digit() {
        let mut out = Vec::new();
        push_u64(&mut out, 0);
        out.push(b' ');
        push_u64(&mut out, u64::MAX);
        out.push(b' ');
        push_i64(&mut out, -200);
        assert_eq!(String::from_utf8(out).unwrap(), "0 18446744073709551615 -200");
    }

    #[test]
    fn iso_timestamp_matches_chrono() {
        for timestamp in [0, 951_782_400, 1_735_689_599, 1_735_689_600, 1_740_787_205, 4_102_444_799] {
            let mut out = Vec::new();
            push_iso_timestamp(&mut out, timestamp);
            let expected = DateTime::from_timestamp(timestamp, 0).unwrap().format("\"%Y-%m-%dT%H:%M:%SZ\"").to_string();
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }

    #[test]
    fn mediawiki_timestamp_round_trips() {
        assert_eq!(mediawiki_timestamp(1_740_787_205), "20250301000005");
        assert_eq!(parse_mediawiki_timestamp("20250301000005"), Some(1_740_787_205));
    }

    #[test]
    fn timestamp_parameter_forms() {
        assert_eq!(parse_timestamp("2025-03-01T00:00:05Z"), Some(1_740_787_205));
        assert_eq!(parse_timestamp("2025-03-01T01:00:05+01:00"), Some(1_740_787_205));
        assert_eq!(parse_timestamp("2025-03-01T00:00:05"), Some(1_740_787_205));
        assert_eq!(parse_timestamp("20250301000005"), Some(1_740_787_205));
        assert_eq!(parse_timestamp("garbage"), None);
    }
}
