//! The `wikidash` command line: argument parsing, configuration, and one module per
//! subcommand. `main` resolves the arguments and the configuration file into [`Settings`]
//! once, then hands them to the subcommand.

mod args;
mod commands;
mod config;
mod output;
mod progress;
mod runtime;

use std::process::ExitCode;

use clap::Parser;

pub use args::Args;
pub use config::Settings;

/// Run the command line with the process arguments.
pub fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing();
    match run(args) {
        Ok(status) => status,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
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
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
