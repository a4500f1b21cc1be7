//! Running the `wikidash` command line as a child process, with its own database and
//! configuration in a temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::mediawiki::workspace_root;

/// Configuration for tests: fast retries so fault tests take milliseconds, and a shared cache
/// of compiled plugins so each run skips Cranelift.
const TEST_CONFIG: &str = r#"
contact = "wikidash-tests@example.org"

[http]
backoff_seconds = 0.05
max_wait_seconds = 2
timeout_seconds = 10
max_retries = 3
"#;

/// One isolated wikidash installation: a database and a configuration file.
pub struct Wikidash {
    dir: tempfile::TempDir,
    binary: PathBuf,
}

impl Wikidash {
    /// Create a fresh installation with the test configuration plus `extra_config`, TOML
    /// appended to it (e.g. `[sync]\nusers_per_request = 1`).
    pub fn new(extra_config: &str) -> Wikidash {
        let dir = tempfile::Builder::new().prefix("wikidash-test-").tempdir().expect("creating a temporary folder");
        let cache = workspace_root().join("target").join("test-component-cache");
        let config =
            format!("{TEST_CONFIG}\n[plugins]\ncache_folder = {:?}\n{extra_config}\n", cache.display().to_string());
        std::fs::write(dir.path().join("config.toml"), config).expect("writing the test configuration");
        Wikidash { dir, binary: binary_path() }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("wikidash.redb")
    }

    /// Build a command for the binary with this installation's database and configuration.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--db")
            .arg(self.db_path())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .env_remove("WIKIDASH_DB")
            .env_remove("WIKIDASH_CONFIG")
            .env_remove("WIKIDASH_CONTACT")
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1");
        command
    }

    /// Run the binary and return its output, whatever its exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("running the wikidash binary")
    }

    /// Run the binary, require success, and return its standard output.
    pub fn run_ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "wikidash {args:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("wikidash prints UTF-8")
    }

    /// Create a campaign from TOML text.
    pub fn create_campaign(&self, toml: &str) -> String {
        let path = self.dir.path().join("campaign.toml");
        std::fs::write(&path, toml).expect("writing the campaign file");
        self.run_ok(&["campaign", "create", path.to_str().expect("UTF-8 path")])
    }

    /// `wikidash report CAMPAIGN --json`, parsed.
    pub fn report(&self, campaign: &str) -> serde_json::Value {
        let text = self.run_ok(&["report", campaign, "--json"]);
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("report --json is not JSON ({error}):\n{text}"))
    }
}

/// Return the example campaign file with its wiki URL pointed at `api_url`.
pub fn example_campaign(api_url: &str) -> String {
    let path = workspace_root().join("examples").join("seed-editathon.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let replaced = text.replace("http://127.0.0.1:8765/api.php", api_url);
    assert_ne!(replaced, text, "the example campaign no longer names http://127.0.0.1:8765/api.php");
    replaced
}

/// Return the path of the `wikidash-e2e` binary cargo built next to the running test
/// executable (`target/<profile>/deps/<test>` → `target/<profile>/wikidash-e2e`).
fn binary_path() -> PathBuf {
    if let Ok(path) = std::env::var("WIKIDASH_E2E_BIN") {
        return PathBuf::from(path);
    }
    let test_executable = std::env::current_exe().expect("locating the test executable");
    let profile_dir =
        test_executable.parent().and_then(Path::parent).expect("the test executable lives in target/<profile>/deps");
    let binary = profile_dir.join("wikidash-e2e");
    assert!(
        binary.exists(),
        "{} is missing; run the tests with `cargo test -p wikidash-tests`, which builds it",
        binary.display()
    );
    binary
}
