//! The revisions importer's parse-and-aggregate cost compiled natively and as a component.
//!
//! Both sides fetch the same `list=usercontribs` page (50 participants, 500 revisions) from a
//! synthetic wiki through wikidash's HTTP client, turn it into revisions and fold those into
//! day rows as a sync does. The native side calls the SDK's `decode_page` and the plugin
//! crate's `revisions_of` directly; the component side runs the built-in `revisions` component through the runtime,
//! which adds a fresh instance per call and the copy of every record across the boundary. A
//! third loop only fetches, so the parse-only ratio can leave the shared HTTP time out.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use wikidash_core::Day;
use wikidash_core::records::{DayRow, RevisionFacts};
use wikidash_net::{HttpClient, HttpRequest, Method};
use wikidash_plugin_sdk::action::{decode_page, encode_query};
use wikidash_policy::Etiquette;
use wikidash_runtime::wit::{self, Item};
use wikidash_runtime::{JobContext, Plugin, Runtime, RuntimeConfig};

use crate::synthetic::{SyntheticWiki, W2, participant_name};
use crate::workload::{median, millis};

/// Participants in the measured request: the most one request takes.
const USERS: u32 = 50;

#[derive(Clone, Debug, Serialize)]
pub struct ParseFigures {
    pub iterations: usize,
    pub revisions_per_page: usize,
    /// Median time to fetch the page alone.
    pub fetch_ms: f64,
    /// Median time to fetch, parse natively and fold.
    pub native_ms: f64,
    /// Median time to run the component job (fetch and parse inside) and fold.
    pub component_ms: f64,
    /// Median time of a component call that fetches the same page and returns one small
    /// record: the component's fetch, without parsing.
    pub component_fetch_ms: f64,
    /// Median time of a component call that fails at once (a job without usernames): a fresh
    /// instance, the call and its error, with no HTTP and no parsing.
    pub empty_call_ms: f64,
    /// component ÷ native, fetch included on both sides.
    pub ratio: f64,
    /// (component − fetch) ÷ (native − fetch).
    pub parse_only_ratio: f64,
}

/// Measure `iterations` rounds of each side, interleaved so drift hits both alike.
pub async fn measure(iterations: usize, plugin_cache: &std::path::Path) -> Result<ParseFigures> {
    let wiki = SyntheticWiki::start(&W2, 1);
    let etiquette = Etiquette { contact: Some("wikidash-bench@example.org".into()), ..Etiquette::default() };
    let http = HttpClient::new(etiquette, env!("CARGO_PKG_VERSION"))?;
    let config = RuntimeConfig { cache_dir: Some(plugin_cache.to_path_buf()), ..RuntimeConfig::default() };
    let runtime = Runtime::new(config, http.clone())?;
    let builtin = wikidash_builtin::BUILTIN
        .iter()
        .find(|builtin| builtin.name == "revisions")
        .context("no built-in revisions plugin")?;
    let plugin = runtime.load("built-in revisions", builtin.wasm).await?;
    // A test guest whose `fetch` job only fetches a URL, to price the component's fetch alone.
    let probe_file = wikidash_builtin::component_dir().join("wikidash_test_guest_misbehave.wasm");
    let probe_wasm =
        std::fs::read(&probe_file).with_context(|| format!("cannot read the probe guest {}", probe_file.display()))?;
    let probe = runtime.load("misbehave probe", &probe_wasm).await?;
    let origin = format!("http://{}", wiki.address());
    let context = JobContext { campaign: "bench".into(), campaign_wiki_origins: vec![origin] };

    let usernames: Vec<String> = (1..=USERS).map(participant_name).collect();
    let window = wit::TimeWindow { start: W2.window_start(), end: W2.window_end() };
    let namespaces = vec![0, 1, 2];
    let host_job = wit::Job {
        kind: "revisions".into(),
        wiki: wiki.api_url(),
        usernames: usernames.clone(),
        page_ids: Vec::new(),
        titles: Vec::new(),
        revision_ids: Vec::new(),
        window: Some(window),
        namespaces: namespaces.clone(),
        limit: None,
        options: Vec::new(),
    };
    let guest_job = wikidash_plugin_sdk::Job {
        kind: "revisions".into(),
        wiki: wiki.api_url(),
        usernames,
        page_ids: Vec::new(),
        titles: Vec::new(),
        revision_ids: Vec::new(),
        window: Some(wikidash_plugin_sdk::TimeWindow { start: window.start, end: window.end }),
        namespaces,
        limit: None,
        options: Vec::new(),
    };
    let guest_window = guest_job.window.context("the job has a window")?;
    let mut params = vec![("action", "query".to_string())];
    params.extend(wikidash_plugin_revisions::contributions_params(&guest_job, guest_window));
    let pairs: Vec<(&str, &str)> = params.iter().map(|(key, value)| (*key, value.as_str())).collect();
    let url = format!("{}?{}", wiki.api_url(), encode_query(&pairs));

    let native_rows = native(&http, &url).await?;
    let component_rows = component(&plugin, &context, &host_job).await?;
    if native_rows != component_rows || native_rows.is_empty() {
        bail!("the native and the component parse disagree: {} and {} rows", native_rows.len(), component_rows.len());
    }
    let revisions_per_page = native_rows.values().map(|row| row.edits as usize).sum();

    let probe_job = wit::Job { kind: "fetch".into(), options: vec![("url".into(), url.clone())], ..host_job.clone() };
    // The plugin rejects a job without usernames before any request.
    let empty_job = wit::Job { usernames: Vec::new(), ..host_job.clone() };
    let (mut fetch_times, mut native_times, mut component_times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut empty_times, mut probe_times) = (Vec::new(), Vec::new());
    for round in 0..iterations + 3 {
        let start = Instant::now();
        fetch(&http, &url).await?;
        let fetched = start.elapsed();
        let start = Instant::now();
        std::hint::black_box(native(&http, &url).await?);
        let native_time = start.elapsed();
        let start = Instant::now();
        std::hint::black_box(component(&plugin, &context, &host_job).await?);
        let component_time = start.elapsed();
        let start = Instant::now();
        if plugin.run(&context, &empty_job, None).await.is_ok() {
            bail!("the revisions plugin accepted a job without usernames");
        }
        let empty_time = start.elapsed();
        let start = Instant::now();
        probe.run(&context, &probe_job, None).await?;
        let probe_time = start.elapsed();
        // The first rounds warm caches and connections.
        if round >= 3 {
            empty_times.push(empty_time);
            probe_times.push(probe_time);
            fetch_times.push(fetched);
            native_times.push(native_time);
            component_times.push(component_time);
        }
    }
    let (fetch_time, native_time, component_time) =
        (median(fetch_times), median(native_times), median(component_times));
    let parse_only = |total: Duration| total.saturating_sub(fetch_time).as_secs_f64();
    Ok(ParseFigures {
        iterations,
        revisions_per_page,
        fetch_ms: millis(fetch_time),
        native_ms: millis(native_time),
        component_ms: millis(component_time),
        empty_call_ms: millis(median(empty_times)),
        component_fetch_ms: millis(median(probe_times)),
        ratio: component_time.as_secs_f64() / native_time.as_secs_f64(),
        parse_only_ratio: parse_only(component_time) / parse_only(native_time),
    })
}

type Rows = HashMap<(String, Day, u64), DayRow>;

async fn fetch(http: &HttpClient, url: &str) -> Result<Vec<u8>> {
    let request = HttpRequest { method: Method::Get, url: url.to_string(), headers: Vec::new(), body: None };
    let response = http.fetch(request).await?;
    if response.status != 200 {
        bail!("{url} answered HTTP {}", response.status);
    }
    Ok(response.body)
}

async fn native(http: &HttpClient, url: &str) -> Result<Rows> {
    let body = fetch(http, url).await?;
    let page = decode_page(url, Some("application/json"), &body, &[]).map_err(|error| anyhow::anyhow!("{error:?}"))?;
    let revisions = wikidash_plugin_revisions::revisions_of(page).map_err(anyhow::Error::msg)?;
    let mut rows = Rows::new();
    for revision in revisions {
        fold(
            &mut rows,
            revision.user,
            revision.page_id,
            facts(revision.rev_id, revision.timestamp, revision.size_diff, revision.parent_id),
        );
    }
    Ok(rows)
}

async fn component(plugin: &Plugin, context: &JobContext, job: &wit::Job) -> Result<Rows> {
    let output = plugin.run(context, job, None).await?;
    let mut rows = Rows::new();
    for item in output.items {
        if let Item::Revision(revision) = item {
            fold(
                &mut rows,
                revision.user,
                revision.page_id,
                facts(revision.rev_id, revision.timestamp, revision.size_diff, revision.parent_id),
            );
        }
    }
    Ok(rows)
}

fn facts(rev_id: u64, timestamp: i64, size_diff: i64, parent_id: u64) -> RevisionFacts {
    RevisionFacts {
        rev_id,
        timestamp,
        size_diff,
        creates_article: parent_id == 0,
        references_added: None,
        references_expected: false,
    }
}

fn fold(rows: &mut Rows, user: String, page_id: u64, facts: RevisionFacts) {
    let day = Day::of_instant(facts.timestamp, chrono_tz::UTC);
    rows.entry((user, day, page_id)).or_default().add_revision(&facts);
}
