//! `wikidash campaign …`: create, list, show, export, change and delete campaigns.

use std::process::ExitCode;

use anyhow::Context;
use wikidash_core::campaign::normalize_participants;
use wikidash_core::{Campaign, CampaignError, CampaignSpec};

use crate::Settings;
use crate::args::CampaignCommand;
use crate::runtime::{no_campaigns_yet, open_existing_store, open_store};

pub fn run(command: CampaignCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    match command {
        CampaignCommand::Create { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read the campaign file {}", file.display()))?;
            let spec = CampaignSpec::from_toml(&text).with_context(|| format!("{}", file.display()))?;
            let campaign = Campaign::from_spec(&spec).with_context(|| format!("{}", file.display()))?;
            let stored = open_store(settings)?.create_campaign(&campaign, wikidash_sync::now_seconds())?;
            let merged = spec.participants.len() - stored.campaign.participants.len();
            let merged_note = if merged > 0 {
                format!(" ({merged} name(s) were the same user written another way and were merged)")
            } else {
                String::new()
            };
            println!(
                "Created campaign {} with {} participant(s){merged_note} on {} wiki(s). Run `wikidash sync {}` to import \
                 its activity.",
                stored.campaign.name,
                stored.campaign.participants.len(),
                stored.campaign.wikis.len(),
                stored.campaign.name
            );
        }
        CampaignCommand::List => {
            let campaigns = match open_existing_store(settings)? {
                Some(store) => store.campaigns()?,
                None => Vec::new(),
            };
            if campaigns.is_empty() {
                println!("No campaigns yet. Create one with `wikidash campaign create FILE.toml`.");
            }
            for stored in campaigns {
                let campaign = &stored.campaign;
                println!(
                    "{}\t{} to {} ({})\t{} participant(s)\t{} wiki(s)",
                    campaign.name,
                    campaign.start.to_text(),
                    campaign.end.to_text(),
                    campaign.time_zone.name(),
                    campaign.participants.len(),
                    campaign.wikis.len()
                );
            }
        }
        CampaignCommand::Show { campaign } => {
            let store = open_existing_store(settings)?.ok_or_else(|| no_campaigns_yet(settings))?;
            let stored = store.campaign(&campaign)?;
            print!("{}", stored.campaign.to_spec().to_toml());
            println!("\n# {} participant(s).", stored.campaign.participants.len());
            let runs = store.runs(stored.id)?;
            match runs.last() {
                None => println!("# Never synced."),
                Some(run) => {
                    let when = wikidash_aggregate::aggregator::iso8601(run.finished_at);
                    let outcome = if run.succeeded() { "completely" } else { "with failures" };
                    println!("# Last synced {when}, {outcome}; `wikidash report {campaign}` shows the figures.");
                }
            }
        }
        CampaignCommand::Export { campaign, output } => {
            let store = open_existing_store(settings)?.ok_or_else(|| no_campaigns_yet(settings))?;
            let text = store.campaign(&campaign)?.campaign.to_spec().to_toml();
            match output {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Wrote campaign {campaign} to {}.", path.display());
                }
                None => print!("{text}"),
            }
        }
        CampaignCommand::AddParticipants { campaign, usernames } => {
            let names = normalize_participants(&usernames)
                .map_err(|problems| CampaignError::Participants { name: campaign.clone(), problems })?;
            let added = open_store(settings)?.add_participants(&campaign, &names)?;
            let skipped = names.len() - added.len();
            println!(
                "Added {} participant(s) to {campaign}{}.",
                added.len(),
                if skipped > 0 { format!("; {skipped} already took part") } else { String::new() }
            );
        }
        CampaignCommand::RemoveParticipants { campaign, usernames } => {
            let names = normalize_participants(&usernames)
                .map_err(|problems| CampaignError::Participants { name: campaign.clone(), problems })?;
            let removed = open_store(settings)?.remove_participants(&campaign, &names)?;
            println!("Removed {} participant(s) and their stored activity from {campaign}.", removed.len());
        }
        CampaignCommand::Delete { campaign } => {
            open_store(settings)?.delete_campaign(&campaign)?;
            println!("Deleted campaign {campaign} and its stored activity.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
