//! Username normalisation, following MediaWiki's rules for user names.
//!
//! A participant's name is normalised once, when it enters a campaign, so that `alice`,
//! `User:Alice` and ` Alice_` are the same participant and match the `user` field the API
//! reports on revisions.

use std::net::{Ipv4Addr, Ipv6Addr};

use thiserror::Error;

/// Maximum length of a username MediaWiki accepts, in bytes (`$wgMaxNameChars`).
pub const MAX_USERNAME_BYTES: usize = 255;

/// Characters that can never appear in a page title, and so not in a username either.
const TITLE_INVALID: &[char] = &['#', '<', '>', '[', ']', '|', '{', '}'];

/// A name that cannot be a participant.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UsernameError {
    #[error("the username is empty; remove the empty entry from the participants")]
    Empty,
    #[error(
        "{0:?} is an IP address: edits made without an account cannot be attributed to a participant; \
         remove it from the participants"
    )]
    IpAddress(String),
    #[error("{name:?} is not a valid username: it contains {found}; check the spelling")]
    InvalidCharacter { name: String, found: String },
    #[error("{name:?} is not a valid username: it is {bytes} bytes long and MediaWiki allows {MAX_USERNAME_BYTES}")]
    TooLong { name: String, bytes: usize },
}

/// Normalise `raw` the way MediaWiki does and check that it can name an account.
///
/// Underscores become spaces; surrounding whitespace and left-to-right/right-to-left marks are
/// trimmed; a leading `User:` is dropped; runs of spaces collapse to one; the first letter is
/// upper-cased. IP addresses and names MediaWiki rejects are errors that name the value.
pub fn normalize_username(raw: &str) -> Result<String, UsernameError> {
    let spaced = raw.replace('_', " ");
    let mut name = trim_marks(&spaced);
    if let Some(rest) = strip_user_prefix(name) {
        name = trim_marks(rest);
    }
    let collapsed = name.split(' ').filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ");
    let normalized = uppercase_first(&collapsed);
    check(&normalized)?;
    Ok(normalized)
}

fn trim_marks(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{200E}' || c == '\u{200F}')
}

fn strip_user_prefix(name: &str) -> Option<&str> {
    let (prefix, rest) = name.split_once(':')?;
    prefix.trim().eq_ignore_ascii_case("user").then_some(rest)
}

fn uppercase_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn check(name: &str) -> Result<(), UsernameError> {
    if name.is_empty() {
        return Err(UsernameError::Empty);
    }
    if is_ip_address(name) {
        return Err(UsernameError::IpAddress(name.to_string()));
    }
    if name.len() > MAX_USERNAME_BYTES {
        return Err(UsernameError::TooLong { name: name.to_string(), bytes: name.len() });
    }
    if let Some(found) = invalid_part(name) {
        return Err(UsernameError::InvalidCharacter { name: name.to_string(), found });
    }
    Ok(())
}

fn is_ip_address(name: &str) -> bool {
    name.parse::<Ipv4Addr>().is_ok() || name.parse::<Ipv6Addr>().is_ok() || is_padded_ipv4(name)
}

/// MediaWiki also treats IPv4 addresses written with leading zeros (`192.000.002.007`) as IPs.
fn is_padded_ipv4(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|part| {
            !part.is_empty()
                && part.len() <= 3
                && part.bytes().all(|b| b.is_ascii_digit())
                && part.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

fn invalid_part(name: &str) -> Option<String> {
    if let Some(c) = name.chars().find(|c| TITLE_INVALID.contains(c)) {
        return Some(format!("{c:?}"));
    }
    if name.contains('/') {
        return Some("'/' (subpages cannot be usernames)".into());
    }
    if name.contains("~~~") {
        return Some("\"~~~\" (signature markup)".into());
    }
    if let Some(c) = name.chars().find(|&c| is_forbidden_in_name(c)) {
        return Some(format!("the character U+{:04X}", c as u32));
    }
    if has_percent_escape(name) {
        return Some("a percent-encoded sequence; decode it first".into());
    }
    None
}

/// Control characters, and the invisible or unusual spaces MediaWiki refuses in usernames.
fn is_forbidden_in_name(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{00A0}' | '\u{1680}' | '\u{180E}' | '\u{2000}'..='\u{200F}' | '\u{2028}'..='\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{E000}'..='\u{F8FF}')
}

fn has_percent_escape(name: &str) -> bool {
    name.as_bytes()
        .windows(3)
        .any(|window| window[0] == b'%' && window[1].is_ascii_hexdigit() && window[2].is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underscores_become_spaces_and_first_letter_is_upper() {
        assert_eq!(normalize_username("jane_doe").unwrap(), "Jane doe");
    }

    #[test]
    fn user_prefix_is_dropped_in_any_case() {
        assert_eq!(normalize_username("User:Alice").unwrap(), "Alice");
        assert_eq!(normalize_username("user: alice").unwrap(), "Alice");
    }

    #[test]
    fn whitespace_and_direction_marks_are_trimmed() {
        assert_eq!(normalize_username("\u{200E} Alice\u{00A0}\u{200F}").unwrap(), "Alice");
    }

    #[test]
    fn runs_of_spaces_collapse() {
        assert_eq!(normalize_username("Mary  _Ann").unwrap(), "Mary Ann");
    }

    #[test]
    fn first_letter_uppercase_is_unicode_aware() {
        assert_eq!(normalize_username("élodie").unwrap(), "Élodie");
        assert_eq!(normalize_username("ßtraße").unwrap(), "SStraße");
    }

    #[test]
    fn ipv4_is_rejected() {
        assert_eq!(normalize_username("192.0.2.7"), Err(UsernameError::IpAddress("192.0.2.7".into())));
        assert!(matches!(normalize_username("192.000.002.007"), Err(UsernameError::IpAddress(_))));
    }

    #[test]
    fn ipv6_is_rejected() {
        assert!(matches!(normalize_username("2001:db8::1"), Err(UsernameError::IpAddress(_))));
    }

    #[test]
    fn ip_error_names_the_value() {
        let message = normalize_username("192.0.2.7").unwrap_err().to_string();
        assert!(message.contains("\"192.0.2.7\""), "{message}");
        assert!(message.contains("remove it"), "{message}");
    }

    #[test]
    fn title_invalid_characters_are_rejected() {
        let error = normalize_username("Bad#Name").unwrap_err();
        assert_eq!(error, UsernameError::InvalidCharacter { name: "Bad#Name".into(), found: "'#'".into() });
        assert!(normalize_username("imported>Dave").is_err());
        assert!(normalize_username("A/B").is_err());
        assert!(normalize_username("Sig~~~").is_err());
        assert!(normalize_username("Tab\tName").is_err());
        assert!(normalize_username("Percent%41").is_err());
    }

    #[test]
    fn empty_names_are_rejected() {
        assert_eq!(normalize_username("  _ "), Err(UsernameError::Empty));
        assert_eq!(normalize_username("User:"), Err(UsernameError::Empty));
    }

    #[test]
    fn overlong_names_are_rejected() {
        let name = "A".repeat(256);
        assert!(matches!(normalize_username(&name), Err(UsernameError::TooLong { bytes: 256, .. })));
        assert!(normalize_username(&"A".repeat(255)).is_ok());
    }

    #[test]
    fn names_with_colons_that_are_not_user_prefixes_are_kept() {
        assert_eq!(normalize_username("Foo:bar").unwrap(), "Foo:bar");
    }
}
