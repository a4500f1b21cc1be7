//! `wikidash report [CAMPAIGN]`: statistics as tables, JSON or CSV. Reads the store, and keeps
//! each rendered report in it for reuse until the data or the day changes.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use tracing::{debug, warn};
use wikidash_aggregate::ArticleList;
use wikidash_core::Day;
use wikidash_store::{Store, StoredCampaign};
use wikidash_sync::campaign_report_listing;

use crate::Settings;
use crate::args::CsvPart;
use crate::output;
use crate::runtime::{no_campaigns_yet, open_existing_store};

/// Rendered reports larger than this are not kept: storing them would cost more than
/// building them again saves.
const MAX_KEPT_BYTES: usize = 64 * 1024 * 1024;

/// Output format of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Tables with at most this many participants and articles.
    Tables(usize),
    Json,
    Csv(CsvPart),
}

impl Format {
    pub fn new(json: bool, csv: Option<CsvPart>, all: bool) -> Format {
        match (json, csv) {
            (true, _) => Format::Json,
            (false, Some(part)) => Format::Csv(part),
            (false, None) => Format::Tables(if all { usize::MAX } else { output::TABLE_ROWS }),
        }
    }

    /// Return the name a rendering in this format is kept under.
    fn label(self) -> String {
        match self {
            Format::Tables(usize::MAX) => "tables:all".to_string(),
            Format::Tables(rows) => format!("tables:{rows}"),
            Format::Json => "json".to_string(),
            Format::Csv(part) => format!("csv:{part:?}").to_lowercase(),
        }
    }
}

pub fn run(campaign: Option<&str>, format: Format, fresh: bool, settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_existing_store(settings)?.ok_or_else(|| no_campaigns_yet(settings))?;
    let name = super::resolve_campaign(&store, campaign)?;
    let stored = store.campaign(&name)?;
    let now = wikidash_sync::now_seconds();
    let label = format.label();
    // Read before the report is built, so a write that lands meanwhile makes the result stale.
    let generation = store.generation()?;
    let stamp = program_identity().map(|program| stamp(&stored, generation, now, &program));

    let kept = match (&stamp, fresh) {
        (Some(stamp), false) => store.rendered_output(stored.id, &label, stamp)?,
        _ => None,
    };
    let mut stdout = BufWriter::new(std::io::stdout().lock());
    match kept {
        Some(bytes) => {
            debug!(campaign = %name, %label, "reusing the report rendered from the same data today");
            stdout.write_all(&bytes)?;
        }
        None => {
            // The output goes straight to stdout; a copy is kept only while it is small enough.
            let limit = if stamp.is_some() { MAX_KEPT_BYTES } else { 0 };
            let mut copying = Copying { out: &mut stdout, copy: Some(Vec::new()), limit };
            render(&store, &stored, format, now, &mut copying)?;
            if let (Some(stamp), Some(bytes)) = (&stamp, copying.copy) {
                // The report is printed already; failing to keep it only costs the next run time.
                if let Err(error) = store.put_rendered_output(stored.id, &label, generation, stamp, &bytes) {
                    warn!(campaign = %name, %label, %error, "the report could not be kept for reuse");
                }
            }
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A writer that passes everything to `out` and keeps a copy until it would exceed `limit`
/// bytes, when the copy is dropped.
struct Copying<'a, W: Write> {
    out: &'a mut W,
    copy: Option<Vec<u8>>,
    limit: usize,
}

impl<W: Write> Write for Copying<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(buf)?;
        if let Some(copy) = &mut self.copy {
            if copy.len() + written <= self.limit {
                copy.extend_from_slice(&buf[..written]);
            } else {
                self.copy = None;
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn render(
    store: &Store,
    stored: &StoredCampaign,
    format: Format,
    now: i64,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    // Tables show only the most edited articles and most CSV parts none, so only those are built.
    let list = match format {
        Format::Tables(rows) if rows != usize::MAX => ArticleList::MostEdited(rows),
        Format::Csv(part) if part != CsvPart::Articles => ArticleList::MostEdited(0),
        _ => ArticleList::All,
    };
    let report = campaign_report_listing(store, stored, now, list)?;
    // NOTE: JSON and the articles CSV list every article, and the report contains all of them
    // before printing starts: about 1 GiB at peak for a campaign with a million articles.
    match format {
        Format::Json => output::write_json(&report, out)?,
        Format::Csv(part) => output::write_csv(&report, part, out)?,
        Format::Tables(rows) => output::write_tables(&report, rows, out)?,
    }
    // The process ends soon; freeing a large report piece by piece would only delay that.
    std::mem::forget(report);
    Ok(())
}

/// Build the stamp of what a rendered report depends on besides its format. That is the stored
/// data (its write generation), the day and the program that rendered it. The day matters
/// twice: recent edits count the last seven days of the campaign's time zone, and views are
/// final up to a UTC day.
fn stamp(stored: &StoredCampaign, generation: u64, now: i64, program: &str) -> String {
    let today = Day::of_instant(now, stored.campaign.time_zone);
    let utc_today = Day::of_instant(now, chrono_tz::UTC);
    format!("{generation} {today} {utc_today} {program}")
}

/// The version and the executable's size and modification time, so a rebuilt program never
/// reuses what an earlier build rendered. `None` when the executable cannot be inspected: then
/// every build of this version would look the same, so nothing is reused or kept.
fn program_identity() -> Option<String> {
    let meta = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {} {}", env!("CARGO_PKG_VERSION"), meta.len(), modified.as_nanos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copying_keeps_output_up_to_the_limit() {
        let mut out = Vec::new();
        let mut copying = Copying { out: &mut out, copy: Some(Vec::new()), limit: 8 };
        copying.write_all(b"abcd").unwrap();
        copying.write_all(b"efgh").unwrap();
        assert_eq!(copying.copy.as_deref(), Some(&b"abcdefgh"[..]));
        copying.write_all(b"i").unwrap();
        assert_eq!(copying.copy, None);
        copying.write_all(b"jk").unwrap();
        assert_eq!(copying.copy, None);
        assert_eq!(out, b"abcdefghijk");
    }
}
