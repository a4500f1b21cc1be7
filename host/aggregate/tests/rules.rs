//! The statistic rules, one case at a time, on hand-made rows.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use wikidash_aggregate::{AggregateInput, Aggregator, ArticleList, Enrichment, ParticipantFacts, Report, UploadFacts};
use wikidash_core::records::{AccountRecord, AccountState, DayRow, PageRecord, QualityRecord};
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
    PageRecord { title: title.into(), namespace, redirect: Some(false), checked_at: Some(0), ..PageRecord::default() }
}

fn row(edits: u32, bytes: u64, created: bool) -> DayRow {
    DayRow {
        edits,
        bytes_added: bytes,
        created,
        first_revision: JAN_15_NOON,
        last_revision: JAN_15_NOON,
        ..DayRow::default()
    }
}

fn day(date: &str) -> Day {
    Day::from_date(date.parse().unwrap())
}

struct Case {
    campaign: Campaign,
    facts: Vec<ParticipantFacts>,
    pages: FxHashMap<(usize, u64), PageRecord>,
    rows: Vec<(usize, usize, Day, u64, DayRow)>,
}

impl Case {
    fn new() -> Case {
        Case { campaign: campaign(""), facts: facts(), pages: FxHashMap::default(), rows: Vec::new() }
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
        self.report_with(None, Enrichment::default())
    }

    fn report_listing(&self, list: ArticleList) -> Report {
        self.aggregator(None).finish_listing(Enrichment::default(), list)
    }

    fn report_with(&self, in_scope: Option<&FxHashSet<(usize, u64)>>, enrichment: Enrichment) -> Report {
        self.aggregator(in_scope).finish(enrichment)
    }

    fn aggregator<'a>(&'a self, in_scope: Option<&'a FxHashSet<(usize, u64)>>) -> Aggregator<'a> {
        let input = AggregateInput {
            campaign: &self.campaign,
            participants: &self.facts,
            pages: &self.pages,
            in_scope,
            today: day("2020-01-20"),
        };
        let mut aggregator = Aggregator::new(input);
        for (wiki, participant, day, page, row) in &self.rows {
            aggregator.add_row(*wiki, *participant, *day, *page, row);
        }
        aggregator
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
    assert_eq!(report.totals.totals.total_edits, 10);
    assert_eq!(report.totals.totals.mainspace_edits, 3);
    assert_eq!(report.totals.totals.article_talk_edits, 2);
    assert_eq!(report.totals.totals.userspace_edits, 1);
}

#[test]
fn bytes_count_only_tracked_namespaces() {
    let report = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(0, 2, page("Talk:Alpha", 1))
        .row(0, 0, "2020-01-15", 1, row(1, 1035, false))
        .row(0, 0, "2020-01-15", 2, row(1, 500, false))
        .report();
    assert_eq!(report.totals.totals.bytes_added, 1035);
    assert_eq!(report.totals.totals.words_added, 200);
    assert_eq!(report.participants[0].mainspace_bytes_added, 1035);
    assert_eq!(report.participants[0].words_added, 200);
}

#[test]
fn tracked_namespaces_widen_bytes_and_articles() {
    let mut case = Case::new().page(0, 1, page("Alpha", 0)).page(0, 2, page("Talk:Alpha", 1));
    case.campaign = campaign("namespaces = [0, 1]");
    let report =
        case.row(0, 0, "2020-01-15", 1, row(1, 10, false)).row(0, 0, "2020-01-15", 2, row(1, 5, true)).report();
    assert_eq!(report.totals.totals.bytes_added, 15);
    assert_eq!(report.totals.totals.articles_edited, 2);
    assert_eq!(report.totals.totals.articles_created, 1);
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
    assert_eq!(report.totals.totals.bytes_added, 0);
    assert_eq!(report.totals.totals.articles_created, 0);
}

#[test]
fn deleted_pages_count_nothing_but_are_listed() {
    let mut gone = page("Doomed", 0);
    gone.deleted = true;
    let report = Case::new().page(0, 9, gone).row(0, 0, "2020-01-15", 9, row(2, 100, true)).report();
    assert_eq!(report.totals.totals.total_edits, 0);
    assert_eq!(report.totals.totals.bytes_added, 0);
    assert_eq!(report.totals.totals.articles_edited, 0);
    assert_eq!(report.totals.totals.articles_created, 0);
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
    assert_eq!(report.totals.totals.total_edits, 1);
    assert_eq!(report.totals.totals.mainspace_edits, 1);
    assert_eq!(report.totals.totals.bytes_added, 22);
    assert_eq!(report.totals.totals.articles_edited, 0);
    assert_eq!(report.totals.totals.articles_created, 0);
    assert!(report.articles[0].redirect);
    assert!(!report.articles[0].new);
}

#[test]
fn most_edited_listing_keeps_every_statistic() {
    let case = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(0, 2, page("Beta", 0))
        .page(0, 3, page("Gamma", 0))
        .page(1, 4, page("Delta", 0))
        .row(0, 0, "2020-01-15", 1, row(1, 5, false))
        .row(0, 0, "2020-01-15", 2, row(4, 5, false))
        .row(0, 1, "2020-01-16", 3, row(4, 5, true))
        .row(1, 0, "2020-01-15", 4, row(2, 5, false));
    let all = case.report();
    let top = case.report_listing(ArticleList::MostEdited(2));

    // Beta and Gamma tie on 4 edits; both outrank Delta (2) and Alpha (1).
    let titles: Vec<&str> = top.articles.iter().map(|article| article.title.as_str()).collect();
    assert_eq!(titles, ["Beta", "Gamma"]);
    assert_eq!(top.article_count, 4);
    assert_eq!(all.article_count, 4);
    assert_eq!(all.articles.len(), 4);
    assert_eq!(top.totals, all.totals);
    assert_eq!(top.per_wiki, all.per_wiki);
    assert_eq!(top.participants, all.participants);
    assert_eq!(top.daily, all.daily);
}

#[test]
fn most_edited_ties_are_broken_by_title() {
    let case = Case::new()
        .page(0, 1, page("Zeta", 0))
        .page(0, 2, page("Eta", 0))
        .row(0, 0, "2020-01-15", 1, row(3, 5, false))
        .row(0, 0, "2020-01-15", 2, row(3, 5, false));
    let top = case.report_listing(ArticleList::MostEdited(1));
    assert_eq!(top.articles.len(), 1);
    assert_eq!(top.articles[0].title, "Eta");
    assert_eq!(case.report_listing(ArticleList::MostEdited(0)).articles.len(), 0);
}

#[test]
fn page_not_yet_looked_up_counts_as_an_article() {
    let mut unknown = page("Fresh", 0);
    unknown.redirect = None;
    let report = Case::new().page(0, 1, unknown).row(0, 0, "2020-01-15", 1, row(1, 5, true)).report();
    assert_eq!(report.totals.totals.articles_edited, 1);
    assert_eq!(report.totals.totals.articles_created, 1);
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
    assert_eq!(report.totals.totals.articles_edited, 2);
    assert_eq!(report.totals.totals.articles_created, 1);
    assert_eq!(report.per_wiki[0].totals.articles_edited, 1);
    assert_eq!(report.per_wiki[0].totals.articles_created, 0);
    assert_eq!(report.per_wiki[1].totals.articles_created, 1);
    assert_eq!(report.participants[0].total_articles_edited, 2);
    assert_eq!(report.participants[1].total_articles_edited, 1);
    let usernames: Vec<&str> = report.articles[0].usernames.iter().map(|name| &**name).collect();
    assert_eq!(usernames, ["Alice", "Bob"]);
}

#[test]
fn editors_need_an_account_on_some_campaign_wiki() {
    let report = Case::new().report();
    assert_eq!(report.totals.totals.editors, 2);
    assert_eq!(report.per_wiki[0].totals.editors, 2);
    assert_eq!(report.per_wiki[1].totals.editors, 1);
    assert_eq!(report.participants[2].account, "missing");
}

#[test]
fn new_editors_registered_on_the_home_wiki_inside_the_window() {
    let report = Case::new().report();
    assert_eq!(report.totals.totals.new_editors, 1);
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
    assert_eq!(case.report().totals.totals.new_editors, 2);
    case.facts[1].accounts[0] = account(end + 1);
    assert_eq!(case.report().totals.totals.new_editors, 1);
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
    assert_eq!(sum, report.totals.totals.total_edits);
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
    assert_eq!(report.totals.totals.words_added, 1);
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

#[test]
fn scoped_campaign_counts_only_in_scope_pages() {
    let case = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(0, 2, page("Beta", 0))
        .row(0, 0, "2020-01-15", 1, row(2, 10, true))
        .row(0, 1, "2020-01-15", 2, row(3, 20, true));
    let scope: FxHashSet<(usize, u64)> = [(0, 1)].into_iter().collect();
    let report = case.report_with(Some(&scope), Enrichment::default());
    assert_eq!(report.totals.totals.total_edits, 2);
    assert_eq!(report.totals.totals.bytes_added, 10);
    assert_eq!(report.totals.totals.articles_created, 1);
    assert_eq!(report.articles.len(), 1);
    assert_eq!(report.participants[1].revisions_during_project, 0);
}

#[test]
fn references_are_summed_on_tracked_pages_and_can_be_negative() {
    let counted = DayRow { references_added: 4, ..row(1, 10, false) };
    let removed = DayRow { references_added: -2, references_unknown: 1, ..row(2, 0, false) };
    let talk = DayRow { references_added: 9, ..row(1, 0, false) };
    let report = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(0, 2, page("Talk:Alpha", 1))
        .row(0, 0, "2020-01-15", 1, counted)
        .row(0, 1, "2020-01-16", 1, removed)
        .row(0, 1, "2020-01-16", 2, talk)
        .report();
    assert_eq!(report.totals.totals.references_added, 2);
    assert_eq!(report.totals.totals.references_pending, 1);
    assert_eq!(report.participants[0].references_added, 4);
    assert_eq!(report.participants[1].references_added, -2);
    assert_eq!(report.articles[0].references_added, 2);
    assert_eq!(report.daily[15].references_added, -2);
}

#[test]
fn recent_edits_are_the_last_seven_days() {
    // Today is 2020-01-20: 14th to 20th are recent, the 13th is not.
    let report = Case::new()
        .page(0, 1, page("Alpha", 0))
        .row(0, 0, "2020-01-13", 1, row(5, 0, false))
        .row(0, 0, "2020-01-14", 1, row(2, 0, false))
        .row(0, 1, "2020-01-20", 1, row(1, 0, false))
        .report();
    assert_eq!(report.totals.totals.recent_edits, 3);
    assert_eq!(report.participants[0].recent_revisions, 2);
    assert_eq!(report.participants[1].recent_revisions, 1);
}

#[test]
fn views_count_from_each_articles_first_edit() {
    let case = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(0, 2, page("Beta", 0))
        .row(0, 0, "2020-01-15", 1, row(1, 5, true))
        .row(0, 0, "2020-01-15", 2, row(1, 5, false));
    let mut enrichment = Enrichment { views_through: Some(day("2020-01-18")), ..Enrichment::default() };
    // Views before the first edit (the 14th) do not count.
    enrichment
        .views
        .insert((0, 1), BTreeMap::from([(day("2020-01-14"), 100), (day("2020-01-15"), 10), (day("2020-01-17"), 6)]));
    enrichment.views.insert((0, 2), BTreeMap::from([(day("2020-01-16"), 7)]));
    let report = case.report_with(None, enrichment);
    assert_eq!(report.totals.totals.article_views, 23);
    assert_eq!(report.totals.totals.created_article_views, 16);
    let alpha = &report.articles[0];
    assert_eq!(alpha.views, 16);
    // Four final days, 15th to 18th.
    assert_eq!(alpha.average_daily_views, 4.0);
    assert_eq!(report.daily[14].article_views, 10);
    assert_eq!(report.daily[13].article_views, 0);
    assert_eq!(report.daily[15].article_views, 7);
}

#[test]
fn ratings_keep_their_changes() {
    let case = Case::new().page(0, 1, page("Alpha", 0)).row(0, 0, "2020-01-15", 1, row(1, 5, false));
    let mut enrichment = Enrichment::default();
    enrichment.ratings.insert(
        (0, 1),
        BTreeMap::from([
            (day("2020-01-15"), "stub".to_string()),
            (day("2020-01-16"), "stub".to_string()),
            (day("2020-01-18"), "start".to_string()),
        ]),
    );
    let report = case.report_with(None, enrichment);
    let alpha = &report.articles[0];
    assert_eq!(alpha.rating.as_deref(), Some("start"));
    let changes: Vec<(&str, &str)> =
        alpha.rating_history.iter().map(|change| (change.date.as_str(), change.class.as_str())).collect();
    assert_eq!(changes, [("2020-01-15", "stub"), ("2020-01-18", "start")]);
}

#[test]
fn quality_scores_get_the_wikis_weights() {
    let case = Case::new()
        .page(0, 1, page("Alpha", 0))
        .page(1, 1, page("Alpha", 0))
        .row(0, 0, "2020-01-15", 1, row(1, 5, false))
        .row(1, 0, "2020-01-15", 1, row(1, 5, false));
    let scored =
        QualityRecord::Scored { prediction: "B".into(), probabilities: vec![("B".into(), 0.5), ("C".into(), 0.5)] };
    let mut enrichment =
        Enrichment { wiki_languages: vec![Some("en".into()), Some("de".into())], ..Enrichment::default() };
    enrichment.quality.insert((0, 1), scored.clone());
    enrichment.quality.insert((1, 1), scored);
    let report = case.report_with(None, enrichment);
    assert_eq!(report.articles[0].quality_prediction.as_deref(), Some("B"));
    assert_eq!(report.articles[0].wp10, Some(50.0));
    // German has no weights: the prediction is shown, without a score.
    assert_eq!(report.articles[1].quality_prediction.as_deref(), Some("B"));
    assert_eq!(report.articles[1].wp10, None);
}

#[test]
fn uploads_count_live_files_and_their_usage() {
    let upload = |title: &str, user: &str, usage: Option<u64>, deleted: bool| UploadFacts {
        title: title.into(),
        page_url: format!("https://commons.wikimedia.org/wiki/{title}"),
        user: user.into(),
        timestamp: JAN_15_NOON,
        usage,
        deleted,
        thumb_url: None,
    };
    let enrichment = Enrichment {
        uploads: vec![
            upload("File:A.jpg", "Alice", Some(3), false),
            upload("File:B.jpg", "Alice", Some(0), false),
            upload("File:C.jpg", "Bob", None, false),
            upload("File:D.jpg", "Bob", Some(9), true),
        ],
        ..Enrichment::default()
    };
    let report = Case::new().report_with(None, enrichment);
    assert_eq!(report.totals.upload_count, 3);
    assert_eq!(report.totals.uploads_used_in_articles, 1);
    assert_eq!(report.totals.upload_usage_count_across_all_wikis, 3);
    assert_eq!(report.participants[0].total_uploads, 2);
    assert_eq!(report.participants[1].total_uploads, 1);
    assert_eq!(report.uploads.len(), 4);
    assert!(report.uploads[3].deleted);
}
