//! The `petscan` job: the pages of a stored PetScan query, by its PSID.
//!
//! PetScan runs the stored query again on every request, so the result can change between
//! calls.

use serde::Deserialize;
use serde_json::Value;
use wikidash_plugin_sdk::{ImportError, Item, Job, Output, ScopePage, http};

use crate::{positive_id_option, scope_page, tool_error};

/// The PetScan origin, as listed in the plugin's hosts.
pub const ORIGIN: &str = "https://petscan.wmcloud.org";

/// Return the URL that runs stored query `psid` and returns its pages as JSON.
pub fn petscan_url(psid: u64) -> String {
    format!("{ORIGIN}/?psid={psid}&format=json")
}

/// Run a `petscan` job: one request, every page of the query.
pub fn run(job: &Job) -> Result<Output, ImportError> {
    let psid = positive_id_option(job, "psid")?;
    let url = petscan_url(psid);
    let response = http::get(&url)?;
    let pages = parse_petscan(&url, response.status, &response.body)?;
    Ok(Output { items: pages.into_iter().map(Item::ScopePage).collect(), next_cursor: None })
}

#[derive(Deserialize)]
struct PetscanPage {
    title: String,
    #[serde(default)]
    nstext: String,
    namespace: Option<i32>,
    id: Option<u64>,
}

/// Parse a PetScan `format=json` response (the default "catscan" shape) for `url`.
///
/// The pages are at `*[0].a.*`, each with `title` (underscores, no namespace prefix),
/// `nstext`, `namespace` and `id`. A body with an `error` key is an error, never an empty list.
pub fn parse_petscan(url: &str, status: u16, body: &[u8]) -> Result<Vec<ScopePage>, ImportError> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(error) = value.as_ref().and_then(tool_error) {
        return Err(ImportError::BadResponse(format!("{url}: PetScan reported an error: {error:?}")));
    }
    match status {
        200 => {}
        404 => {
            return Err(ImportError::NotFound(format!(
                "{url} returned 404 Not Found; check that the PSID is a saved PetScan query"
            )));
        }
        other => return Err(ImportError::BadResponse(format!("{url} returned HTTP {other}"))),
    }
    let value = value.ok_or_else(|| ImportError::BadResponse(format!("{url} returned a body that is not JSON")))?;
    let unexpected = |detail: &str| ImportError::BadResponse(format!("{url}: {detail}"));

    let combinations =
        value.get("*").and_then(Value::as_array).ok_or_else(|| unexpected("the response has no `*` list"))?;
    let Some(first) = combinations.first() else {
        return Ok(Vec::new());
    };
    let list = first.pointer("/a/*").ok_or_else(|| unexpected("the response has no `*[0].a.*` page list"))?;
    let pages: Vec<PetscanPage> = serde_json::from_value(list.clone())
        .map_err(|error| unexpected(&format!("unexpected PetScan page entry: {error}")))?;
    Ok(pages.into_iter().map(petscan_page).collect())
}

fn petscan_page(page: PetscanPage) -> ScopePage {
    let prefixed = if page.nstext.is_empty() { page.title } else { format!("{}:{}", page.nstext, page.title) };
    let title = prefixed.replace('_', " ");
    match page.namespace {
        Some(namespace) => scope_page(namespace, &title, page.id),
        None => ScopePage { title, namespace: None, page_id: page.id },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page_fields;
    use serde_json::json;

    const URL: &str = "https://petscan.wmcloud.org/?psid=123&format=json";

    #[test]
    fn url_names_psid_and_json() {
        assert_eq!(petscan_url(123), URL);
    }

    #[test]
    fn pages_get_prefix_and_spaces() {
        let body = json!({"n": "result", "a": {"query": "…", "querytime_sec": 0.2},
        "*": [{"n": "combination", "a": {"type": "subset", "*": [
          {"n": "page", "title": "Under_scored_title", "id": 101, "namespace": 0, "len": 2000,
           "touched": "20250101000000", "nstext": "", "q": "Q42"},
          {"n": "page", "title": "Under_scored_title", "id": 102, "namespace": 1, "len": 300,
           "touched": "20250101000000", "nstext": "Talk"},
          {"n": "page", "title": "Project_page", "id": 103, "namespace": 4, "len": 300,
           "touched": "20250101000000", "nstext": "Wikipedia"}
        ]}}]});
        let pages = parse_petscan(URL, 200, body.to_string().as_bytes()).unwrap();
        assert_eq!(pages.len(), 3);
        assert_eq!(page_fields(&pages[0]), ("Under scored title", Some(0), Some(101)));
        assert_eq!(page_fields(&pages[1]), ("Under scored title", Some(0), None));
        assert_eq!(page_fields(&pages[2]), ("Wikipedia:Project page", Some(4), Some(103)));
    }

    #[test]
    fn empty_result_is_empty() {
        let empty_list = json!({"n": "result", "a": {}, "*": []});
        assert!(parse_petscan(URL, 200, empty_list.to_string().as_bytes()).unwrap().is_empty());
        let empty_pages = json!({"n": "result", "*": [{"n": "combination", "a": {"type": "subset", "*": []}}]});
        assert!(parse_petscan(URL, 200, empty_pages.to_string().as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn error_body_is_an_error() {
        let body = json!({"error": "No such PSID in the database"});
        let error = parse_petscan(URL, 200, body.to_string().as_bytes()).unwrap_err();
        assert!(matches!(error, ImportError::BadResponse(text) if text.contains("No such PSID in the database")));
        let error = parse_petscan(URL, 500, body.to_string().as_bytes()).unwrap_err();
        assert!(matches!(error, ImportError::BadResponse(text) if text.contains("No such PSID")));
    }

    #[test]
    fn odd_bodies_are_errors() {
        assert!(matches!(parse_petscan(URL, 200, b"<html>"), Err(ImportError::BadResponse(_))));
        assert!(matches!(parse_petscan(URL, 200, b"{\"n\": \"result\"}"), Err(ImportError::BadResponse(_))));
        assert!(matches!(parse_petscan(URL, 404, b"not found"), Err(ImportError::NotFound(_))));
        assert!(matches!(parse_petscan(URL, 403, b""), Err(ImportError::BadResponse(text)) if text.contains("403")));
    }
}
