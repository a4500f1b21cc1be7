//! Sync progress on stderr: a bar per wiki on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use wikidash_sync::Progress;

pub struct CliProgress {
    bars: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
}

impl CliProgress {
    pub fn new() -> CliProgress {
        let bars = std::io::stderr().is_terminal().then(|| (MultiProgress::new(), Mutex::new(HashMap::new())));
        CliProgress { bars }
    }

    fn bar(&self, wiki: &str) -> Option<ProgressBar> {
        let (multi, bars) = self.bars.as_ref()?;
        let mut bars = bars.lock().expect("progress lock");
        let bar = bars.entry(wiki.to_string()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new(0));
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} batches {msg}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(wiki.to_string());
            bar
        });
        Some(bar.clone())
    }

    /// Remove the bars before the summary is printed.
    pub fn finish(&self) {
        if let Some((_, bars)) = &self.bars {
            for bar in bars.lock().expect("progress lock").values() {
                bar.finish_and_clear();
            }
        }
    }
}

impl Progress for CliProgress {
    fn stage(&self, wiki: &str, message: &str) {
        match self.bar(wiki) {
            Some(bar) => bar.set_message(message.to_string()),
            None => eprintln!("{wiki}: {message}"),
        }
    }

    fn batch_done(&self, wiki: &str, done: usize, total: usize, revisions: usize) {
        match self.bar(wiki) {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(format!("{revisions} revisions in the last batch"));
            }
            None => eprintln!("{wiki}: batch {done}/{total} done, {revisions} revisions"),
        }
    }
}
