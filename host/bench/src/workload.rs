//! One workload end to end: start its synthetic wikis, create the campaign, and measure a
//! first sync, a re-sync with nothing new, re-aggregation in process and `report`'s cold
//! start, checking the report's figures against what the wikis hold.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use wikidash_store::Store;
use wikidash_sync::{campaign_report, now_seconds};

use crate::child::{self, Measured};
use crate::synthetic::{Floor, RequestCounts, SyntheticWiki, Workload, participant_name, request_floor};

/// How a run is set up.
pub struct Setup<'a> {
    /// The wikidash binary under test.
    pub wikidash: &'a Path,
    /// Folder for the workload's database and files; emptied first.
    pub work_dir: PathBuf,
    /// Compiled-plugin cache shared by every workload, so only the first compiles.
    pub plugin_cache: &'a Path,
    /// Runs of each repeated measurement (re-aggregation, report cold start); the median counts.
    pub repeats: usize,
}

/// Figures of one workload.
#[derive(Clone, Debug, Serialize)]
pub struct WorkloadFigures {
    pub workload: &'static str,
    pub participants: u32,
    pub wikis: u32,
    pub days: u32,
    pub revisions: u64,
    pub distinct_pages: u64,
    pub floor: FloorFigures,
    pub first_sync: SyncFigures,
    /// A second sync right after the first, with nothing new on the wikis.
    pub resync: SyncFigures,
    /// ⌈participants / 50⌉ per wiki: one contributions request per batch.
    pub resync_expected_requests: u64,
    /// `campaign_report` in process on the synced store, median.
    pub reaggregate_ms: f64,
    /// The first `wikidash report` (tables) after the re-sync, from exec to exit: it builds the
    /// report from the store and keeps the rendered tables.
    pub report_first_ms: f64,
    /// Later `wikidash report` runs (tables) from exec to exit, median: they reuse the kept
    /// tables while the data and the day are unchanged.
    pub report_cold_start_ms: f64,
    pub report_peak_rss_mib: f64,
    pub database_mib: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FloorFigures {
    pub users: u64,
    pub contributions: u64,
    pub info: u64,
    pub total: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SyncFigures {
    pub seconds: f64,
    pub requests: u64,
    pub requests_by_module: ModuleCounts,
    /// Requests divided by the floor's total.
    pub floor_ratio: f64,
    pub revisions_per_second: f64,
    /// Processor seconds wikidash used (user and system).
    pub cpu_seconds: f64,
    /// Processor seconds the harness used meanwhile, which is the synthetic wikis serving the
    /// requests on the same machine.
    pub wikis_cpu_seconds: f64,
    pub peak_rss_mib: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ModuleCounts {
    pub siteinfo: u64,
    pub users: u64,
    pub usercontribs: u64,
    pub info: u64,
    pub other: u64,
}

/// Run `workload` and return its figures. Fails when a command fails or the report's
/// figures differ from the wikis' contents.
pub fn measure(workload: &Workload, setup: &Setup) -> Result<WorkloadFigures> {
    let floor = request_floor(workload);
    let Prepared { wikis, config, database } = prepare(workload, setup.wikidash, &setup.work_dir, setup.plugin_cache)?;
    let wikidash = |args: &[&str]| wikidash_command(setup.wikidash, &config, args);
    let first = sync(&wikidash, &wikis, &floor, workload.name)?;
    check_report(&wikidash, workload, &floor)?;
    let resync = sync(&wikidash, &wikis, &floor, workload.name)?;
    let reaggregate = reaggregate(&database, workload.name, setup.repeats)?;
    let report_first = child::run(&mut wikidash(&["report", workload.name]))?.check("wikidash report")?;
    let mut report_runs = Vec::with_capacity(setup.repeats);
    for _ in 0..setup.repeats {
        report_runs.push(child::run(&mut wikidash(&["report", workload.name]))?.check("wikidash report")?);
    }
    let report_cold_start = median(report_runs.iter().map(|run| run.wall).collect());
    let report_peak_rss = report_runs.iter().chain([&report_first]).map(|run| run.peak_rss_bytes).max().unwrap_or(0);

    Ok(WorkloadFigures {
        workload: workload.name,
        participants: workload.participants,
        wikis: workload.wikis,
        days: workload.days,
        revisions: floor.revisions,
        distinct_pages: floor.distinct_pages,
        floor: FloorFigures {
            users: floor.users,
            contributions: floor.contributions,
            info: floor.info,
            total: floor.total(),
        },
        first_sync: first,
        resync: SyncFigures { revisions_per_second: 0.0, ..resync },
        resync_expected_requests: u64::from(workload.participants.div_ceil(50)) * u64::from(workload.wikis),
        reaggregate_ms: millis(reaggregate),
        report_first_ms: millis(report_first.wall),
        report_cold_start_ms: millis(report_cold_start),
        report_peak_rss_mib: mib(report_peak_rss),
        database_mib: mib(std::fs::metadata(&database).map(|meta| meta.len()).unwrap_or(0)),
    })
}

/// A workload's running wikis and the files of its campaign.
pub struct Prepared {
    pub wikis: Vec<SyntheticWiki>,
    pub config: PathBuf,
    pub database: PathBuf,
}

/// Start the workload's wikis, empty `dir`, write a config and the campaign file there, create
/// the campaign and fill the plugin cache.
pub fn prepare(workload: &Workload, wikidash: &Path, dir: &Path, plugin_cache: &Path) -> Result<Prepared> {
    let wikis: Vec<SyntheticWiki> = (1..=workload.wikis).map(|wiki| SyntheticWiki::start(workload, wiki)).collect();
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot empty {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let config = dir.join("config.toml");
    let database = dir.join("wikidash.redb");
    std::fs::write(&config, config_toml(&database, plugin_cache))?;
    let campaign_file = dir.join("campaign.toml");
    std::fs::write(&campaign_file, campaign_toml(workload, &wikis))?;
    child::run(wikidash_command(wikidash, &config, &["campaign", "create"]).arg(&campaign_file))?
        .check("wikidash campaign create")?;
    // Loading the plugins once fills the compiled-component cache, so the sync is not timed
    // compiling them.
    child::run(&mut wikidash_command(wikidash, &config, &["plugins", "list"]))?.check("wikidash plugins list")?;
    Ok(Prepared { wikis, config, database })
}

fn wikidash_command(wikidash: &Path, config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(wikidash);
    command.arg("--config").arg(config).args(args).env_remove("RUST_LOG");
    command
}

fn sync(
    wikidash: &impl Fn(&[&str]) -> Command,
    wikis: &[SyntheticWiki],
    floor: &Floor,
    name: &str,
) -> Result<SyncFigures> {
    for wiki in wikis {
        wiki.reset_counts();
    }
    let harness_before = child::own_cpu();
    let run: Measured = child::run(&mut wikidash(&["sync", name]))?.check("wikidash sync")?;
    let wikis_cpu = child::own_cpu().saturating_sub(harness_before);
    let mut modules = ModuleCounts::default();
    let mut total = 0;
    for counts in wikis.iter().map(SyntheticWiki::counts) {
        let RequestCounts { siteinfo, users, usercontribs, info, other, total: requests } = counts;
        modules.siteinfo += siteinfo;
        modules.users += users;
        modules.usercontribs += usercontribs;
        modules.info += info;
        modules.other += other;
        total += requests;
    }
    let seconds = run.wall.as_secs_f64();
    Ok(SyncFigures {
        seconds,
        requests: total,
        requests_by_module: modules,
        floor_ratio: total as f64 / floor.total() as f64,
        revisions_per_second: floor.revisions as f64 / seconds,
        cpu_seconds: run.cpu.as_secs_f64(),
        wikis_cpu_seconds: wikis_cpu.as_secs_f64(),
        peak_rss_mib: mib(run.peak_rss_bytes),
    })
}

/// Compare the report's edit count with the revisions the wikis hold: every generated
/// revision is in a fetched namespace on a page that exists, so each one counts.
fn check_report(wikidash: &impl Fn(&[&str]) -> Command, workload: &Workload, floor: &Floor) -> Result<()> {
    let run = child::run(&mut wikidash(&["report", workload.name, "--csv", "totals"]))?.check("wikidash report")?;
    let text = String::from_utf8(run.stdout).context("the report is not UTF-8")?;
    let mut lines = text.lines();
    let (Some(header), Some(values)) = (lines.next(), lines.next()) else {
        bail!("the totals CSV has no data line:\n{text}");
    };
    let column = header.split(',').position(|name| name == "total_edits").context("no total_edits column")?;
    let total_edits: u64 = values.split(',').nth(column).context("short totals line")?.parse()?;
    if total_edits != floor.revisions {
        bail!("{}: the report counts {total_edits} edits, the wikis hold {}", workload.name, floor.revisions);
    }
    Ok(())
}

/// Time `campaign_report` on the store, in process; return the median.
fn reaggregate(database: &Path, name: &str, repeats: usize) -> Result<Duration> {
    let store = Store::open(database).with_context(|| format!("cannot open {}", database.display()))?;
    let stored = store.campaign(name)?;
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let start = Instant::now();
        let report = campaign_report(&store, &stored, now_seconds())?;
        times.push(start.elapsed());
        std::hint::black_box(report);
    }
    Ok(median(times))
}

fn config_toml(database: &Path, plugin_cache: &Path) -> String {
    format!(
        "contact = \"wikidash-bench@example.org\"\ndatabase = {}\n\n[plugins]\ncache_folder = {}\n",
        quote(&database.display().to_string()),
        quote(&plugin_cache.display().to_string())
    )
}

fn campaign_toml(workload: &Workload, wikis: &[SyntheticWiki]) -> String {
    let last_day = workload.start + chrono::Days::new(u64::from(workload.days) - 1);
    let urls: Vec<String> = wikis.iter().map(|wiki| quote(&wiki.api_url())).collect();
    let mut text = format!(
        "name = {}\nwikis = [{}]\nstart = {}\nend = {last_day}\ntime_zone = \"UTC\"\nnamespaces = [0]\nparticipants = [\n",
        quote(workload.name),
        urls.join(", "),
        workload.start,
    );
    for index in 1..=workload.participants {
        let _ = writeln!(text, "  {},", quote(&participant_name(index)));
    }
    text.push_str("]\n");
    text
}

/// A TOML basic string: JSON's escaping is valid TOML.
fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
