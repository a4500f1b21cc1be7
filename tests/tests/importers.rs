//! Every importer through the real binary: the seeded MediaWiki stands in for the English
//! Wikipedia and Commons, and local stand-ins answer for the Wikimedia services
//! (`wikidash_tests::services`). Figures are worked out from the seed and the canned answers.
//!
//! In the example window (2016-01-01 to 2020-06-30) the counted articles and their first
//! campaign edits are Alpha (2016-05-02), Beta (2017-01-01), New name (2017-05-05, created as
//! "Old name"), Gamma (2019-03-01) and Delta (2020-01-15).

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};
use wikidash_tests::cli::Wikidash;
use wikidash_tests::mediawiki::{MediaWiki, workspace_root};
use wikidash_tests::services::SeedServices;

struct Setup {
    wiki: MediaWiki,
    seed: SeedServices,
    wikidash: Wikidash,
}

fn setup(extra_config: &str) -> Setup {
    let wiki = MediaWiki::start();
    let seed = SeedServices::start(&wiki.base_url());
    let wikidash = Wikidash::new(&format!("{}\n{extra_config}", seed.config()));
    Setup { wiki, seed, wikidash }
}

fn example(file: &str) -> String {
    std::fs::read_to_string(workspace_root().join("examples").join(file)).unwrap()
}

fn article<'a>(report: &'a Value, title: &str) -> &'a Value {
    report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|article| article["title"] == title)
        .unwrap_or_else(|| panic!("no article {title}"))
}

fn participant<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["participants"].as_array().unwrap().iter().find(|person| person["username"] == name).unwrap()
}

fn day<'a>(report: &'a Value, date: &str) -> &'a Value {
    report["daily"].as_array().unwrap().iter().find(|day| day["date"] == date).unwrap()
}

/// Days from `first` (YYYY-MM-DD) through the last day whose views are final (two days ago, UTC).
fn final_days_since(first: &str) -> f64 {
    let first = NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
    let last = Utc::now().date_naive() - chrono::Duration::days(2);
    ((last - first).num_days() + 1) as f64
}

#[test]
fn unscoped_example_shows_every_statistic() {
    let setup = setup("");
    setup.wikidash.create_campaign(&example("seed-wikipedia.toml"));
    let summary = setup.wikidash.run_ok(&["sync"]);
    assert!(summary.contains("references counted for 15 revisions (0 pending)"), "{summary}");
    assert!(summary.contains("uploads on https://commons.wikimedia.org/w/api.php: 2 listed"), "{summary}");
    let quality = setup.wikidash.run_ok(&["quality"]);
    assert!(quality.contains("Scored 5 revision(s) of seed-wikipedia; 0 already had a stored score."), "{quality}");

    let report = setup.wikidash.report("seed-wikipedia");
    assert_eq!(
        report["totals"],
        json!({
            "editors": 3, "new_editors": 0, "total_edits": 16, "mainspace_edits": 15, "article_talk_edits": 1,
            "userspace_edits": 0, "bytes_added": 383, "words_added": 74, "references_added": 11,
            "references_pending": 0, "articles_edited": 5, "articles_created": 4, "article_views": 195,
            "created_article_views": 165, "recent_edits": 0, "upload_count": 2, "uploads_used_in_articles": 1,
            "upload_usage_count_across_all_wikis": 2
        })
    );

    // References: Bob +2 on Alpha, +2 creating Beta, +1 on Delta; Carol −1 on Beta, +4 creating
    // Gamma, +1 on Delta, +1 creating "Old name"; Alice +1 on Delta.
    assert_eq!(participant(&report, "Alice")["references_added"], 1);
    assert_eq!(participant(&report, "Bob")["references_added"], 5);
    assert_eq!(participant(&report, "Carol")["references_added"], 5);
    assert_eq!(participant(&report, "Alice")["total_uploads"], 2);
    assert_eq!(participant(&report, "Bob")["total_uploads"], 0);

    let alpha = article(&report, "Alpha");
    assert_eq!(alpha["references_added"], 2);
    assert_eq!(alpha["views"], 30);
    assert_eq!(alpha["average_daily_views"], 30.0 / final_days_since("2016-05-02"));
    assert_eq!(alpha["rating"], "c");
    assert_eq!(alpha["quality_prediction"], "C");
    assert_eq!(alpha["wp10"], 40.0);
    assert_eq!(alpha["first_edit"], "2016-05-02");
    let beta = article(&report, "Beta");
    assert_eq!(beta["references_added"], 1);
    assert_eq!(beta["views"], 12);
    assert_eq!(beta["rating"], "start");
    assert_eq!(beta["wp10"], 20.0);
    let delta = article(&report, "Delta");
    assert_eq!(delta["references_added"], 3);
    assert_eq!(delta["views"], 150);
    assert_eq!(delta["rating"], "stub");
    assert_eq!(delta["quality_prediction"], "Stub");
    assert!((delta["wp10"].as_f64().unwrap() - 4.0).abs() < 1e-9);
    // Gamma: no views (the API answers 404), unassessed, and Lift Wing has no data for revision 10.
    let gamma = article(&report, "Gamma");
    assert_eq!(gamma["references_added"], 4);
    assert_eq!(gamma["views"], 0);
    assert_eq!(gamma["rating"], Value::Null);
    assert_eq!(gamma["quality_prediction"], Value::Null);
    let moved = article(&report, "New name");
    assert_eq!(moved["views"], 3);
    assert_eq!(moved["rating"], Value::Null);
    assert_eq!(moved["wp10"], 60.0);
    let today = Utc::now().date_naive().to_string();
    assert_eq!(alpha["rating_history"], json!([{"date": today, "class": "c"}]));

    let uploads = report["uploads"].as_array().unwrap();
    let files: Vec<(&str, &str, Value)> = uploads
        .iter()
        .map(|upload| {
            (upload["filename"].as_str().unwrap(), upload["username"].as_str().unwrap(), upload["usage_count"].clone())
        })
        .collect();
    assert_eq!(files, [("File:Apple.png", "Alice", json!(2)), ("File:Pear.png", "Alice", json!(0))]);
    assert_eq!(uploads[0]["timestamp"], "2019-05-05T10:10:10Z");
    assert_eq!(uploads[0]["deleted"], false);
    assert!(uploads[0]["thumb_url"].as_str().unwrap().ends_with("Apple.png"), "{}", uploads[0]);

    assert_eq!(day(&report, "2016-05-02")["article_views"], 10);
    assert_eq!(day(&report, "2016-05-01")["article_views"], 0);
    assert_eq!(day(&report, "2020-01-15")["article_views"], 100);
    assert_eq!(day(&report, "2019-02-14")["references_added"], -1);

    let table = setup.wikidash.run_ok(&["report", "seed-wikipedia"]);
    for expected in ["references_added", "article_views", "upload_count", "File:Apple.png", "C (40)"] {
        assert!(table.contains(expected), "{expected} missing from:\n{table}");
    }
    drop(setup.wiki);
}

#[test]
fn scoped_example_counts_only_template_articles() {
    let setup = setup("");
    setup.wikidash.create_campaign(&example("seed-wikipedia-scoped.toml"));
    let summary = setup.wikidash.run_ok(&["sync"]);
    assert!(summary.contains("scope template Infobox fruit: 3 page(s), refreshed"), "{summary}");

    let report = setup.wikidash.report("seed-wikipedia-scoped");
    assert_eq!(report["scoped"], true);
    // Alpha (Bob +39, Alice +0), Talk:Alpha (Bob, in scope with its article), Beta (Bob +84
    // creating it, Carol −31) and Gamma (Carol +61 creating it).
    assert_eq!(
        report["totals"],
        json!({
            "editors": 3, "new_editors": 0, "total_edits": 6, "mainspace_edits": 5, "article_talk_edits": 1,
            "userspace_edits": 0, "bytes_added": 184, "words_added": 35, "references_added": 7,
            "references_pending": 0, "articles_edited": 3, "articles_created": 2, "article_views": 42,
            "created_article_views": 12, "recent_edits": 0, "upload_count": 2, "uploads_used_in_articles": 1,
            "upload_usage_count_across_all_wikis": 2
        })
    );
    let titles: Vec<&str> =
        report["articles"].as_array().unwrap().iter().map(|article| article["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Alpha", "Beta", "Gamma"]);
    assert_eq!(participant(&report, "Alice")["revisions_during_project"], 1);
    assert_eq!(participant(&report, "Bob")["revisions_during_project"], 3);
    assert_eq!(participant(&report, "Bob")["mainspace_bytes_added"], 123);
    assert_eq!(participant(&report, "Carol")["revisions_during_project"], 2);
    assert_eq!(report["scope"][0]["source"], "template Infobox fruit");
    assert_eq!(report["scope"][0]["pages"], 3);
    assert_eq!(report["scope"][0]["error"], Value::Null);
    let table = setup.wikidash.run_ok(&["report", "seed-wikipedia-scoped"]);
    assert!(table.contains("Only articles in scope count:\n  template Infobox fruit: 3 page(s), fetched"), "{table}");
    drop(setup.seed);
}
