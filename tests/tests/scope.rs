//! Article-scoped campaigns: every kind of scope source, refresh failures that keep the
//! previous list, and articles that keep counting by page id after a rename or an id change.

use serde_json::{Value, json};
use wikidash_tests::cli::Wikidash;
use wikidash_tests::fixtures::{FixtureResponse, pagepile_body, petscan_body, petscan_error};
use wikidash_tests::mediawiki::MediaWiki;
use wikidash_tests::services::{ENWIKI_API, SeedServices};

struct Setup {
    wiki: MediaWiki,
    seed: SeedServices,
    wikidash: Wikidash,
}

fn setup(extra_config: &str, scope: &str) -> Setup {
    let wiki = MediaWiki::start();
    let seed = SeedServices::start(&wiki.base_url());
    let wikidash = Wikidash::new(&format!("{}\n{extra_config}", seed.config()));
    wikidash.create_campaign(&format!(
        "name = \"scoped\"\nwikis = [\"{ENWIKI_API}\"]\nstart = 2016-01-01\nend = 2020-06-30\n\
         participants = [\"Alice\", \"Bob\", \"Carol\"]\n\n{scope}"
    ));
    Setup { wiki, seed, wikidash }
}

fn titles(report: &Value) -> Vec<String> {
    report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|article| article["title"].as_str().unwrap().to_string())
        .collect()
}

fn serve_petscan(seed: &SeedServices, response: FixtureResponse) {
    seed.services.on_query("GET", "/petscan/", &[("psid", "123"), ("format", "json")], response);
}

const MIXED_SCOPE: &str = "[[scope]]\npetscan = 123\n\n[[scope]]\npagepile = 77\n\n[[scope]]\ncategory = \"Apples\"\n";

#[test]
fn petscan_pagepile_and_category_sources_combine() {
    let setup = setup("", MIXED_SCOPE);
    serve_petscan(&setup.seed, FixtureResponse::json(200, petscan_body(&[("Delta", 0, "", 13)])));
    setup.seed.services.on_query(
        "GET",
        "/pagepile/api.php",
        &[("id", "77"), ("action", "get_data"), ("format", "json")],
        FixtureResponse::json(200, pagepile_body(77, "en", "wikipedia", "enwiki", &["Gamma"])),
    );
    let summary = setup.wikidash.run_ok(&["sync"]);
    assert!(summary.contains("scope PetScan 123: 1 page(s), refreshed"), "{summary}");
    assert!(summary.contains("scope PagePile 77: 1 page(s), refreshed"), "{summary}");
    assert!(summary.contains("scope category Apples (depth 0): 1 page(s), refreshed"), "{summary}");

    let report = setup.wikidash.report("scoped");
    // Delta (6 edits, 86 bytes), Gamma (Carol's creation, 61 bytes) and Beta (Bob's creation,
    // 84 bytes, and Carol's shortening).
    assert_eq!(titles(&report), ["Beta", "Delta", "Gamma"]);
    assert_eq!(report["totals"]["total_edits"], 9);
    assert_eq!(report["totals"]["bytes_added"], 231);
    assert_eq!(report["totals"]["articles_created"], 3);
}

#[test]
fn failed_refresh_keeps_the_previous_list() {
    let setup = setup("[sync]\nscope_refresh_hours = 0\n", "[[scope]]\npetscan = 123\n");
    serve_petscan(&setup.seed, FixtureResponse::json(200, petscan_body(&[("Delta", 0, "", 13)])));
    setup.wikidash.run_ok(&["sync"]);
    assert_eq!(titles(&setup.wikidash.report("scoped")), ["Delta"]);

    serve_petscan(&setup.seed, FixtureResponse::json(200, petscan_error("No such PSID in the database")));
    let output = setup.wikidash.run(&["sync"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("No such PSID in the database"), "{stdout}");
    assert!(stdout.contains("the previous list is kept"), "{stdout}");

    let report = setup.wikidash.report("scoped");
    assert_eq!(titles(&report), ["Delta"]);
    assert_eq!(report["totals"]["total_edits"], 6);
    assert!(report["scope"][0]["error"].as_str().unwrap().contains("No such PSID"));
    assert!(report["scope"][0]["fetched_at"].is_string());
}

#[test]
fn unreachable_source_keeps_the_previous_list() {
    let setup = setup("[sync]\nscope_refresh_hours = 0\n", "[[scope]]\npetscan = 123\n");
    serve_petscan(&setup.seed, FixtureResponse::json(200, petscan_body(&[("Delta", 0, "", 13)])));
    setup.wikidash.run_ok(&["sync"]);
    setup.seed.services.fail_all(503);
    let output = setup.wikidash.run(&["sync"]);
    assert!(!output.status.success());
    assert_eq!(titles(&setup.wikidash.report("scoped")), ["Delta"]);
}

#[test]
fn renamed_listed_article_keeps_counting_by_page_id() {
    let setup =
        setup("[sync]\nscope_refresh_hours = 0\npage_recheck_hours = 0\n", "[[scope]]\narticles = [\"beta\"]\n");
    setup.wikidash.run_ok(&["sync"]);
    assert_eq!(titles(&setup.wikidash.report("scoped")), ["Beta"]);

    let moved = setup.wiki.maintenance_with_stdin(
        "moveBatch.php",
        &["--u", "Admin", "--r", "test"],
        Some("20230101000000"),
        b"Beta|Beta fruit\n",
    );
    assert!(moved.status.success(), "{}", String::from_utf8_lossy(&moved.stderr));
    setup.wikidash.run_ok(&["sync"]);
    let report = setup.wikidash.report("scoped");
    assert_eq!(titles(&report), ["Beta fruit"]);
    assert_eq!(report["articles"][0]["page_id"], 6);
    assert_eq!(report["totals"]["total_edits"], 2);
}

#[test]
fn recreated_page_counts_under_its_new_id() {
    let wiki = MediaWiki::start();
    let seed = SeedServices::start(&wiki.base_url());
    let wikidash = Wikidash::new(&format!("{}\n[sync]\npage_recheck_hours = 0\n", seed.config()));
    let campaign =
        std::fs::read_to_string(wikidash_tests::mediawiki::workspace_root().join("examples/seed-wikipedia.toml"))
            .unwrap();
    wikidash.create_campaign(&campaign);
    wikidash.run_ok(&["sync"]);

    // Beta is deleted and created again: the title now has a new page id.
    let deleted = wiki.maintenance_with_stdin(
        "deleteBatch.php",
        &["--u", "Admin", "--r", "test"],
        Some("20230101000000"),
        b"Beta\n",
    );
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
    let created = wiki.maintenance_with_stdin(
        "edit.php",
        &["--user", "Admin", "--summary", "recreate", "Beta"],
        Some("20230102000000"),
        b"Beta again.",
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    wikidash.run_ok(&["sync"]);

    let report = wikidash.report("seed-wikipedia");
    let beta = report["articles"].as_array().unwrap().iter().find(|article| article["title"] == "Beta").unwrap();
    assert_ne!(beta["page_id"], 6);
    assert_eq!(beta["edit_count"], 2);
    assert_eq!(beta["deleted"], false);
    assert_eq!(report["totals"]["total_edits"], 16);
    assert_eq!(report["totals"]["articles_edited"], 5);
    assert_eq!(report["articles"].as_array().unwrap().len(), 7, "{}", json!(titles(&report)));
}
