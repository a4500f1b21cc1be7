//! A plugin that misbehaves on purpose, one job kind per misdeed, so the host's sandbox tests
//! can check that each fails only its own job.
//!
//! Job kinds: `loop` (spins forever), `memory-bomb` (allocates until memory runs out), `panic`,
//! `fetch` (fetches the URL in option `url`, to test allowed hosts and timeouts), `log-flood`
//! (writes the number of log lines in option `lines`), and `echo` (behaves: returns one
//! `site` item named after option `name`).

use std::hint::black_box;

use wikidash_plugin_sdk::{
    API_VERSION, Guest, ImportError, Item, Job, LogLevel, Output, PluginInfo, SiteInfo, export_plugin, http,
    job_option, log,
};

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "misbehave".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["campaign-wikis".into()],
            job_kinds: ["loop", "memory-bomb", "panic", "fetch", "log-flood", "echo"].map(String::from).to_vec(),
            description: "Misbehaves on purpose; for sandbox tests only".into(),
        }
    }

    fn run(job: Job, _cursor: Option<String>) -> Result<Output, ImportError> {
        match job.kind.as_str() {
            "loop" => spin_forever(),
            "memory-bomb" => exhaust_memory(),
            "panic" => panic!("misbehave panicked on purpose in job {}", job.wiki),
            "fetch" => fetch(&job),
            "log-flood" => log_flood(&job),
            "echo" => Ok(echo(&job)),
            other => Err(ImportError::InvalidJob(format!("unknown job kind {other:?}"))),
        }
    }
}

export_plugin!(Plugin);

fn spin_forever() -> ! {
    let mut counter: u64 = 0;
    loop {
        counter = black_box(counter.wrapping_add(1));
    }
}

fn exhaust_memory() -> ! {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every block so the pages are really used.
        blocks.push(vec![1u8; 1 << 20]);
        black_box(&blocks);
    }
}

fn fetch(job: &Job) -> Result<Output, ImportError> {
    let url = job_option(job, "url").ok_or_else(|| ImportError::InvalidJob("fetch needs option url".into()))?;
    let response = http::get(url)?;
    let name = format!("HTTP {} with {} bytes", response.status, response.body.len());
    Ok(Output { items: vec![Item::Site(site(name))], next_cursor: None })
}

fn log_flood(job: &Job) -> Result<Output, ImportError> {
    let lines: u32 = job_option(job, "lines").and_then(|text| text.parse().ok()).unwrap_or(1000);
    for line in 0..lines {
        log(LogLevel::Info, &format!("log line {line}"));
    }
    Ok(Output { items: Vec::new(), next_cursor: None })
}

fn echo(job: &Job) -> Output {
    let name = job_option(job, "name").unwrap_or("echo").to_string();
    Output { items: vec![Item::Site(site(name))], next_cursor: None }
}

fn site(name: String) -> SiteInfo {
    SiteInfo {
        sitename: name,
        generator: "misbehave".into(),
        lang: "en".into(),
        first_letter_case: true,
        namespaces: Vec::new(),
        extensions: Vec::new(),
    }
}
