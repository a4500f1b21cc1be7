//! Settings: the configuration file and command-line options, resolved and checked once.
//!
//! The file is TOML, by default `config.toml` in the user's config folder (on Linux
//! `~/.config/wikidash/config.toml`); every key is optional. `docs/configuration.md` lists
//! them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use directories::ProjectDirs;
use serde::Deserialize;
use wikidash_net::Rewrite;
use wikidash_policy::Etiquette;
use wikidash_runtime::RuntimeConfig;
use wikidash_sync::SyncSettings;

use crate::args::Args;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Email address or URL sent in the User-Agent.
    contact: Option<String>,
    /// Database file.
    database: Option<PathBuf>,
    #[serde(default)]
    http: HttpSection,
    #[serde(default)]
    plugins: PluginSection,
    #[serde(default)]
    sync: SyncSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpSection {
    /// URL prefixes sent elsewhere: a mirror, or a local test service.
    #[serde(default)]
    rewrite: std::collections::BTreeMap<String, String>,
    maxlag: Option<u32>,
    max_retries: Option<u32>,
    backoff_seconds: Option<f64>,
    max_wait_seconds: Option<f64>,
    timeout_seconds: Option<f64>,
    max_response_mib: Option<u64>,
    max_connections: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginSection {
    memory_mib: Option<usize>,
    cpu_seconds: Option<f64>,
    timeout_seconds: Option<f64>,
    /// Extra plugin components (`*.wasm`); one serving a built-in job kind replaces it.
    folder: Option<PathBuf>,
    /// Folder of the compiled-plugin cache.
    cache_folder: Option<PathBuf>,
    /// Plugin calls running at once.
    concurrent_calls: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncSection {
    users_per_request: Option<usize>,
    results_per_request: Option<u32>,
    pages_per_request: Option<usize>,
    /// Hours before a page's title, redirect and deletion status are looked up again.
    page_recheck_hours: Option<f64>,
    /// Hours before an account's registration is looked up again.
    account_recheck_hours: Option<f64>,
    /// Hours before a category, template, PetScan or article-list scope is fetched again.
    scope_refresh_hours: Option<f64>,
    /// Count references added with the reference-counter service.
    count_references: Option<bool>,
    /// Fetch articles' daily views from the pageviews API.
    fetch_views: Option<bool>,
}

/// Everything a command needs to know about where things are and how to behave.
#[derive(Clone, Debug)]
pub struct Settings {
    pub db_path: PathBuf,
    pub etiquette: Etiquette,
    pub rewrites: Vec<Rewrite>,
    pub runtime: RuntimeConfig,
    pub sync: SyncSettings,
    pub plugin_folder: Option<PathBuf>,
}

impl Settings {
    /// Read the configuration file (if any) and apply the command-line options over it.
    pub fn resolve(args: &Args) -> anyhow::Result<Settings> {
        let dirs = ProjectDirs::from("org", "wikidash", "wikidash");
        let path = match &args.config {
            Some(path) => Some(path.clone()),
            None => dirs.as_ref().map(|dirs| dirs.config_dir().join("config.toml")).filter(|path| path.exists()),
        };
        match &path {
            Some(path) => {
                let file = read_config(path)?;
                Self::from_file(args, dirs.as_ref(), file, path.parent().map(Path::to_path_buf))
                    .with_context(|| format!("in the configuration file {}", path.display()))
            }
            None => Self::from_file(args, dirs.as_ref(), ConfigFile::default(), None),
        }
    }

    fn from_file(
        args: &Args,
        dirs: Option<&ProjectDirs>,
        file: ConfigFile,
        base: Option<PathBuf>,
    ) -> anyhow::Result<Settings> {
        let relative_to = |path: PathBuf| match (&base, path.is_relative()) {
            (Some(base), true) => base.join(path),
            _ => path,
        };

        let db_path = match (&args.db, file.database.clone()) {
            (Some(path), _) => path.clone(),
            (None, Some(path)) => relative_to(path),
            (None, None) => dirs
                .map(|dirs| dirs.data_dir().join("wikidash.redb"))
                .context("cannot find the user's data folder (no HOME?); pass --db PATH")?,
        };

        let contact = args.contact.clone().or(file.contact.clone()).filter(|contact| !contact.trim().is_empty());
        let etiquette = etiquette(&file.http, contact)?;
        let cache_dir = file
            .plugins
            .cache_folder
            .clone()
            .map(relative_to)
            .or_else(|| dirs.map(|dirs| dirs.cache_dir().join("components")));
        let defaults = RuntimeConfig::default();
        let runtime = RuntimeConfig {
            memory_limit_bytes: match file.plugins.memory_mib {
                Some(mib) if mib < 16 => {
                    bail!("[plugins] memory_mib = {mib} is too little for a plugin; use at least 16")
                }
                Some(mib) => mib * 1024 * 1024,
                None => defaults.memory_limit_bytes,
            },
            cpu_budget: positive_seconds("plugins", "cpu_seconds", file.plugins.cpu_seconds)?
                .unwrap_or(defaults.cpu_budget),
            call_timeout: positive_seconds("plugins", "timeout_seconds", file.plugins.timeout_seconds)?
                .unwrap_or(defaults.call_timeout),
            cache_dir,
            max_log_lines: defaults.max_log_lines,
            concurrent_calls: match file.plugins.concurrent_calls {
                Some(0) => bail!("[plugins] concurrent_calls = 0 would never run a plugin; use at least 1"),
                Some(calls) => calls,
                None => defaults.concurrent_calls,
            },
        };
        let sync = sync_settings(&file.sync)?;
        let rewrites = rewrites(&file.http)?;
        Ok(Settings {
            db_path,
            etiquette,
            rewrites,
            runtime,
            sync,
            plugin_folder: file.plugins.folder.clone().map(relative_to),
        })
    }
}

fn read_config(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not a valid wikidash configuration", path.display()))
}

fn etiquette(http: &HttpSection, contact: Option<String>) -> anyhow::Result<Etiquette> {
    let defaults = Etiquette::default();
    if let Some(connections) = http.max_connections
        && connections == 0
    {
        bail!("[http] max_connections = 0 would never send a request; use 1 to 3");
    }
    Ok(Etiquette {
        contact,
        maxlag: http.maxlag.unwrap_or(defaults.maxlag),
        max_retries: http.max_retries.unwrap_or(defaults.max_retries),
        base_backoff: seconds("http", "backoff_seconds", http.backoff_seconds)?.unwrap_or(defaults.base_backoff),
        max_wait: seconds("http", "max_wait_seconds", http.max_wait_seconds)?.unwrap_or(defaults.max_wait),
        request_timeout: positive_seconds("http", "timeout_seconds", http.timeout_seconds)?
            .unwrap_or(defaults.request_timeout),
        max_response_bytes: http.max_response_mib.map(|mib| mib * 1024 * 1024).unwrap_or(defaults.max_response_bytes),
        max_connections: http.max_connections.unwrap_or(defaults.max_connections),
    })
}

fn rewrites(http: &HttpSection) -> anyhow::Result<Vec<Rewrite>> {
    let mut rewrites = Vec::with_capacity(http.rewrite.len());
    for (from, to) in &http.rewrite {
        for (side, value) in [("prefix", from), ("target", to)] {
            let valid = url::Url::parse(value).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
            if !valid {
                bail!(
                    "[http.rewrite] {side} {value:?} is not an http or https URL; \
                     write e.g. \"https://wikimedia.org/\" = \"http://127.0.0.1:8080/\""
                );
            }
        }
        rewrites.push(Rewrite { from: from.clone(), to: to.clone() });
    }
    // Longer prefixes first, so the most specific rewrite wins.
    rewrites.sort_by_key(|rewrite| std::cmp::Reverse(rewrite.from.len()));
    Ok(rewrites)
}

fn sync_settings(section: &SyncSection) -> anyhow::Result<SyncSettings> {
    let defaults = SyncSettings::default();
    let users = section.users_per_request.unwrap_or(defaults.users_per_request);
    if !(1..=50).contains(&users) {
        bail!(
            "[sync] users_per_request = {users} is out of range; use 1 to 50, the most names the API takes per request"
        );
    }
    let pages = section.pages_per_request.unwrap_or(defaults.pages_per_request);
    if !(1..=50).contains(&pages) {
        bail!(
            "[sync] pages_per_request = {pages} is out of range; use 1 to 50, the most pages the API takes per request"
        );
    }
    if let Some(results) = section.results_per_request
        && !(1..=5000).contains(&results)
    {
        bail!("[sync] results_per_request = {results} is out of range; use 1 to 500 (5000 with bot rights)");
    }
    let hours = |key: &str, value: Option<f64>| seconds("sync", key, value.map(|hours| hours * 3600.0));
    Ok(SyncSettings {
        users_per_request: users,
        pages_per_request: pages,
        results_per_request: section.results_per_request,
        page_max_age: hours("page_recheck_hours", section.page_recheck_hours)?.unwrap_or(defaults.page_max_age),
        account_max_age: hours("account_recheck_hours", section.account_recheck_hours)?
            .unwrap_or(defaults.account_max_age),
        scope_max_age: hours("scope_refresh_hours", section.scope_refresh_hours)?.unwrap_or(defaults.scope_max_age),
        count_references: section.count_references.unwrap_or(defaults.count_references),
        fetch_views: section.fetch_views.unwrap_or(defaults.fetch_views),
        ..defaults
    })
}

/// Like [`seconds`], for limits where 0 would make every request or call fail.
fn positive_seconds(section: &str, key: &str, value: Option<f64>) -> anyhow::Result<Option<Duration>> {
    match value {
        Some(seconds) if seconds <= 0.0 => {
            bail!("[{section}] {key} = {seconds} would stop everything at once; use a number of seconds above 0")
        }
        other => seconds(section, key, other),
    }
}

fn seconds(section: &str, key: &str, value: Option<f64>) -> anyhow::Result<Option<Duration>> {
    match value {
        None => Ok(None),
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(Some(Duration::from_secs_f64(seconds))),
        Some(seconds) => bail!("[{section}] {key} = {seconds} is not a valid number of seconds; use 0 or more"),
    }
}
