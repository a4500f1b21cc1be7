//! The `wikidash` binary; everything lives in the library so tests can run the same code.

fn main() -> std::process::ExitCode {
    wikidash_cli::main()
}
