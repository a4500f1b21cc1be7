//! One module per subcommand.

mod campaign;
mod plugins;
mod quality;
mod report;
mod sync;

use std::process::ExitCode;

use crate::Settings;
use crate::args::Command;

pub async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Campaign(command) => campaign::run(command, &settings),
        Command::Sync { campaign } => sync::run(campaign.as_deref(), &settings).await,
        Command::Report { campaign, json, csv, all, fresh } => {
            report::run(campaign.as_deref(), report::Format::new(json, csv, all), fresh, &settings)
        }
        Command::Quality { campaign } => quality::run(campaign.as_deref(), &settings).await,
        Command::Plugins(command) => plugins::run(command, &settings).await,
    }
}

/// The campaign called `name`, or the only campaign when no name is given.
fn resolve_campaign(store: &wikidash_store::Store, name: Option<&str>) -> anyhow::Result<String> {
    if let Some(name) = name {
        return Ok(name.to_string());
    }
    let names = store.campaign_names()?;
    match names.as_slice() {
        [only] => Ok(only.clone()),
        [] => anyhow::bail!("there are no campaigns yet; create one with `wikidash campaign create FILE.toml`"),
        _ => anyhow::bail!("there are several campaigns ({}); name the one to use", names.join(", ")),
    }
}
