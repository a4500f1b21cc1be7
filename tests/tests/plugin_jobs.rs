//! The built-in importers (`revisions`, `users`, `articles` from `wikidash_builtin::BUILTIN`)
//! run in the real runtime against the seeded MediaWiki, with a `FaultProxy` in front that
//! records every request and injects failures.
//!
//! Expected values come from the seeded wiki and were checked against its api.php. Alice is
//! user 3, registered 2013-12-01, with 13 edits. In 2020 she made revisions 19, 22, 25 and 28 of
//! Delta (page 13). On 2018-01-01 she made the move null revision 31 of "New name" (page 9) and
//! created the redirect "Old name" (page 14) in revision 32. Page 10 was deleted, and page 8
//! redirects to Alpha.

use std::collections::BTreeMap;
use std::time::Duration;

use wikidash_net::HttpClient;
use wikidash_policy::Etiquette;
use wikidash_runtime::wit::{
    Account, AccountStatus, ImportError, Item, Job, Output, Page, PageLookup, PageStatus, Revision, SiteInfo,
    TimeWindow, UserLookup,
};
use wikidash_runtime::{JobContext, JobError, Plugin, Runtime, RuntimeConfig};
use wikidash_tests::mediawiki::{MediaWiki, workspace_root};
use wikidash_tests::proxy::{Fault, FaultProxy, RecordedRequest, Rule};

/// 2020-01-01T00:00:00Z.
const START_2020: i64 = 1_577_836_800;
/// 2020-12-31T23:59:59Z.
const END_2020: i64 = 1_609_459_199;
/// 2018-01-01T00:00:00Z, the day of the move of "Old name" to "New name".
const MOVE_DAY_START: i64 = 1_514_764_800;
/// 2018-01-01T23:59:59Z.
const MOVE_DAY_END: i64 = 1_514_851_199;
/// 2100-01-01T00:00:00Z, after every revision of the seed.
const YEAR_2100: i64 = 4_102_444_800;
/// Query strings longer than this go in a POST body (`MAX_GET_QUERY_BYTES` in the plugin SDK).
const MAX_GET_QUERY_BYTES: usize = 2000;
/// A job that pages further than this is looping.
const MAX_PAGES: usize = 100;

/// The seeded wiki behind a recording proxy, and the built-in importers loaded in one runtime.
struct Setup {
    /// The seeded wiki behind the proxy. Dropping it stops the server.
    wiki: MediaWiki,
    proxy: FaultProxy,
    runtime: Runtime,
    context: JobContext,
}

impl Setup {
    fn start() -> Setup {
        let wiki = MediaWiki::start();
        let proxy = FaultProxy::start(&wiki.base_url());
        let etiquette = Etiquette {
            base_backoff: Duration::from_millis(10),
            max_wait: Duration::from_millis(200),
            max_retries: 2,
            ..Etiquette::default()
        };
        let http = HttpClient::new(etiquette, "0.1.0").expect("building the HTTP client");
        let config = RuntimeConfig {
            // The command-line tests share this cache, so each test process skips Cranelift.
            cache_dir: Some(workspace_root().join("target").join("test-component-cache")),
            ..RuntimeConfig::default()
        };
        let runtime = Runtime::new(config, http).expect("setting up the plugin runtime");
        let context = JobContext { campaign: "plugin-jobs".to_string(), campaign_wiki_origins: vec![proxy.base_url()] };
        Setup { wiki, proxy, runtime, context }
    }

    async fn plugin(&self, name: &str) -> Plugin {
        let builtin = wikidash_builtin::BUILTIN
            .iter()
            .find(|builtin| builtin.name == name)
            .unwrap_or_else(|| panic!("no built-in plugin named {name}"));
        let plugin = self
            .runtime
            .load(builtin.name, builtin.wasm)
            .await
            .unwrap_or_else(|error| panic!("loading the built-in {name} failed: {error}"));
        assert_eq!(plugin.label(), format!("{name} 0.1.0"));
        plugin
    }

    /// Builds a job of `kind` for the wiki behind the proxy, with every other field empty.
    fn job(&self, kind: &str) -> Job {
        Job {
            kind: kind.to_string(),
            wiki: self.proxy.api_url(),
            usernames: Vec::new(),
            page_ids: Vec::new(),
            titles: Vec::new(),
            revision_ids: Vec::new(),
            window: None,
            namespaces: Vec::new(),
            limit: None,
            options: Vec::new(),
        }
    }

    /// Runs `job` from the first page, following `next_cursor` until it is `None`, and returns
    /// every page.
    async fn run_pages(&self, plugin: &Plugin, job: &Job) -> Result<Vec<Output>, JobError> {
        let mut pages: Vec<Output> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            assert!(pages.len() < MAX_PAGES, "the {} job returned more than {MAX_PAGES} pages", job.kind);
            let output = plugin.run(&self.context, job, cursor.as_deref()).await?;
            cursor = output.next_cursor.clone();
            pages.push(output);
            if cursor.is_none() {
                return Ok(pages);
            }
        }
    }

    /// Runs `job` to the end and returns every item of every page.
    async fn run_items(&self, plugin: &Plugin, job: &Job) -> Vec<Item> {
        let pages =
            self.run_pages(plugin, job).await.unwrap_or_else(|error| panic!("the {} job failed: {error}", job.kind));
        pages.into_iter().flat_map(|page| page.items).collect()
    }

    /// Runs one page of `job`, which must fail, and returns the plugin's error.
    async fn run_import_error(&self, plugin: &Plugin, job: &Job) -> ImportError {
        match plugin.run(&self.context, job, None).await {
            Ok(output) => panic!("the {} job succeeded with {output:?}", job.kind),
            Err(JobError::Plugin { error, .. }) => error,
            Err(other) => panic!("expected an ImportError from the plugin, got {other:?}"),
        }
    }
}

fn revisions_job(setup: &Setup, usernames: &[&str], window: (i64, i64), limit: Option<u32>) -> Job {
    Job {
        usernames: usernames.iter().map(|name| name.to_string()).collect(),
        window: Some(TimeWindow { start: window.0, end: window.1 }),
        namespaces: vec![0],
        limit,
        ..setup.job("revisions")
    }
}

fn revisions(items: Vec<Item>) -> Vec<Revision> {
    items
        .into_iter()
        .map(|item| match item {
            Item::Revision(revision) => revision,
            other => panic!("expected a revision item, got {other:?}"),
        })
        .collect()
}

fn site(items: Vec<Item>) -> SiteInfo {
    let mut sites: Vec<SiteInfo> = items
        .into_iter()
        .map(|item| match item {
            Item::Site(site) => site,
            other => panic!("expected a site item, got {other:?}"),
        })
        .collect();
    assert_eq!(sites.len(), 1, "expected one site item");
    sites.remove(0)
}

/// Returns the user lookups keyed by the name the wiki returned.
fn users_by_name(items: Vec<Item>) -> BTreeMap<String, UserLookup> {
    items
        .into_iter()
        .map(|item| match item {
            Item::User(user) => (user.name.clone(), user),
            other => panic!("expected a user item, got {other:?}"),
        })
        .collect()
}

fn pages(items: Vec<Item>) -> Vec<PageLookup> {
    items
        .into_iter()
        .map(|item| match item {
            Item::Page(page) => page,
            other => panic!("expected a page item, got {other:?}"),
        })
        .collect()
}

fn existing_page(lookup: &PageLookup) -> &Page {
    match &lookup.status {
        PageStatus::Exists(page) => page,
        other => panic!("expected an existing page for {lookup:?}, got {other:?}"),
    }
}

fn existing_account(lookup: &UserLookup) -> &Account {
    match &lookup.status {
        AccountStatus::Exists(account) => account,
        other => panic!("expected an account for {}, got {other:?}", lookup.name),
    }
}

/// Returns every value of parameter `name` in `request`, from the URL query and the form body.
fn param_values<'a>(request: &'a RecordedRequest, name: &str) -> Vec<&'a str> {
    request.query.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect()
}

/// Checks the parameters and header that the host and the SDK add to every Action API request.
/// A GET sends each parameter once. A POST sends `formatversion` twice, in the URL (added by the
/// host) and in the body (added by the SDK), so there each parameter needs one value or more.
fn assert_action_api_etiquette(request: &RecordedRequest) {
    for (name, expected) in [("format", "json"), ("formatversion", "2"), ("maxlag", "5")] {
        let values = param_values(request, name);
        let where_sent =
            format!("{} {} body {:?}", request.method, request.path_and_query, String::from_utf8_lossy(&request.body));
        assert!(!values.is_empty(), "{name} is missing from {where_sent}");
        assert!(
            values.iter().all(|value| *value == expected),
            "{name} is {values:?}, expected {expected}, in {where_sent}"
        );
        if request.method == "GET" {
            assert_eq!(values.len(), 1, "{name} is sent more than once in {where_sent}");
        }
    }
    let user_agent = request.header("user-agent").unwrap_or_default();
    assert!(user_agent.starts_with("wikidash/0.1.0 ("), "User-Agent is {user_agent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_info_reports_sitename_and_namespaces() {
    let setup = Setup::start();
    let plugin = setup.plugin("revisions").await;

    let pages = setup.run_pages(&plugin, &setup.job("site-info")).await.expect("the site-info job");

    assert_eq!(pages.len(), 1);
    let site = site(pages.into_iter().flat_map(|page| page.items).collect());
    assert_eq!(site.sitename, "TestWiki");
    assert!(site.generator.starts_with("MediaWiki 1.39."), "{}", site.generator);
    assert_eq!(site.lang, "en");
    assert!(site.first_letter_case);
    let ids: Vec<i32> = site.namespaces.iter().map(|namespace| namespace.id).collect();
    for id in [0, 1, 2, 3, 4, 5, 10, 11] {
        assert!(ids.contains(&id), "namespace {id} is missing from {ids:?}");
    }
    assert!(!ids.contains(&118), "{ids:?}");
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "namespaces are not in id order: {ids:?}");
    let main = &site.namespaces[ids.iter().position(|id| *id == 0).unwrap()];
    assert_eq!(main.name, "");
    assert!(main.content);
    let talk = &site.namespaces[ids.iter().position(|id| *id == 1).unwrap()];
    assert_eq!(talk.name, "Talk");
    assert_eq!(talk.canonical.as_deref(), Some("Talk"));
    assert!(!talk.content);

    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].param("meta"), Some("siteinfo"));
    assert_action_api_etiquette(&requests[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisions_continue_one_per_page() {
    let setup = Setup::start();
    let plugin = setup.plugin("revisions").await;
    let job = revisions_job(&setup, &["Alice"], (START_2020, END_2020), Some(1));

    let pages = setup.run_pages(&plugin, &job).await.expect("the revisions job");

    let per_page: Vec<usize> = pages.iter().map(|page| page.items.len()).collect();
    assert_eq!(per_page, [1, 1, 1, 1]);
    let revisions = revisions(pages.into_iter().flat_map(|page| page.items).collect());
    let ids: Vec<u64> = revisions.iter().map(|revision| revision.rev_id).collect();
    assert_eq!(ids, [19, 22, 25, 28]);
    let creation = &revisions[0];
    assert_eq!(creation.parent_id, 0);
    assert_eq!(creation.size_diff, 36);
    assert_eq!(creation.size, 36);
    assert_eq!(creation.page_id, 13);
    assert_eq!(creation.namespace, 0);
    assert_eq!(creation.title, "Delta");
    assert_eq!(creation.user, "Alice");
    // 2020-01-15T12:00:00Z.
    assert_eq!(creation.timestamp, 1_579_089_600);
    let second = &revisions[1];
    assert_eq!(second.parent_id, 21);
    assert_eq!(second.size_diff, 10);
    assert_eq!(second.size, 66);
    // 2020-04-15T12:00:00Z.
    assert_eq!(second.timestamp, 1_586_952_000);
    assert!(second.minor);

    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 4);
    for (index, request) in requests.iter().enumerate() {
        assert_eq!(request.method, "GET", "request {index}");
        assert_eq!(request.param("list"), Some("usercontribs"), "request {index}");
        assert_eq!(request.param("ucuser"), Some("Alice"), "request {index}");
        assert_eq!(request.param("ucnamespace"), Some("0"), "request {index}");
        assert_eq!(request.param("ucdir"), Some("newer"), "request {index}");
        assert_eq!(request.param("ucstart"), Some("2020-01-01T00:00:00Z"), "request {index}");
        assert_eq!(request.param("ucend"), Some("2020-12-31T23:59:59Z"), "request {index}");
        assert_eq!(request.param("uclimit"), Some("1"), "request {index}");
        assert_action_api_etiquette(request);
    }
    assert_eq!(requests[0].param("uccontinue"), None);
    // Each later request continues after the revision the previous page returned.
    assert_eq!(requests[1].param("uccontinue"), Some("20200415120000|22"));
    assert_eq!(requests[2].param("uccontinue"), Some("20200715120000|25"));
    assert_eq!(requests[3].param("uccontinue"), Some("20201015120000|28"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisions_of_two_users_in_one_job() {
    let setup = Setup::start();
    let plugin = setup.plugin("revisions").await;
    let job = revisions_job(&setup, &["Alice", "Bob"], (0, YEAR_2100), None);

    let revisions = revisions(setup.run_items(&plugin, &job).await);

    let mut alice: Vec<u64> =
        revisions.iter().filter(|revision| revision.user == "Alice").map(|revision| revision.rev_id).collect();
    let mut bob: Vec<u64> =
        revisions.iter().filter(|revision| revision.user == "Bob").map(|revision| revision.rev_id).collect();
    alice.sort_unstable();
    bob.sort_unstable();
    assert_eq!(alice, [5, 7, 19, 22, 25, 28, 31, 32]);
    assert_eq!(bob, [6, 8, 13, 20, 23, 26, 29]);
    assert_eq!(revisions.len(), alice.len() + bob.len(), "revisions of other users: {revisions:?}");
    assert!(revisions.iter().all(|revision| revision.namespace == 0), "{revisions:?}");

    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].param("ucuser"), Some("Alice|Bob"));
    assert_eq!(requests[0].param("uclimit"), Some("max"));
    assert_eq!(requests[0].param("ucstart"), Some("1970-01-01T00:00:00Z"));
    assert_eq!(requests[0].param("ucend"), Some("2100-01-01T00:00:00Z"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_move_revisions_are_reported() {
    let setup = Setup::start();
    let plugin = setup.plugin("revisions").await;
    let job = revisions_job(&setup, &["Alice"], (MOVE_DAY_START, MOVE_DAY_END), None);

    let revisions = revisions(setup.run_items(&plugin, &job).await);

    let ids: Vec<u64> = revisions.iter().map(|revision| revision.rev_id).collect();
    assert_eq!(ids, [31, 32]);
    let null_revision = &revisions[0];
    assert_eq!(null_revision.page_id, 9);
    assert_eq!(null_revision.title, "New name");
    assert_eq!(null_revision.parent_id, 14);
    assert_eq!(null_revision.size_diff, 0);
    assert_eq!(null_revision.size, 72);
    assert_eq!(null_revision.timestamp, MOVE_DAY_START);
    assert!(null_revision.tags.is_empty(), "{:?}", null_revision.tags);
    let redirect = &revisions[1];
    assert_eq!(redirect.page_id, 14);
    assert_eq!(redirect.title, "Old name");
    assert_eq!(redirect.parent_id, 0);
    assert_eq!(redirect.size, 22);
    assert_eq!(redirect.size_diff, 22);
    assert_eq!(redirect.timestamp, MOVE_DAY_START);
    assert_eq!(redirect.tags, ["mw-new-redirect"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_revisions_jobs_are_rejected() {
    let setup = Setup::start();
    let plugin = setup.plugin("revisions").await;
    let fifty_one: Vec<String> = (1..=51).map(|number| format!("Participant {number}")).collect();
    let fifty_one: Vec<&str> = fifty_one.iter().map(String::as_str).collect();
    let too_many_users = revisions_job(&setup, &fifty_one, (START_2020, END_2020), None);
    let no_window = Job { window: None, ..revisions_job(&setup, &["Alice"], (START_2020, END_2020), None) };
    let no_namespaces =
        Job { namespaces: Vec::new(), ..revisions_job(&setup, &["Alice"], (START_2020, END_2020), None) };
    let cases = [
        (too_many_users, "1 to 50 usernames, got 51"),
        (no_window, "needs a time window"),
        (no_namespaces, "needs at least one namespace"),
    ];

    for (job, expected) in cases {
        let error = setup.run_import_error(&plugin, &job).await;

        let ImportError::InvalidJob(message) = &error else {
            panic!("expected ImportError::InvalidJob containing {expected:?}, got {error:?}");
        };
        assert!(message.contains(expected), "{message}");
    }
    assert_eq!(setup.proxy.request_count(), 0, "an invalid job sent requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_report_accounts_and_missing_names() {
    let setup = Setup::start();
    let plugin = setup.plugin("users").await;
    let job = Job { usernames: vec!["Alice".into(), "Bob".into(), "Dave".into()], ..setup.job("users") };

    let users = users_by_name(setup.run_items(&plugin, &job).await);

    assert_eq!(users.keys().collect::<Vec<_>>(), ["Alice", "Bob", "Dave"]);
    let alice = existing_account(&users["Alice"]);
    assert_eq!(alice.user_id, 3);
    // 2013-12-01T00:00:00Z.
    assert_eq!(alice.registration, Some(1_385_856_000));
    assert_eq!(alice.edit_count, 13);
    assert_eq!(alice.central_id, None);
    assert!(alice.groups.iter().any(|group| group == "user"), "{:?}", alice.groups);
    let bob = existing_account(&users["Bob"]);
    assert_eq!(bob.user_id, 4);
    // 2014-02-01T00:00:00Z.
    assert_eq!(bob.registration, Some(1_391_212_800));
    assert!(matches!(users["Dave"].status, AccountStatus::Missing), "{:?}", users["Dave"]);

    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].param("list"), Some("users"));
    assert_eq!(requests[0].param("ususers"), Some("Alice|Bob|Dave"));
    assert_action_api_etiquette(&requests[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_job_with_site_info_answers_both_in_one_request() {
    let setup = Setup::start();
    let plugin = setup.plugin("users").await;
    let job = Job {
        usernames: vec!["Alice".into(), "Dave".into()],
        options: vec![("with-site-info".into(), "true".into())],
        ..setup.job("users")
    };

    let items = setup.run_items(&plugin, &job).await;
    let (sites, lookups): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|item| matches!(item, Item::Site(_)));

    let site = site(sites);
    assert_eq!(site.sitename, "TestWiki");
    assert!(site.namespaces.iter().any(|namespace| namespace.id == 11), "{:?}", site.namespaces);
    let users = users_by_name(lookups);
    assert_eq!(existing_account(&users["Alice"]).user_id, 3);
    assert!(matches!(users["Dave"].status, AccountStatus::Missing), "{:?}", users["Dave"]);
    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].param("list"), Some("users"));
    assert_eq!(requests[0].param("meta"), Some("siteinfo"));
    assert_eq!(requests[0].param("siprop"), Some("general|namespaces|extensions"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_job_rejects_an_unknown_site_info_value() {
    let setup = Setup::start();
    let plugin = setup.plugin("users").await;
    let job = Job {
        usernames: vec!["Alice".into()],
        options: vec![("with-site-info".into(), "yes".into())],
        ..setup.job("users")
    };

    let error = setup.run_import_error(&plugin, &job).await;

    assert!(
        matches!(&error, ImportError::InvalidJob(message) if message.contains("with-site-info takes true or false, got \"yes\"")),
        "{error:?}"
    );
    assert!(setup.proxy.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_report_rejected_names_as_invalid() {
    let setup = Setup::start();
    let plugin = setup.plugin("users").await;
    let job = Job {
        usernames: vec!["Bad#Name".into(), "192.0.2.7".into(), "imported>Dave".into(), "Carol".into()],
        ..setup.job("users")
    };

    let users = users_by_name(setup.run_items(&plugin, &job).await);

    assert_eq!(users.len(), 4, "{users:?}");
    // The wiki marks these names `invalid` without an `invalidreason`, so the plugin's own
    // reason is reported.
    for name in ["Bad#Name", "192.0.2.7", "imported>Dave"] {
        let lookup = users.get(name).unwrap_or_else(|| panic!("no lookup for {name}: {users:?}"));
        let AccountStatus::Invalid(reason) = &lookup.status else {
            panic!("expected {name} to be invalid, got {:?}", lookup.status);
        };
        assert_eq!(reason, "the wiki rejects this username");
    }
    assert_eq!(existing_account(&users["Carol"]).user_id, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_by_id_report_moves_redirects_and_deletions() {
    let setup = Setup::start();
    let plugin = setup.plugin("articles").await;
    let job = Job { page_ids: vec![5, 8, 9, 10, 14], ..setup.job("pages-by-id") };

    let lookups = pages(setup.run_items(&plugin, &job).await);

    let by_id: BTreeMap<u64, &PageLookup> =
        lookups.iter().map(|lookup| (lookup.requested_id.expect("a lookup by id names its id"), lookup)).collect();
    assert_eq!(by_id.keys().copied().collect::<Vec<_>>(), [5, 8, 9, 10, 14]);
    assert!(
        lookups.iter().all(|lookup| lookup.requested_title.is_none() && lookup.normalized_title.is_none()),
        "{lookups:?}"
    );
    let alpha = existing_page(by_id[&5]);
    assert_eq!((alpha.title.as_str(), alpha.redirect, alpha.latest_rev_id, alpha.length), ("Alpha", false, 7, 122));
    let alpha_redirect = existing_page(by_id[&8]);
    assert_eq!(alpha_redirect.title, "Alpha (redirect)");
    assert!(alpha_redirect.redirect);
    // Page 9 was created as "Old name" and moved; by id it reports its current title.
    let moved = existing_page(by_id[&9]);
    assert_eq!(moved.page_id, 9);
    assert_eq!(moved.title, "New name");
    assert_eq!(moved.namespace, 0);
    assert!(!moved.redirect);
    assert_eq!(moved.latest_rev_id, 31);
    assert!(matches!(by_id[&10].status, PageStatus::Missing), "{:?}", by_id[&10]);
    let left_by_move = existing_page(by_id[&14]);
    assert_eq!(left_by_move.title, "Old name");
    assert!(left_by_move.redirect);
    assert_eq!(left_by_move.latest_rev_id, 32);

    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].param("pageids"), Some("5|8|9|10|14"));
    assert_action_api_etiquette(&requests[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_by_title_report_normalised_missing_and_invalid() {
    let setup = Setup::start();
    let plugin = setup.plugin("articles").await;
    let titles = ["alpha", "Alpha_(redirect)", "Nonexistent page", "Bad[title"];
    let job = Job { titles: titles.map(String::from).to_vec(), ..setup.job("pages-by-title") };

    let lookups = pages(setup.run_items(&plugin, &job).await);

    let by_title: BTreeMap<&str, &PageLookup> = lookups
        .iter()
        .map(|lookup| (lookup.requested_title.as_deref().expect("a lookup by title names its title"), lookup))
        .collect();
    let mut expected_titles = titles.to_vec();
    expected_titles.sort_unstable();
    assert_eq!(by_title.keys().copied().collect::<Vec<_>>(), expected_titles);
    assert!(lookups.iter().all(|lookup| lookup.requested_id.is_none()), "{lookups:?}");

    let alpha = by_title["alpha"];
    assert_eq!(alpha.normalized_title.as_deref(), Some("Alpha"));
    assert_eq!(existing_page(alpha).page_id, 5);
    assert!(!existing_page(alpha).redirect);
    let redirect = by_title["Alpha_(redirect)"];
    assert_eq!(redirect.normalized_title.as_deref(), Some("Alpha (redirect)"));
    assert_eq!(existing_page(redirect).page_id, 8);
    assert!(existing_page(redirect).redirect);
    let missing = by_title["Nonexistent page"];
    assert_eq!(missing.normalized_title, None);
    assert!(matches!(missing.status, PageStatus::Missing), "{missing:?}");
    let invalid = by_title["Bad[title"];
    let PageStatus::Invalid(reason) = &invalid.status else {
        panic!("expected Bad[title to be invalid, got {:?}", invalid.status);
    };
    assert_eq!(reason, "The requested page title contains invalid characters: \"[\".");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_title_list_is_sent_as_post() {
    let setup = Setup::start();
    let plugin = setup.plugin("articles").await;
    let existing = [("Alpha", 5), ("Beta", 6), ("Gamma", 7), ("Delta", 13)];
    let mut titles: Vec<String> = existing.iter().map(|(title, _)| title.to_string()).collect();
    titles.extend(
        (1..=46).map(|number| format!("Nonexistent page {number:02} with a title long enough for a POST body")),
    );
    assert_eq!(titles.len(), 50);
    assert!(titles.join("|").len() > MAX_GET_QUERY_BYTES, "the titles alone must exceed the GET limit");
    let job = Job { titles: titles.clone(), ..setup.job("pages-by-title") };

    let lookups = pages(setup.run_items(&plugin, &job).await);

    assert_eq!(lookups.len(), 50);
    for (title, page_id) in existing {
        let lookup = lookups
            .iter()
            .find(|lookup| lookup.requested_title.as_deref() == Some(title))
            .unwrap_or_else(|| panic!("no lookup for {title}"));
        assert_eq!(existing_page(lookup).page_id, page_id, "{title}");
    }
    let missing = lookups.iter().filter(|lookup| matches!(lookup.status, PageStatus::Missing)).count();
    assert_eq!(missing, 46);

    let requests = setup.proxy.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert!(!request.path_and_query.contains("titles="), "the titles went in the URL: {}", request.path_and_query);
    assert_eq!(request.param("titles"), Some(titles.join("|").as_str()));
    assert_action_api_etiquette(request);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_on_every_attempt_is_unavailable() {
    let setup = Setup::start();
    let plugin = setup.plugin("users").await;
    let attempts = 3;
    setup.proxy.inject(Rule::Any, vec![Fault::Status { code: 503, retry_after: None }; attempts]);
    let job = Job { usernames: vec!["Alice".into()], ..setup.job("users") };

    let error = setup.run_import_error(&plugin, &job).await;

    let ImportError::Unavailable(message) = &error else {
        panic!("expected ImportError::Unavailable, got {error:?}");
    };
    assert!(message.contains(&setup.proxy.base_url()), "the message does not name the host: {message}");
    assert!(message.contains("HTTP 503"), "{message}");
    assert!(message.contains("3 attempts"), "{message}");
    assert_eq!(setup.proxy.request_count(), attempts, "the host made 1 attempt and 2 retries");
    assert_eq!(setup.proxy.remaining_faults(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_page_at_api_url_is_not_found() {
    let setup = Setup::start();
    let plugin = setup.plugin("revisions").await;
    // The test router serves files under /images/ as they are, so this path ends in api.php
    // but returns HTTP 200 with a text/html page, as a captive portal or a wrong URL would.
    let html =
        "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>Sign in to continue.</p></body></html>\n";
    std::fs::write(setup.wiki.run_dir().join("images").join("api.php"), html).expect("writing the HTML page");
    let endpoint = format!("{}/images/api.php", setup.proxy.base_url());
    let job = Job { wiki: endpoint.clone(), ..setup.job("site-info") };

    let error = setup.run_import_error(&plugin, &job).await;

    let ImportError::NotFound(message) = &error else {
        panic!("expected ImportError::NotFound, got {error:?}");
    };
    assert!(message.contains(&endpoint), "{message}");
    assert!(message.contains("an HTML page, not JSON"), "{message}");
    assert_eq!(setup.proxy.request_count(), 1, "a final HTTP 200 is not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_404_is_not_found() {
    let setup = Setup::start();
    let plugin = setup.plugin("articles").await;
    setup.proxy.inject(Rule::NthRequest(0), vec![Fault::Status { code: 404, retry_after: None }]);
    let injected = Job { page_ids: vec![5], ..setup.job("pages-by-id") };
    // php -S returns 404 for a path that has no file.
    let wrong_path = Job { wiki: format!("{}/w/api.php", setup.proxy.base_url()), ..injected.clone() };

    for job in [injected, wrong_path] {
        let error = setup.run_import_error(&plugin, &job).await;

        let ImportError::NotFound(message) = &error else {
            panic!("{}: expected ImportError::NotFound, got {error:?}", job.wiki);
        };
        assert!(message.starts_with(&job.wiki), "{message}");
        assert!(message.contains("404 Not Found"), "{message}");
    }
    assert_eq!(setup.proxy.request_count(), 2, "a 404 is not retried");
}
