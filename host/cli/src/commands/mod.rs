//! One module per subcommand.

mod campaign;
mod plugins;
mod report;
mod sync;

use std::process::ExitCode;

use crate::Settings;
use crate::args::Command;

pub async fn dispatch(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Campaign(command) => campaign::run(command, &settings),
        Command::Sync { campaign } => sync::run(campaign.as_deref(), &settings).await,
        Command::Report { campaign, json, csv } => report::run(campaign.as_deref(), json, csv, &settings),
        Command::Plugins(command) => plugins::run(command, &settings).await,
    }
}
