//! The `article-quality` job: quality predictions for revisions from Lift Wing's
//! `{wiki}-articlequality` models.

use serde_json::Value;
use wikidash_plugin_sdk::{
    ClassProbability, ImportError, Item, Job, Output, QualityResult, QualityScore, RevisionQuality, http,
};

use crate::{body_excerpt, required_option};

/// The API gateway's origin, as listed in the plugin's hosts.
pub const ORIGIN: &str = "https://api.wikimedia.org";

/// Wikis with an `articlequality` model on Lift Wing, as the Wiki Education Dashboard lists them.
pub const SUPPORTED_WIKIS: &[&str] =
    &["enwiki", "euwiki", "fawiki", "frwiki", "glwiki", "nlwiki", "ptwiki", "ruwiki", "svwiki", "trwiki", "ukwiki"];

/// Parts of Lift Wing error messages that mean the revision or its text is gone.
const DELETED_MARKERS: &[&str] = &["TextDeleted", "RevisionNotFound", "MW API does not have any info"];

/// The part of a Lift Wing error message that means the revision is not wikitext.
const UNSCORABLE_MARKER: &str = "UnexpectedContentType";

/// Run one call of an `article-quality` job: one revision, at the cursor's index.
pub fn run(job: &Job, cursor: Option<&str>) -> Result<Output, ImportError> {
    let wiki = model_wiki(required_option(job, "model-wiki")?)?;
    let index = revision_index(cursor, job.revision_ids.len())?;
    let rev_id = job.revision_ids[index];

    let url = model_url(wiki);
    let body = serde_json::json!({ "rev_id": rev_id, "extended_output": true }).to_string();
    let response = http::post(&url, "application/json", body.into_bytes())?;
    let outcome = parse_quality(&url, wiki, rev_id, response.status, &response.body)?;

    let next = index + 1;
    let next_cursor = (next < job.revision_ids.len()).then(|| next.to_string());
    Ok(Output { items: vec![Item::RevisionQuality(RevisionQuality { rev_id, outcome })], next_cursor })
}

/// Check that `wiki` has an `articlequality` model.
pub fn model_wiki(wiki: &str) -> Result<&str, ImportError> {
    if SUPPORTED_WIKIS.contains(&wiki) {
        return Ok(wiki);
    }
    Err(ImportError::InvalidJob(format!(
        "Lift Wing has no articlequality model for {wiki:?}; the supported wikis are {}",
        SUPPORTED_WIKIS.join(", ")
    )))
}

/// Return the prediction endpoint of `wiki`'s `articlequality` model.
pub fn model_url(wiki: &str) -> String {
    format!("{ORIGIN}/service/lw/inference/v1/models/{wiki}-articlequality:predict")
}

/// Read the revision index from an `article-quality` cursor: the index of the next revision,
/// in decimal.
pub fn revision_index(cursor: Option<&str>, revision_count: usize) -> Result<usize, ImportError> {
    if revision_count == 0 {
        return Err(ImportError::InvalidJob("an article-quality job needs at least one revision id".into()));
    }
    let Some(cursor) = cursor else {
        return Ok(0);
    };
    match cursor.parse::<usize>() {
        Ok(index) if index < revision_count => Ok(index),
        _ => Err(ImportError::InvalidJob(format!(
            "invalid cursor {cursor:?}: an article-quality cursor is the index of the next revision, below \
             {revision_count}"
        ))),
    }
}

/// Turn a Lift Wing response for revision `rev_id` on `wiki` into its outcome.
///
/// A score is at `{wiki}.scores.{rev_id}.articlequality.score`. An error, either the whole
/// body (`{"error": "…"}`, with any status) or `….articlequality.error` (`message` and
/// `type`), is an outcome too: deleted, unscorable or failed. Only a body in neither form is a
/// job error.
pub fn parse_quality(
    url: &str,
    wiki: &str,
    rev_id: u64,
    status: u16,
    body: &[u8],
) -> Result<QualityResult, ImportError> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(error) = value.as_ref().and_then(|value| value.get("error")) {
        return Ok(classify_error(&error_text(error)));
    }
    match status {
        200 => {}
        404 => {
            return Err(ImportError::NotFound(format!(
                "{url} returned 404 Not Found; the {wiki}-articlequality model may have been retired"
            )));
        }
        other => {
            return Err(ImportError::BadResponse(format!("{url} returned HTTP {other}: {}", body_excerpt(body))));
        }
    }
    let unexpected = |detail: String| ImportError::BadResponse(format!("{url}: {detail}"));
    let value = value.ok_or_else(|| unexpected(format!("the body is not JSON: {}", body_excerpt(body))))?;
    let pointer = format!("/{wiki}/scores/{rev_id}/articlequality");
    let result = value.pointer(&pointer).ok_or_else(|| unexpected(format!("the response has no {pointer}")))?;

    if let Some(error) = result.get("error") {
        return Ok(classify_error(&error_text(error)));
    }
    let score = result.get("score").ok_or_else(|| unexpected(format!("{pointer} has neither score nor error")))?;
    parse_score(score).map(QualityResult::Scored).map_err(unexpected)
}

fn parse_score(score: &Value) -> Result<QualityScore, String> {
    let prediction = score.get("prediction").and_then(Value::as_str).ok_or("the score has no prediction")?;
    let probability = score.get("probability").and_then(Value::as_object).ok_or("the score has no probability map")?;
    let mut probabilities = probability
        .iter()
        .map(|(class, value)| {
            let probability = value.as_f64().ok_or_else(|| format!("the probability of {class:?} is not a number"))?;
            Ok(ClassProbability { class: class.clone(), probability })
        })
        .collect::<Result<Vec<_>, String>>()?;
    probabilities.sort_by(|left, right| left.class.cmp(&right.class));
    Ok(QualityScore { prediction: prediction.to_string(), probabilities })
}

/// Return an error's text: the string itself, or `type: message` of an error object.
fn error_text(error: &Value) -> String {
    if let Some(text) = error.as_str() {
        return text.to_string();
    }
    let kind = error.get("type").and_then(Value::as_str);
    let message = error.get("message").and_then(Value::as_str);
    match (kind, message) {
        (Some(kind), Some(message)) => format!("{kind}: {message}"),
        (Some(text), None) | (None, Some(text)) => text.to_string(),
        (None, None) => error.to_string(),
    }
}

/// Sort a Lift Wing error into the outcome it stands for.
pub fn classify_error(text: &str) -> QualityResult {
    if DELETED_MARKERS.iter().any(|marker| text.contains(marker)) {
        QualityResult::Deleted
    } else if text.contains(UNSCORABLE_MARKER) {
        QualityResult::Unscorable(text.to_string())
    } else {
        QualityResult::Failed(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_job;
    use serde_json::json;

    const URL: &str = "https://api.wikimedia.org/service/lw/inference/v1/models/enwiki-articlequality:predict";

    fn parse(status: u16, body: Value) -> Result<QualityResult, ImportError> {
        parse_quality(URL, "enwiki", 1220423548, status, body.to_string().as_bytes())
    }

    #[test]
    fn url_names_model() {
        assert_eq!(model_url("enwiki"), URL);
    }

    #[test]
    fn unsupported_wiki_lists_supported_ones() {
        assert_eq!(model_wiki("ptwiki").unwrap(), "ptwiki");
        let error = model_wiki("dewiki").unwrap_err();
        assert!(
            matches!(&error, ImportError::InvalidJob(text) if text.contains("\"dewiki\"") && text.contains("enwiki, euwiki"))
        );
        let job = test_job("article-quality", &[1], &[]);
        assert!(matches!(run(&job, None), Err(ImportError::InvalidJob(text)) if text.contains("\"model-wiki\"")));
    }

    #[test]
    fn cursor_is_next_revision_index() {
        assert_eq!(revision_index(None, 2).unwrap(), 0);
        assert_eq!(revision_index(Some("1"), 2).unwrap(), 1);
        assert!(matches!(revision_index(Some("2"), 2), Err(ImportError::InvalidJob(_))));
        assert!(matches!(revision_index(None, 0), Err(ImportError::InvalidJob(_))));
    }

    #[test]
    fn recorded_score_is_parsed() {
        let body = json!({"enwiki": {"models": {"articlequality": {"version": "0.9.2"}}, "scores": {"1220423548": {
            "articlequality": {"score": {"prediction": "Start", "probability": {
                "B": 0.0967005597473408, "C": 0.33396017760551916, "FA": 0.00454057782408097,
                "GA": 0.012108337779692136, "Start": 0.5182220232989376, "Stub": 0.03446832374442916}},
            "features": {"feature.wikitext.revision.ref_tags": 5.0, "feature.wikitext.revision.wikilinks": 17.0}}}}}});
        let QualityResult::Scored(score) = parse(200, body).unwrap() else { panic!("the revision should be scored") };
        assert_eq!(score.prediction, "Start");
        let classes: Vec<&str> = score.probabilities.iter().map(|entry| entry.class.as_str()).collect();
        assert_eq!(classes, vec!["B", "C", "FA", "GA", "Start", "Stub"]);
        assert_eq!(score.probabilities[4].probability, 0.5182220232989376);
    }

    #[test]
    fn probabilities_are_sorted_by_class() {
        let body = json!({"enwiki": {"scores": {"1220423548": {"articlequality": {"score": {"prediction": "b",
            "probability": {"e": 0.1, "b": 0.6, "a": 0.3}}}}}}});
        let QualityResult::Scored(score) = parse(200, body).unwrap() else { panic!("the revision should be scored") };
        let classes: Vec<&str> = score.probabilities.iter().map(|entry| entry.class.as_str()).collect();
        assert_eq!(classes, vec!["a", "b", "e"]);
    }

    #[test]
    fn deleted_revisions_from_either_error_form() {
        let top_level = json!({"error": "The MW API does not have any info related to the rev-id provided as input \
            (1220423548), therefore it is not possible to extract features properly."});
        assert!(matches!(parse(400, top_level).unwrap(), QualityResult::Deleted));

        for kind in ["TextDeleted", "RevisionNotFound"] {
            let nested = json!({"enwiki": {"scores": {"1220423548": {"articlequality": {"error": {
                "message": "Text deleted or revision not found", "type": kind}}}}}});
            assert!(matches!(parse(200, nested).unwrap(), QualityResult::Deleted), "{kind}");
        }
    }

    #[test]
    fn unexpected_content_type_is_unscorable() {
        let nested = json!({"enwiki": {"scores": {"1220423548": {"articlequality": {"error": {
            "message": "Expected content of type wikitext, but got json", "type": "UnexpectedContentType"}}}}}});
        let outcome = parse(200, nested).unwrap();
        assert!(
            matches!(&outcome, QualityResult::Unscorable(text) if text.contains("UnexpectedContentType") && text.contains("json")),
            "{outcome:?}"
        );
        let top_level = json!({"error": "UnexpectedContentType: the revision is not wikitext"});
        assert!(matches!(parse(400, top_level).unwrap(), QualityResult::Unscorable(_)));
    }

    #[test]
    fn other_errors_are_failures() {
        let top_level = json!({"error": "Timeout while fetching the revision"});
        let outcome = parse(500, top_level).unwrap();
        assert!(matches!(&outcome, QualityResult::Failed(text) if text == "Timeout while fetching the revision"));
        let nested = json!({"enwiki": {"scores": {"1220423548": {"articlequality": {"error": {"message": "boom"}}}}}});
        assert!(matches!(parse(200, nested).unwrap(), QualityResult::Failed(text) if text == "boom"));
    }

    #[test]
    fn unreadable_responses_are_job_errors() {
        assert!(matches!(parse_quality(URL, "enwiki", 1, 200, b"<html>",), Err(ImportError::BadResponse(_))));
        assert!(
            matches!(parse(200, json!({"enwiki": {"scores": {}}})), Err(ImportError::BadResponse(text)) if text.contains("/enwiki/scores/1220423548"))
        );
        assert!(matches!(parse_quality(URL, "enwiki", 1, 404, b"no route"), Err(ImportError::NotFound(_))));
        assert!(
            matches!(parse_quality(URL, "enwiki", 1, 403, b"forbidden"), Err(ImportError::BadResponse(text)) if text.contains("403"))
        );
        let no_prediction =
            json!({"enwiki": {"scores": {"1220423548": {"articlequality": {"score": {"probability": {}}}}}}});
        assert!(
            matches!(parse(200, no_prediction), Err(ImportError::BadResponse(text)) if text.contains("prediction"))
        );
    }
}
