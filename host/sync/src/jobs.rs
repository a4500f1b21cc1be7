//! Running plugin jobs to completion, page by page, and remembering whether a failure means
//! the service is down.

use std::sync::atomic::{AtomicBool, Ordering};

use wikidash_runtime::JobContext;
use wikidash_runtime::wit::{Item, Job};

use crate::Syncer;

/// A job that did not complete.
#[derive(Clone, Debug)]
pub(crate) struct JobFailure {
    pub message: String,
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl From<JobFailure> for String {
    fn from(failure: JobFailure) -> String {
        failure.message
    }
}

/// Runs jobs for one part of a sync and notes the first transient failure, so the later
/// stages of that part can stop instead of waiting through the same outage.
pub(crate) struct Jobs<'a> {
    pub syncer: &'a Syncer,
    pub context: &'a JobContext,
    unavailable: AtomicBool,
}

impl<'a> Jobs<'a> {
    pub fn new(syncer: &'a Syncer, context: &'a JobContext) -> Jobs<'a> {
        Jobs { syncer, context, unavailable: AtomicBool::new(false) }
    }

    /// Whether a job failed in a way that only time may fix.
    pub fn unavailable(&self) -> bool {
        self.unavailable.load(Ordering::Relaxed)
    }

    /// Run `job` page by page until the plugin has no more, handing each page's items to
    /// `consume`.
    pub async fn run(
        &self,
        job: Job,
        mut consume: impl FnMut(Vec<Item>) -> Result<(), String>,
    ) -> Result<(), JobFailure> {
        let failure = |message: String| JobFailure { message };
        let plugin = self.syncer.plugins.for_kind(&job.kind).map_err(|error| failure(error.to_string()))?;
        let mut cursor: Option<String> = None;
        loop {
            let output = plugin.run(self.context, &job, cursor.as_deref()).await.map_err(|error| {
                if error.is_transient() {
                    self.unavailable.store(true, Ordering::Relaxed);
                }
                JobFailure { message: error.to_string() }
            })?;
            consume(output.items).map_err(failure)?;
            match output.next_cursor {
                None => return Ok(()),
                Some(next) if cursor.as_ref() == Some(&next) => {
                    return Err(failure(format!(
                        "plugin {} returned the same cursor twice ({next}); stopping the job",
                        plugin.label()
                    )));
                }
                Some(next) => cursor = Some(next),
            }
        }
    }
}

/// A job of `kind` about `wiki` with every other field empty.
pub(crate) fn job(kind: &str, wiki: &str) -> Job {
    Job {
        kind: kind.to_string(),
        wiki: wiki.to_string(),
        usernames: Vec::new(),
        page_ids: Vec::new(),
        titles: Vec::new(),
        revision_ids: Vec::new(),
        window: None,
        namespaces: Vec::new(),
        limit: None,
        options: Vec::new(),
    }
}

/// `[(name, value)]` as job options.
pub(crate) fn options(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| (name.to_string(), value.clone())).collect()
}
