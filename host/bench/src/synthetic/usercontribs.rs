//! `list=usercontribs`: participants' revisions generated per request, filtered by window and
//! namespace, in MediaWiki's order, up to `uclimit` per page, with MediaWiki's continuation.
//!
//! Parameters: `ucuser` or `ucuserids` (at most 50), `ucnamespace`, `ucstart`, `ucend`, `ucdir`,
//! `uclimit`, `ucprop` and `uccontinue`. `ucuserprefix`, `uciprange`, `ucshow` and `uctag` are
//! not implemented: the first two count as absent, the others are ignored.
//!
//! Order: users by user id, as MediaWiki orders several users by actor id, then each user's
//! revisions by timestamp and revision id. `ucdir=newer` ascends and `ucdir=older` (the
//! default) descends. MediaWiki reads `limit + 1` rows and returns `continue` only when that
//! extra row exists. Its token names the extra row, so the next request starts at it. The token
//! is `actor|<user id>|<YYYYMMDDHHMMSS>|<revid>` when the request names several users and
//! `<YYYYMMDDHHMMSS>|<revid>` for one, as in MediaWiki 1.39.

use super::api::{ApiError, Params, Warnings, Wiki, split_limited, split_values};
use super::generate::{generate_revisions, namespace_prefix};
use super::json::{mediawiki_timestamp, parse_mediawiki_timestamp, parse_timestamp, push_bool, push_i64};
use super::json::{push_iso_timestamp, push_u64};
use super::users::{normalize_username, participant_index};
use super::{MAX_CONTRIBUTIONS_PER_PAGE, SyntheticRevision};

/// `uclimit` when the request gives none.
const DEFAULT_LIMIT: u64 = 10;
/// `ucprop` when the request gives none.
const DEFAULT_PROPS: &str = "ids|title|timestamp|comment|size|flags";
/// Namespaces that `ucnamespace` accepts: those of a stock MediaWiki 1.39 from 0 to 15.
const MAX_NAMESPACE: i32 = 15;
/// Bytes of one revision with every property, rounded up, which sizes the output buffer.
const BYTES_PER_REVISION: usize = 330;

/// One page of results and what the response envelope needs to know about it.
pub(crate) struct ContributionsPage {
    /// `"usercontribs":[…]`.
    pub(crate) fragment: Vec<u8>,
    /// `uccontinue` of the next page, when more results exist.
    pub(crate) continuation: Option<String>,
    /// Whether `uclimit=max` was given, which adds `"limits":{"usercontribs":500}`.
    pub(crate) max_limit: bool,
}

#[derive(Clone, Copy, Default)]
struct Props {
    ids: bool,
    title: bool,
    timestamp: bool,
    flags: bool,
    comment: bool,
    parsedcomment: bool,
    size: bool,
    sizediff: bool,
    tags: bool,
}

fn parse_props(params: &Params, warnings: &mut Warnings) -> Props {
    let mut props = Props::default();
    let mut unknown = Vec::new();
    for value in split_values(params.get("ucprop").unwrap_or(DEFAULT_PROPS)) {
        match value {
            "ids" => props.ids = true,
            "title" => props.title = true,
            "timestamp" => props.timestamp = true,
            "flags" => props.flags = true,
            "comment" => props.comment = true,
            "parsedcomment" => props.parsedcomment = true,
            "size" => props.size = true,
            "sizediff" => props.sizediff = true,
            "tags" => props.tags = true,
            other => unknown.push(other),
        }
    }
    warnings.push_unrecognized("usercontribs", "ucprop", &unknown);
    props
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Newer,
    Older,
}

/// The row a continued request starts at.
#[derive(Clone, Copy)]
struct Cursor {
    participant: u32,
    timestamp: i64,
    rev_id: u64,
}

impl Cursor {
    fn key(&self) -> (i64, u64) {
        (self.timestamp, self.rev_id)
    }
}

fn key(revision: &SyntheticRevision) -> (i64, u64) {
    (revision.timestamp, revision.rev_id)
}

/// The participants a request names, in ascending order, and whether it names several users
/// (which selects the token form).
struct Users {
    participants: Vec<u32>,
    several: bool,
}

fn requested_users(wiki: &Wiki, params: &Params) -> Result<Users, ApiError> {
    let mut participants = Vec::new();
    let distinct = if let Some(value) = params.get("ucuser") {
        let mut names: Vec<String> = Vec::new();
        for raw in split_limited("ucuser", value)? {
            let name = normalize_username(raw).ok_or_else(|| ApiError::bad_user("ucuser", raw))?;
            if names.contains(&name) {
                continue;
            }
            if let Some(index) = participant_index(&wiki.workload, &name) {
                participants.push(index);
            }
            names.push(name);
        }
        names.len()
    } else if let Some(value) = params.get("ucuserids") {
        let mut ids: Vec<u64> = Vec::new();
        for raw in split_limited("ucuserids", value)? {
            let id: u64 = raw.parse().map_err(|_| ApiError::bad_integer("ucuserids", raw))?;
            if ids.contains(&id) {
                continue;
            }
            ids.push(id);
            if (1..=u64::from(wiki.workload.participants)).contains(&id) {
                participants.push(id as u32);
            }
        }
        ids.len()
    } else {
        return Err(ApiError::missing_param(
            "One of the parameters \"ucuserprefix\", \"ucuserids\", \"uciprange\" and \"ucuser\" is required.",
        ));
    };
    participants.sort_unstable();
    participants.dedup();
    Ok(Users { participants, several: distinct > 1 })
}

/// Returns the page size and whether `uclimit=max` was given.
fn parse_limit(params: &Params, warnings: &mut Warnings) -> Result<(u64, bool), ApiError> {
    let Some(value) = params.get("uclimit") else {
        return Ok((DEFAULT_LIMIT, false));
    };
    if value == "max" {
        return Ok((MAX_CONTRIBUTIONS_PER_PAGE, true));
    }
    let requested: i64 = value.trim().parse().map_err(|_| ApiError::bad_integer("uclimit", value))?;
    let clamped = requested.clamp(1, MAX_CONTRIBUTIONS_PER_PAGE as i64);
    if clamped != requested {
        warnings.push(
            "usercontribs",
            format!(
                "The value \"{value}\" for parameter \"uclimit\" must be between 1 and {MAX_CONTRIBUTIONS_PER_PAGE}."
            ),
        );
    }
    Ok((clamped as u64, false))
}

/// Returns the requested namespaces as a bit set over 0 to 15; absent or `*` selects all.
fn parse_namespaces(params: &Params, warnings: &mut Warnings) -> u32 {
    let value = match params.get("ucnamespace") {
        None | Some("*") => return u32::MAX,
        Some(value) => value,
    };
    let mut set = 0u32;
    let mut unknown = Vec::new();
    for part in split_values(value) {
        match part.parse::<i32>() {
            Ok(namespace) if (0..=MAX_NAMESPACE).contains(&namespace) => set |= 1 << namespace,
            _ => unknown.push(part),
        }
    }
    warnings.push_unrecognized("usercontribs", "ucnamespace", &unknown);
    set
}

fn parse_bound(params: &Params, parameter: &str) -> Result<Option<i64>, ApiError> {
    match params.get(parameter) {
        None => Ok(None),
        Some(value) => parse_timestamp(value).map(Some).ok_or_else(|| ApiError::bad_timestamp(parameter, value)),
    }
}

fn parse_cursor(token: &str, users: &Users) -> Result<Cursor, ApiError> {
    let parts: Vec<&str> = token.split('|').collect();
    let (participant, timestamp, rev_id) = match (users.several, parts.as_slice()) {
        (true, ["actor", actor, timestamp, rev_id]) => (actor.parse().ok(), *timestamp, *rev_id),
        (false, [timestamp, rev_id]) => (Some(users.participants.first().copied().unwrap_or(0)), *timestamp, *rev_id),
        _ => return Err(ApiError::bad_continue()),
    };
    match (participant, parse_mediawiki_timestamp(timestamp), rev_id.parse()) {
        (Some(participant), Some(timestamp), Ok(rev_id)) => Ok(Cursor { participant, timestamp, rev_id }),
        _ => Err(ApiError::bad_continue()),
    }
}

/// Writes accepted revisions and remembers the row after the last one.
struct Writer<'w> {
    wiki: &'w Wiki,
    props: Props,
    namespaces: u32,
    limit: u64,
    several: bool,
    written: u64,
    out: Vec<u8>,
    continuation: Option<String>,
}

impl Writer<'_> {
    /// Writes `revision` unless its namespace is filtered out. Returns `false` once the page is
    /// full, after recording `revision` as the continuation.
    fn offer(&mut self, participant: u32, revision: &SyntheticRevision) -> bool {
        if self.namespaces & (1 << revision.namespace) == 0 {
            return true;
        }
        if self.written == self.limit {
            let timestamp = mediawiki_timestamp(revision.timestamp);
            self.continuation = Some(if self.several {
                format!("actor|{participant}|{timestamp}|{}", revision.rev_id)
            } else {
                format!("{timestamp}|{}", revision.rev_id)
            });
            return false;
        }
        if self.written > 0 {
            self.out.push(b',');
        }
        self.written += 1;
        self.write(participant, revision);
        true
    }

    fn write(&mut self, participant: u32, revision: &SyntheticRevision) {
        let out = &mut self.out;
        let props = self.props;
        out.extend_from_slice(b"{\"userid\":");
        push_u64(out, u64::from(participant));
        out.extend_from_slice(b",\"user\":\"Participant ");
        push_u64(out, u64::from(participant));
        out.push(b'"');

        if props.ids {
            out.extend_from_slice(b",\"pageid\":");
            push_u64(out, revision.page_id);
            out.extend_from_slice(b",\"revid\":");
            push_u64(out, revision.rev_id);
            out.extend_from_slice(b",\"parentid\":");
            push_u64(out, revision.parent_id);
        }

        if props.title {
            out.extend_from_slice(b",\"ns\":");
            push_i64(out, i64::from(revision.namespace));
            out.extend_from_slice(b",\"title\":\"");
            out.extend_from_slice(namespace_prefix(revision.namespace).as_bytes());
            out.extend_from_slice(b"Page ");
            push_u64(out, revision.page_id);
            out.push(b'"');
        }

        if props.timestamp {
            out.extend_from_slice(b",\"timestamp\":");
            push_iso_timestamp(out, revision.timestamp);
        }

        if props.flags {
            out.extend_from_slice(b",\"new\":");
            push_bool(out, revision.is_creation());
            out.extend_from_slice(b",\"minor\":");
            push_bool(out, revision.minor);
            out.extend_from_slice(b",\"top\":");
            push_bool(out, self.wiki.pages.latest(revision.page_id).rev_id == revision.rev_id);
        }

        if props.comment {
            out.extend_from_slice(b",\"comment\":\"\"");
        }

        if props.parsedcomment {
            out.extend_from_slice(b",\"parsedcomment\":\"\"");
        }

        if props.size {
            out.extend_from_slice(b",\"size\":");
            push_u64(out, revision.size);
        }

        if props.sizediff {
            out.extend_from_slice(b",\"sizediff\":");
            push_i64(out, revision.size_diff);
        }

        if props.tags {
            out.extend_from_slice(b",\"tags\":[]");
        }

        out.push(b'}');
    }
}

/// Generates one `list=usercontribs` page.
pub(crate) fn usercontribs(
    wiki: &Wiki,
    params: &Params,
    warnings: &mut Warnings,
) -> Result<ContributionsPage, ApiError> {
    let users = requested_users(wiki, params)?;
    let direction = match params.get("ucdir").unwrap_or("older") {
        "newer" => Direction::Newer,
        "older" => Direction::Older,
        other => return Err(ApiError::bad_value("ucdir", other)),
    };
    let start = parse_bound(params, "ucstart")?;
    let end = parse_bound(params, "ucend")?;
    let (limit, max_limit) = parse_limit(params, warnings)?;
    let namespaces = parse_namespaces(params, warnings);
    let props = parse_props(params, warnings);
    let cursor = params.get("uccontinue").map(|token| parse_cursor(token, &users)).transpose()?;

    let mut writer = Writer {
        wiki,
        props,
        namespaces,
        limit,
        several: users.several,
        written: 0,
        out: Vec::with_capacity(32 + BYTES_PER_REVISION * limit.min(MAX_CONTRIBUTIONS_PER_PAGE) as usize),
        continuation: None,
    };
    writer.out.extend_from_slice(b"\"usercontribs\":[");
    let bounds = Bounds { start, end, cursor };
    match direction {
        Direction::Newer => write_newer(wiki, &users.participants, bounds, &mut writer),
        Direction::Older => write_older(wiki, &users.participants, bounds, &mut writer),
    }
    writer.out.push(b']');
    Ok(ContributionsPage { fragment: writer.out, continuation: writer.continuation, max_limit })
}

/// Bounds of one page: the `ucstart` and `ucend` timestamps and the continuation row.
#[derive(Clone, Copy)]
struct Bounds {
    start: Option<i64>,
    end: Option<i64>,
    cursor: Option<Cursor>,
}

/// Writes revisions in ascending order (`ucdir=newer`), where `ucstart` is the earlier bound.
fn write_newer(wiki: &Wiki, participants: &[u32], bounds: Bounds, writer: &mut Writer) {
    let mut revisions = Vec::with_capacity(256);
    for &participant in participants {
        if bounds.cursor.is_some_and(|cursor| participant < cursor.participant) {
            continue;
        }
        generate_revisions(&wiki.workload, wiki.wiki, participant, &mut revisions);
        let mut first = match bounds.start {
            Some(start) => revisions.partition_point(|revision| revision.timestamp < start),
            None => 0,
        };
        if let Some(cursor) = bounds.cursor.filter(|cursor| cursor.participant == participant) {
            first = first.max(revisions.partition_point(|revision| key(revision) < cursor.key()));
        }
        for revision in &revisions[first..] {
            if bounds.end.is_some_and(|end| revision.timestamp > end) {
                break;
            }
            if !writer.offer(participant, revision) {
                return;
            }
        }
    }
}

/// Writes revisions in descending order (`ucdir=older`), where `ucstart` is the later bound.
fn write_older(wiki: &Wiki, participants: &[u32], bounds: Bounds, writer: &mut Writer) {
    let mut revisions = Vec::with_capacity(256);
    for &participant in participants.iter().rev() {
        if bounds.cursor.is_some_and(|cursor| participant > cursor.participant) {
            continue;
        }
        generate_revisions(&wiki.workload, wiki.wiki, participant, &mut revisions);
        let mut stop = match bounds.start {
            Some(start) => revisions.partition_point(|revision| revision.timestamp <= start),
            None => revisions.len(),
        };
        if let Some(cursor) = bounds.cursor.filter(|cursor| cursor.participant == participant) {
            stop = stop.min(revisions.partition_point(|revision| key(revision) <= cursor.key()));
        }
        for revision in revisions[..stop].iter().rev() {
            if bounds.end.is_some_and(|end| revision.timestamp < end) {
                break;
            }
            if !writer.offer(participant, revision) {
                return;
            }
        }
    }
}
