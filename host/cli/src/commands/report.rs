//! `wikidash report [CAMPAIGN]`: statistics as tables, JSON or CSV. Reads only the store.

use std::process::ExitCode;

use wikidash_sync::campaign_report;

use crate::Settings;
use crate::args::CsvPart;
use crate::output;
use crate::runtime::{no_campaigns_yet, open_existing_store};

pub fn run(campaign: Option<&str>, json: bool, csv: Option<CsvPart>, settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_existing_store(settings)?.ok_or_else(|| no_campaigns_yet(settings))?;
    let name = super::resolve_campaign(&store, campaign)?;
    let stored = store.campaign(&name)?;
    let report = campaign_report(&store, &stored, wikidash_sync::now_seconds())?;
    let mut stdout = std::io::stdout().lock();
    match (json, csv) {
        (true, _) => output::write_json(&report, &mut stdout)?,
        (false, Some(part)) => output::write_csv(&report, part, &mut stdout)?,
        (false, None) => output::write_tables(&report, &mut stdout)?,
    }
    Ok(ExitCode::SUCCESS)
}
