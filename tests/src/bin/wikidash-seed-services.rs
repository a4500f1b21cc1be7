//! Serve the Wikimedia services of the seeded test wiki on 127.0.0.1, for `scripts/demo`.
//!
//! Usage: `wikidash-seed-services WIKI_BASE_URL CONFIG_FILE`. Starts the stand-ins of
//! `wikidash_tests::services` in front of the wiki at WIKI_BASE_URL (`http://127.0.0.1:PORT`),
//! writes a wikidash configuration whose `[http.rewrite]` section points at them to
//! CONFIG_FILE, and serves until its standard input closes.

use std::io::Read;
use std::process::ExitCode;

use wikidash_tests::services::SeedServices;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [wiki, config_file] = arguments.as_slice() else {
        eprintln!("usage: wikidash-seed-services WIKI_BASE_URL CONFIG_FILE");
        return ExitCode::from(2);
    };
    let seed = SeedServices::start(wiki);
    let config = format!("contact = \"wikidash-demo@example.org\"\n\n{}", seed.config());
    if let Err(error) = std::fs::write(config_file, config) {
        eprintln!("cannot write {config_file}: {error}");
        return ExitCode::FAILURE;
    }
    eprintln!("wikidash-seed-services: serving; the configuration is in {config_file}");
    // Serve until whoever started us closes our standard input (or exits).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    ExitCode::SUCCESS
}
