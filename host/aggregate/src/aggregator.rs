//! Folding day rows into statistics.
//!
//! The rules, applied to every row (one participant, one page, one day):
//! - In an article-scoped campaign, only rows of in-scope pages count at all.
//! - An edit counts when its page still exists (the last lookup did not report it missing).
//!   Counted edits make `total_edits`, split by the page's current namespace into
//!   `mainspace_edits` (0), `article_talk_edits` (1) and `userspace_edits` (2).
//! - `bytes_added` and `references_added` sum counted edits on pages in the tracked
//!   namespaces; participants also get the byte sums for user pages (2) and drafts (118).
//! - An article is a page in a tracked namespace with a counted edit that was not a redirect
//!   when last synced. `articles_created` are those a participant created inside the window,
//!   not as a redirect. They are matched by page id, so a page moved afterwards still counts.
//! - `editors` are participants with an account on at least one campaign wiki; `new_editors`
//!   are those registered on the home (first) wiki inside the window.
//! - Words are ⌊bytes ÷ 5.175⌋ at every level, from that level's bytes.
//! - Views, ratings and quality belong to the counted articles; uploads to participants'
//!   files uploaded inside the window.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use wikidash_core::namespace::{DRAFT, MAIN, TALK, USER};
use wikidash_core::records::{AccountRecord, AccountState, DayRow, PageRecord, QualityRecord};
use wikidash_core::{Campaign, Day, Window};

use crate::quality::wp10;
use crate::report::{
    ArticleReport, CampaignTotals, DailyReport, ParticipantReport, RatingChange, Report, ScopeReport, SyncReport,
    Totals, UploadReport, WikiReport,
};
use crate::words::words_from_bytes;

/// A page, as (position of its wiki in the campaign, page id).
pub type PageKey = (usize, u64);

/// The accounts of one participant, as the aggregator needs them.
#[derive(Clone, Debug, PartialEq)]
pub struct ParticipantFacts {
    pub name: String,
    /// Account lookups per campaign wiki, in the campaign's wiki order; `None` where the name
    /// has not been looked up.
    pub accounts: Vec<Option<AccountRecord>>,
}

/// What the aggregator reads besides the rows.
pub struct AggregateInput<'a> {
    pub campaign: &'a Campaign,
    pub participants: &'a [ParticipantFacts],
    /// Stored attributes of every page a row refers to.
    pub pages: &'a HashMap<PageKey, PageRecord>,
    /// The in-scope pages of an article-scoped campaign; `None` when every page counts.
    pub in_scope: Option<&'a HashSet<PageKey>>,
    /// Today in the campaign's time zone, for recent edits.
    pub today: Day,
}

/// A file a participant uploaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadFacts {
    pub title: String,
    /// The file page's URL.
    pub page_url: String,
    pub user: String,
    pub timestamp: i64,
    pub usage: Option<u64>,
    pub deleted: bool,
    pub thumb_url: Option<String>,
}

/// Facts from the importers other than revisions.
#[derive(Clone, Debug, Default)]
pub struct Enrichment {
    /// Daily user views per article, by UTC day.
    pub views: HashMap<PageKey, BTreeMap<Day, u64>>,
    /// The last UTC day whose views are final.
    pub views_through: Option<Day>,
    /// Quality classes per article, by the day they were recorded.
    pub ratings: HashMap<PageKey, BTreeMap<Day, String>>,
    /// Quality model answers for each article's latest revision in the window.
    pub quality: HashMap<PageKey, QualityRecord>,
    /// Language code of each campaign wiki, for the quality weights.
    pub wiki_languages: Vec<Option<String>>,
    /// Participants' uploads inside the window.
    pub uploads: Vec<UploadFacts>,
    pub scope: Vec<ScopeReport>,
    pub sync: Vec<SyncReport>,
}

#[derive(Default)]
struct Tally {
    total_edits: u64,
    mainspace_edits: u64,
    article_talk_edits: u64,
    userspace_edits: u64,
    bytes_added: u64,
    references_added: i64,
    references_pending: u64,
    recent_edits: u64,
    articles_edited: HashSet<PageKey>,
    articles_created: HashSet<PageKey>,
    editors: HashSet<usize>,
}

#[derive(Default)]
struct PersonTally {
    revisions: u64,
    tracked_bytes: u64,
    user_bytes: u64,
    draft_bytes: u64,
    references: i64,
    recent: u64,
    articles: HashSet<PageKey>,
    created: HashSet<PageKey>,
}

#[derive(Default)]
struct ArticleTally {
    edits: u64,
    bytes: u64,
    references: i64,
    new: bool,
    first_edit: Option<i64>,
    participants: BTreeSet<usize>,
}

/// Accumulates a campaign's rows; [`Aggregator::finish`] produces the report.
pub struct Aggregator<'a> {
    input: AggregateInput<'a>,
    window: Window,
    wikis: Vec<Tally>,
    people: Vec<PersonTally>,
    articles: BTreeMap<PageKey, ArticleTally>,
    days: BTreeMap<Day, Tally>,
}

impl<'a> Aggregator<'a> {
    pub fn new(input: AggregateInput<'a>) -> Self {
        Aggregator {
            window: input.campaign.window(),
            wikis: input.campaign.wikis.iter().map(|_| Tally::default()).collect(),
            people: input.participants.iter().map(|_| PersonTally::default()).collect(),
            articles: BTreeMap::new(),
            days: BTreeMap::new(),
            input,
        }
    }

    /// Fold in one row: participant `participant` (index into the participants) on page
    /// `page_id` of wiki `wiki` (index into the campaign's wikis) on `day`.
    pub fn add_row(&mut self, wiki: usize, participant: usize, day: Day, page_id: u64, row: &DayRow) {
        if wiki >= self.wikis.len() || participant >= self.people.len() || row.edits == 0 {
            return;
        }
        let key = (wiki, page_id);
        if self.input.in_scope.is_some_and(|scope| !scope.contains(&key)) {
            return;
        }
        let page = self.input.pages.get(&key);
        let deleted = page.is_some_and(|page| page.deleted);
        let namespace = page.map(|page| page.namespace);
        let tracked = namespace.is_some_and(|ns| self.input.campaign.namespaces.contains(&ns));
        let redirect = page.is_some_and(|page| page.redirect == Some(true));

        if tracked {
            let article = self.articles.entry(key).or_default();
            article.edits += u64::from(row.edits);
            article.bytes += row.bytes_added;
            article.references += row.references_added;
            article.new |= row.created && !redirect;
            article.first_edit =
                Some(article.first_edit.map_or(row.first_revision, |first| first.min(row.first_revision)));
            article.participants.insert(participant);
        }
        if deleted {
            return;
        }

        let recent = day <= self.input.today && day.0 > self.input.today.0 - 7;
        let edit = Edit { key, participant, namespace, tracked, article: tracked && !redirect, recent, row };
        edit.apply(&mut self.wikis[wiki]);
        edit.apply(self.days.entry(day).or_default());

        let person = &mut self.people[participant];
        person.revisions += u64::from(row.edits);
        if recent {
            person.recent += u64::from(row.edits);
        }
        if tracked {
            person.tracked_bytes += row.bytes_added;
            person.references += row.references_added;
        }
        match namespace {
            Some(USER) => person.user_bytes += row.bytes_added,
            Some(DRAFT) => person.draft_bytes += row.bytes_added,
            _ => {}
        }
        if edit.article {
            person.articles.insert(key);
            if row.created {
                person.created.insert(key);
            }
        }
    }

    /// Build the report from the rows folded in and `enrichment`.
    pub fn finish(self, enrichment: Enrichment) -> Report {
        let campaign = self.input.campaign;
        let per_wiki: Vec<WikiReport> = self
            .wikis
            .iter()
            .enumerate()
            .map(|(index, tally)| WikiReport {
                wiki: campaign.wikis[index].to_string(),
                totals: self.totals_of(
                    tally,
                    self.editors_on(Some(index)),
                    self.new_editors_on(Some(index)),
                    &enrichment,
                ),
            })
            .collect();
        let totals = self.campaign_totals(&enrichment);
        let participants = self.participant_reports(&enrichment);
        let articles = self.article_reports(&enrichment);
        let daily = self.daily_reports(&enrichment);
        let uploads = upload_reports(&enrichment);
        Report {
            campaign: campaign.name.clone(),
            title: campaign.title.clone(),
            time_zone: campaign.time_zone.name().to_string(),
            start: campaign.start.to_text(),
            end: campaign.end.to_text(),
            namespaces: campaign.namespaces.clone(),
            scoped: campaign.is_scoped(),
            totals,
            per_wiki,
            participants,
            articles,
            uploads,
            daily,
            scope: enrichment.scope,
            sync: enrichment.sync,
        }
    }

    fn campaign_totals(&self, enrichment: &Enrichment) -> CampaignTotals {
        let mut all = Tally::default();
        for tally in &self.wikis {
            all.total_edits += tally.total_edits;
            all.mainspace_edits += tally.mainspace_edits;
            all.article_talk_edits += tally.article_talk_edits;
            all.userspace_edits += tally.userspace_edits;
            all.bytes_added += tally.bytes_added;
            all.references_added += tally.references_added;
            all.references_pending += tally.references_pending;
            all.recent_edits += tally.recent_edits;
            all.articles_edited.extend(&tally.articles_edited);
            all.articles_created.extend(&tally.articles_created);
        }
        let live: Vec<&UploadFacts> = enrichment.uploads.iter().filter(|upload| !upload.deleted).collect();
        CampaignTotals {
            totals: self.totals_of(&all, self.editors_on(None), self.new_editors_on(None), enrichment),
            upload_count: live.len() as u64,
            uploads_used_in_articles: live.iter().filter(|upload| upload.usage.unwrap_or(0) > 0).count() as u64,
            upload_usage_count_across_all_wikis: live.iter().map(|upload| upload.usage.unwrap_or(0)).sum(),
        }
    }

    fn totals_of(&self, tally: &Tally, editors: u64, new_editors: u64, enrichment: &Enrichment) -> Totals {
        let views = |keys: &HashSet<PageKey>| keys.iter().map(|key| self.article_views(key, enrichment)).sum();
        Totals {
            editors,
            new_editors,
            total_edits: tally.total_edits,
            mainspace_edits: tally.mainspace_edits,
            article_talk_edits: tally.article_talk_edits,
            userspace_edits: tally.userspace_edits,
            bytes_added: tally.bytes_added,
            words_added: words_from_bytes(tally.bytes_added),
            references_added: tally.references_added,
            references_pending: tally.references_pending,
            articles_edited: tally.articles_edited.len() as u64,
            articles_created: tally.articles_created.len() as u64,
            article_views: views(&tally.articles_edited),
            created_article_views: views(&tally.articles_created),
            recent_edits: tally.recent_edits,
        }
    }

    /// Views of the article at `key` from the day of its first edit in the campaign (UTC).
    fn article_views(&self, key: &PageKey, enrichment: &Enrichment) -> u64 {
        let Some(first) = self.articles.get(key).and_then(|article| article.first_edit) else { return 0 };
        let first_day = Day::of_instant(first, chrono_tz::UTC);
        enrichment.views.get(key).map_or(0, |days| days.range(first_day..).map(|(_, views)| views).sum())
    }

    /// Participants with an account on wiki `wiki`, or on any campaign wiki for `None`.
    fn editors_on(&self, wiki: Option<usize>) -> u64 {
        self.input.participants.iter().filter(|facts| has_account(facts, wiki)).count() as u64
    }

    /// Editors registered inside the window: on wiki `wiki`, or on the home wiki for `None`.
    fn new_editors_on(&self, wiki: Option<usize>) -> u64 {
        self.input
            .participants
            .iter()
            .filter(|facts| has_account(facts, wiki))
            .filter(|facts| registration(facts, wiki.unwrap_or(0)).is_some_and(|time| self.window.contains(time)))
            .count() as u64
    }

    fn participant_reports(&self, enrichment: &Enrichment) -> Vec<ParticipantReport> {
        self.input
            .participants
            .iter()
            .zip(&self.people)
            .map(|(facts, person)| {
                let home = facts.accounts.first().cloned().flatten();
                let registered = registration(facts, 0);
                let uploads =
                    enrichment.uploads.iter().filter(|upload| !upload.deleted && upload.user == facts.name).count();
                ParticipantReport {
                    username: facts.name.clone(),
                    account: account_label(home.as_ref()).into(),
                    global_id: home.as_ref().and_then(|record| match record.state {
                        AccountState::Exists { central_id, .. } => central_id,
                        _ => None,
                    }),
                    registered_at: registered.map(iso8601),
                    registered_during_project: registered.is_some_and(|time| self.window.contains(time)),
                    revisions_during_project: person.revisions,
                    mainspace_bytes_added: person.tracked_bytes,
                    userspace_bytes_added: person.user_bytes,
                    draft_space_bytes_added: person.draft_bytes,
                    words_added: words_from_bytes(person.tracked_bytes),
                    references_added: person.references,
                    total_articles_edited: person.articles.len() as u64,
                    articles_created: person.created.len() as u64,
                    total_uploads: uploads as u64,
                    recent_revisions: person.recent,
                }
            })
            .collect()
    }

    fn article_reports(&self, enrichment: &Enrichment) -> Vec<ArticleReport> {
        let tz = self.input.campaign.time_zone;
        let mut reports: Vec<(usize, ArticleReport)> = self
            .articles
            .iter()
            .map(|(&(wiki, page_id), tally)| {
                let key = (wiki, page_id);
                let page = self.input.pages.get(&key);
                let mut usernames: Vec<String> =
                    tally.participants.iter().map(|&index| self.input.participants[index].name.clone()).collect();
                usernames.sort();
                let first_edit = tally.first_edit.unwrap_or_default();
                let views = self.article_views(&key, enrichment);
                let days_with_views = enrichment
                    .views_through
                    .map_or(0, |through| through.0 - Day::of_instant(first_edit, chrono_tz::UTC).0 + 1)
                    .max(0);
                let (rating, rating_history) = rating_of(enrichment.ratings.get(&key));
                let (quality_prediction, wp10_score) = match enrichment.quality.get(&key) {
                    Some(QualityRecord::Scored { prediction, probabilities }) => {
                        let language = enrichment.wiki_languages.get(wiki).cloned().flatten();
                        (Some(prediction.clone()), language.and_then(|language| wp10(&language, probabilities)))
                    }
                    _ => (None, None),
                };
                let report = ArticleReport {
                    wiki: self.input.campaign.wikis[wiki].to_string(),
                    page_id,
                    title: page.map(|page| page.title.clone()).unwrap_or_default(),
                    namespace: page.map_or(MAIN, |page| page.namespace),
                    edit_count: tally.edits,
                    characters_added: tally.bytes,
                    references_added: tally.references,
                    new: tally.new,
                    deleted: page.is_some_and(|page| page.deleted),
                    redirect: page.is_some_and(|page| page.redirect == Some(true)),
                    usernames,
                    first_edit: Day::of_instant(first_edit, tz).to_string(),
                    views,
                    average_daily_views: if days_with_views > 0 {
                        views as f64 / f64::from(days_with_views)
                    } else {
                        0.0
                    },
                    rating,
                    rating_history,
                    quality_prediction,
                    wp10: wp10_score,
                };
                (wiki, report)
            })
            .collect();
        // Campaign wiki order, then title.
        reports.sort_by(|(wiki_a, a), (wiki_b, b)| (wiki_a, &a.title, a.page_id).cmp(&(wiki_b, &b.title, b.page_id)));
        reports.into_iter().map(|(_, report)| report).collect()
    }

    fn daily_reports(&self, enrichment: &Enrichment) -> Vec<DailyReport> {
        let tz = self.input.campaign.time_zone;
        let mut registrations: HashMap<Day, u64> = HashMap::new();
        for facts in self.input.participants.iter().filter(|facts| has_account(facts, None)) {
            if let Some(time) = registration(facts, 0) {
                *registrations.entry(Day::of_instant(time, tz)).or_default() += 1;
            }
        }
        // Views of counted articles by UTC date, from each article's first edit on.
        let counted: HashSet<PageKey> =
            self.wikis.iter().flat_map(|tally| tally.articles_edited.iter().copied()).collect();
        let mut views_by_day: HashMap<Day, u64> = HashMap::new();
        for key in &counted {
            let Some(first) = self.articles.get(key).and_then(|article| article.first_edit) else { continue };
            let first_day = Day::of_instant(first, chrono_tz::UTC);
            for (day, views) in enrichment.views.get(key).into_iter().flat_map(|days| days.range(first_day..)) {
                *views_by_day.entry(*day).or_default() += views;
            }
        }
        let empty = Tally::default();
        self.input
            .campaign
            .first_day()
            .through(self.input.campaign.last_day())
            .map(|day| {
                let tally = self.days.get(&day).unwrap_or(&empty);
                DailyReport {
                    date: day.to_string(),
                    editors: tally.editors.len() as u64,
                    new_editors: registrations.get(&day).copied().unwrap_or(0),
                    total_edits: tally.total_edits,
                    mainspace_edits: tally.mainspace_edits,
                    article_talk_edits: tally.article_talk_edits,
                    userspace_edits: tally.userspace_edits,
                    bytes_added: tally.bytes_added,
                    words_added: words_from_bytes(tally.bytes_added),
                    references_added: tally.references_added,
                    articles_edited: tally.articles_edited.len() as u64,
                    articles_created: tally.articles_created.len() as u64,
                    article_views: views_by_day.get(&day).copied().unwrap_or(0),
                }
            })
            .collect()
    }
}

/// One counted row, as the tallies see it.
struct Edit<'r> {
    key: PageKey,
    participant: usize,
    namespace: Option<i32>,
    tracked: bool,
    article: bool,
    recent: bool,
    row: &'r DayRow,
}

impl Edit<'_> {
    fn apply(&self, tally: &mut Tally) {
        let edits = u64::from(self.row.edits);
        tally.total_edits += edits;
        match self.namespace {
            Some(MAIN) => tally.mainspace_edits += edits,
            Some(TALK) => tally.article_talk_edits += edits,
            Some(USER) => tally.userspace_edits += edits,
            _ => {}
        }
        if self.recent {
            tally.recent_edits += edits;
        }
        if self.tracked {
            tally.bytes_added += self.row.bytes_added;
            tally.references_added += self.row.references_added;
            tally.references_pending += u64::from(self.row.references_unknown);
        }
        if self.article {
            tally.articles_edited.insert(self.key);
            if self.row.created {
                tally.articles_created.insert(self.key);
            }
        }
        tally.editors.insert(self.participant);
    }
}

/// The latest class (`None` when never rated or unassessed) and the days the class changed.
fn rating_of(ratings: Option<&BTreeMap<Day, String>>) -> (Option<String>, Vec<RatingChange>) {
    let Some(ratings) = ratings else { return (None, Vec::new()) };
    let mut history: Vec<RatingChange> = Vec::new();
    for (day, class) in ratings {
        if history.last().is_none_or(|last| &last.class != class) {
            history.push(RatingChange { date: day.to_string(), class: class.clone() });
        }
    }
    let latest = ratings.values().next_back().filter(|class| !class.is_empty()).cloned();
    (latest, history)
}

fn upload_reports(enrichment: &Enrichment) -> Vec<UploadReport> {
    let mut uploads: Vec<UploadReport> = enrichment
        .uploads
        .iter()
        .map(|upload| UploadReport {
            filename: upload.title.clone(),
            commons_page: upload.page_url.clone(),
            timestamp: iso8601(upload.timestamp),
            username: upload.user.clone(),
            usage_count: upload.usage,
            deleted: upload.deleted,
            thumb_url: upload.thumb_url.clone(),
        })
        .collect();
    uploads.sort_by(|a, b| (&a.timestamp, &a.filename).cmp(&(&b.timestamp, &b.filename)));
    uploads
}

fn has_account(facts: &ParticipantFacts, wiki: Option<usize>) -> bool {
    let exists = |record: &Option<AccountRecord>| record.as_ref().is_some_and(AccountRecord::exists);
    match wiki {
        Some(index) => facts.accounts.get(index).is_some_and(exists),
        None => facts.accounts.iter().any(exists),
    }
}

fn registration(facts: &ParticipantFacts, wiki: usize) -> Option<i64> {
    facts.accounts.get(wiki)?.as_ref()?.registration()
}

fn account_label(record: Option<&AccountRecord>) -> &'static str {
    match record.map(|record| &record.state) {
        Some(AccountState::Exists { .. }) => "exists",
        Some(AccountState::Missing) => "missing",
        Some(AccountState::Invalid(_)) => "invalid",
        None => "unknown",
    }
}

/// Unix seconds as ISO 8601 UTC, e.g. `2026-03-01T09:00:00Z`.
pub fn iso8601(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}
