//! A real MediaWiki 1.39 (Debian package, SQLite, PHP's built-in server) on 127.0.0.1 for
//! end-to-end tests.
//!
//! [`template_dir`] finds or builds the seeded template wiki with
//! `scripts/mediawiki/mw-template.sh`. [`MediaWiki::start`] copies the template into a fresh
//! directory and serves it with `php -S` on a port the kernel chooses. Each instance is
//! independent, so a test may change its wiki (see [`MediaWiki::maintenance`]) without affecting
//! other tests. Starting fails with a panic that names what to install or run, so these tests never
//! skip silently.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Where the Debian package installs MediaWiki; `php -S` serves this directory.
pub const DOCROOT: &str = "/usr/share/mediawiki";
/// Environment variable naming a prebuilt template directory (it must contain `.complete`).
pub const TEMPLATE_ENV: &str = "MEDIAWIKI_TEMPLATE";
/// File that `mw-template.sh` writes last into a finished template.
const COMPLETE_MARKER: &str = ".complete";
/// Time allowed for `php -S` to print its port and for siteinfo to return HTTP 200.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// Time allowed for one HTTP request while waiting for the wiki to start.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const SITEINFO_PATH: &str = "/api.php?action=query&meta=siteinfo&format=json";
const STARTUP_LINE_PREFIX: &str = "Development Server (http://127.0.0.1:";

const INSTALL_HINT: &str = "install MediaWiki with `scripts/mediawiki/mw-install.sh` (as root), \
     or run the tests with `./scripts/test`, which installs it";

/// Watcher that shares the server's process group. When its stdin reaches end of file, it kills
/// php (`$2`), removes the run directory (`$1`) and kills the rest of the group. The test process
/// keeps the write end, so a test process that dies without running `Drop` (SIGKILL, or Ctrl-C,
/// whose SIGINT does not reach this process group) still stops its server and removes its files.
const WATCHER_SCRIPT: &str = r#"read -r line; kill -KILL "$2"; rm -rf -- "$1"; kill -KILL 0"#;

/// A running copy of the seeded template wiki. Dropping it kills the server's process group and
/// removes the run directory.
pub struct MediaWiki {
    run_dir: tempfile::TempDir,
    /// `php -S`, leader of its own process group.
    server: Child,
    /// `sh` running [`WATCHER_SCRIPT`] in the server's process group, with stdin piped.
    watcher: Option<Child>,
    port: u16,
}

impl MediaWiki {
    /// Starts a fresh copy of the seeded template wiki on 127.0.0.1 with a kernel-chosen port.
    /// Panics with the failure and the command to fix it when MediaWiki is not installed, the
    /// template cannot be built, or the server does not respond within 20 s.
    pub fn start() -> MediaWiki {
        require_installation();
        let template = template_dir();

        let run_dir = tempfile::Builder::new()
            .prefix("wikidash-mediawiki-")
            .tempdir_in(run_parent_dir())
            .unwrap_or_else(|error| panic!("failed to create a MediaWiki run directory: {error}"));
        copy_dir(&template, run_dir.path()).unwrap_or_else(|error| {
            panic!(
                "failed to copy the MediaWiki template {} to {}: {error}",
                template.display(),
                run_dir.path().display()
            )
        });

        let log_path = run_dir.path().join("server.log");
        let log =
            File::create(&log_path).unwrap_or_else(|error| panic!("failed to create {}: {error}", log_path.display()));
        let log_for_stderr = log
            .try_clone()
            .unwrap_or_else(|error| panic!("failed to duplicate the handle of {}: {error}", log_path.display()));
        let server = Command::new("php")
            .arg("-S")
            .arg("127.0.0.1:0")
            .arg("-t")
            .arg(DOCROOT)
            .arg(router_path())
            .env("MW_CONFIG_FILE", run_dir.path().join("LocalSettings.php"))
            .env("MW_RUN_DIR", run_dir.path())
            // One php process serves every request. Workers would outlive a kill of the master.
            .env_remove("PHP_CLI_SERVER_WORKERS")
            .env_remove("MW_FAKE_TIME")
            // Without MW_SERVER, $wgServer follows the Host header of each request.
            .env_remove("MW_SERVER")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_for_stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("failed to start php -S: {error}. To fix it, {INSTALL_HINT}."));

        // From here on, a panic drops `wiki`, which kills the server and removes the run directory.
        let mut wiki = MediaWiki { run_dir, server, watcher: None, port: 0 };
        let process_group = wiki.server.id() as i32;
        let watcher = Command::new("sh")
            .arg("-c")
            .arg(WATCHER_SCRIPT)
            .arg("wikidash-mediawiki-watcher")
            .arg(wiki.run_dir.path())
            .arg(process_group.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(process_group)
            .spawn()
            .unwrap_or_else(|error| panic!("failed to start the `sh` watcher of php -S: {error}"));
        wiki.watcher = Some(watcher);

        let deadline = Instant::now() + START_TIMEOUT;
        wiki.port = wiki.wait_for_port(deadline);
        wiki.wait_for_siteinfo(deadline);
        wiki
    }

    /// Returns the URL of api.php, e.g. `"http://127.0.0.1:40123/api.php"`.
    pub fn api_url(&self) -> String {
        format!("{}/api.php", self.base_url())
    }

    /// Returns the server's URL without a trailing slash, e.g. `"http://127.0.0.1:40123"`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Returns the TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Returns this wiki's directory: `LocalSettings.php`, `db/`, `images/`, `cache/` and
    /// `server.log`.
    pub fn run_dir(&self) -> &Path {
        self.run_dir.path()
    }

    /// Returns the id of the server's process group, which `Drop` kills.
    pub fn process_group_id(&self) -> u32 {
        self.server.id()
    }

    /// Returns the server's log: the startup line and one line per request.
    pub fn server_log(&self) -> String {
        fs::read_to_string(self.run_dir().join("server.log")).unwrap_or_default()
    }

    /// Runs a maintenance script against this wiki's copy and returns its output. `script` is a
    /// file name in `/usr/share/mediawiki/maintenance` (e.g. `"deleteBatch.php"`) or an absolute
    /// path. `fake_time` (`YYYYMMDDHHMMSS`) runs the script at that time through `MW_FAKE_TIME`,
    /// which the template's LocalSettings.php passes to `ConvertibleTimestamp::setFakeTime`.
    /// The caller checks the exit status. Panics when `fake_time` is malformed or php cannot start.
    pub fn maintenance(&self, script: &str, args: &[&str], fake_time: Option<&str>) -> Output {
        self.maintenance_with_stdin(script, args, fake_time, b"")
    }

    /// Runs a maintenance script like [`MediaWiki::maintenance`] with `stdin` as its standard
    /// input, for scripts that read a list from stdin when no file is given (e.g. deleteBatch.php).
    pub fn maintenance_with_stdin(&self, script: &str, args: &[&str], fake_time: Option<&str>, stdin: &[u8]) -> Output {
        let script_path = if Path::new(script).is_absolute() {
            PathBuf::from(script)
        } else {
            Path::new(DOCROOT).join("maintenance").join(script)
        };
        let mut command = Command::new("php");
        command
            .arg(&script_path)
            .args(args)
            .env("MW_CONFIG_FILE", self.run_dir().join("LocalSettings.php"))
            .env("MW_RUN_DIR", self.run_dir())
            .env("MW_SERVER", self.base_url())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match fake_time {
            Some(time) => {
                assert!(
                    time.len() == 14 && time.bytes().all(|byte| byte.is_ascii_digit()),
                    "invalid fake_time {time:?}: expected YYYYMMDDHHMMSS, e.g. \"20240101120000\""
                );
                command.env("MW_FAKE_TIME", time);
            }
            None => {
                command.env_remove("MW_FAKE_TIME");
            }
        }

        let mut child =
            command.spawn().unwrap_or_else(|error| panic!("failed to start php {}: {error}", script_path.display()));
        let mut child_stdin = child.stdin.take().expect("stdin is piped");
        // A script that exits without reading stdin closes the pipe, so a write error is ignored:
        // the exit status and stderr in the output show what happened.
        let _ = child_stdin.write_all(stdin);
        drop(child_stdin);
        child
            .wait_with_output()
            .unwrap_or_else(|error| panic!("failed to wait for php {}: {error}", script_path.display()))
    }

    /// Waits for php's startup line in the log and returns the port it names.
    fn wait_for_port(&mut self, deadline: Instant) -> u16 {
        loop {
            let log = self.server_log();
            if let Some(port) = parse_startup_port(&log) {
                return port;
            }
            self.panic_if_exited("before it printed its port");
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {START_TIMEOUT:?} waiting for php -S to print its port; \
                     last lines of {}:\n{}",
                    self.run_dir().join("server.log").display(),
                    last_lines(&log, 20)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls siteinfo until it returns HTTP 200 with JSON that names the site.
    fn wait_for_siteinfo(&mut self, deadline: Instant) {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            let last_response = match http_get(address, SITEINFO_PATH, PROBE_TIMEOUT) {
                Ok((200, body)) if body_has_sitename(&body) => return,
                Ok((status, body)) => {
                    format!("HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(500)]))
                }
                Err(error) => format!("request failed: {error}"),
            };
            self.panic_if_exited("before siteinfo responded");
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {START_TIMEOUT:?} waiting for HTTP 200 from {}{SITEINFO_PATH}; \
                     last response: {last_response}; last lines of {}:\n{}",
                    self.base_url(),
                    self.run_dir().join("server.log").display(),
                    last_lines(&self.server_log(), 20)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn panic_if_exited(&mut self, when: &str) {
        if let Ok(Some(status)) = self.server.try_wait() {
            panic!(
                "php -S exited ({status}) {when}; last lines of {}:\n{}\n\
                 If MediaWiki or PHP is broken, {INSTALL_HINT}.",
                self.run_dir().join("server.log").display(),
                last_lines(&self.server_log(), 20)
            );
        }
    }
}

impl Drop for MediaWiki {
    fn drop(&mut self) {
        let process_group = self.server.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid only sends a signal to that process group; it
        // touches no memory of this process. The group is the one created for this server.
        let result = unsafe { libc::kill(-process_group, libc::SIGKILL) };
        if result != 0 {
            let error = io::Error::last_os_error();
            // ESRCH: the group has already exited.
            if error.raw_os_error() != Some(libc::ESRCH) {
                eprintln!("failed to kill MediaWiki process group {process_group}: {error}");
            }
        }
        if let Err(error) = self.server.wait() {
            eprintln!("failed to wait for php -S (pid {process_group}): {error}");
        }
        if let Some(watcher) = self.watcher.as_mut()
            && let Err(error) = watcher.wait()
        {
            eprintln!("failed to wait for the watcher of php -S (pid {}): {error}", watcher.id());
        }
        // The TempDir field removes the run directory after this.
    }
}

/// Returns the seeded template directory, building it on first use.
///
/// With `MEDIAWIKI_TEMPLATE` set, that directory is used as it is and must contain `.complete`.
/// Otherwise the template is `<workspace>/target/mediawiki-template`, built by
/// `scripts/mediawiki/mw-template.sh` when its `.complete` is missing or older than the seed or
/// a build script. An exclusive lock on
/// `target/mediawiki-template.lock` keeps test processes that run in parallel from building it
/// twice. Panics when the template is missing and cannot be built.
pub fn template_dir() -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(find_or_build_template).clone()
}

/// Returns the workspace root, the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate lies inside the workspace").to_path_buf()
}

fn find_or_build_template() -> PathBuf {
    if let Some(dir) = std::env::var_os(TEMPLATE_ENV).filter(|value| !value.is_empty()) {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join(COMPLETE_MARKER).is_file(),
            "{TEMPLATE_ENV}={} is not a finished MediaWiki template: {} is missing. \
             Build it with `scripts/mediawiki/mw-template.sh {}`, or unset {TEMPLATE_ENV} to use \
             target/mediawiki-template.",
            dir.display(),
            dir.join(COMPLETE_MARKER).display(),
            dir.display()
        );
        return dir;
    }

    let target = workspace_root().join("target");
    let dir = target.join("mediawiki-template");
    if template_is_current(&dir) {
        return dir;
    }

    require_installation();
    fs::create_dir_all(&target).unwrap_or_else(|error| panic!("failed to create {}: {error}", target.display()));
    let lock_path = target.join("mediawiki-template.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|error| panic!("failed to open {}: {error}", lock_path.display()));
    lock.lock().unwrap_or_else(|error| panic!("failed to lock {}: {error}", lock_path.display()));
    // Another process may have finished the build while this one waited for the lock.
    if !template_is_current(&dir) {
        build_template(&dir);
    }
    drop(lock);
    dir
}

/// Files under `scripts/mediawiki` that shape the template's contents; `router.php` only
/// serves it and is not listed.
const TEMPLATE_INPUTS: [&str; 4] = ["mw-template.sh", "seed.xml", "LocalSettings.overrides.php", "make-pngs.php"];

/// Returns true when `dir/.complete` exists and is newer than every template input, so a
/// changed seed or build script triggers a rebuild of the default template.
fn template_is_current(dir: &Path) -> bool {
    let Ok(built) = fs::metadata(dir.join(COMPLETE_MARKER)).and_then(|marker| marker.modified()) else {
        return false;
    };
    let scripts = workspace_root().join("scripts/mediawiki");
    TEMPLATE_INPUTS.iter().all(|input| {
        fs::metadata(scripts.join(input)).and_then(|metadata| metadata.modified()).is_ok_and(|changed| changed <= built)
    })
}

fn build_template(dir: &Path) {
    let script = workspace_root().join("scripts/mediawiki/mw-template.sh");
    let started = Instant::now();
    let output = Command::new("bash")
        .arg(&script)
        .arg(dir)
        .env_remove("MW_FAKE_TIME")
        .env_remove("MW_CONFIG_FILE")
        .output()
        .unwrap_or_else(|error| panic!("failed to run bash {}: {error}", script.display()));
    if !output.status.success() {
        panic!(
            "building the MediaWiki template with `{} {}` failed ({}):\n{}{}\n\
             If MediaWiki is missing or broken, {INSTALL_HINT}.",
            script.display(),
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        dir.join(COMPLETE_MARKER).is_file(),
        "{} exited 0 but {} is missing",
        script.display(),
        dir.join(COMPLETE_MARKER).display()
    );
    eprintln!("built the MediaWiki template {} in {:.1} s", dir.display(), started.elapsed().as_secs_f64());
}

/// Panics with install instructions unless MediaWiki's api.php and a working `php` exist.
fn require_installation() {
    let api = Path::new(DOCROOT).join("api.php");
    assert!(api.is_file(), "MediaWiki is not installed: {} is missing. To fix it, {INSTALL_HINT}.", api.display());
    let php = Command::new("php").arg("--version").output();
    match php {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "`php --version` failed ({}): {}. To fix it, {INSTALL_HINT}.",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!("PHP is not installed: running `php` failed: {error}. To fix it, {INSTALL_HINT}."),
    }
}

fn router_path() -> PathBuf {
    workspace_root().join("scripts/mediawiki/router.php")
}

/// Returns /dev/shm when it is a directory (tmpfs makes SQLite's fsyncs free), else the
/// system temporary directory.
fn run_parent_dir() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() }
}

/// Copies a directory tree: files, directories and symbolic links.
fn copy_dir(source: &Path, destination: &Path) -> io::Result<()> {
    fs::create_dir_all(destination)?;
    for entry in fs::read_dir(source)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let target = destination.join(entry.file_name());
        if file_type.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if file_type.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Finds the port in php's startup line, e.g.
/// `[Thu Jan  1 00:00:00 2026] PHP 8.2.31 Development Server (http://127.0.0.1:46583) started`.
fn parse_startup_port(log: &str) -> Option<u16> {
    let start = log.find(STARTUP_LINE_PREFIX)? + STARTUP_LINE_PREFIX.len();
    let rest = &log[start..];
    let end = rest.find(')')?;
    rest[..end].parse().ok()
}

fn body_has_sitename(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| json["query"]["general"]["sitename"].as_str().map(str::to_owned))
        .is_some()
}

/// Sends an HTTP/1.0 GET and returns the status and body; the server closes the connection
/// after the body.
pub fn http_get(address: SocketAddr, path_and_query: &str, timeout: Duration) -> io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET {path_and_query} HTTP/1.0\r\nHost: {address}\r\nUser-Agent: wikidash-tests\r\n\r\n")?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;

    let head_end = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "response has no end of headers"))?;
    let status_line = String::from_utf8_lossy(&response[..head_end]);
    let status =
        status_line.split_whitespace().nth(1).and_then(|code| code.parse().ok()).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, format!("invalid status line in {status_line:?}"))
        })?;
    Ok((status, response[head_end + 4..].to_vec()))
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}
