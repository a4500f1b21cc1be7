//! The page set of `action=query` (`pageids` or `titles`, at most 50 each) and `prop=info`.
//!
//! As MediaWiki 1.39 does, pages are listed missing titles first (in request order), then by
//! page id, each once. Titles must be exact (`Page 12`, `Talk:Page 20`, `User:Page 21`): this
//! server does not normalise them, so another spelling of an existing page is reported missing.
//! `inprop` is ignored.

use super::api::{ApiError, Params, Wiki, split_limited};
use super::generate::{self, page_namespace};
use super::json::{push_i64, push_iso_timestamp, push_string, push_u64};

/// Fields that MediaWiki adds to every page, existing or missing, with `prop=info` on an English
/// wikitext wiki.
const LANGUAGE_FIELDS: &[u8] =
    br#","contentmodel":"wikitext","pagelanguage":"en","pagelanguagehtmlcode":"en","pagelanguagedir":"ltr""#;

/// Returns the namespace and page id that `title` names, whether or not the page exists.
fn parse_title(title: &str) -> (i32, Option<u64>) {
    let (namespace, rest) = if let Some(rest) = title.strip_prefix("Talk:") {
        (1, rest)
    } else if let Some(rest) = title.strip_prefix("User:") {
        (2, rest)
    } else {
        (0, title)
    };
    let id = rest
        .strip_prefix("Page ")
        .filter(|digits| !digits.starts_with('0') && digits.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok());
    (namespace, id)
}

/// Writes `"pages":[…]` for the page set, with the `prop=info` fields when `with_info` is set.
pub(crate) fn pages(wiki: &Wiki, params: &Params, with_info: bool) -> Result<Vec<u8>, ApiError> {
    let mut missing_titles: Vec<(i32, &str)> = Vec::new();
    let mut ids: Vec<u64> = Vec::new();
    match (params.get("pageids"), params.get("titles")) {
        (Some(_), Some(_)) => return Err(ApiError::multisource("pageids", "titles")),
        (Some(value), None) => {
            for raw in split_limited("pageids", value)? {
                ids.push(raw.trim().parse().map_err(|_| ApiError::bad_integer("pageids", raw))?);
            }
        }
        (None, Some(value)) => {
            for title in split_limited("titles", value)? {
                let (namespace, id) = parse_title(title);
                match id.filter(|id| exists(wiki, *id) && page_namespace(*id) == namespace) {
                    Some(id) => ids.push(id),
                    None if !missing_titles.iter().any(|(_, seen)| *seen == title) => {
                        missing_titles.push((namespace, title));
                    }
                    None => {}
                }
            }
        }
        (None, None) => {}
    }
    ids.sort_unstable();
    ids.dedup();

    let mut out = Vec::with_capacity(64 + 300 * (ids.len() + missing_titles.len()));
    out.extend_from_slice(b"\"pages\":[");
    let mut first = true;
    for (namespace, title) in missing_titles {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"ns\":");
        push_i64(&mut out, i64::from(namespace));
        out.extend_from_slice(b",\"title\":");
        push_string(&mut out, title);
        out.extend_from_slice(b",\"missing\":true");
        if with_info {
            out.extend_from_slice(LANGUAGE_FIELDS);
        }
        out.push(b'}');
    }
    for id in ids {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        if !exists(wiki, id) {
            out.extend_from_slice(b"{\"pageid\":");
            push_u64(&mut out, id);
            out.extend_from_slice(b",\"missing\":true}");
            continue;
        }
        write_page(&mut out, wiki, id, with_info);
    }
    out.push(b']');
    Ok(out)
}

fn exists(wiki: &Wiki, id: u64) -> bool {
    (1..=wiki.workload.pages_per_wiki).contains(&id)
}

fn write_page(out: &mut Vec<u8>, wiki: &Wiki, id: u64, with_info: bool) {
    let page = generate::page(&wiki.workload, wiki.wiki, &wiki.pages, id);
    out.extend_from_slice(b"{\"pageid\":");
    push_u64(out, id);
    out.extend_from_slice(b",\"ns\":");
    push_i64(out, i64::from(page.namespace));
    out.extend_from_slice(b",\"title\":");
    push_string(out, &page.title);
    if with_info {
        out.extend_from_slice(LANGUAGE_FIELDS);
        out.extend_from_slice(b",\"touched\":");
        push_iso_timestamp(out, page.touched);
        out.extend_from_slice(b",\"lastrevid\":");
        push_u64(out, page.last_rev_id);
        out.extend_from_slice(b",\"length\":");
        push_u64(out, page.length);
        if page.redirect {
            out.extend_from_slice(b",\"redirect\":true");
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_namespace_and_id() {
        assert_eq!(parse_title("Page 12"), (0, Some(12)));
        assert_eq!(parse_title("Talk:Page 20"), (1, Some(20)));
        assert_eq!(parse_title("User:Page 21"), (2, Some(21)));
        assert_eq!(parse_title("Page 012"), (0, None));
        assert_eq!(parse_title("Main Page"), (0, None));
    }
}
