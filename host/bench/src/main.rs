//! `wikidash-bench`: syncs the synthetic workloads with the wikidash binary built next to this
//! one, prints each workload's figures and the native-against-component comparison, and writes
//! them all to a JSON results file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Serialize;
use wikidash_bench::machine::Machine;
use wikidash_bench::parse::{self, ParseFigures};
use wikidash_bench::synthetic::{W1, W2, W3, Workload};
use wikidash_bench::workload::{self, Setup, WorkloadFigures};

#[derive(Parser)]
#[command(about = "Measure wikidash against the synthetic workloads")]
struct Args {
    /// Workloads to run: w1, w2, w3 (default: all three)
    #[arg(long = "workload", value_name = "NAME")]
    workloads: Vec<String>,
    /// The wikidash binary (default: `wikidash` next to this program)
    #[arg(long)]
    wikidash: Option<PathBuf>,
    /// Folder for databases and the results (default: `bench` in the cargo target folder)
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Runs of each repeated timing; the median is reported
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Rounds of the native-against-component comparison
    #[arg(long, default_value_t = 100)]
    parse_rounds: usize,
    /// Only start the first selected workload's wikis and write its campaign and config files,
    /// then wait (until interrupted) so wikidash can be run or profiled by hand
    #[arg(long)]
    serve: bool,
}

#[derive(Serialize)]
struct Results {
    wikidash_version: &'static str,
    profile: &'static str,
    machine: Machine,
    workloads: Vec<WorkloadFigures>,
    parse: ParseFigures,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let workloads = selected(&args.workloads)?;
    let here = std::env::current_exe().context("cannot find this program's path")?;
    let bin_dir = here.parent().context("this program has no folder")?;
    let wikidash = args.wikidash.clone().unwrap_or_else(|| bin_dir.join("wikidash"));
    if !wikidash.is_file() {
        bail!(
            "no wikidash binary at {}; build it in the same profile first (`cargo build --release -p wikidash-cli`, \
             which `just bench` does) or pass --wikidash PATH",
            wikidash.display()
        );
    }
    let work_dir = args.work_dir.clone().unwrap_or_else(|| bin_dir.parent().unwrap_or(bin_dir).join("bench"));
    std::fs::create_dir_all(&work_dir).with_context(|| format!("cannot create {}", work_dir.display()))?;
    // The configuration files written here name the database by this path, and wikidash reads
    // relative paths in a configuration file as relative to that file, so make it absolute.
    let work_dir = std::path::absolute(&work_dir)
        .with_context(|| format!("cannot make the work folder {} absolute", work_dir.display()))?;
    let plugin_cache = work_dir.join("plugin-cache");
    let machine = Machine::describe();
    println!(
        "wikidash-bench ({} build) on {} ({} cores, {} MiB), {}",
        profile(),
        machine.cpu,
        machine.cores,
        machine.memory_mib,
        machine.os
    );

    if args.serve {
        return serve(&workloads[0], &wikidash, &work_dir.join(workloads[0].name), &plugin_cache);
    }

    let mut figures = Vec::new();
    for workload in &workloads {
        eprintln!("running {} …", workload.name);
        let setup = Setup {
            wikidash: &wikidash,
            work_dir: work_dir.join(workload.name),
            plugin_cache: &plugin_cache,
            repeats: args.repeats.max(1),
        };
        let result = workload::measure(workload, &setup)?;
        print_workload(&result);
        figures.push(result);
    }

    eprintln!("comparing the revisions importer natively and as a component …");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let parse = runtime.block_on(parse::measure(args.parse_rounds.max(1), &plugin_cache))?;
    print_parse(&parse);

    let results =
        Results { wikidash_version: env!("CARGO_PKG_VERSION"), profile: profile(), machine, workloads: figures, parse };
    let out = work_dir.join("results.json");
    write_results(&out, &results)?;
    println!("\nresults written to {}", out.display());
    Ok(())
}

fn serve(workload: &Workload, wikidash: &Path, dir: &Path, plugin_cache: &Path) -> Result<()> {
    let served = workload::prepare(workload, wikidash, dir, plugin_cache)?;
    println!(
        "{} is served by {} synthetic wiki(s); the campaign is created in {}.",
        workload.name,
        served.wikis.len(),
        dir.display()
    );
    println!("Try:\n  {} --config {} sync {}", wikidash.display(), served.config.display(), workload.name);
    println!("Press Ctrl-C to stop the wikis.");
    loop {
        std::thread::park();
    }
}

fn selected(names: &[String]) -> Result<Vec<Workload>> {
    if names.is_empty() {
        return Ok(vec![W1, W2, W3]);
    }
    names
        .iter()
        .map(|name| match name.to_ascii_lowercase().as_str() {
            "w1" => Ok(W1),
            "w2" => Ok(W2),
            "w3" => Ok(W3),
            other => bail!("unknown workload {other:?}; choose w1, w2 or w3"),
        })
        .collect()
}

fn profile() -> &'static str {
    if cfg!(debug_assertions) { "debug" } else { "release" }
}

fn print_workload(figures: &WorkloadFigures) {
    let first = &figures.first_sync;
    let resync = &figures.resync;
    println!(
        "\n{} — {} participants, {} wiki(s), {} days: {} revisions on {} pages",
        figures.workload, figures.participants, figures.wikis, figures.days, figures.revisions, figures.distinct_pages
    );
    println!(
        "  requests          {:>10}  floor {} (users {}, contributions {}, info {})  ratio {:.3}  (target ≤ 1.05)",
        first.requests,
        figures.floor.total,
        figures.floor.users,
        figures.floor.contributions,
        figures.floor.info,
        first.floor_ratio
    );
    println!(
        "  first sync        {:>10.2} s   {:.0} revisions/s   peak RSS {:.1} MiB   CPU: wikidash {:.1} s, wikis {:.1} s",
        first.seconds, first.revisions_per_second, first.peak_rss_mib, first.cpu_seconds, first.wikis_cpu_seconds
    );
    println!(
        "  re-sync           {:>10.2} s   requests {} (expected ≈ {})   peak RSS {:.1} MiB",
        resync.seconds, resync.requests, figures.resync_expected_requests, resync.peak_rss_mib
    );
    println!("  re-aggregation    {:>10.1} ms  (in process, no network)", figures.reaggregate_ms);
    println!(
        "  report, first     {:>10.1} ms  (builds the report and keeps the tables)   peak RSS {:.1} MiB",
        figures.report_first_ms, figures.report_peak_rss_mib
    );
    println!(
        "  report cold start {:>10.1} ms  (target ≤ 150 on W2; reuses the kept tables)   database {:.1} MiB",
        figures.report_cold_start_ms, figures.database_mib
    );
}

fn print_parse(figures: &ParseFigures) {
    println!(
        "\nrevisions importer, one usercontribs page of {} revisions (median of {}):",
        figures.revisions_per_page, figures.iterations
    );
    println!("  fetch only        {:>8.3} ms", figures.fetch_ms);
    println!("  native            {:>8.3} ms", figures.native_ms);
    println!("  component         {:>8.3} ms", figures.component_ms);
    println!("  component fetch   {:>8.3} ms  (a guest that only fetches the page)", figures.component_fetch_ms);
    println!("  empty call        {:>8.3} ms  (instance, call and error; no HTTP, no parsing)", figures.empty_call_ms);
    println!(
        "  component/native  {:>8.3}     (target ≤ 1.3); without the fetch {:.3}",
        figures.ratio, figures.parse_only_ratio
    );
}

fn write_results(path: &Path, results: &Results) -> Result<()> {
    let text = serde_json::to_string_pretty(results)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}
