//! The `reference-counts` job: the number of references in revisions, from the
//! reference-counter tool on Toolforge.

use serde::Deserialize;
use serde_json::{Map, Value};
use wikidash_plugin_sdk::{ImportError, Item, Job, Output, ReferenceCount, ReferenceStatus, http};

use crate::{body_excerpt, required_option};

/// The reference counter's origin, as listed in the plugin's hosts.
pub const ORIGIN: &str = "https://reference-counter.toolforge.org";

/// Most revisions sent in one request, as the Wiki Education Dashboard batches them.
pub const MAX_REVISIONS_PER_REQUEST: usize = 50;

/// The `error` the service gives for a revision whose text is deleted or suppressed.
const NO_CONTENT: &str = "no content";

/// Run a `reference-counts` job: one request for all its revisions.
pub fn run(job: &Job) -> Result<Output, ImportError> {
    if job.revision_ids.is_empty() || job.revision_ids.len() > MAX_REVISIONS_PER_REQUEST {
        return Err(ImportError::InvalidJob(format!(
            "a reference-counts job takes 1 to {MAX_REVISIONS_PER_REQUEST} revision ids, got {}",
            job.revision_ids.len()
        )));
    }
    let url = counter_url(required_option(job, "project")?, required_option(job, "language")?)?;
    let body = serde_json::json!({ "rev_ids": job.revision_ids }).to_string();
    let response = http::post(&url, "application/json", body.into_bytes())?;
    let counts = parse_reference_counts(&url, response.status, &response.body, &job.revision_ids)?;
    Ok(Output { items: counts.into_iter().map(Item::ReferenceCount).collect(), next_cursor: None })
}

/// Return the batch endpoint for `project` (e.g. `wikipedia`) and `language` (e.g. `en`).
pub fn counter_url(project: &str, language: &str) -> Result<String, ImportError> {
    if project == "wikidata" {
        return Err(ImportError::InvalidJob(
            "the reference counter does not support Wikidata; do not send reference-counts jobs for it".into(),
        ));
    }
    for (name, value) in [("project", project), ("language", language)] {
        if !is_code(value) {
            return Err(ImportError::InvalidJob(format!(
                "invalid {name} {value:?} for the reference counter; use a lower-case code such as \
                 wikipedia or en"
            )));
        }
    }
    Ok(format!("{ORIGIN}/api/v1/references/{project}/{language}"))
}

fn is_code(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

#[derive(Deserialize)]
struct BadRequest {
    description: Option<String>,
}

/// Turn a reference-counter response for `url` into one item per revision in `requested`.
///
/// 200 carries an object keyed by revision id: `{"num_ref": N}` is a count, `{"num_ref": null,
/// "error": "no content"}` a revision without text, and anything else, including a missing
/// entry, an unknown status. 400 means the request does not fit the service, so the job is
/// invalid.
pub fn parse_reference_counts(
    url: &str,
    status: u16,
    body: &[u8],
    requested: &[u64],
) -> Result<Vec<ReferenceCount>, ImportError> {
    match status {
        200 => {}
        400 => {
            let description = serde_json::from_slice::<BadRequest>(body)
                .ok()
                .and_then(|problem| problem.description)
                .unwrap_or_else(|| body_excerpt(body));
            return Err(ImportError::InvalidJob(format!("{url} rejected the request: {description:?}")));
        }
        404 => {
            return Err(ImportError::NotFound(format!(
                "{url} returned 404 Not Found; check the project and language options"
            )));
        }
        other => {
            return Err(ImportError::BadResponse(format!("{url} returned HTTP {other}: {}", body_excerpt(body))));
        }
    }
    let entries: Map<String, Value> = serde_json::from_slice(body).map_err(|error| {
        ImportError::BadResponse(format!("{url}: the body is not an object keyed by revision id: {error}"))
    })?;
    requested
        .iter()
        .map(|&rev_id| {
            let status = reference_status(rev_id, entries.get(&rev_id.to_string()))
                .map_err(|error| ImportError::BadResponse(format!("{url}: {error}")))?;
            Ok(ReferenceCount { rev_id, status })
        })
        .collect()
}

fn reference_status(rev_id: u64, entry: Option<&Value>) -> Result<ReferenceStatus, String> {
    let Some(entry) = entry else {
        return Ok(ReferenceStatus::Unknown(format!("the reference counter returned no entry for revision {rev_id}")));
    };
    let error = entry.get("error").map(|error| error.as_str().map(str::to_string).unwrap_or_else(|| error.to_string()));
    match entry.get("num_ref") {
        Some(Value::Number(number)) => {
            let count = number
                .as_u64()
                .and_then(|count| u32::try_from(count).ok())
                .ok_or_else(|| format!("revision {rev_id} has an invalid num_ref {number}"))?;
            Ok(ReferenceStatus::Counted(count))
        }
        None | Some(Value::Null) => Ok(match error {
            Some(error) if error == NO_CONTENT => ReferenceStatus::NoContent,
            Some(error) => ReferenceStatus::Unknown(error),
            None => ReferenceStatus::Unknown(format!("the reference counter gave no count for revision {rev_id}")),
        }),
        Some(other) => Err(format!("revision {rev_id} has an invalid num_ref {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_job;
    use serde_json::json;

    const URL: &str = "https://reference-counter.toolforge.org/api/v1/references/wikipedia/en";

    fn describe(status: &ReferenceStatus) -> String {
        match status {
            ReferenceStatus::Counted(count) => format!("counted {count}"),
            ReferenceStatus::NoContent => "no content".into(),
            ReferenceStatus::Unknown(reason) => format!("unknown: {reason}"),
        }
    }

    #[test]
    fn url_has_project_and_language() {
        assert_eq!(counter_url("wikipedia", "en").unwrap(), URL);
        assert_eq!(
            counter_url("wikisource", "www").unwrap(),
            "https://reference-counter.toolforge.org/api/v1/references/wikisource/www"
        );
    }

    #[test]
    fn url_rejects_wikidata_and_bad_codes() {
        let error = counter_url("wikidata", "www").unwrap_err();
        assert!(matches!(error, ImportError::InvalidJob(text) if text.contains("does not support Wikidata")));
        for (project, language) in [("wikipedia", "en/../x"), ("Wikipedia", "en"), ("wikipedia", "")] {
            assert!(matches!(counter_url(project, language), Err(ImportError::InvalidJob(_))), "{project}/{language}");
        }
    }

    #[test]
    fn options_are_required() {
        let job = test_job("reference-counts", &[1], &[("project", "wikipedia")]);
        let error = run(&job).unwrap_err();
        assert!(matches!(error, ImportError::InvalidJob(text) if text.contains("\"language\"")));
    }

    #[test]
    fn batch_size_is_checked() {
        let job = test_job("reference-counts", &[], &[("project", "wikipedia"), ("language", "en")]);
        assert!(matches!(run(&job), Err(ImportError::InvalidJob(text)) if text.contains("got 0")));
        let many: Vec<u64> = (1..=51).collect();
        let job = test_job("reference-counts", &many, &[("project", "wikipedia"), ("language", "en")]);
        assert!(matches!(run(&job), Err(ImportError::InvalidJob(text)) if text.contains("got 51")));
    }

    #[test]
    fn counts_cover_every_status() {
        let body = json!({
            "101": {"num_ref": 12},
            "102": {"num_ref": 0},
            "103": {"num_ref": null, "error": "no content"},
            "104": {"num_ref": null, "error": "upstream timeout"},
            "105": {"num_ref": null}
        });
        let counts =
            parse_reference_counts(URL, 200, body.to_string().as_bytes(), &[101, 102, 103, 104, 105, 106]).unwrap();
        let described: Vec<(u64, String)> =
            counts.iter().map(|count| (count.rev_id, describe(&count.status))).collect();
        assert_eq!(described[0], (101, "counted 12".to_string()));
        assert_eq!(described[1], (102, "counted 0".to_string()));
        assert_eq!(described[2], (103, "no content".to_string()));
        assert_eq!(described[3], (104, "unknown: upstream timeout".to_string()));
        assert!(described[4].1.starts_with("unknown: "), "{:?}", described[4]);
        assert!(described[4].1.contains("105"), "{:?}", described[4]);
        assert!(described[5].1.starts_with("unknown: "), "{:?}", described[5]);
        assert!(described[5].1.contains("no entry"), "{:?}", described[5]);
        assert_eq!(described.len(), 6);
    }

    #[test]
    fn bad_request_quotes_description() {
        let body = json!({"code": 400, "name": "Bad Request",
            "description": "Request body must be JSON with a 'rev_ids' array."});
        let error = parse_reference_counts(URL, 400, body.to_string().as_bytes(), &[1]).unwrap_err();
        assert!(
            matches!(&error, ImportError::InvalidJob(text) if text.contains("Request body must be JSON with a 'rev_ids' array.")),
            "{error:?}"
        );
    }

    #[test]
    fn other_failures_are_errors() {
        assert!(matches!(parse_reference_counts(URL, 404, b"", &[1]), Err(ImportError::NotFound(_))));
        assert!(
            matches!(parse_reference_counts(URL, 403, b"forbidden", &[1]), Err(ImportError::BadResponse(text)) if text.contains("403"))
        );
        assert!(matches!(parse_reference_counts(URL, 200, b"[1, 2]", &[1]), Err(ImportError::BadResponse(_))));
        let negative = json!({"1": {"num_ref": -3}});
        assert!(matches!(
            parse_reference_counts(URL, 200, negative.to_string().as_bytes(), &[1]),
            Err(ImportError::BadResponse(text)) if text.contains("-3")
        ));
    }
}
