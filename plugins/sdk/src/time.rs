//! MediaWiki timestamps (`2020-01-15T12:00:00Z`) to and from Unix seconds.

use chrono::{DateTime, SecondsFormat, Utc};

/// Parse an ISO 8601 UTC timestamp as the Action API writes it.
pub fn parse(timestamp: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(timestamp)
        .map(|time| time.timestamp())
        .map_err(|error| format!("invalid timestamp {timestamp:?}: {error}"))
}

/// Format Unix seconds as an ISO 8601 UTC timestamp the Action API accepts.
pub fn format(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| "invalid-time".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format_round_trip() {
        let seconds = parse("2020-01-15T12:00:00Z").unwrap();
        assert_eq!(seconds, 1_579_089_600);
        assert_eq!(format(seconds), "2020-01-15T12:00:00Z");
    }

    #[test]
    fn parse_rejects_mediawiki_compact_form() {
        assert!(parse("20200115120000").is_err());
    }
}
