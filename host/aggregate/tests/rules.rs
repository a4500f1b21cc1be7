//! The statistic rules, one case at a time, on hand-made rows.

use std::collections::HashMap;

use wikidash_aggregate::{Aggregator, ParticipantFacts, Report};
use wikidash_core::records::{AccountRecord, AccountState, DayRow, PageRecord};
use wikidash_core::{Campaign, CampaignSpec, Day};

/// 2020-01-15 12:00:00 UTC.
const JAN_15_NOON: i64 = 1_579_089_600;
const DAY: i64 = 86_400;

fn campaign(extra: &str) -> Campaign {
    let text = format!(
        r#"
name = "test"
wikis = ["https://en.wikipedia.org/w/api.php", "https://de.wikipedia.org/w/api.php"]
start = 2020-01-01
end = 2020-01-31
participants = ["Alice", "Bob", "Carol"]
{extra}
"#
    );
    Campaign::from_spec(&CampaignSpec::from_toml(&text).unwrap()).unwrap()
}

fn account(registration: i64) -> Option<AccountRecord> {
    Some(AccountRecord {
        state: AccountState::Exists {
            user_id: 1,
            registration: Some(registration),
            edit_count: 1,
            central_id: Some(77),
        },
        checked_at: 0,
    })
}

fn missing() -> Option<AccountRecord> {
    Some(AccountRecord { state: AccountState::Missing, checked_at: 0 })
}

fn facts() -> Vec<ParticipantFacts> {
    vec![
        // Alice registered long before the campaign, on both wikis.
        ParticipantFacts { name: "Alice".into(), accounts: vec![account(1_000), account(2_000)] },
        // Bob registered on the home wiki during the campaign.
        ParticipantFacts { name: "Bob".into(), accounts: vec![account(JAN_15_NOON - 2 * DAY), None] },
        // Carol has no account anywhere.
        ParticipantFacts { name: "Carol".into(), accounts: vec![missing(), missing()] },
    ]
}

fn page(title: &str, namespace: i32) -> PageRecord {
    PageRecord { title: title.into(), namespace, redirect: Some(false), deleted: false, checked_at: Some(0) }
}

fn row(edits: u32, bytes: u64, created: bool) -> DayRow {
    DayRow { edits, bytes_added: bytes, created, first_revision: JAN_15_NOON, last_revision: JAN_15_NOON }
}

fn day(date: &str) -> Day {
    Day::from_date(date.parse().unwrap())
}

struct Case {
    campaign: Campaign,
    facts: Vec<ParticipantFacts>,
    pages: HashMap<(usize, u64), PageRecord>,
    rows: Vec<(usize, usize, Day, u64, DayRow)>,
}

impl Case {
    fn new() -> Case {
        Case { campaign: campaign(""), facts: facts(), pages: HashMap::new(), rows: Vec::new() }
    }

    fn page(mut self, wiki: usize, id: u64, record: PageRecord) -> Case {
        self.pages.insert((wiki, id), record);
        self
    }

    fn row(mut self, wiki: usize, participant: usize, date: &str, page: u64, row: DayRow) -> Case {
        self.rows.push((wiki, participant, day(date), page, row));
        self
    }

    fn report(&self) -> Report {
        let mut aggregator = Aggregator::new(&self.campaign, &self.facts, &self.pages);
        for (wiki, participant, day, page, row) in &self.rows {
            aggregator.add_row(*wiki, *participant, *day, *page, row);
        }
        aggregator.finish(Vec::new())
    }
}

#[test]
fn edits_are_split_by_namespace() {
    let report = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(0, 2, page("Talk:Alpha", 1))
        .page(0, 3, page("User:Alice", 2))
        .page(0, 4, page("Template:X", 10))
        .row(0, 0, "2020-01-15", 1, row(3, 10, false))
        .row(0, 0, "2020-01-15", 2, row(2, 10, false))
        .row(0, 0, "2020-01-16", 3, row(1, 10, false))
        .row(0, 1, "2020-01-16", 4, row(4, 10, false))
        .report();
    assert_eq!(report.totals.total_edits, 10);
    assert_eq!(report.totals.mainspace_edits, 3);
    assert_eq!(report.totals.article_talk_edits, 2);
    assert_eq!(report.totals.userspace_edits, 1);
}

#[test]
fn bytes_count_only_tracked_namespaces() {
    let report = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(0, 2, page("Talk:Alpha", 1))
        .row(0, 0, "2020-01-15", 1, row(1, 1035, false))
        .row(0, 0, "2020-01-15", 2, row(1, 500, false))
        .report();
    assert_eq!(report.totals.bytes_added, 1035);
    assert_eq!(report.totals.words_added, 200);
    assert_eq!(report.participants[0].mainspace_bytes_added, 1035);
    assert_eq!(report.participants[0].words_added, 200);
}

#[test]
fn tracked_namespaces_widen_bytes_and_articles() {
    let mut case = Case::new().page(0, 1, page("Alpha", 0)).page(0, 2, page("Talk:Alpha", 1));
    case.campaign = campaign("namespaces = [0, 1]");
    let report =
        case.row(0, 0, "2020-01-15", 1, row(1, 10, false)).row(0, 0, "2020-01-15", 2, row(1, 5, true)).report();
    assert_eq!(report.totals.bytes_added, 15);
    assert_eq!(report.totals.articles_edited, 2);
    assert_eq!(report.totals.articles_created, 1);
}

#[test]
fn user_and_draft_bytes_are_per_participant() {
    let report = Case::new()
        .page(0, 3, page("User:Alice/Sandbox", 2))
        .page(0, 5, page("Draft:Beta", 118))
        .row(0, 0, "2020-01-15", 3, row(2, 40, true))
        .row(0, 0, "2020-01-15", 5, row(1, 60, true))
        .report();
    let alice = &report.participants[0];
    assert_eq!(alice.userspace_bytes_added, 40);
    assert_eq!(alice.draft_space_bytes_added, 60);
    assert_eq!(alice.mainspace_bytes_added, 0);
    assert_eq!(alice.revisions_during_project, 3);
    assert_eq!(report.totals.bytes_added, 0);
    assert_eq!(report.totals.articles_created, 0);
}

#[test]
fn deleted_pages_count_nothing_but_are_listed() {
    let mut gone = page("Doomed", 0);
    gone.deleted = true;
    let report = Case::new().page(0, 9, gone).row(0, 0, "2020-01-15", 9, row(2, 100, true)).report();
    assert_eq!(report.totals.total_edits, 0);
    assert_eq!(report.totals.bytes_added, 0);
    assert_eq!(report.totals.articles_edited, 0);
    assert_eq!(report.totals.articles_created, 0);
    assert_eq!(report.participants[0].revisions_during_project, 0);
    assert_eq!(report.articles.len(), 1);
    assert!(report.articles[0].deleted);
    assert_eq!(report.articles[0].edit_count, 2);
}

#[test]
fn redirects_are_not_articles_but_their_edits_count() {
    let mut redirect = page("Alpha (redirect)", 0);
    redirect.redirect = Some(true);
    let report = Case::new().page(0, 8, redirect).row(0, 1, "2020-01-15", 8, row(1, 22, true)).report();
    assert_eq!(report.totals.total_edits, 1);
    assert_eq!(report.totals.mainspace_edits, 1);
    assert_eq!(report.totals.bytes_added, 22);
    assert_eq!(report.totals.articles_edited, 0);
    assert_eq!(report.totals.articles_created, 0);
    assert!(report.articles[0].redirect);
    assert!(!report.articles[0].new);
}

#[test]
fn page_not_yet_looked_up_counts_as_an_article() {
    let mut unknown = page("Fresh", 0);
    unknown.redirect = None;
    let report = Case::new().page(0, 1, unknown).row(0, 0, "2020-01-15", 1, row(1, 5, true)).report();
    assert_eq!(report.totals.articles_edited, 1);
    assert_eq!(report.totals.articles_created, 1);
}

#[test]
fn articles_are_distinct_per_wiki_and_page() {
    let report = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(1, 1, page("Alpha", 0))
        .row(0, 0, "2020-01-15", 1, row(1, 5, false))
        .row(0, 1, "2020-01-16", 1, row(1, 5, false))
        .row(1, 0, "2020-01-15", 1, row(1, 5, true))
        .report();
    assert_eq!(report.totals.articles_edited, 2);
    assert_eq!(report.totals.articles_created, 1);
    assert_eq!(report.per_wiki[0].totals.articles_edited, 1);
    assert_eq!(report.per_wiki[0].totals.articles_created, 0);
    assert_eq!(report.per_wiki[1].totals.articles_created, 1);
    assert_eq!(report.participants[0].total_articles_edited, 2);
    assert_eq!(report.participants[1].total_articles_edited, 1);
    let usernames: Vec<&Vec<String>> = report.articles.iter().map(|article| &article.usernames).collect();
    assert_eq!(usernames[0], &vec!["Alice".to_string(), "Bob".to_string()]);
}

#[test]
fn editors_need_an_account_on_some_campaign_wiki() {
    let report = Case::new().report();
    assert_eq!(report.totals.editors, 2);
    assert_eq!(report.per_wiki[0].totals.editors, 2);
    assert_eq!(report.per_wiki[1].totals.editors, 1);
    assert_eq!(report.participants[2].account, "missing");
}

#[test]
fn new_editors_registered_on_the_home_wiki_inside_the_window() {
    let report = Case::new().report();
    assert_eq!(report.totals.new_editors, 1);
    assert!(report.participants[1].registered_during_project);
    assert!(!report.participants[0].registered_during_project);
    assert_eq!(report.participants[1].registered_at.as_deref(), Some("2020-01-13T12:00:00Z"));
    assert_eq!(report.participants[0].global_id, Some(77));
}

#[test]
fn registration_on_a_window_boundary_counts() {
    let mut case = Case::new();
    let start = case.campaign.window().start;
    let end = case.campaign.window().end;
    case.facts[0].accounts[0] = account(start);
    case.facts[1].accounts[0] = account(end);
    assert_eq!(case.report().totals.new_editors, 2);
    case.facts[1].accounts[0] = account(end + 1);
    assert_eq!(case.report().totals.new_editors, 1);
}

#[test]
fn daily_series_covers_every_campaign_day() {
    let report = Case::new()
        .page(0, 1, page("Alpha", 0))
        .row(0, 0, "2020-01-15", 1, row(2, 20, true))
        .row(0, 1, "2020-01-15", 1, row(1, 6, false))
        .row(0, 1, "2020-01-20", 1, row(1, 7, false))
        .report();
    assert_eq!(report.daily.len(), 31);
    assert_eq!(report.daily[0].date, "2020-01-01");
    assert_eq!(report.daily[30].date, "2020-01-31");
    let jan15 = &report.daily[14];
    assert_eq!(jan15.total_edits, 3);
    assert_eq!(jan15.bytes_added, 26);
    assert_eq!(jan15.words_added, 5);
    assert_eq!(jan15.editors, 2);
    assert_eq!(jan15.articles_edited, 1);
    assert_eq!(jan15.articles_created, 1);
    assert_eq!(report.daily[19].articles_created, 0);
    assert_eq!(report.daily[12].new_editors, 1);
    let sum: u64 = report.daily.iter().map(|day| day.total_edits).sum();
    assert_eq!(sum, report.totals.total_edits);
}

#[test]
fn words_are_computed_from_each_levels_own_bytes() {
    // 3 + 3 bytes: each wiki has 0 words, the campaign has 1.
    let report = Case::new()
        .page(0, 1, page("A", 0))
        .page(1, 1, page("A", 0))
        .row(0, 0, "2020-01-15", 1, row(1, 3, false))
        .row(1, 0, "2020-01-15", 1, row(1, 3, false))
        .report();
    assert_eq!(report.per_wiki[0].totals.words_added, 0);
    assert_eq!(report.per_wiki[1].totals.words_added, 0);
    assert_eq!(report.totals.words_added, 1);
}

#[test]
fn report_json_uses_upstream_column_names() {
    let report = Case::new().page(0, 1, page("Alpha", 0)).row(0, 0, "2020-01-15", 1, row(1, 5, true)).report();
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "editors",
        "new_editors",
        "total_edits",
        "mainspace_edits",
        "article_talk_edits",
        "userspace_edits",
        "bytes_added",
        "words_added",
        "articles_edited",
        "articles_created",
    ] {
        assert!(json["totals"].get(key).is_some(), "totals.{key}");
        assert!(json["per_wiki"][0].get(key).is_some(), "per_wiki.{key}");
    }
    for key in [
        "username",
        "registered_at",
        "registered_during_project",
        "revisions_during_project",
        "mainspace_bytes_added",
        "userspace_bytes_added",
        "draft_space_bytes_added",
        "total_articles_edited",
    ] {
        assert!(json["participants"][0].get(key).is_some(), "participants.{key}");
    }
    for key in [
        "wiki",
        "page_id",
        "title",
        "namespace",
        "edit_count",
        "characters_added",
        "new",
        "deleted",
        "redirect",
        "usernames",
    ] {
        assert!(json["articles"][0].get(key).is_some(), "articles.{key}");
    }
    assert_eq!(json["per_wiki"][0]["wiki"], "https://en.wikipedia.org/w/api.php");
    assert_eq!(json["time_zone"], "UTC");
    assert_eq!(json["start"], "2020-01-01");
}
