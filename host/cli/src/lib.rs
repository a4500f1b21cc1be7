//! The `wikidash` command line: argument parsing, configuration, and one module per
//! subcommand. `main` resolves the arguments and the configuration file into [`Settings`]
//! once, then hands them to the subcommand.

mod args;
mod commands;
mod config;
mod output;
mod progress;
mod runtime;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

pub use args::Args;
pub use config::Settings;

/// Run the command line with the process arguments.
pub fn main() -> ExitCode {
    restore_default_sigpipe();
    let args = Args::parse();
    init_tracing();
    match run(args) {
        Ok(status) => status,
        Err(error) => {
            // stderr may be closed too; there is nowhere left to report that.
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Let a closed output pipe (`wikidash report --csv daily | head`) end the process quietly, as
/// it does for other command-line tools, instead of making every print fail.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread starts, and SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(&args)?;
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    tokio.block_on(commands::dispatch(args.command, settings))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
