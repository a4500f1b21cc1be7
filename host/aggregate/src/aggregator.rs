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

use std::collections::BTreeMap;
use std::sync::Arc;

use fixedbitset::FixedBitSet;
use rustc_hash::{FxHashMap, FxHashSet};

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
    pub pages: &'a FxHashMap<PageKey, PageRecord>,
    /// The in-scope pages of an article-scoped campaign; `None` when every page counts.
    pub in_scope: Option<&'a FxHashSet<PageKey>>,
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
    pub views: FxHashMap<PageKey, BTreeMap<Day, u64>>,
    /// The last UTC day whose views are final.
    pub views_through: Option<Day>,
    /// Quality classes per article, by the day they were recorded.
    pub ratings: FxHashMap<PageKey, BTreeMap<Day, String>>,
    /// Quality model answers for each article's latest revision in the window.
    pub quality: FxHashMap<PageKey, QualityRecord>,
    /// Language code of each campaign wiki, for the quality weights.
    pub wiki_languages: Vec<Option<String>>,
    /// Participants' uploads inside the window.
    pub uploads: Vec<UploadFacts>,
    pub scope: Vec<ScopeReport>,
    pub sync: Vec<SyncReport>,
}

/// Edit counts of one wiki or one day. Distinct articles are counted from the article
/// tallies when the report is built, so a row costs no set lookups here.
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
}

/// Distinct articles and their views, counted when the report is built.
#[derive(Clone, Copy, Default)]
struct ArticleCounts {
    edited: u64,
    created: u64,
    views: u64,
    created_views: u64,
}

#[derive(Default)]
struct PersonTally {
    revisions: u64,
    tracked_bytes: u64,
    user_bytes: u64,
    draft_bytes: u64,
    references: i64,
    recent: u64,
}

/// One page in a tracked namespace that participants edited.
#[derive(Default)]
struct ArticleTally {
    edits: u64,
    bytes: u64,
    references: i64,
    new: bool,
    first_edit: Option<i64>,
    /// The page counts as an article: it exists and is not a redirect. This depends on the
    /// page alone, so every row of the page agrees.
    counted: bool,
    /// Indexes of the participants who edited it, sorted, without repeats: usually a handful.
    /// Indexes are `u32` because a large campaign has a million of these tallies.
    participants: Vec<u32>,
    /// Participants with a row that created the page, sorted, without repeats.
    creators: Vec<u32>,
    /// Indexes into the window's days on which it had counted edits, sorted, without repeats.
    days: Vec<u32>,
    /// Days on which one of its counted rows created it.
    created_days: Vec<u32>,
    /// (Unix seconds, revision id) of the latest revision seen.
    latest_revision: (i64, u64),
    /// User views from the first edit on, filled in by `finish`.
    views: u64,
}

/// Insert `value` into the sorted `list` unless it is there already.
fn insert_sorted(list: &mut Vec<u32>, value: usize) {
    let value = u32::try_from(value).expect("participant and day indexes fit in u32");
    if let Err(position) = list.binary_search(&value) {
        list.insert(position, value);
    }
}

/// Selection of the articles a report lists. Every statistic counts all articles either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArticleList {
    All,
    /// The given number of articles with the most edits, ties broken by title and page id,
    /// as the tables show them. A report for a million articles then stays small.
    MostEdited(usize),
}

/// Accumulates a campaign's rows; [`Aggregator::finish`] produces the report.
pub struct Aggregator<'a> {
    input: AggregateInput<'a>,
    window: Window,
    wikis: Vec<Tally>,
    people: Vec<PersonTally>,
    articles: FxHashMap<PageKey, ArticleTally>,
    /// The window's first day in the campaign's time zone.
    first_day: Day,
    /// One tally per day of the window, from its first day.
    days: Vec<Tally>,
    /// Participants with counted edits, per day of the window.
    day_editors: Vec<FixedBitSet>,
}

impl<'a> Aggregator<'a> {
    pub fn new(input: AggregateInput<'a>) -> Self {
        let first_day = input.campaign.first_day();
        let day_count = first_day.through(input.campaign.last_day()).count();
        Aggregator {
            window: input.campaign.window(),
            wikis: input.campaign.wikis.iter().map(|_| Tally::default()).collect(),
            people: input.participants.iter().map(|_| PersonTally::default()).collect(),
            articles: FxHashMap::default(),
            first_day,
            days: (0..day_count).map(|_| Tally::default()).collect(),
            day_editors: (0..day_count).map(|_| FixedBitSet::with_capacity(input.participants.len())).collect(),
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
        // Rows outside the window (left by a window that shrank) count in the totals only.
        let day_index = usize::try_from(day.0 - self.first_day.0).ok().filter(|&index| index < self.days.len());

        if tracked {
            let article = self
                .articles
                .entry(key)
                .or_insert_with(|| ArticleTally { counted: !deleted && !redirect, ..ArticleTally::default() });
            article.edits += u64::from(row.edits);
            article.bytes += row.bytes_added;
            article.references += row.references_added;
            article.new |= row.created && !redirect;
            article.first_edit =
                Some(article.first_edit.map_or(row.first_revision, |first| first.min(row.first_revision)));
            article.latest_revision = article.latest_revision.max((row.last_revision, row.last_rev_id));
            insert_sorted(&mut article.participants, participant);
            if article.counted {
                if row.created {
                    insert_sorted(&mut article.creators, participant);
                }
                if let Some(index) = day_index {
                    insert_sorted(&mut article.days, index);
                    if row.created {
                        insert_sorted(&mut article.created_days, index);
                    }
                }
            }
        }
        if deleted {
            return;
        }

        let recent = day <= self.input.today && day.0 > self.input.today.0 - 7;
        let edit = Edit { namespace, tracked, recent, row };
        edit.apply(&mut self.wikis[wiki]);
        if let Some(index) = day_index {
            edit.apply(&mut self.days[index]);
            self.day_editors[index].insert(participant);
        }

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
    }

    /// The latest revision seen on each tracked page, as (page, revision id): the revision
    /// whose quality a report shows.
    pub fn latest_revisions(&self) -> impl Iterator<Item = (PageKey, u64)> + '_ {
        self.articles.iter().map(|(key, article)| (*key, article.latest_revision.1))
    }

    /// Build the report, listing every article, from the rows folded in and `enrichment`.
    pub fn finish(self, enrichment: Enrichment) -> Report {
        self.finish_listing(enrichment, ArticleList::All)
    }

    /// Build the report from the rows folded in and `enrichment`, listing the articles `list`
    /// selects.
    pub fn finish_listing(mut self, enrichment: Enrichment, list: ArticleList) -> Report {
        for (key, article) in &mut self.articles {
            article.views = views_from_first_edit(article, enrichment.views.get(key));
        }
        let mut per_wiki_articles = vec![ArticleCounts::default(); self.wikis.len()];
        for (&(wiki, _), article) in self.articles.iter().filter(|(_, article)| article.counted) {
            let counts = &mut per_wiki_articles[wiki];
            counts.edited += 1;
            counts.views += article.views;
            if !article.creators.is_empty() {
                counts.created += 1;
                counts.created_views += article.views;
            }
        }
        let campaign = self.input.campaign;
        let per_wiki: Vec<WikiReport> = self
            .wikis
            .iter()
            .enumerate()
            .map(|(index, tally)| WikiReport {
                wiki: campaign.wikis[index].to_string(),
                totals: self.totals_of(
                    tally,
                    per_wiki_articles[index],
                    self.editors_on(Some(index)),
                    self.new_editors_on(Some(index)),
                ),
            })
            .collect();
        let totals = self.campaign_totals(&per_wiki_articles, &enrichment);
        let participants = self.participant_reports(&enrichment);
        let articles = self.article_reports(&enrichment, list);
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
            article_count: self.articles.len(),
            articles,
            uploads,
            daily,
            scope: enrichment.scope,
            sync: enrichment.sync,
        }
    }

    fn campaign_totals(&self, per_wiki_articles: &[ArticleCounts], enrichment: &Enrichment) -> CampaignTotals {
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
        }
        // Articles are keyed by wiki, so the campaign's distinct articles are the wikis' sum.
        let mut articles = ArticleCounts::default();
        for counts in per_wiki_articles {
            articles.edited += counts.edited;
            articles.created += counts.created;
            articles.views += counts.views;
            articles.created_views += counts.created_views;
        }
        let live: Vec<&UploadFacts> = enrichment.uploads.iter().filter(|upload| !upload.deleted).collect();
        CampaignTotals {
            totals: self.totals_of(&all, articles, self.editors_on(None), self.new_editors_on(None)),
            upload_count: live.len() as u64,
            uploads_used_in_articles: live.iter().filter(|upload| upload.usage.unwrap_or(0) > 0).count() as u64,
            upload_usage_count_across_all_wikis: live.iter().map(|upload| upload.usage.unwrap_or(0)).sum(),
        }
    }

    fn totals_of(&self, tally: &Tally, articles: ArticleCounts, editors: u64, new_editors: u64) -> Totals {
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
            articles_edited: articles.edited,
            articles_created: articles.created,
            article_views: articles.views,
            created_article_views: articles.created_views,
            recent_edits: tally.recent_edits,
        }
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
        // Distinct counted articles each participant edited and created.
        let mut edited = vec![0u64; self.people.len()];
        let mut created = vec![0u64; self.people.len()];
        for article in self.articles.values().filter(|article| article.counted) {
            for &participant in &article.participants {
                edited[participant as usize] += 1;
            }
            for &participant in &article.creators {
                created[participant as usize] += 1;
            }
        }
        let mut uploads_by: FxHashMap<&str, u64> = FxHashMap::default();
        for upload in enrichment.uploads.iter().filter(|upload| !upload.deleted) {
            *uploads_by.entry(upload.user.as_str()).or_default() += 1;
        }
        self.input
            .participants
            .iter()
            .zip(&self.people)
            .enumerate()
            .map(|(index, (facts, person))| {
                let home = facts.accounts.first().cloned().flatten();
                let registered = registration(facts, 0);
                let uploads = uploads_by.get(facts.name.as_str()).copied().unwrap_or(0);
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
                    total_articles_edited: edited[index],
                    articles_created: created[index],
                    total_uploads: uploads,
                    recent_revisions: person.recent,
                }
            })
            .collect()
    }

    /// Return the articles `list` selects, ordered by wiki, then title, then page id.
    fn listed_articles(&self, list: ArticleList) -> Vec<(&PageKey, &ArticleTally)> {
        // Each title is looked up once, not in every comparison.
        let mut listed: Vec<(&str, &PageKey, &ArticleTally)> = self
            .articles
            .iter()
            .map(|(key, tally)| (self.input.pages.get(key).map_or("", |page| page.title.as_str()), key, tally))
            .collect();
        if let ArticleList::MostEdited(count) = list
            && count < listed.len()
        {
            if count > 0 {
                listed.select_nth_unstable_by(count - 1, |(a_title, a_key, a), (b_title, b_key, b)| {
                    (b.edits, a_title, a_key.1).cmp(&(a.edits, b_title, b_key.1))
                });
            }
            listed.truncate(count);
        }
        listed.sort_unstable_by(|(a_title, a_key, _), (b_title, b_key, _)| {
            (a_key.0, a_title, a_key.1).cmp(&(b_key.0, b_title, b_key.1))
        });
        listed.into_iter().map(|(_, key, tally)| (key, tally)).collect()
    }

    fn article_reports(&self, enrichment: &Enrichment, list: ArticleList) -> Vec<ArticleReport> {
        let tz = self.input.campaign.time_zone;
        let wikis: Vec<Arc<str>> = self.input.campaign.wikis.iter().map(|wiki| Arc::from(wiki.to_string())).collect();
        let names: Vec<Arc<str>> = self.input.participants.iter().map(|facts| Arc::from(facts.name.as_str())).collect();
        self.listed_articles(list)
            .into_iter()
            .map(|(&(wiki, page_id), tally)| {
                let key = (wiki, page_id);
                let page = self.input.pages.get(&key);
                let mut usernames: Vec<Arc<str>> =
                    tally.participants.iter().map(|&index| names[index as usize].clone()).collect();
                usernames.sort();
                let first_edit = tally.first_edit.unwrap_or_default();
                let views = tally.views;
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
                ArticleReport {
                    wiki: wikis[wiki].clone(),
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
                }
            })
            .collect()
    }

    fn daily_reports(&self, enrichment: &Enrichment) -> Vec<DailyReport> {
        let tz = self.input.campaign.time_zone;
        let mut registrations: FxHashMap<Day, u64> = FxHashMap::default();
        for facts in self.input.participants.iter().filter(|facts| has_account(facts, None)) {
            if let Some(time) = registration(facts, 0) {
                *registrations.entry(Day::of_instant(time, tz)).or_default() += 1;
            }
        }
        // Distinct counted articles per day, and their views by UTC date from each article's
        // first edit on.
        let mut edited = vec![0u64; self.days.len()];
        let mut created = vec![0u64; self.days.len()];
        let mut views_by_day: FxHashMap<Day, u64> = FxHashMap::default();
        for (key, article) in self.articles.iter().filter(|(_, article)| article.counted) {
            for &index in &article.days {
                edited[index as usize] += 1;
            }
            for &index in &article.created_days {
                created[index as usize] += 1;
            }
            let Some(first) = article.first_edit else { continue };
            let first_day = Day::of_instant(first, chrono_tz::UTC);
            for (day, views) in enrichment.views.get(key).into_iter().flat_map(|days| days.range(first_day..)) {
                *views_by_day.entry(*day).or_default() += views;
            }
        }
        self.first_day
            .through(self.input.campaign.last_day())
            .zip(&self.days)
            .enumerate()
            .map(|(index, (day, tally))| DailyReport {
                date: day.to_string(),
                editors: self.day_editors[index].count_ones(..) as u64,
                new_editors: registrations.get(&day).copied().unwrap_or(0),
                total_edits: tally.total_edits,
                mainspace_edits: tally.mainspace_edits,
                article_talk_edits: tally.article_talk_edits,
                userspace_edits: tally.userspace_edits,
                bytes_added: tally.bytes_added,
                words_added: words_from_bytes(tally.bytes_added),
                references_added: tally.references_added,
                articles_edited: edited[index],
                articles_created: created[index],
                article_views: views_by_day.get(&day).copied().unwrap_or(0),
            })
            .collect()
    }
}

/// User views of an article from the UTC day of its first edit in the campaign on.
fn views_from_first_edit(article: &ArticleTally, days: Option<&BTreeMap<Day, u64>>) -> u64 {
    let (Some(first), Some(days)) = (article.first_edit, days) else { return 0 };
    days.range(Day::of_instant(first, chrono_tz::UTC)..).map(|(_, views)| views).sum()
}

/// One counted row, as the tallies see it.
struct Edit<'r> {
    namespace: Option<i32>,
    tracked: bool,
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
