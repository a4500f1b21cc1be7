//! Failures the wiki cannot produce, injected by a proxy in front of the real MediaWiki: what
//! the sync retries, what it reports, and that a failed fetch never replaces stored data.

use std::time::{Duration, Instant};

use serde_json::Value;
use wikidash_tests::cli::{Wikidash, example_campaign};
use wikidash_tests::mediawiki::MediaWiki;
use wikidash_tests::proxy::{Fault, FaultProxy, RecordedRequest, Rule};

const EXAMPLE_EDITS: u64 = 16;
const EXAMPLE_BYTES: u64 = 383;

struct Setup {
    _wiki: MediaWiki,
    proxy: FaultProxy,
    wikidash: Wikidash,
}

fn setup() -> Setup {
    setup_with("")
}

fn setup_with(config: &str) -> Setup {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let wikidash = Wikidash::new(config);
    wikidash.create_campaign(&example_campaign(&proxy.api_url()));
    Setup { _wiki: wiki, proxy, wikidash }
}

fn contributions(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests.iter().filter(|request| request.param("list") == Some("usercontribs")).collect()
}

fn assert_full_figures(report: &Value) {
    assert_eq!(report["totals"]["total_edits"], EXAMPLE_EDITS);
    assert_eq!(report["totals"]["bytes_added"], EXAMPLE_BYTES);
    assert_eq!(report["totals"]["articles_created"], 4);
}

fn contribution_rule() -> Rule {
    Rule::QueryContains("list=usercontribs".into())
}

#[test]
fn rate_limit_is_retried_after_retry_after() {
    let setup = setup();
    setup.proxy.inject(contribution_rule(), vec![Fault::Status { code: 429, retry_after: Some("1".into()) }]);
    let started = Instant::now();
    setup.wikidash.run_ok(&["sync"]);
    assert!(started.elapsed() >= Duration::from_secs(1), "the retry came before Retry-After");

    let requests = setup.proxy.requests();
    let tries = contributions(&requests);
    assert_eq!(tries.len(), 2);
    assert!(tries[0].fault.as_deref().is_some_and(|fault| fault.contains("429")));
    assert_eq!(tries[1].fault, None);
    assert_full_figures(&setup.wikidash.report("seed-editathon"));
}

#[test]
fn server_errors_are_retried_until_one_succeeds() {
    let setup = setup();
    let error = Fault::Status { code: 503, retry_after: None };
    setup.proxy.inject(contribution_rule(), vec![error.clone(), Fault::Status { code: 502, retry_after: None }]);
    setup.wikidash.run_ok(&["sync"]);
    assert_eq!(contributions(&setup.proxy.requests()).len(), 3);
    assert_full_figures(&setup.wikidash.report("seed-editathon"));
}

#[test]
fn maxlag_error_is_retried_then_succeeds() {
    let setup = setup();
    setup.proxy.inject(contribution_rule(), vec![Fault::Maxlag { retry_after: 1 }]);
    let started = Instant::now();
    setup.wikidash.run_ok(&["sync"]);
    assert!(started.elapsed() >= Duration::from_secs(1), "the retry came before Retry-After");
    assert_eq!(contributions(&setup.proxy.requests()).len(), 2);
    assert_full_figures(&setup.wikidash.report("seed-editathon"));
}

#[test]
fn truncated_body_is_retried() {
    let setup = setup();
    setup.proxy.inject(contribution_rule(), vec![Fault::Truncate]);
    setup.wikidash.run_ok(&["sync"]);
    assert_eq!(contributions(&setup.proxy.requests()).len(), 2);
    assert_full_figures(&setup.wikidash.report("seed-editathon"));
}

#[test]
fn dropped_connection_is_retried() {
    let setup = setup();
    setup.proxy.inject(contribution_rule(), vec![Fault::Drop, Fault::Drop]);
    setup.wikidash.run_ok(&["sync"]);
    assert_eq!(contributions(&setup.proxy.requests()).len(), 3);
    assert_full_figures(&setup.wikidash.report("seed-editathon"));
}

#[test]
fn gzip_responses_are_decoded() {
    let setup = setup();
    setup.proxy.inject(Rule::Any, vec![Fault::Gzip; 20]);
    setup.wikidash.run_ok(&["sync"]);
    let requests = setup.proxy.requests();
    let gzipped = requests.iter().filter(|request| request.fault.as_deref() == Some("Gzip")).count();
    assert_eq!(gzipped, requests.len(), "every response was compressed");
    assert!(gzipped >= 3, "users, usercontribs and info at least: {requests:#?}");
    assert_full_figures(&setup.wikidash.report("seed-editathon"));
}

#[test]
fn every_request_follows_the_etiquette() {
    let setup = setup();
    setup.wikidash.run_ok(&["sync"]);
    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 3, "users with siteinfo, usercontribs, info: {requests:#?}");
    assert_eq!(requests[0].param("list"), Some("users"));
    assert_eq!(requests[0].param("meta"), Some("siteinfo"));
    for request in &requests {
        assert_eq!(request.param("formatversion"), Some("2"), "{}", request.path_and_query);
        assert_eq!(request.param("maxlag"), Some("5"), "{}", request.path_and_query);
        assert_eq!(request.param("format"), Some("json"), "{}", request.path_and_query);
        let agent = request.header("user-agent").unwrap_or_default();
        assert!(agent.starts_with("wikidash/"), "{agent}");
        assert!(agent.contains("wikidash-tests@example.org"), "{agent}");
        assert!(request.header("accept-encoding").is_some_and(|value| value.contains("gzip")));
    }
}

#[test]
fn persistent_failure_keeps_the_stored_figures() {
    let setup = setup_with("[sync]\npage_recheck_hours = 0\n");
    setup.wikidash.run_ok(&["sync"]);
    let before = setup.wikidash.report("seed-editathon");
    setup.proxy.reset_log();

    // Every attempt of the next contributions request fails (1 try + 3 retries).
    setup.proxy.inject(contribution_rule(), vec![Fault::Status { code: 503, retry_after: None }; 4]);
    let output = setup.wikidash.run(&["sync"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "the sync must fail: {stdout}");
    assert!(stdout.contains("failed: revisions of Alice, Bob, Carol could not be fetched"), "{stdout}");
    assert!(stdout.contains("HTTP 503"), "{stdout}");
    assert!(stdout.contains("unchanged"), "{stdout}");
    // The page lookups that would follow are skipped: the wiki is down.
    assert!(stdout.contains("remaining steps were skipped"), "{stdout}");
    assert!(setup.proxy.requests().iter().all(|request| request.param("prop") != Some("info")));

    let after = setup.wikidash.report("seed-editathon");
    assert_eq!(after["totals"], before["totals"]);
    assert_eq!(after["articles"], before["articles"]);
    assert_eq!(after["sync"][0]["last_success"], before["sync"][0]["last_success"]);
    assert!(after["sync"][0]["errors"][0].as_str().unwrap().contains("HTTP 503"));
}

#[test]
fn failed_page_lookup_never_marks_pages_deleted() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let wikidash = Wikidash::new("[sync]\npage_recheck_hours = 0\n");
    wikidash.create_campaign(&example_campaign(&proxy.api_url()));
    wikidash.run_ok(&["sync"]);
    proxy.inject(Rule::QueryContains("prop=info".into()), vec![Fault::Status { code: 500, retry_after: None }; 4]);
    let output = wikidash.run(&["sync"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("page lookup failed"));
    let report = wikidash.report("seed-editathon");
    assert_full_figures(&report);
    assert!(report["articles"].as_array().unwrap().iter().all(|article| article["deleted"] == false));
}

#[test]
fn unreachable_wiki_fails_and_stores_nothing() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(&example_campaign(&format!("http://127.0.0.1:{port}/api.php")));
    let output = wikidash.run(&["sync"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("unreachable"), "{stdout}");
    assert!(stdout.contains("nothing was synced"), "{stdout}");

    let report = wikidash.report("seed-editathon");
    assert_eq!(report["totals"]["total_edits"], 0);
    assert_eq!(report["participants"][0]["account"], "unknown");
    assert_eq!(report["sync"][0]["last_success"], Value::Null);
}
