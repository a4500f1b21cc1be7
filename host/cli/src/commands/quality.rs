//! `wikidash quality [CAMPAIGN]`: score articles' quality on demand with Lift Wing.

use std::process::ExitCode;

use wikidash_sync::Syncer;

use crate::Settings;
use crate::progress::CliProgress;
use crate::runtime::{load_plugins, open_store};

pub async fn run(campaign: Option<&str>, settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_store(settings)?;
    let name = super::resolve_campaign(&store, campaign)?;
    store.campaign(&name)?;
    let (runtime, plugins) = load_plugins(settings).await?;
    let syncer = Syncer::new(store, runtime, plugins, settings.sync.clone());
    let progress = CliProgress::new();
    let summary = syncer.score_quality(&name, &progress).await?;
    progress.finish();
    println!("Scored {} revision(s) of {name}; {} already had a stored score.", summary.scored, summary.cached);
    for wiki in &summary.unsupported_wikis {
        println!("  {wiki} has no article quality model; its articles are not scored.");
    }
    for error in &summary.errors {
        println!("  failed: {error}");
    }
    println!("`wikidash report {name}` shows the predictions and wp10 scores.");
    Ok(if summary.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
