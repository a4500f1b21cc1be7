//! `wikidash report [CAMPAIGN]`: statistics as tables, JSON or CSV. Reads only the store.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use wikidash_sync::campaign_report;

use crate::Settings;
use crate::args::CsvPart;
use crate::output;
use crate::runtime::{no_campaigns_yet, open_existing_store};

pub fn run(
    campaign: Option<&str>,
    json: bool,
    csv: Option<CsvPart>,
    all: bool,
    settings: &Settings,
) -> anyhow::Result<ExitCode> {
    let store = open_existing_store(settings)?.ok_or_else(|| no_campaigns_yet(settings))?;
    let name = super::resolve_campaign(&store, campaign)?;
    let stored = store.campaign(&name)?;
    let report = campaign_report(&store, &stored, wikidash_sync::now_seconds())?;
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    let rows = if all { usize::MAX } else { output::TABLE_ROWS };
    match (json, csv) {
        (true, _) => output::write_json(&report, &mut stdout)?,
        (false, Some(part)) => output::write_csv(&report, part, &mut stdout)?,
        (false, None) => output::write_tables(&report, rows, &mut stdout)?,
    }
    stdout.flush()?;
    // The process ends here; freeing a large report piece by piece would only delay that.
    std::mem::forget(report);
    Ok(ExitCode::SUCCESS)
}
