//! Folding day rows into statistics.
//!
//! The rules, applied to every row (one participant, one page, one day):
//! - An edit counts when its page still exists (the last lookup did not report it missing).
//!   Counted edits make `total_edits`, split by the page's current namespace into
//!   `mainspace_edits` (0), `article_talk_edits` (1) and `userspace_edits` (2).
//! - `bytes_added` sums the positive size changes of counted edits on pages in the tracked
//!   namespaces; participants also get the same sum for user pages (2) and drafts (118).
//! - An article is a page in a tracked namespace with a counted edit that was not a redirect
//!   when last synced. `articles_created` are those a participant created inside the window,
//!   not as a redirect. They are matched by page id, so a page moved afterwards still counts.
//! - `editors` are participants with an account on at least one campaign wiki; `new_editors`
//!   are those registered on the home (first) wiki inside the window.
//! - Words are ⌊bytes ÷ 5.175⌋ at every level, from that level's bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use wikidash_core::namespace::{DRAFT, MAIN, TALK, USER};
use wikidash_core::records::{AccountRecord, AccountState, DayRow, PageRecord};
use wikidash_core::{Campaign, Day, Window};

use crate::report::{ArticleReport, DailyReport, ParticipantReport, Report, SyncReport, Totals, WikiReport};
use crate::words::words_from_bytes;

/// The accounts of one participant, as the aggregator needs them.
#[derive(Clone, Debug, PartialEq)]
pub struct ParticipantFacts {
    pub name: String,
    /// Account lookups per campaign wiki, in the campaign's wiki order; `None` where the name
    /// has not been looked up.
    pub accounts: Vec<Option<AccountRecord>>,
}

type PageKey = (usize, u64);

#[derive(Default)]
struct Tally {
    total_edits: u64,
    mainspace_edits: u64,
    article_talk_edits: u64,
    userspace_edits: u64,
    bytes_added: u64,
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
    articles: HashSet<PageKey>,
    created: HashSet<PageKey>,
}

#[derive(Default)]
struct ArticleTally {
    edits: u64,
    bytes: u64,
    new: bool,
    participants: BTreeSet<usize>,
}

/// Accumulates a campaign's rows; [`Aggregator::finish`] produces the report.
pub struct Aggregator<'a> {
    campaign: &'a Campaign,
    window: Window,
    participants: &'a [ParticipantFacts],
    pages: &'a HashMap<PageKey, PageRecord>,
    wikis: Vec<Tally>,
    people: Vec<PersonTally>,
    articles: BTreeMap<PageKey, ArticleTally>,
    days: BTreeMap<Day, Tally>,
}

impl<'a> Aggregator<'a> {
    /// Start a report of `campaign`. `pages` maps (wiki index, page id) to the page's stored
    /// attributes, where the wiki index is the position in `campaign.wikis`.
    pub fn new(
        campaign: &'a Campaign,
        participants: &'a [ParticipantFacts],
        pages: &'a HashMap<PageKey, PageRecord>,
    ) -> Self {
        Aggregator {
            campaign,
            window: campaign.window(),
            participants,
            pages,
            wikis: campaign.wikis.iter().map(|_| Tally::default()).collect(),
            people: participants.iter().map(|_| PersonTally::default()).collect(),
            articles: BTreeMap::new(),
            days: BTreeMap::new(),
        }
    }

    /// Fold in one row: participant `participant` (index into the participants) on page
    /// `page_id` of wiki `wiki` (index into the campaign's wikis) on `day`.
    pub fn add_row(&mut self, wiki: usize, participant: usize, day: Day, page_id: u64, row: &DayRow) {
        if wiki >= self.wikis.len() || participant >= self.people.len() || row.edits == 0 {
            return;
        }
        let key = (wiki, page_id);
        let page = self.pages.get(&key);
        let deleted = page.is_some_and(|page| page.deleted);
        let namespace = page.map(|page| page.namespace);
        let tracked = namespace.is_some_and(|ns| self.campaign.namespaces.contains(&ns));
        let redirect = page.is_some_and(|page| page.redirect == Some(true));

        if tracked {
            let article = self.articles.entry(key).or_default();
            article.edits += u64::from(row.edits);
            article.bytes += row.bytes_added;
            article.new |= row.created && !redirect;
            article.participants.insert(participant);
        }
        if deleted {
            return;
        }

        let edit = Edit { key, participant, namespace, tracked, article: tracked && !redirect, row };
        edit.apply(&mut self.wikis[wiki]);
        edit.apply(self.days.entry(day).or_default());

        let person = &mut self.people[participant];
        person.revisions += u64::from(row.edits);
        if tracked {
            person.tracked_bytes += row.bytes_added;
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

    /// Build the report; `sync` lists when each wiki last synced.
    pub fn finish(self, sync: Vec<SyncReport>) -> Report {
        let campaign = self.campaign;
        let per_wiki: Vec<WikiReport> = self
            .wikis
            .iter()
            .enumerate()
            .map(|(index, tally)| WikiReport {
                wiki: campaign.wikis[index].to_string(),
                totals: self.totals_of(tally, self.editors_on(Some(index)), self.new_editors_on(Some(index))),
            })
            .collect();
        let totals = self.campaign_totals();
        let participants = self.participant_reports();
        let articles = self.article_reports();
        let daily = self.daily_reports();
        Report {
            campaign: campaign.name.clone(),
            title: campaign.title.clone(),
            time_zone: campaign.time_zone.name().to_string(),
            start: campaign.start.to_text(),
            end: campaign.end.to_text(),
            namespaces: campaign.namespaces.clone(),
            totals,
            per_wiki,
            participants,
            articles,
            daily,
            sync,
        }
    }

    fn campaign_totals(&self) -> Totals {
        let mut all = Tally::default();
        for tally in &self.wikis {
            all.total_edits += tally.total_edits;
            all.mainspace_edits += tally.mainspace_edits;
            all.article_talk_edits += tally.article_talk_edits;
            all.userspace_edits += tally.userspace_edits;
            all.bytes_added += tally.bytes_added;
            all.articles_edited.extend(&tally.articles_edited);
            all.articles_created.extend(&tally.articles_created);
        }
        self.totals_of(&all, self.editors_on(None), self.new_editors_on(None))
    }

    fn totals_of(&self, tally: &Tally, editors: u64, new_editors: u64) -> Totals {
        Totals {
            editors,
            new_editors,
            total_edits: tally.total_edits,
            mainspace_edits: tally.mainspace_edits,
            article_talk_edits: tally.article_talk_edits,
            userspace_edits: tally.userspace_edits,
            bytes_added: tally.bytes_added,
            words_added: words_from_bytes(tally.bytes_added),
            articles_edited: tally.articles_edited.len() as u64,
            articles_created: tally.articles_created.len() as u64,
        }
    }

    /// Participants with an account on wiki `wiki`, or on any campaign wiki for `None`.
    fn editors_on(&self, wiki: Option<usize>) -> u64 {
        self.participants.iter().filter(|facts| has_account(facts, wiki)).count() as u64
    }

    /// Editors registered inside the window: on wiki `wiki`, or on the home wiki for `None`.
    fn new_editors_on(&self, wiki: Option<usize>) -> u64 {
        self.participants
            .iter()
            .filter(|facts| has_account(facts, wiki))
            .filter(|facts| registration(facts, wiki.unwrap_or(0)).is_some_and(|time| self.window.contains(time)))
            .count() as u64
    }

    fn participant_reports(&self) -> Vec<ParticipantReport> {
        self.participants
            .iter()
            .zip(&self.people)
            .map(|(facts, person)| {
                let home = facts.accounts.first().cloned().flatten();
                let registered = registration(facts, 0);
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
                    total_articles_edited: person.articles.len() as u64,
                    articles_created: person.created.len() as u64,
                }
            })
            .collect()
    }

    fn article_reports(&self) -> Vec<ArticleReport> {
        let mut reports: Vec<(usize, ArticleReport)> = self
            .articles
            .iter()
            .map(|(&(wiki, page_id), tally)| {
                let page = self.pages.get(&(wiki, page_id));
                let mut usernames: Vec<String> =
                    tally.participants.iter().map(|&index| self.participants[index].name.clone()).collect();
                usernames.sort();
                let report = ArticleReport {
                    wiki: self.campaign.wikis[wiki].to_string(),
                    page_id,
                    title: page.map(|page| page.title.clone()).unwrap_or_default(),
                    namespace: page.map_or(MAIN, |page| page.namespace),
                    edit_count: tally.edits,
                    characters_added: tally.bytes,
                    new: tally.new,
                    deleted: page.is_some_and(|page| page.deleted),
                    redirect: page.is_some_and(|page| page.redirect == Some(true)),
                    usernames,
                };
                (wiki, report)
            })
            .collect();
        // Campaign wiki order, then title.
        reports.sort_by(|(wiki_a, a), (wiki_b, b)| (wiki_a, &a.title, a.page_id).cmp(&(wiki_b, &b.title, b.page_id)));
        reports.into_iter().map(|(_, report)| report).collect()
    }

    fn daily_reports(&self) -> Vec<DailyReport> {
        let tz = self.campaign.time_zone;
        let mut registrations: HashMap<Day, u64> = HashMap::new();
        for facts in self.participants.iter().filter(|facts| has_account(facts, None)) {
            if let Some(time) = registration(facts, 0) {
                *registrations.entry(Day::of_instant(time, tz)).or_default() += 1;
            }
        }
        let empty = Tally::default();
        self.campaign
            .first_day()
            .through(self.campaign.last_day())
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
                    articles_edited: tally.articles_edited.len() as u64,
                    articles_created: tally.articles_created.len() as u64,
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
        if self.tracked {
            tally.bytes_added += self.row.bytes_added;
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
