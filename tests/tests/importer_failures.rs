//! What each importer does when its service fails: down, a malformed answer, 404, 429. The
//! sync reports the failure and exits non-zero, and nothing stored before is replaced by
//! zeros; the next sync with the service back fills the gap.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wikidash_tests::cli::Wikidash;
use wikidash_tests::fixtures::FixtureResponse;
use wikidash_tests::mediawiki::{MediaWiki, workspace_root};
use wikidash_tests::proxy::{Fault, FaultProxy, Rule};
use wikidash_tests::services::{SEED_REFERENCES, SEED_VIEWS, SeedServices, seed_assessments};

struct Setup {
    _wiki: MediaWiki,
    seed: SeedServices,
    wikidash: Wikidash,
}

fn setup(extra_config: &str) -> Setup {
    let wiki = MediaWiki::start();
    let seed = SeedServices::start(&wiki.base_url());
    let wikidash = Wikidash::new(&format!("{}\n{extra_config}", seed.config()));
    let campaign = std::fs::read_to_string(workspace_root().join("examples/seed-wikipedia.toml")).unwrap();
    wikidash.create_campaign(&campaign);
    Setup { _wiki: wiki, seed, wikidash }
}

fn failing_sync(wikidash: &Wikidash) -> String {
    let output = wikidash.run(&["sync"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!output.status.success(), "the sync should report a failure:\n{stdout}");
    stdout
}

fn totals(wikidash: &Wikidash) -> Value {
    wikidash.report("seed-wikipedia")["totals"].clone()
}

fn answer_all(status: u16) -> wikidash_tests::fixtures::Handler {
    Arc::new(move |_| FixtureResponse::json(status, json!({"detail": "the service is failing on purpose"})))
}

/// Serve the seed's views again, after a handler that fails every pageviews request: articles
/// without views get the API's 404 again, the others their views.
fn serve_seed_views(seed: &SeedServices) {
    seed.services.on_handler(
        "GET",
        "/api/rest_v1/metrics/pageviews/",
        Arc::new(|request| wikidash_tests::fixtures::pageviews_not_found(&request.path)),
    );
    for (article, days) in SEED_VIEWS {
        seed.services.serve_pageviews("en.wikipedia", article, days);
    }
}

#[test]
fn reference_counter_outage_is_retried_on_the_next_sync() {
    let setup = setup("");
    setup.seed.services.on_handler("POST", "/api/v1/references/", answer_all(503));
    let stdout = failing_sync(&setup.wikidash);
    assert!(stdout.contains("references could not be counted"), "{stdout}");
    assert!(stdout.contains("references counted for 0 revisions (15 pending)"), "{stdout}");
    let first = totals(&setup.wikidash);
    assert_eq!(first["references_added"], 0);
    assert_eq!(first["references_pending"], 15);
    // Everything else is stored as usual.
    assert_eq!(first["total_edits"], 16);

    setup.seed.services.serve_reference_counts("wikipedia", "en", SEED_REFERENCES);
    let summary = setup.wikidash.run_ok(&["sync"]);
    assert!(summary.contains("references counted for 15 revisions (0 pending)"), "{summary}");
    let second = totals(&setup.wikidash);
    assert_eq!(second["references_added"], 11);
    assert_eq!(second["references_pending"], 0);
    assert_eq!(second["total_edits"], 16);
}

#[test]
fn reference_counter_bad_request_leaves_counts_pending() {
    let setup = setup("");
    let bad =
        json!({"code": 400, "name": "Bad Request", "description": "Request body must be JSON with a 'rev_ids' array."});
    setup.seed.services.on_handler(
        "POST",
        "/api/v1/references/",
        Arc::new(move |_| FixtureResponse::json(400, bad.clone())),
    );
    let stdout = failing_sync(&setup.wikidash);
    assert!(stdout.contains("Request body must be JSON with a 'rev_ids' array."), "{stdout}");
    assert_eq!(totals(&setup.wikidash)["references_pending"], 15);
}

#[test]
fn page_views_outage_stores_no_zeros() {
    let setup = setup("");
    setup.seed.services.on_handler("GET", "/api/rest_v1/metrics/pageviews/", answer_all(503));
    let stdout = failing_sync(&setup.wikidash);
    assert!(stdout.contains("page views could not be fetched; stored views are unchanged"), "{stdout}");
    assert_eq!(totals(&setup.wikidash)["article_views"], 0);

    // The views were not marked fetched, so the next sync asks again.
    serve_seed_views(&setup.seed);
    setup.wikidash.run_ok(&["sync"]);
    assert_eq!(totals(&setup.wikidash)["article_views"], 195);
}

#[test]
fn page_views_malformed_answer_is_an_error() {
    let setup = setup("");
    setup.seed.services.on_handler(
        "GET",
        "/api/rest_v1/metrics/pageviews/",
        Arc::new(|_| FixtureResponse::new(200, "text/html", "<html>maintenance</html>")),
    );
    let stdout = failing_sync(&setup.wikidash);
    assert!(stdout.contains("page views could not be fetched"), "{stdout}");
    assert_eq!(totals(&setup.wikidash)["article_views"], 0);
}

#[test]
fn page_views_rate_limit_is_waited_out() {
    let wiki = MediaWiki::start();
    let seed = SeedServices::start(&wiki.base_url());
    // A proxy in front of the pageviews stand-in answers the first request with 429.
    let front = FaultProxy::start(&seed.services.base_url());
    front.inject(Rule::Any, vec![Fault::Status { code: 429, retry_after: Some("1".into()) }]);
    let config = seed.config().replace(
        &format!("\"https://wikimedia.org/\" = \"{}/\"", seed.services.base_url()),
        &format!("\"https://wikimedia.org/\" = \"{}/\"", front.base_url()),
    );
    let wikidash = Wikidash::new(&config);
    wikidash.create_campaign(&std::fs::read_to_string(workspace_root().join("examples/seed-wikipedia.toml")).unwrap());
    let started = std::time::Instant::now();
    wikidash.run_ok(&["sync"]);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(front.requests()[0].fault.as_deref().map(|fault| fault.contains("429")), Some(true));
    assert_eq!(wikidash.report("seed-wikipedia")["totals"]["article_views"], 195);
}

#[test]
fn malformed_assessments_store_no_ratings() {
    let setup = setup("");
    setup.seed.answer_assessments(200, "{\"query\": {\"pages\": \"not a list\"}}");
    let stdout = failing_sync(&setup.wikidash);
    assert!(stdout.contains("quality ratings could not be read; stored ratings are unchanged"), "{stdout}");
    let report = setup.wikidash.report("seed-wikipedia");
    assert!(report["articles"].as_array().unwrap().iter().all(|article| article["rating_history"] == json!([])));

    setup.seed.answer_assessments(200, &seed_assessments().to_string());
    setup.wikidash.run_ok(&["sync"]);
    let report = setup.wikidash.report("seed-wikipedia");
    let alpha = report["articles"].as_array().unwrap().iter().find(|article| article["title"] == "Alpha").unwrap();
    assert_eq!(alpha["rating"], "c");
}

#[test]
fn global_usage_failure_keeps_the_previous_counts() {
    let setup = setup("[sync]\npage_recheck_hours = 0\n");
    setup.wikidash.run_ok(&["sync"]);
    assert_eq!(totals(&setup.wikidash)["upload_usage_count_across_all_wikis"], 2);

    setup.seed.answer_global_usage(503, "{}");
    let stdout = failing_sync(&setup.wikidash);
    assert!(stdout.contains("file usage could not be read; stored counts are unchanged"), "{stdout}");
    let report = setup.wikidash.report("seed-wikipedia");
    assert_eq!(report["totals"]["upload_usage_count_across_all_wikis"], 2);
    assert_eq!(report["uploads"][0]["usage_count"], 2);
}

#[test]
fn deleted_upload_is_flagged_and_not_counted() {
    let setup = setup("[sync]\npage_recheck_hours = 0\n");
    setup.wikidash.run_ok(&["sync"]);
    let deleted = setup._wiki.maintenance_with_stdin(
        "deleteBatch.php",
        &["--u", "Admin", "--r", "test"],
        Some("20230101000000"),
        b"File:Pear.png\n",
    );
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
    setup.wikidash.run_ok(&["sync"]);
    let report = setup.wikidash.report("seed-wikipedia");
    assert_eq!(report["totals"]["upload_count"], 1);
    let pear =
        report["uploads"].as_array().unwrap().iter().find(|upload| upload["filename"] == "File:Pear.png").unwrap();
    assert_eq!(pear["deleted"], true);
}

#[test]
fn quality_service_outage_fails_without_storing_scores() {
    let setup = setup("");
    setup.wikidash.run_ok(&["sync"]);
    setup.seed.services.fail_all(500);
    let output = setup.wikidash.run(&["quality"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("Scored 0 revision(s)"), "{stdout}");
    assert!(stdout.contains("quality scoring stopped"), "{stdout}");
    let report = setup.wikidash.report("seed-wikipedia");
    assert!(report["articles"].as_array().unwrap().iter().all(|article| article["quality_prediction"].is_null()));

    setup.seed.services.clear_failures();
    let again = setup.wikidash.run_ok(&["quality"]);
    assert!(again.contains("Scored 5 revision(s) of seed-wikipedia; 0 already had a stored score."), "{again}");
    let cached = setup.wikidash.run_ok(&["quality"]);
    assert!(cached.contains("Scored 0 revision(s) of seed-wikipedia; 5 already had a stored score."), "{cached}");
}
