//! `wikidash report [CAMPAIGN]`: statistics as tables, JSON or CSV. Reads only the store.

use std::process::ExitCode;

use anyhow::bail;
use wikidash_sync::campaign_report;

use crate::Settings;
use crate::args::CsvPart;
use crate::output;
use crate::runtime::open_store;

pub fn run(campaign: Option<&str>, json: bool, csv: Option<CsvPart>, settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_store(settings)?;
    let name = match campaign {
        Some(name) => name.to_string(),
        None => {
            let names = store.campaign_names()?;
            match names.as_slice() {
                [only] => only.clone(),
                [] => bail!("there are no campaigns yet; create one with `wikidash campaign create FILE.toml`"),
                _ => bail!("there are several campaigns ({}); name the one to report", names.join(", ")),
            }
        }
    };
    let stored = store.campaign(&name)?;
    let report = campaign_report(&store, &stored)?;
    let mut stdout = std::io::stdout().lock();
    match (json, csv) {
        (true, _) => output::write_json(&report, &mut stdout)?,
        (false, Some(part)) => output::write_csv(&report, part, &mut stdout)?,
        (false, None) => output::write_tables(&report, &mut stdout)?,
    }
    Ok(ExitCode::SUCCESS)
}
