//! `list=users` with `ususers` (at most 50 names) and the `usprop` values `editcount`,
//! `registration`, `groups`, `implicitgroups`, `emailable`, `gender` and `centralids`. Also the
//! mapping from usernames to participants, which `list=usercontribs` shares.
//!
//! Names are normalised as MediaWiki does for these titles (underscores to spaces, first letter
//! upper case). `Participant N` for N from 1 to `participants` exists, with user id N; other
//! valid names are `missing`, and names with characters that titles cannot contain are `invalid`.
//!
//! NOTE: other `usprop` values get MediaWiki's "Unrecognized value" warning, although MediaWiki
//! supports `blockinfo`, `groupmemberships`, `rights` and `cancreate`. `ususerids` is ignored.

use super::api::{ApiError, Params, Warnings, Wiki, split_limited, split_values};
use super::generate::account;
use super::json::{push_iso_timestamp, push_string, push_u64};
use super::{Workload, participant_name};

/// Groups of every participant: the implicit groups of a registered, autoconfirmed account.
const GROUPS: &[u8] = br#"["*","user","autoconfirmed"]"#;

/// Characters that MediaWiki titles, and so usernames, cannot contain.
const INVALID_CHARACTERS: &[char] = &['#', '<', '>', '[', ']', '{', '}', '|'];

/// Normalises a username as MediaWiki does, or returns `None` for a name it rejects as invalid.
pub(crate) fn normalize_username(name: &str) -> Option<String> {
    let spaced = name.replace('_', " ");
    let collapsed = spaced.split(' ').filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() || collapsed.chars().any(|c| INVALID_CHARACTERS.contains(&c) || c.is_control()) {
        return None;
    }
    let mut chars = collapsed.chars();
    let first = chars.next().expect("the name is not empty");
    Some(first.to_uppercase().chain(chars).collect())
}

/// Returns the participant index of a normalised username, or `None` when no participant has it.
pub(crate) fn participant_index(workload: &Workload, name: &str) -> Option<u32> {
    let digits = name.strip_prefix("Participant ")?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let index: u32 = digits.parse().ok()?;
    (1..=workload.participants).contains(&index).then_some(index)
}

#[derive(Clone, Copy, Default)]
struct UserProps {
    editcount: bool,
    registration: bool,
    groups: bool,
    implicitgroups: bool,
    emailable: bool,
    gender: bool,
    centralids: bool,
}

fn user_props(params: &Params, warnings: &mut Warnings) -> UserProps {
    let mut props = UserProps::default();
    let mut unknown = Vec::new();
    for value in split_values(params.get("usprop").unwrap_or("")) {
        match value {
            "editcount" => props.editcount = true,
            "registration" => props.registration = true,
            "groups" => props.groups = true,
            "implicitgroups" => props.implicitgroups = true,
            "emailable" => props.emailable = true,
            "gender" => props.gender = true,
            "centralids" => props.centralids = true,
            other => unknown.push(other),
        }
    }
    warnings.push_unrecognized("users", "usprop", &unknown);
    props
}

/// Writes `"users":[…]`, one entry per distinct name in request order.
pub(crate) fn users(wiki: &Wiki, params: &Params, warnings: &mut Warnings) -> Result<Vec<u8>, ApiError> {
    let names = split_limited("ususers", params.get("ususers").unwrap_or(""))?;
    let props = user_props(params, warnings);
    let mut seen: Vec<String> = Vec::with_capacity(names.len());
    let mut out = Vec::with_capacity(64 + names.len() * 220);
    out.extend_from_slice(b"\"users\":[");
    for raw in names {
        let normalized = normalize_username(raw);
        let key = normalized.clone().unwrap_or_else(|| raw.to_string());
        if seen.contains(&key) {
            continue;
        }
        if !seen.is_empty() {
            out.push(b',');
        }
        seen.push(key);
        match normalized {
            None => {
                out.extend_from_slice(b"{\"name\":");
                push_string(&mut out, raw);
                out.extend_from_slice(b",\"invalid\":true}");
            }
            Some(name) => match participant_index(&wiki.workload, &name) {
                Some(index) => write_participant(&mut out, wiki, index, props),
                None => {
                    out.extend_from_slice(b"{\"name\":");
                    push_string(&mut out, &name);
                    out.extend_from_slice(b",\"missing\":true}");
                }
            },
        }
    }
    out.push(b']');
    Ok(out)
}

fn write_participant(out: &mut Vec<u8>, wiki: &Wiki, index: u32, props: UserProps) {
    let account = account(&wiki.workload, wiki.wiki, index);
    out.extend_from_slice(b"{\"userid\":");
    push_u64(out, u64::from(index));
    out.extend_from_slice(b",\"name\":");
    push_string(out, &participant_name(index));

    if props.editcount {
        out.extend_from_slice(b",\"editcount\":");
        push_u64(out, account.edit_count);
    }

    if props.registration {
        out.extend_from_slice(b",\"registration\":");
        push_iso_timestamp(out, account.registration);
    }

    if props.groups {
        out.extend_from_slice(b",\"groups\":");
        out.extend_from_slice(GROUPS);
    }

    if props.implicitgroups {
        out.extend_from_slice(b",\"implicitgroups\":");
        out.extend_from_slice(GROUPS);
    }

    if props.emailable {
        out.extend_from_slice(b",\"emailable\":false");
    }

    if props.gender {
        out.extend_from_slice(b",\"gender\":\"unknown\"");
    }

    if props.centralids {
        out.extend_from_slice(b",\"centralids\":{\"local\":");
        push_u64(out, u64::from(index));
        out.extend_from_slice(b"},\"attachedlocal\":{\"local\":true}");
    }

    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::W1;

    #[test]
    fn usernames_normalise_like_mediawiki() {
        assert_eq!(normalize_username("participant_7").as_deref(), Some("Participant 7"));
        assert_eq!(normalize_username("  Participant   7 ").as_deref(), Some("Participant 7"));
        assert_eq!(normalize_username("Bad<Name"), None);
        assert_eq!(normalize_username(""), None);
    }

    #[test]
    fn participant_index_accepts_only_canonical_numbers_in_range() {
        assert_eq!(participant_index(&W1, "Participant 7"), Some(7));
        assert_eq!(participant_index(&W1, "Participant 40"), Some(40));
        assert_eq!(participant_index(&W1, "Participant 41"), None);
        assert_eq!(participant_index(&W1, "Participant 0"), None);
        assert_eq!(participant_index(&W1, "Participant 07"), None);
        assert_eq!(participant_index(&W1, "Participant +7"), None);
    }
}
