//! The `scores` importer: facts about single revisions from Wikimedia services, namely
//! reference counts from the reference-counter tool and quality predictions from Lift Wing.
//!
//! Job kinds:
//! - `reference-counts`: reads `revision-ids` (1 to 50) and the options `project` (e.g.
//!   `wikipedia`; not `wikidata`) and `language` (e.g. `en`, or `www` for multilingual
//!   Wikisource). One POST for the whole batch; one `reference-count` item per requested
//!   revision, in the order requested.
//! - `article-quality`: reads `revision-ids` (at least one) and the option `model-wiki` (a
//!   wiki with an `articlequality` model, e.g. `enwiki`). One POST per revision; one
//!   `revision-quality` item per call, and the cursor is the index of the next revision.
//!
//! What the services report about one revision (deleted, not countable, not scorable) is an
//! item, not a job error.

pub mod quality;
pub mod references;

use wikidash_plugin_sdk::{API_VERSION, Guest, ImportError, Job, Output, PluginInfo, export_plugin, job_option};

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "scores".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec![references::ORIGIN.into(), quality::ORIGIN.into()],
            job_kinds: vec!["reference-counts".into(), "article-quality".into()],
            description: "Revision reference counts (reference-counter) and article quality (Lift Wing)".into(),
        }
    }

    fn run(job: Job, cursor: Option<String>) -> Result<Output, ImportError> {
        match job.kind.as_str() {
            "reference-counts" => references::run(&job),
            "article-quality" => quality::run(&job, cursor.as_deref()),
            other => Err(ImportError::InvalidJob(format!(
                "the scores plugin has no job kind {other:?}; it serves reference-counts and article-quality"
            ))),
        }
    }
}

export_plugin!(Plugin);

/// Read the required option `name` of `job`.
fn required_option<'a>(job: &'a Job, name: &str) -> Result<&'a str, ImportError> {
    job_option(job, name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ImportError::InvalidJob(format!("a {} job needs the option {name:?}; it is missing", job.kind)))
}

/// Return the first 300 characters of a response body, for error messages.
fn body_excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(300).collect()
}

/// Build a job of `kind` with `revision_ids`, `options` and every other field empty.
#[cfg(test)]
pub(crate) fn test_job(kind: &str, revision_ids: &[u64], options: &[(&str, &str)]) -> Job {
    Job {
        kind: kind.into(),
        wiki: String::new(),
        usernames: Vec::new(),
        page_ids: Vec::new(),
        titles: Vec::new(),
        revision_ids: revision_ids.to_vec(),
        window: None,
        namespaces: Vec::new(),
        limit: None,
        options: options.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
    }
}
