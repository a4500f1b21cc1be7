//! Syncing the seeded MediaWiki with the real `wikidash` binary, and the exact statistics the
//! rules give for it.
//!
//! Figures come from the seed (scripts/mediawiki/seed.xml and mw-template.sh). The example
//! campaign (2016-01-01 to 2020-06-30, UTC, namespace 0) covers, by participant:
//! - Alice: 31 move null revision on "New name" (+0), 32 creation of the redirect "Old name"
//!   left by that move (+22, tagged mw-new-redirect), 7 Alpha (+0), 19 creates Delta (+36),
//!   22 Delta (+10); her 2015 creation of Alpha lies before the window.
//! - Bob: 6 Alpha (+39), 17 creates Talk:Alpha (+39, namespace 1), 13 creates the redirect
//!   "Alpha (redirect)" (+19), 8 creates Beta (+84), 20 and 23 Delta (+10 each).
//! - Carol: 14 creates "Old name", since moved to "New name" (+72), 9 Beta (−31), 10 creates
//!   Gamma (+61), 21 and 24 Delta (+10 each). Her revisions of the deleted "Doomed page" are
//!   not listed by the wiki.
//! - Dave has no account; the edits of 192.0.2.7 and imported>Dave belong to no participant.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wikidash_tests::cli::{Wikidash, example_campaign};
use wikidash_tests::mediawiki::MediaWiki;
use wikidash_tests::proxy::{Fault, FaultProxy, Rule};

fn totals(report: &Value) -> Value {
    report["totals"].clone()
}

fn participant<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|person| person["username"] == name)
        .unwrap_or_else(|| panic!("no participant {name}"))
}

fn article<'a>(report: &'a Value, title: &str) -> &'a Value {
    report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|article| article["title"] == title)
        .unwrap_or_else(|| panic!("no article {title}"))
}

fn day<'a>(report: &'a Value, date: &str) -> &'a Value {
    report["daily"]
        .as_array()
        .unwrap()
        .iter()
        .find(|day| day["date"] == date)
        .unwrap_or_else(|| panic!("no day {date}"))
}

const EXAMPLE_TOTALS: fn() -> Value = || {
    json!({
        "editors": 3, "new_editors": 0, "total_edits": 16, "mainspace_edits": 15, "article_talk_edits": 1,
        "userspace_edits": 0, "bytes_added": 383, "words_added": 74, "articles_edited": 5, "articles_created": 4,
        "references_added": 0, "references_pending": 0, "article_views": 0, "created_article_views": 0,
        "recent_edits": 0, "upload_count": 0, "uploads_used_in_articles": 0, "upload_usage_count_across_all_wikis": 0
    })
};

fn campaign_toml(api_url: &str, window: &str, extra: &str) -> String {
    format!(
        "name = \"test\"\nwikis = [\"{api_url}\"]\n{window}\nparticipants = [\"Alice\", \"Bob\", \"Carol\", \"Dave\"]\n{extra}\n"
    )
}

#[test]
fn example_campaign_report_matches_hand_counts() {
    let wiki = MediaWiki::start();
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(&example_campaign(&wiki.api_url()));
    let summary = wikidash.run_ok(&["sync", "seed-editathon"]);
    assert!(summary.contains("16 revisions"), "{summary}");
    assert!(summary.contains("no account on this wiki: Dave"), "{summary}");
    assert!(summary.contains("All wikis synced."), "{summary}");

    let report = wikidash.report("seed-editathon");
    assert_eq!(totals(&report), EXAMPLE_TOTALS());
    assert_eq!(report["per_wiki"][0]["wiki"], wiki.api_url());
    assert_eq!(report["per_wiki"][0]["total_edits"], 16);
    assert_eq!(report["time_zone"], "UTC");

    let alice = participant(&report, "Alice");
    assert_eq!(alice["revisions_during_project"], 5);
    assert_eq!(alice["mainspace_bytes_added"], 68);
    assert_eq!(alice["words_added"], 13);
    assert_eq!(alice["total_articles_edited"], 3);
    assert_eq!(alice["articles_created"], 1);
    assert_eq!(alice["registered_at"], "2013-12-01T00:00:00Z");
    assert_eq!(alice["registered_during_project"], false);
    let bob = participant(&report, "Bob");
    assert_eq!(bob["revisions_during_project"], 6);
    assert_eq!(bob["mainspace_bytes_added"], 162);
    assert_eq!(bob["total_articles_edited"], 3);
    assert_eq!(bob["articles_created"], 1);
    let carol = participant(&report, "Carol");
    assert_eq!(carol["revisions_during_project"], 5);
    assert_eq!(carol["mainspace_bytes_added"], 153);
    assert_eq!(carol["total_articles_edited"], 4);
    assert_eq!(carol["articles_created"], 2);
    let dave = participant(&report, "Dave");
    assert_eq!(dave["account"], "missing");
    assert_eq!(dave["revisions_during_project"], 0);
    assert_eq!(dave["registered_at"], Value::Null);

    let titles: Vec<&str> =
        report["articles"].as_array().unwrap().iter().map(|article| article["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Alpha", "Alpha (redirect)", "Beta", "Delta", "Gamma", "New name", "Old name"]);
    // Created as "Old name" by Carol, moved by Alice: counted as Carol's creation, by page id.
    let moved = article(&report, "New name");
    assert_eq!(moved["page_id"], 9);
    assert_eq!(moved["new"], true);
    assert_eq!(moved["edit_count"], 2);
    assert_eq!(moved["characters_added"], 72);
    assert_eq!(moved["usernames"], json!(["Alice", "Carol"]));
    // Alpha was created in 2015, before the window: edited, not created.
    assert_eq!(article(&report, "Alpha")["new"], false);
    assert_eq!(article(&report, "Alpha")["characters_added"], 39);
    for redirect in ["Alpha (redirect)", "Old name"] {
        assert_eq!(article(&report, redirect)["redirect"], true, "{redirect}");
        assert_eq!(article(&report, redirect)["new"], false, "{redirect}");
    }
    assert_eq!(article(&report, "Delta")["edit_count"], 6);
    assert_eq!(article(&report, "Delta")["characters_added"], 86);

    assert_eq!(report["daily"].as_array().unwrap().len(), 1643);
    assert_eq!(day(&report, "2018-01-01")["total_edits"], 2);
    assert_eq!(day(&report, "2018-01-01")["bytes_added"], 22);
    assert_eq!(day(&report, "2016-05-03")["article_talk_edits"], 1);
    assert_eq!(day(&report, "2016-05-03")["bytes_added"], 0);
    assert_eq!(day(&report, "2020-01-15")["articles_created"], 1);
    assert_eq!(day(&report, "2020-06-30")["total_edits"], 0);
    assert_eq!(report["sync"][0]["errors"], json!([]));
    assert!(report["sync"][0]["last_success"].is_string());
}

#[test]
fn second_sync_with_nothing_new_sends_one_request() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(&example_campaign(&proxy.api_url()));
    wikidash.run_ok(&["sync"]);
    let first = wikidash.report("seed-editathon");

    proxy.reset_log();
    let summary = wikidash.run_ok(&["sync"]);
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].param("list"), Some("usercontribs"));
    assert_eq!(requests[0].param("ucuser"), Some("Alice|Bob|Carol"));
    // The refetch starts on the day of the latest revision seen (Carol, 2020-06-15).
    assert_eq!(requests[0].param("ucstart"), Some("2020-06-15T00:00:00Z"));
    assert_eq!(requests[0].param("ucend"), Some("2020-06-30T23:59:59Z"));
    assert!(summary.contains(", 1 request\n"), "{summary}");

    let second = wikidash.report("seed-editathon");
    assert_eq!(totals(&second), EXAMPLE_TOTALS());
    assert_eq!(second["participants"], first["participants"]);
    assert_eq!(second["articles"], first["articles"]);
}

#[test]
fn small_pages_and_batches_give_the_same_figures() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let wikidash = Wikidash::new("[sync]\nusers_per_request = 1\nresults_per_request = 2\npages_per_request = 3\n");
    wikidash.create_campaign(&example_campaign(&proxy.api_url()));
    let summary = wikidash.run_ok(&["sync"]);
    assert!(summary.contains("3/3 participant batches"), "{summary}");

    let requests = proxy.requests();
    let contributions: Vec<_> =
        requests.iter().filter(|request| request.param("list") == Some("usercontribs")).collect();
    // Alice 5, Bob 6 and Carol 5 revisions at 2 per request.
    assert_eq!(contributions.len(), 9, "{contributions:#?}");
    assert!(contributions.iter().all(|request| request.param("uclimit") == Some("2")));
    assert_eq!(contributions.iter().filter(|request| request.param("uccontinue").is_some()).count(), 6);
    // One account lookup per participant, and 8 pages in batches of 3.
    assert_eq!(requests.iter().filter(|request| request.param("list") == Some("users")).count(), 4);
    assert_eq!(requests.iter().filter(|request| request.param("prop") == Some("info")).count(), 3);

    assert_eq!(totals(&wikidash.report("seed-editathon")), EXAMPLE_TOTALS());
}

#[test]
fn window_that_cuts_history_counts_only_inside_it() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let wikidash = Wikidash::new("");
    // 2014: Alice's user page (2014-01-01T00:00:00Z, exactly at the start) and template; the
    // categories of Alice and Bob are in namespace 14, which is neither fetched nor tracked.
    wikidash.create_campaign(&campaign_toml(&proxy.api_url(), "start = 2014-01-01\nend = 2014-12-31", ""));
    wikidash.run_ok(&["sync"]);
    let report = wikidash.report("test");
    assert_eq!(
        totals(&report),
        json!({
            "editors": 3, "new_editors": 2, "total_edits": 2, "mainspace_edits": 0, "article_talk_edits": 0,
            "userspace_edits": 1, "bytes_added": 0, "words_added": 0, "articles_edited": 0, "articles_created": 0,
            "references_added": 0, "references_pending": 0, "article_views": 0, "created_article_views": 0,
            "recent_edits": 0, "upload_count": 0, "uploads_used_in_articles": 0, "upload_usage_count_across_all_wikis": 0
        })
    );
    assert_eq!(participant(&report, "Alice")["userspace_bytes_added"], 11);
    assert_eq!(participant(&report, "Bob")["registered_during_project"], true);
    assert_eq!(participant(&report, "Carol")["registered_during_project"], true);
    assert_eq!(participant(&report, "Alice")["registered_during_project"], false);
    assert_eq!(day(&report, "2014-02-01")["new_editors"], 1);

    // The wiki has no Draft namespace, so 118 and 119 are never asked for.
    let namespaces =
        proxy.requests().iter().find_map(|request| request.param("ucnamespace").map(str::to_string)).unwrap();
    assert_eq!(namespaces, "0|1|2|3|4|5|10|11");
}

#[test]
fn tracked_namespaces_are_fetched_and_count_as_articles() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(&campaign_toml(
        &proxy.api_url(),
        "start = 2014-01-01\nend = 2014-12-31",
        "namespaces = [0, 14]",
    ));
    wikidash.run_ok(&["sync"]);
    let report = wikidash.report("test");
    // Category:Fruits (Alice, +19) and Category:Apples (Bob, +36) join the two 2014 edits.
    assert_eq!(report["totals"]["total_edits"], 4);
    assert_eq!(report["totals"]["bytes_added"], 55);
    assert_eq!(report["totals"]["articles_edited"], 2);
    assert_eq!(report["totals"]["articles_created"], 2);
    let namespaces =
        proxy.requests().iter().find_map(|request| request.param("ucnamespace").map(str::to_string)).unwrap();
    assert_eq!(namespaces, "0|1|2|3|4|5|10|11|14");
}

#[test]
fn time_zone_moves_the_window_and_the_days() {
    let wiki = MediaWiki::start();
    let wikidash = Wikidash::new("");
    // Delta's revisions are at 12:00 UTC on the 15th of each month: 02:00 on the 16th in
    // Kiritimati (UTC+14).
    let window = "start = 2020-01-16\nend = 2020-06-15";
    wikidash.create_campaign(&campaign_toml(&wiki.api_url(), window, "time_zone = \"Pacific/Kiritimati\""));
    let utc = Wikidash::new("");
    utc.create_campaign(&campaign_toml(&wiki.api_url(), window, ""));
    wikidash.run_ok(&["sync"]);
    utc.run_ok(&["sync"]);

    // Kiritimati: the creation on 15 January (local 16 January) through May; June is after the end.
    let local = wikidash.report("test");
    assert_eq!(local["time_zone"], "Pacific/Kiritimati");
    assert_eq!(local["totals"]["total_edits"], 5);
    assert_eq!(local["totals"]["bytes_added"], 76);
    assert_eq!(local["totals"]["articles_created"], 1);
    assert_eq!(day(&local, "2020-01-16")["total_edits"], 1);
    assert_eq!(day(&local, "2020-01-16")["bytes_added"], 36);
    assert_eq!(local["daily"].as_array().unwrap().len(), 152);

    // UTC: February through 15 June; the creation on 15 January is before the start.
    let plain = utc.report("test");
    assert_eq!(plain["totals"]["total_edits"], 5);
    assert_eq!(plain["totals"]["bytes_added"], 50);
    assert_eq!(plain["totals"]["articles_created"], 0);
    assert_eq!(day(&plain, "2020-06-15")["total_edits"], 1);
}

#[test]
fn page_deleted_after_sync_stops_counting_but_stays_listed() {
    let wiki = MediaWiki::start();
    let wikidash = Wikidash::new("[sync]\npage_recheck_hours = 0\n");
    wikidash.create_campaign(&example_campaign(&wiki.api_url()));
    wikidash.run_ok(&["sync"]);

    let deleted = wiki.maintenance_with_stdin(
        "deleteBatch.php",
        &["--u", "Admin", "--r", "test"],
        Some("20230101000000"),
        b"Gamma\n",
    );
    assert!(deleted.status.success(), "deleteBatch failed: {}", String::from_utf8_lossy(&deleted.stderr));
    wikidash.run_ok(&["sync"]);

    let report = wikidash.report("seed-editathon");
    // Gamma was Carol's creation of 61 bytes.
    assert_eq!(report["totals"]["total_edits"], 15);
    assert_eq!(report["totals"]["bytes_added"], 322);
    assert_eq!(report["totals"]["articles_edited"], 4);
    assert_eq!(report["totals"]["articles_created"], 3);
    assert_eq!(participant(&report, "Carol")["revisions_during_project"], 4);
    let gamma = article(&report, "Gamma");
    assert_eq!(gamma["deleted"], true);
    assert_eq!(gamma["edit_count"], 1);
}

#[test]
fn page_moved_after_sync_keeps_its_figures_under_the_new_title() {
    let wiki = MediaWiki::start();
    let wikidash = Wikidash::new("[sync]\npage_recheck_hours = 0\n");
    wikidash.create_campaign(&example_campaign(&wiki.api_url()));
    wikidash.run_ok(&["sync"]);

    let moved = wiki.maintenance_with_stdin(
        "moveBatch.php",
        &["--u", "Admin", "--r", "test"],
        Some("20230101000000"),
        b"Beta|Beta fruit\n",
    );
    assert!(moved.status.success(), "moveBatch failed: {}", String::from_utf8_lossy(&moved.stderr));
    wikidash.run_ok(&["sync"]);

    let report = wikidash.report("seed-editathon");
    assert_eq!(totals(&report), EXAMPLE_TOTALS());
    let beta = article(&report, "Beta fruit");
    assert_eq!(beta["page_id"], 6);
    assert_eq!(beta["edit_count"], 2);
    assert_eq!(beta["characters_added"], 84);
    assert_eq!(beta["new"], true);
    assert!(report["articles"].as_array().unwrap().iter().all(|article| article["title"] != "Beta"));
}

#[test]
fn killed_sync_resumes_to_the_same_figures() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let wikidash = Wikidash::new("[sync]\nusers_per_request = 1\nresults_per_request = 2\n");
    wikidash.create_campaign(&example_campaign(&proxy.api_url()));
    // Alice's batch completes; Bob's first request never gets a response.
    proxy.inject(Rule::QueryContains("ucuser=Bob".into()), vec![Fault::Hang]);

    let mut child = wikidash
        .command(&["sync"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !proxy.requests().iter().any(|request| request.param("ucuser") == Some("Bob")) {
        assert!(Instant::now() < deadline, "the sync never reached Bob's batch");
        assert!(child.try_wait().unwrap().is_none(), "the sync ended before Bob's batch");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Alice's batch is written while Bob's is fetched; give that write time to land.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();

    let partial = wikidash.report("seed-editathon");
    assert_eq!(participant(&partial, "Alice")["revisions_during_project"], 5);
    assert_eq!(participant(&partial, "Bob")["revisions_during_project"], 0);
    assert_eq!(partial["totals"]["total_edits"], 5);

    wikidash.run_ok(&["sync"]);
    let resumed = wikidash.report("seed-editathon");
    assert_eq!(totals(&resumed), EXAMPLE_TOTALS());
    assert_eq!(participant(&resumed, "Alice")["revisions_during_project"], 5);
    assert_eq!(participant(&resumed, "Bob")["revisions_during_project"], 6);
    assert_eq!(participant(&resumed, "Carol")["revisions_during_project"], 5);
}

#[test]
fn added_participant_gets_their_whole_history() {
    let wiki = MediaWiki::start();
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(
        &example_campaign(&wiki.api_url()).replace(r#"["Alice", "Bob", "Carol", "Dave"]"#, r#"["Alice"]"#),
    );
    wikidash.run_ok(&["sync"]);
    assert_eq!(wikidash.report("seed-editathon")["totals"]["total_edits"], 5);

    wikidash.run_ok(&["campaign", "add-participants", "seed-editathon", "carol"]);
    wikidash.run_ok(&["sync"]);
    let report = wikidash.report("seed-editathon");
    assert_eq!(participant(&report, "Carol")["revisions_during_project"], 5);
    assert_eq!(report["totals"]["total_edits"], 10);

    wikidash.run_ok(&["campaign", "remove-participants", "seed-editathon", "Alice"]);
    let report = wikidash.report("seed-editathon");
    assert_eq!(report["totals"]["total_edits"], 5);
    assert_eq!(report["participants"].as_array().unwrap().len(), 1);
}

#[test]
fn edits_of_the_last_seven_days_are_recent() {
    let wiki = MediaWiki::start();
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(&campaign_toml(&wiki.api_url(), "start = 2026-01-01\nend = 2030-12-31", ""));
    // Alice edits now, and once at the start of 2026, outside the last seven days.
    let old = wiki.maintenance_with_stdin(
        "edit.php",
        &["--user", "Alice", "--summary", "old", "Epsilon"],
        Some("20260102000000"),
        b"Epsilon.",
    );
    assert!(old.status.success(), "{}", String::from_utf8_lossy(&old.stderr));
    let now = wiki.maintenance_with_stdin(
        "edit.php",
        &["--user", "Alice", "--summary", "now", "Epsilon"],
        None,
        b"Epsilon, today.",
    );
    assert!(now.status.success(), "{}", String::from_utf8_lossy(&now.stderr));
    wikidash.run_ok(&["sync"]);

    let report = wikidash.report("test");
    assert_eq!(report["totals"]["total_edits"], 2);
    assert_eq!(report["totals"]["recent_edits"], 1);
    assert_eq!(participant(&report, "Alice")["recent_revisions"], 1);
    assert_eq!(participant(&report, "Bob")["recent_revisions"], 0);
}
