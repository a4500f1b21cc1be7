//! The Wikimedia services around the seeded test wiki, served on 127.0.0.1 so the wiki can
//! stand in for the English Wikipedia and Wikimedia Commons.
//!
//! A [`FaultProxy`] in front of the wiki adds what a Wikimedia wiki has and the local one does
//! not: the PageAssessments extension in `meta=siteinfo`, quality assessments, and global
//! usage of files. A [`FixtureServer`] answers for the pageviews API, Lift Wing and the
//! reference counter. [`SeedServices::config`] is the `[http.rewrite]` section that sends
//! wikidash's requests for the real hosts there.
//!
//! The canned figures are the ones the tests assert; each constant says what it stands for.

use serde_json::{Value, json};

use crate::fixtures::{FixtureResponse, FixtureServer, liftwing_body, liftwing_missing_revision, liftwing_path};
use crate::proxy::{Fault, FaultProxy, Rule};

/// The English Wikipedia's Action API, as campaigns name it.
pub const ENWIKI_API: &str = "https://en.wikipedia.org/w/api.php";

/// Daily user views per article (title with underscores), as `YYYYMMDD` and views. Views
/// before an article's first campaign edit (Alpha's 2016-05-01) must not count.
pub const SEED_VIEWS: &[(&str, &[(&str, u64)])] = &[
    ("Alpha", &[("20160501", 1000), ("20160502", 10), ("20160503", 20)]),
    ("Beta", &[("20170101", 5), ("20200101", 7)]),
    ("Delta", &[("20200115", 100), ("20200116", 50)]),
    ("New_name", &[("20180101", 3)]),
];

/// References in each seeded revision, by revision id, for the reference counter.
pub const SEED_REFERENCES: &[(u64, Option<u32>)] = &[
    (5, Some(1)),
    (6, Some(3)),
    (7, Some(3)),
    (8, Some(2)),
    (9, Some(1)),
    (10, Some(4)),
    (13, Some(0)),
    (14, Some(1)),
    (19, Some(0)),
    (20, Some(1)),
    (21, Some(1)),
    (22, Some(2)),
    (23, Some(2)),
    (24, Some(3)),
    (31, Some(1)),
    (32, Some(0)),
];

/// A revision id, the predicted class, and the probability of each class.
pub type QualityPrediction = (u64, &'static str, &'static [(&'static str, f64)]);

/// Quality predictions per revision id: (prediction, class probabilities). Revision 10 is not
/// here: Lift Wing answers that it has no information about it.
pub const SEED_QUALITY: &[QualityPrediction] = &[
    (7, "C", &[("C", 0.5), ("B", 0.25), ("Start", 0.25)]),
    (9, "Start", &[("Start", 1.0)]),
    (24, "Stub", &[("Stub", 0.8), ("Start", 0.2)]),
    (31, "B", &[("B", 1.0)]),
];

/// Stands-in for the Wikimedia services of the seeded wiki.
pub struct SeedServices {
    /// In front of the wiki: English Wikipedia and Commons requests arrive here.
    pub wiki: FaultProxy,
    /// The pageviews API, Lift Wing and the reference counter.
    pub services: FixtureServer,
}

impl SeedServices {
    /// Start both servers for the wiki at `wiki_base_url` (`http://127.0.0.1:PORT`).
    pub fn start(wiki_base_url: &str) -> SeedServices {
        let wiki = FaultProxy::start(wiki_base_url);
        let services = FixtureServer::start();
        let seed = SeedServices { wiki, services };
        seed.answer_wiki_extras((200, seed_assessments().to_string()), (200, seed_global_usage().to_string()));
        seed.answer_services();
        seed
    }

    /// The `[http.rewrite]` section that sends wikidash's requests for the English Wikipedia,
    /// Commons and the Wikimedia services to these servers.
    pub fn config(&self) -> String {
        let wiki = self.wiki.base_url();
        let services = self.services.base_url();
        format!(
            "[http.rewrite]\n\
             \"https://en.wikipedia.org/w/\" = \"{wiki}/\"\n\
             \"https://commons.wikimedia.org/w/\" = \"{wiki}/\"\n\
             \"https://wikimedia.org/\" = \"{services}/\"\n\
             \"https://api.wikimedia.org/\" = \"{services}/\"\n\
             \"https://reference-counter.toolforge.org/\" = \"{services}/\"\n\
             \"https://petscan.wmcloud.org/\" = \"{services}/petscan/\"\n\
             \"https://pagepile.toolforge.org/\" = \"{services}/pagepile/\"\n"
        )
    }

    /// Answer quality assessment requests with `status` and `body` from now on.
    pub fn answer_assessments(&self, status: u16, body: &str) {
        self.wiki.clear_faults();
        self.answer_wiki_extras((status, body.to_string()), (200, seed_global_usage().to_string()));
    }

    /// Answer global usage requests with `status` and `body` from now on.
    pub fn answer_global_usage(&self, status: u16, body: &str) {
        self.wiki.clear_faults();
        self.answer_wiki_extras((200, seed_assessments().to_string()), (status, body.to_string()));
    }

    fn answer_wiki_extras(&self, assessments: (u16, String), usage: (u16, String)) {
        const JSON: &str = "application/json; charset=utf-8";
        let extension = json!({"type": "other", "name": "PageAssessments", "version": "0.1"});
        let add_extension = Fault::AppendJson { pointer: "/query/extensions".into(), value: extension };
        self.wiki.inject_always(Rule::QueryContains("meta=siteinfo".into()), add_extension);
        self.wiki.respond_always(
            Rule::QueryContains("prop=pageassessments".into()),
            assessments.0,
            JSON,
            &assessments.1,
        );
        self.wiki.respond_always(Rule::QueryContains("prop=globalusage".into()), usage.0, JSON, &usage.1);
    }

    fn answer_services(&self) {
        for (article, days) in SEED_VIEWS {
            self.services.serve_pageviews("en.wikipedia", article, days);
        }
        self.services.serve_reference_counts("wikipedia", "en", SEED_REFERENCES);
        for (rev_id, prediction, probabilities) in SEED_QUALITY {
            self.services.on_post_json(
                &liftwing_path("enwiki"),
                json!({"rev_id": rev_id, "extended_output": true}),
                FixtureResponse::json(200, liftwing_body("enwiki", *rev_id, prediction, probabilities)),
            );
        }
        self.services.on_post_json(
            &liftwing_path("enwiki"),
            json!({"rev_id": 10, "extended_output": true}),
            liftwing_missing_revision(10),
        );
    }
}

/// The wiki's own siteinfo answer, with PageAssessments added to its extensions.
/// Assessments of the seeded articles: Alpha is C (its first project), Beta Start, Delta Stub,
/// Gamma unassessed, New name assessed with an empty class.
pub fn seed_assessments() -> Value {
    json!({"batchcomplete": true, "query": {"pages": [
        {"pageid": 5, "ns": 0, "title": "Alpha", "pageassessments": {
            "Food": {"class": "C", "importance": "Low"}, "Plants": {"class": "B", "importance": "High"}}},
        {"pageid": 6, "ns": 0, "title": "Beta", "pageassessments": {"Food": {"class": "Start", "importance": ""}}},
        {"pageid": 7, "ns": 0, "title": "Gamma"},
        {"pageid": 9, "ns": 0, "title": "New name", "pageassessments": {"Food": {"class": "", "importance": ""}}},
        {"pageid": 13, "ns": 0, "title": "Delta", "pageassessments": {"Food": {"class": "Stub", "importance": "Mid"}}}
    ]}})
}

/// Global usage of the seeded files: Apple.png in two articles (and a talk page, which does not
/// count), Pear.png nowhere.
pub fn seed_global_usage() -> Value {
    json!({"batchcomplete": true, "query": {"pages": [
        {"pageid": 15, "ns": 6, "title": "File:Apple.png", "globalusage": [
            {"title": "Pomme", "wiki": "fr.wikipedia.org", "ns": "0"},
            {"title": "Apfel", "wiki": "de.wikipedia.org", "ns": "0"},
            {"title": "Talk:Apple", "wiki": "en.wikipedia.org", "ns": "1"}]},
        {"pageid": 16, "ns": 6, "title": "File:Pear.png"}
    ]}})
}
