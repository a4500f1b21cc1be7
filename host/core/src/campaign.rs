//! Campaigns: who is tracked, on which wikis, over which time window, in which time zone.
//!
//! A campaign is written as TOML ([`CampaignSpec`]) to create or export it, and checked into a
//! [`Campaign`] once, so the rest of wikidash only handles valid values.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::day::{Day, earliest_instant, latest_instant};
use crate::namespace::DEFAULT_TRACKED;
use crate::scope::{ScopeError, ScopeSource, ScopeSpec};
use crate::username::{UsernameError, normalize_username};
use crate::wiki::{COMMONS_API, WikiUrl, WikiUrlError};

/// Maximum length of a campaign name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;

/// A campaign as written in a TOML file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    /// Short name used on the command line: lower-case letters, digits, `-`, `_` and `.`.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Action API URLs. The first is the home wiki, whose registration dates decide who is a
    /// new editor.
    pub wikis: Vec<String>,
    /// First day (`2026-03-01`) or first moment (`2026-03-01T09:00:00`), in `time_zone`.
    pub start: toml::Value,
    /// Last day (inclusive) or last moment, in `time_zone`.
    pub end: toml::Value,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Namespaces whose pages count as articles.
    #[serde(default = "default_namespaces")]
    pub namespaces: Vec<i32>,
    #[serde(default)]
    pub participants: Vec<String>,
    /// Action API URL of the wiki participants upload files to. Defaults to Wikimedia Commons
    /// when the home wiki is a Wikimedia wiki; uploads are not tracked otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads_wiki: Option<String>,
    /// Article scope; when present, only in-scope articles count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<ScopeSpec>,
}

fn default_time_zone() -> String {
    "UTC".into()
}

fn default_namespaces() -> Vec<i32> {
    DEFAULT_TRACKED.to_vec()
}

/// One end of a campaign window, in the campaign's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Bound {
    /// A whole day: from its first instant when it starts a window, to its last when it ends one.
    Date(NaiveDate),
    /// A wall-clock moment.
    DateTime(NaiveDateTime),
}

/// A checked campaign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub name: String,
    pub title: Option<String>,
    /// At least one, no duplicates; the first is the home wiki.
    pub wikis: Vec<WikiUrl>,
    pub start: Bound,
    pub end: Bound,
    pub time_zone: Tz,
    /// Tracked namespaces, sorted, at least one.
    pub namespaces: Vec<i32>,
    /// Normalised usernames, without duplicates, in the order they were added.
    pub participants: Vec<String>,
    /// The wiki uploads are looked for on; `None` when uploads are not tracked.
    #[serde(default)]
    pub uploads_wiki: Option<WikiUrl>,
    /// Article scope sources; empty for a campaign that counts every article.
    #[serde(default)]
    pub scope: Vec<ScopeSource>,
}

/// A campaign's time window as instants: Unix seconds, both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    pub fn contains(&self, seconds: i64) -> bool {
        self.start <= seconds && seconds <= self.end
    }
}

#[derive(Debug, Error)]
pub enum CampaignError {
    #[error("invalid campaign file: {0}")]
    Toml(String),
    #[error(
        "campaign name {name:?} is not allowed: use 1 to {MAX_NAME_BYTES} lower-case letters, digits, '-', '_' or '.', \
         starting with a letter or digit (for example {suggestion:?})"
    )]
    Name { name: String, suggestion: String },
    #[error("campaign {name:?} lists no wikis; add at least one Action API URL to `wikis`")]
    NoWikis { name: String },
    #[error("campaign {name:?}: {reason}")]
    Wiki { name: String, reason: WikiUrlError },
    #[error("campaign {name:?} lists the wiki {url} twice; remove one")]
    DuplicateWiki { name: String, url: String },
    #[error(
        "campaign {name:?}: `{field}` = {value} is not a date or date-time ({reason}); write e.g. 2026-03-01 or 2026-03-01T09:00:00"
    )]
    Bound { name: String, field: &'static str, value: String, reason: String },
    #[error("campaign {name:?} ends ({end}) before it starts ({start}); swap or fix `start` and `end`")]
    EndBeforeStart { name: String, start: String, end: String },
    #[error(
        "campaign {name:?}: {value:?} is not an IANA time zone name; use a name such as \"UTC\" or \"Europe/Berlin\""
    )]
    TimeZone { name: String, value: String },
    #[error(
        "campaign {name:?}: namespace {value} cannot hold articles; use namespace ids 0 or above (0 is the main namespace)"
    )]
    Namespace { name: String, value: i32 },
    #[error("campaign {name:?} tracks no namespaces; leave `namespaces` out for the default [0] or list some")]
    NoNamespaces { name: String },
    #[error("campaign {name:?} has {} invalid participant name(s): {}", .problems.len(), join_problems(.problems))]
    Participants { name: String, problems: Vec<UsernameError> },
    #[error("campaign {name:?}: uploads_wiki: {reason}")]
    UploadsWiki { name: String, reason: WikiUrlError },
    #[error("campaign {name:?}: {reason}")]
    Scope { name: String, reason: ScopeError },
}

fn join_problems(problems: &[UsernameError]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl CampaignSpec {
    /// Parse a campaign file.
    pub fn from_toml(text: &str) -> Result<CampaignSpec, CampaignError> {
        toml::from_str(text).map_err(|error| CampaignError::Toml(error.to_string()))
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a campaign spec always serialises")
    }
}

impl Campaign {
    /// Check `spec` and build the campaign it describes.
    pub fn from_spec(spec: &CampaignSpec) -> Result<Campaign, CampaignError> {
        let name = check_name(&spec.name)?;
        let wikis = check_wikis(&name, &spec.wikis)?;
        let time_zone = Tz::from_str(spec.time_zone.trim())
            .map_err(|_| CampaignError::TimeZone { name: name.clone(), value: spec.time_zone.clone() })?;
        let start = parse_bound(&name, "start", &spec.start)?;
        let end = parse_bound(&name, "end", &spec.end)?;
        let namespaces = check_namespaces(&name, &spec.namespaces)?;
        let participants = normalize_participants(&spec.participants)
            .map_err(|problems| CampaignError::Participants { name: name.clone(), problems })?;
        let uploads_wiki = match &spec.uploads_wiki {
            Some(text) => {
                Some(WikiUrl::parse(text).map_err(|reason| CampaignError::UploadsWiki { name: name.clone(), reason })?)
            }
            None if wikis[0].wikimedia_project().is_some() => Some(WikiUrl::parse(COMMONS_API).expect("a valid URL")),
            None => None,
        };
        let scope = spec
            .scope
            .iter()
            .enumerate()
            .map(|(index, source)| ScopeSource::from_spec(index + 1, source, &wikis))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| CampaignError::Scope { name: name.clone(), reason })?;
        let campaign = Campaign {
            name,
            title: spec.title.clone(),
            wikis,
            start,
            end,
            time_zone,
            namespaces,
            participants,
            uploads_wiki,
            scope,
        };

        let window = campaign.window();
        if window.end < window.start {
            return Err(CampaignError::EndBeforeStart {
                name: campaign.name,
                start: bound_text(&campaign.start),
                end: bound_text(&campaign.end),
            });
        }
        Ok(campaign)
    }

    /// The campaign as a TOML spec, for export.
    pub fn to_spec(&self) -> CampaignSpec {
        CampaignSpec {
            name: self.name.clone(),
            title: self.title.clone(),
            wikis: self.wikis.iter().map(|wiki| wiki.to_string()).collect(),
            start: bound_value(&self.start),
            end: bound_value(&self.end),
            time_zone: self.time_zone.name().to_string(),
            namespaces: self.namespaces.clone(),
            participants: self.participants.clone(),
            uploads_wiki: self.uploads_wiki.as_ref().map(ToString::to_string),
            scope: self.scope.iter().map(|source| source.to_spec(&self.wikis[0])).collect(),
        }
    }

    /// Whether only in-scope articles count.
    pub fn is_scoped(&self) -> bool {
        !self.scope.is_empty()
    }

    /// The window in Unix seconds: a bare start date begins at that day's first instant, a bare
    /// end date ends at that day's last second.
    pub fn window(&self) -> Window {
        let tz = self.time_zone;
        let start = match self.start {
            Bound::Date(date) => Day::from_date(date).start(tz),
            Bound::DateTime(moment) => earliest_instant(tz, moment),
        };
        let end = match self.end {
            Bound::Date(date) => Day::from_date(date).end(tz),
            Bound::DateTime(moment) => latest_instant(tz, moment),
        };
        Window { start, end }
    }

    pub fn first_day(&self) -> Day {
        Day::of_instant(self.window().start, self.time_zone)
    }

    pub fn last_day(&self) -> Day {
        Day::of_instant(self.window().end, self.time_zone)
    }

    pub fn home_wiki(&self) -> &WikiUrl {
        &self.wikis[0]
    }

    /// Add participants, normalising each; names already present are skipped. Returns the
    /// names actually added. Any invalid name rejects the whole call.
    pub fn add_participants(&mut self, names: &[String]) -> Result<Vec<String>, CampaignError> {
        let normalized = normalize_participants(names)
            .map_err(|problems| CampaignError::Participants { name: self.name.clone(), problems })?;
        let mut added = Vec::new();
        for name in normalized {
            if !self.participants.contains(&name) {
                self.participants.push(name.clone());
                added.push(name);
            }
        }
        Ok(added)
    }
}

/// Normalise every name, dropping duplicates; collect every invalid name instead of stopping
/// at the first, so one error message lists them all.
pub fn normalize_participants(names: &[String]) -> Result<Vec<String>, Vec<UsernameError>> {
    let mut valid: Vec<String> = Vec::with_capacity(names.len());
    let mut problems = Vec::new();
    for raw in names {
        match normalize_username(raw) {
            Ok(name) if !valid.contains(&name) => valid.push(name),
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() { Ok(valid) } else { Err(problems) }
}

fn check_name(name: &str) -> Result<String, CampaignError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        return Ok(name.to_string());
    }
    Err(CampaignError::Name { name: name.to_string(), suggestion: suggest_name(name) })
}

fn suggest_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_string();
    let slug: String = slug.chars().take(MAX_NAME_BYTES).collect();
    if slug.is_empty() { "my-campaign".into() } else { slug }
}

fn check_wikis(name: &str, wikis: &[String]) -> Result<Vec<WikiUrl>, CampaignError> {
    if wikis.is_empty() {
        return Err(CampaignError::NoWikis { name: name.to_string() });
    }
    let mut checked: Vec<WikiUrl> = Vec::with_capacity(wikis.len());
    for text in wikis {
        let url = WikiUrl::parse(text).map_err(|reason| CampaignError::Wiki { name: name.to_string(), reason })?;
        if checked.contains(&url) {
            return Err(CampaignError::DuplicateWiki { name: name.to_string(), url: url.to_string() });
        }
        checked.push(url);
    }
    Ok(checked)
}

fn check_namespaces(name: &str, namespaces: &[i32]) -> Result<Vec<i32>, CampaignError> {
    if namespaces.is_empty() {
        return Err(CampaignError::NoNamespaces { name: name.to_string() });
    }
    if let Some(&bad) = namespaces.iter().find(|&&ns| ns < 0) {
        return Err(CampaignError::Namespace { name: name.to_string(), value: bad });
    }
    let mut sorted = namespaces.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    Ok(sorted)
}

fn parse_bound(name: &str, field: &'static str, value: &toml::Value) -> Result<Bound, CampaignError> {
    let error =
        |reason: String| CampaignError::Bound { name: name.to_string(), field, value: value.to_string(), reason };
    let text = match value {
        toml::Value::String(text) => text.trim().to_string(),
        toml::Value::Datetime(datetime) => {
            if datetime.offset.is_some() {
                return Err(error("a UTC offset is not allowed; the campaign's time_zone gives the offset".into()));
            }
            datetime.to_string()
        }
        other => return Err(error(format!("it is a {}", other.type_str()))),
    };
    if let Ok(date) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        return Ok(Bound::Date(date));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(moment) = NaiveDateTime::parse_from_str(&text, format) {
            return Ok(Bound::DateTime(moment));
        }
    }
    Err(error("expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]".into()))
}

fn bound_text(bound: &Bound) -> String {
    match bound {
        Bound::Date(date) => date.to_string(),
        Bound::DateTime(moment) => moment.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

fn bound_value(bound: &Bound) -> toml::Value {
    let text = bound_text(bound);
    match toml::value::Datetime::from_str(&text) {
        Ok(datetime) => toml::Value::Datetime(datetime),
        Err(_) => toml::Value::String(text),
    }
}

impl Bound {
    /// The bound as written in a campaign file.
    pub fn to_text(&self) -> String {
        bound_text(self)
    }

    /// The date part of the bound.
    pub fn date(&self) -> NaiveDate {
        match self {
            Bound::Date(date) => *date,
            Bound::DateTime(moment) => moment.date(),
        }
    }

    /// The wall-clock time the bound starts at, for display.
    pub fn time(&self) -> Option<NaiveTime> {
        match self {
            Bound::Date(_) => None,
            Bound::DateTime(moment) => Some(moment.time()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
name = "spring-editathon"
wikis = ["https://en.wikipedia.org/w/api.php"]
start = 2026-03-01
end = 2026-03-31
participants = ["alice", "User:Bob", "Alice"]
"#;

    #[test]
    fn spec_defaults_to_utc_and_main_namespace() {
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(SPEC).unwrap()).unwrap();
        assert_eq!(campaign.time_zone, Tz::UTC);
        assert_eq!(campaign.namespaces, vec![0]);
        assert_eq!(campaign.participants, vec!["Alice".to_string(), "Bob".to_string()]);
    }

    #[test]
    fn bare_dates_cover_whole_days() {
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(SPEC).unwrap()).unwrap();
        let window = campaign.window();
        assert_eq!(window.start, 1_772_323_200); // 2026-03-01T00:00:00Z
        assert_eq!(window.end, 1_775_001_599); // 2026-03-31T23:59:59Z
    }

    #[test]
    fn dates_are_read_in_the_campaign_time_zone() {
        let text = SPEC.replace("end = 2026-03-31", "end = 2026-03-31\ntime_zone = \"Europe/Berlin\"");
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap();
        let window = campaign.window();
        // Berlin is UTC+1 on 1 March and UTC+2 (summer time) on 31 March.
        assert_eq!(window.start, 1_772_323_200 - 3600);
        assert_eq!(window.end, 1_775_001_599 - 2 * 3600);
    }

    #[test]
    fn datetimes_and_strings_are_accepted() {
        let text = SPEC
            .replace("start = 2026-03-01", "start = \"2026-03-01T09:30\"")
            .replace("end = 2026-03-31", "end = 2026-03-01T17:00:00");
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap();
        assert_eq!(campaign.window().end - campaign.window().start, 7 * 3600 + 1800);
    }

    #[test]
    fn export_round_trips() {
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(SPEC).unwrap()).unwrap();
        let exported = campaign.to_spec().to_toml();
        let again = Campaign::from_spec(&CampaignSpec::from_toml(&exported).unwrap()).unwrap();
        assert_eq!(again, campaign);
        assert!(exported.contains("start = 2026-03-01"), "{exported}");
    }

    #[test]
    fn invalid_participants_are_all_named() {
        let text = SPEC.replace(r#"["alice", "User:Bob", "Alice"]"#, r#"["Alice", "192.0.2.7", "Bad#Name"]"#);
        let error = Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("2 invalid participant name(s)"), "{message}");
        assert!(message.contains("\"192.0.2.7\" is an IP address"), "{message}");
        assert!(message.contains("\"Bad#Name\""), "{message}");
    }

    #[test]
    fn bad_name_gets_a_suggestion() {
        let text = SPEC.replace("spring-editathon", "Spring Editathon 2026!");
        let message = Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap_err().to_string();
        assert!(message.contains("\"spring-editathon-2026\""), "{message}");
    }

    #[test]
    fn unknown_time_zone_is_named() {
        let text = SPEC.replace("end = 2026-03-31", "end = 2026-03-31\ntime_zone = \"Mars/Olympus\"");
        let message = Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap_err().to_string();
        assert!(message.contains("\"Mars/Olympus\""), "{message}");
    }

    #[test]
    fn end_before_start_is_rejected() {
        let text = SPEC.replace("end = 2026-03-31", "end = 2026-02-01");
        assert!(matches!(
            Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()),
            Err(CampaignError::EndBeforeStart { .. })
        ));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let text = format!("{SPEC}\nparticipant = [\"typo\"]\n");
        let message = CampaignSpec::from_toml(&text).unwrap_err().to_string();
        assert!(message.contains("participant"), "{message}");
    }

    #[test]
    fn duplicate_wikis_are_rejected() {
        let text = SPEC.replace(
            r#"wikis = ["https://en.wikipedia.org/w/api.php"]"#,
            r#"wikis = ["https://en.wikipedia.org/w/api.php", "https://en.wikipedia.org/w/api.php?x=1"]"#,
        );
        assert!(matches!(
            Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()),
            Err(CampaignError::DuplicateWiki { .. })
        ));
    }

    #[test]
    fn offsets_in_bounds_are_rejected() {
        let text = SPEC.replace("start = 2026-03-01", "start = 2026-03-01T00:00:00Z");
        let message = Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap_err().to_string();
        assert!(message.contains("UTC offset"), "{message}");
    }

    #[test]
    fn wikimedia_campaigns_track_uploads_on_commons() {
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(SPEC).unwrap()).unwrap();
        assert_eq!(campaign.uploads_wiki.as_ref().map(WikiUrl::as_str), Some(COMMONS_API));
        let local = SPEC.replace("https://en.wikipedia.org/w/api.php", "http://127.0.0.1:8765/api.php");
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(&local).unwrap()).unwrap();
        assert_eq!(campaign.uploads_wiki, None);
        let explicit = format!("{local}uploads_wiki = \"http://127.0.0.1:8765/api.php\"\n");
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(&explicit).unwrap()).unwrap();
        assert_eq!(campaign.uploads_wiki.as_ref().map(WikiUrl::as_str), Some("http://127.0.0.1:8765/api.php"));
    }

    #[test]
    fn scope_tables_are_read_checked_and_exported() {
        let text = format!(
            "{SPEC}\n[[scope]]\ncategory = \"Fruits\"\ndepth = 1\n\n[[scope]]\narticles = [\"Alpha\", \"Beta\"]\n"
        );
        let campaign = Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap();
        assert!(campaign.is_scoped());
        assert_eq!(campaign.scope.len(), 2);
        let exported = campaign.to_spec().to_toml();
        assert!(exported.contains("[[scope]]\ncategory = \"Fruits\"\ndepth = 1"), "{exported}");
        let again = Campaign::from_spec(&CampaignSpec::from_toml(&exported).unwrap()).unwrap();
        assert_eq!(again, campaign);

        let bad = format!("{SPEC}\n[[scope]]\ncategory = \"Fruits\"\ndepth = 9\n");
        let message = Campaign::from_spec(&CampaignSpec::from_toml(&bad).unwrap()).unwrap_err().to_string();
        assert!(message.contains("scope source 1: depth = 9 is out of range"), "{message}");
    }

    #[test]
    fn add_participants_skips_known_names() {
        let mut campaign = Campaign::from_spec(&CampaignSpec::from_toml(SPEC).unwrap()).unwrap();
        let added = campaign.add_participants(&["bob".into(), "Carol".into()]).unwrap();
        assert_eq!(added, vec!["Carol".to_string()]);
        assert!(campaign.add_participants(&["10.0.0.1".into()]).is_err());
        assert_eq!(campaign.participants.len(), 3);
    }
}
