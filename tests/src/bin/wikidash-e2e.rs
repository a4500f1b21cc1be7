//! The `wikidash` command line, for the end-to-end tests to run as a child process.

fn main() -> std::process::ExitCode {
    wikidash_cli::main()
}
