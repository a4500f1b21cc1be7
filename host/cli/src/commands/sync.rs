//! `wikidash sync [CAMPAIGN]`: import new activity, then print what happened.

use std::process::ExitCode;

use anyhow::bail;
use tracing::warn;
use wikidash_sync::{SyncSummary, Syncer, now_seconds};

use crate::Settings;
use crate::progress::CliProgress;
use crate::runtime::{load_plugins, open_store};

/// Domains run by the Wikimedia Foundation, whose User-Agent policy requires a contact.
const WIKIMEDIA_DOMAINS: &[&str] = &[
    "wikipedia.org",
    "wikimedia.org",
    "wikidata.org",
    "wiktionary.org",
    "wikibooks.org",
    "wikinews.org",
    "wikiquote.org",
    "wikisource.org",
    "wikiversity.org",
    "wikivoyage.org",
    "mediawiki.org",
    "wikifunctions.org",
];

pub async fn run(campaign: Option<&str>, settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_store(settings)?;
    let names = match campaign {
        Some(name) => vec![store.campaign(name)?.campaign.name],
        None => store.campaign_names()?,
    };
    if names.is_empty() {
        bail!("there are no campaigns to sync; create one with `wikidash campaign create FILE.toml`");
    }
    warn_without_contact(&store, &names, settings)?;

    let (runtime, plugins) = load_plugins(settings).await?;
    let syncer = Syncer::new(store, runtime, plugins, settings.sync.clone());
    let progress = CliProgress::new();
    let mut all_succeeded = true;
    for name in &names {
        let summary = syncer.sync_campaign(name, now_seconds(), &progress).await?;
        progress.finish();
        print_summary(&summary);
        all_succeeded &= summary.succeeded();
    }
    Ok(if all_succeeded { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn warn_without_contact(store: &wikidash_store::Store, names: &[String], settings: &Settings) -> anyhow::Result<()> {
    if settings.etiquette.contact.is_some() {
        return Ok(());
    }
    for name in names {
        let stored = store.campaign(name)?;
        let wikimedia = stored.campaign.wikis.iter().any(|wiki| {
            let host = wiki.host();
            WIKIMEDIA_DOMAINS.iter().any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
        });
        if wikimedia {
            warn!(
                campaign = %name,
                "no contact is set; Wikimedia asks every tool to say how to reach its operator. \
                 Pass --contact you@example.org or set `contact` in the configuration file"
            );
            return Ok(());
        }
    }
    Ok(())
}

fn print_summary(summary: &SyncSummary) {
    println!("Synced {}:", summary.campaign);
    for source in &summary.scope {
        let state = if source.refreshed { "refreshed" } else { "up to date" };
        println!("  scope {}: {} page(s), {state}", source.source, source.pages);
        if let Some(error) = &source.error {
            println!("    failed: {error}");
        }
    }
    for wiki in &summary.wikis {
        println!(
            "  {}: {}/{} participant batches, {}, {} and {} looked up, {}",
            wiki.wiki,
            wiki.batches_done,
            wiki.batches,
            counted(wiki.revisions, "revision", "revisions"),
            counted(wiki.accounts_checked as u64, "account", "accounts"),
            counted(wiki.pages_checked as u64, "page", "pages"),
            counted(wiki.requests, "request", "requests")
        );
        if !wiki.missing_accounts.is_empty() {
            println!("    no account on this wiki: {}", wiki.missing_accounts.join(", "));
        }
        for (name, reason) in &wiki.invalid_accounts {
            println!("    the wiki rejects the username {name:?}: {reason}");
        }
        if wiki.references_counted + wiki.references_pending > 0 || wiki.ratings_checked + wiki.views_checked > 0 {
            println!(
                "    references counted for {} ({} pending), {} and {} views read",
                counted(wiki.references_counted, "revision", "revisions"),
                wiki.references_pending,
                counted(wiki.ratings_checked as u64, "rating", "ratings"),
                counted(wiki.views_checked as u64, "article's", "articles'")
            );
        }
        for error in &wiki.errors {
            println!("    failed: {error}");
        }
    }
    if let Some(uploads) = &summary.uploads {
        println!(
            "  uploads on {}: {} listed, {} usage counts and {} file details read",
            uploads.wiki, uploads.uploads, uploads.usage_checked, uploads.files_checked
        );
        for error in &uploads.errors {
            println!("    failed: {error}");
        }
    }
    let errors = summary.error_count();
    if errors == 0 {
        println!("All wikis synced.");
    } else {
        println!(
            "{errors} job(s) failed; the data they would have replaced is unchanged. Run `wikidash sync {}` again when the wiki is reachable.",
            summary.campaign
        );
    }
}

/// Format `count` with the noun form that agrees with it, e.g. `1 revision`, `2 revisions`.
fn counted(count: u64, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}
