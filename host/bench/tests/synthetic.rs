//! Tests of the synthetic wiki: deterministic generation, workload sizes, the request floor, and
//! the Action API responses of a started server, read with a plain HTTP/1.1 client over
//! `std::net::TcpStream`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use chrono::DateTime;
use serde_json::{Value, json};
use wikidash_bench::synthetic::{
    Floor, RequestCounts, SyntheticRevision, SyntheticWiki, W1, W2, W3, Workload, page, participant_name,
    request_floor, revisions,
};

/// `ucprop` that wikidash's revisions importer sends.
const CONTRIBUTION_PROPS: &str = "ids|title|timestamp|size|sizediff|flags|tags";
/// `usprop` that wikidash's users importer sends.
const USER_PROPS: &str = "registration|editcount|centralids|groups";

/// One HTTP response: status, headers with lower-case names, and the body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("invalid JSON ({error}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A keep-alive HTTP/1.1 client for one synthetic wiki.
struct Client {
    reader: BufReader<TcpStream>,
    host: String,
    path: String,
}

impl Client {
    fn connect(api_url: &str) -> Client {
        let url = url::Url::parse(api_url).unwrap();
        let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        assert!(host.starts_with("127.0.0.1:"), "the synthetic wiki must listen on 127.0.0.1, not {host}");
        let stream = TcpStream::connect(&host).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.set_nodelay(true).unwrap();
        Client { reader: BufReader::new(stream), host, path: url.path().to_string() }
    }

    /// Sends a GET with `params` after `format=json&formatversion=2&maxlag=5`, as wikidash does.
    fn get(&mut self, params: &[(&str, &str)]) -> Reply {
        let query = encode(params);
        let target = format!("{}?{query}", self.path);
        self.send("GET", &target, None)
    }

    /// Sends a POST with `params` as a form body.
    fn post(&mut self, params: &[(&str, &str)]) -> Reply {
        let body = encode(params);
        let path = self.path.clone();
        self.send("POST", &path, Some(&body))
    }

    fn send(&mut self, method: &str, target: &str, body: Option<&str>) -> Reply {
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(body) = body {
            request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body.unwrap_or(""));
        self.reader.get_mut().write_all(request.as_bytes()).unwrap();

        let mut status_line = String::new();
        self.reader.read_line(&mut status_line).unwrap();
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        let length: usize = headers.iter().find(|(name, _)| name == "content-length").unwrap().1.parse().unwrap();
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        Reply { status, headers, body }
    }
}

fn encode(params: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    serializer.append_pair("format", "json").append_pair("formatversion", "2").append_pair("maxlag", "5");
    for (key, value) in params {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

fn iso(timestamp: i64) -> String {
    DateTime::from_timestamp(timestamp, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn names(participants: impl IntoIterator<Item = u32>) -> String {
    participants.into_iter().map(participant_name).collect::<Vec<_>>().join("|")
}

fn title(namespace: i32, page_id: u64) -> String {
    let prefix = match namespace {
        1 => "Talk:",
        2 => "User:",
        _ => "",
    };
    format!("{prefix}Page {page_id}")
}

/// The `list=usercontribs` entry that the server must return for `revision`.
fn expected_entry(workload: &Workload, wiki: u32, participant: u32, revision: &SyntheticRevision) -> Value {
    json!({
        "userid": participant,
        "user": participant_name(participant),
        "pageid": revision.page_id,
        "revid": revision.rev_id,
        "parentid": revision.parent_id,
        "ns": revision.namespace,
        "title": title(revision.namespace, revision.page_id),
        "timestamp": iso(revision.timestamp),
        "new": revision.parent_id == 0,
        "minor": revision.minor,
        "top": page(workload, wiki, revision.page_id).last_rev_id == revision.rev_id,
        "size": revision.size,
        "sizediff": revision.size_diff,
        "tags": [],
    })
}

/// Parameters of a `list=usercontribs` request as wikidash's revisions importer sends them.
fn contribution_params(users: &str, namespaces: &str, start: i64, end: i64, limit: &str) -> Vec<(String, String)> {
    [
        ("action", "query".to_string()),
        ("list", "usercontribs".to_string()),
        ("ucuser", users.to_string()),
        ("ucprop", CONTRIBUTION_PROPS.to_string()),
        ("ucnamespace", namespaces.to_string()),
        ("ucdir", "newer".to_string()),
        ("ucstart", iso(start)),
        ("ucend", iso(end)),
        ("uclimit", limit.to_string()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value))
    .collect()
}

/// Sends `params` and follows `continue` until the query is complete. Returns every entry and
/// the number of requests.
fn walk(client: &mut Client, params: &[(String, String)]) -> (Vec<Value>, u64) {
    let mut entries = Vec::new();
    let mut continuation: Vec<(String, String)> = Vec::new();
    let mut requests = 0;
    loop {
        let all: Vec<(&str, &str)> =
            params.iter().chain(&continuation).map(|(key, value)| (key.as_str(), value.as_str())).collect();
        let body = client.get(&all).json();
        requests += 1;
        assert!(body.get("error").is_none(), "the server returned an error: {body}");
        entries.extend(body["query"]["usercontribs"].as_array().unwrap().iter().cloned());
        match body.get("continue").and_then(Value::as_object) {
            Some(next) => {
                continuation =
                    next.iter().map(|(key, value)| (key.clone(), value.as_str().unwrap().to_string())).collect();
            }
            None => return (entries, requests),
        }
        assert!(requests < 100_000, "the continuation does not end");
    }
}

/// Sends `params` as a GET.
fn send_pairs(client: &mut Client, params: &[(String, String)]) -> Reply {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    client.get(&pairs)
}

/// Sends `params` as a GET and returns the JSON body.
fn get_pairs(client: &mut Client, params: &[(String, String)]) -> Value {
    send_pairs(client, params).json()
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(revisions(&W2, 2, 17), revisions(&W2, 2, 17));
    assert_eq!(revisions(&W3, 10, 20_000), revisions(&W3, 10, 20_000));
    assert_eq!(page(&W2, 3, 16_600), page(&W2, 3, 16_600));
    assert_ne!(revisions(&W2, 1, 17), revisions(&W2, 2, 17));
    assert_ne!(revisions(&W2, 1, 17), revisions(&W2, 1, 18));
}

#[test]
fn generation_pins_first_revisions_of_w1() {
    // These values change only when the generator changes, which makes earlier benchmark
    // results incomparable.
    let first = revisions(&W1, 1, 1);
    assert_eq!(first.len(), 52);
    assert_eq!(
        first[0],
        SyntheticRevision {
            rev_id: 100_001,
            parent_id: 458,
            page_id: 458,
            namespace: 0,
            timestamp: 1_741_012_461,
            size: 20_210,
            size_diff: 439,
            minor: false,
        }
    );
    assert_eq!(
        page(&W1, 1, 20),
        wikidash_bench::synthetic::SyntheticPage {
            page_id: 20,
            namespace: 1,
            title: "Talk:Page 20".into(),
            redirect: false,
            length: 5_355,
            last_rev_id: 3_400_032,
            touched: 1_741_756_508,
        }
    );
}

#[test]
fn floors_of_w1_and_w2_are_pinned() {
    assert_eq!(
        request_floor(&W1),
        Floor { users: 1, contributions: 6, info: 12, revisions: 2_972, distinct_pages: 598 }
    );
    assert_eq!(
        request_floor(&W2),
        Floor { users: 60, contributions: 535, info: 991, revisions: 252_312, distinct_pages: 49_470 }
    );
}

#[test]
fn workload_sizes_match_their_targets() {
    let targets = [(W1, 3_000u64), (W2, 250_000), (W3, 5_000_000)];
    for (workload, target) in targets {
        let floor = request_floor(&workload);
        println!("{}: {floor:?}, {} requests", workload.name, floor.total());
        assert!(
            floor.revisions.abs_diff(target) <= target / 10,
            "{} has {} revisions, not within 10 % of {target}",
            workload.name,
            floor.revisions
        );
        // A page is edited about 5 times on average.
        let edits_per_page = floor.revisions as f64 / floor.distinct_pages as f64;
        assert!((4.5..5.5).contains(&edits_per_page), "{} has {edits_per_page} edits per page", workload.name);
    }
}

#[test]
fn revisions_follow_generation_rules() {
    let mut creations = 0;
    let mut total = 0;
    for participant in 1..=W1.participants {
        let list = revisions(&W1, 1, participant);
        let mean = u64::from(W1.mean_revisions);
        assert!((mean - mean / 2..=mean + mean / 2).contains(&(list.len() as u64)), "count {}", list.len());
        for (k, revision) in list.iter().enumerate() {
            assert_eq!(revision.rev_id, u64::from(participant) * 100_000 + k as u64 + 1);
            assert!((W1.window_start()..=W1.window_end()).contains(&revision.timestamp));
            assert!((1..=W1.pages_per_wiki).contains(&revision.page_id));
            assert_eq!(revision.namespace, page(&W1, 1, revision.page_id).namespace);
            if revision.parent_id == 0 {
                creations += 1;
                assert_eq!(revision.size_diff, revision.size as i64);
                assert!(!revision.minor);
            } else {
                assert!((-200..=800).contains(&revision.size_diff), "size diff {}", revision.size_diff);
            }
        }
        assert!(list.windows(2).all(|pair| (pair[0].timestamp, pair[0].rev_id) < (pair[1].timestamp, pair[1].rev_id)));
        total += list.len();
    }
    let creation_share = creations as f64 / total as f64;
    assert!((0.015..0.045).contains(&creation_share), "creation share {creation_share}");
}

#[test]
fn usercontribs_returns_window_revisions_in_order() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let participants = [9, 2, 5];
    // Bounds equal to revision timestamps check that both ends are inclusive.
    let start = revisions(&W1, 1, 2)[10].timestamp;
    let end = revisions(&W1, 1, 9)[50].timestamp;
    let mut expected = Vec::new();
    for participant in [2, 5, 9] {
        for revision in revisions(&W1, 1, participant) {
            if (start..=end).contains(&revision.timestamp) && revision.namespace != 2 {
                expected.push(expected_entry(&W1, 1, participant, &revision));
            }
        }
    }
    assert!(expected.len() > 50, "the window holds {} revisions", expected.len());

    let users = names(participants);
    let (all, pages) = walk(&mut client, &contribution_params(&users, "0|1", start, end, "max"));
    assert_eq!(pages, 1);
    assert_eq!(all, expected);
    let (by_seven, pages) = walk(&mut client, &contribution_params(&users, "0|1", start, end, "7"));
    assert_eq!(pages, expected.len().div_ceil(7) as u64);
    assert_eq!(by_seven, expected);
}

#[test]
fn usercontribs_older_walks_in_reverse() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let users = names([3, 4]);
    let (newer, _) =
        walk(&mut client, &contribution_params(&users, "0|1|2", W1.window_start(), W1.window_end(), "max"));
    let mut params = contribution_params(&users, "0|1|2", W1.window_end(), W1.window_start(), "7");
    params.retain(|(key, _)| key != "ucdir");
    params.push(("ucdir".into(), "older".into()));
    let (older, _) = walk(&mut client, &params);
    let mut reversed = newer;
    reversed.reverse();
    assert_eq!(older, reversed);
}

#[test]
fn usercontribs_continue_only_when_more_remain() {
    let wiki = SyntheticWiki::start(&W2, 1);
    let mut client = Client::connect(&wiki.api_url());
    let users = names(1..=50);
    let total: usize = (1..=50).map(|participant| revisions(&W2, 1, participant).len()).sum();
    assert!(total > 1_000, "the batch has {total} revisions");
    let base = contribution_params(&users, "0|1|2", W2.window_start(), W2.window_end(), "max");

    for remaining in [499usize, 500, 501] {
        // Pages of up to 500, then one sized so that exactly `remaining` results are left.
        let mut fetched = 0;
        let mut continuation: Vec<(String, String)> = Vec::new();
        while fetched < total - remaining {
            let limit = (total - remaining - fetched).min(500);
            let mut params = base.clone();
            params.retain(|(key, _)| key != "uclimit");
            params.push(("uclimit".into(), limit.to_string()));
            params.extend(continuation.iter().cloned());
            let body = get_pairs(&mut client, &params);
            assert_eq!(body["query"]["usercontribs"].as_array().unwrap().len(), limit);
            let next = body["continue"].as_object().unwrap();
            assert_eq!(next["continue"], "-||");
            continuation = next.iter().map(|(key, value)| (key.clone(), value.as_str().unwrap().to_string())).collect();
            fetched += limit;
        }

        let mut last = base.clone();
        last.extend(continuation);
        let body = get_pairs(&mut client, &last);
        assert_eq!(body["query"]["usercontribs"].as_array().unwrap().len(), remaining.min(500));
        assert_eq!(body["limits"], json!({"usercontribs": 500}));
        assert_eq!(body.get("continue").is_some(), remaining > 500, "{remaining} remaining");
    }

    let single = names([1]);
    let count = revisions(&W2, 1, 1).len().to_string();
    let exact = contribution_params(&single, "0|1|2", W2.window_start(), W2.window_end(), &count);
    let body = get_pairs(&mut client, &exact);
    assert_eq!(body, json!({"batchcomplete": true, "query": body["query"].clone()}));
}

#[test]
fn usercontribs_tokens_follow_mediawiki() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let first = revisions(&W1, 1, 4);
    let expected_single = format!(
        "{}|{}",
        DateTime::from_timestamp(first[2].timestamp, 0).unwrap().format("%Y%m%d%H%M%S"),
        first[2].rev_id
    );
    let single = contribution_params(&names([4]), "0|1|2", W1.window_start(), W1.window_end(), "2");
    let body = get_pairs(&mut client, &single);
    assert_eq!(body["continue"], json!({"uccontinue": expected_single, "continue": "-||"}));

    let several = contribution_params(&names([4, 6]), "0|1|2", W1.window_start(), W1.window_end(), "2");
    let body = get_pairs(&mut client, &several);
    assert_eq!(body["continue"]["uccontinue"], format!("actor|4|{expected_single}"));

    let mut broken = several.clone();
    broken.push(("uccontinue".into(), "garbage".into()));
    broken.push(("continue".into(), "-||".into()));
    let reply = send_pairs(&mut client, &broken);
    assert_eq!(reply.header("mediawiki-api-error"), Some("badcontinue"));
    assert_eq!(reply.json()["error"]["code"], "badcontinue");
}

#[test]
fn combined_query_continues_only_usercontribs() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let mut params = contribution_params(&names([1, 2]), "0|1|2", W1.window_start(), W1.window_end(), "2");
    params.retain(|(key, _)| key != "list");
    params.extend([
        ("list".to_string(), "users|usercontribs".to_string()),
        ("ususers".to_string(), "Participant 1".to_string()),
        ("meta".to_string(), "siteinfo".to_string()),
    ]);
    let first = get_pairs(&mut client, &params);
    assert_eq!(first["continue"]["continue"], "-||users|siteinfo");
    assert_eq!(first["query"]["users"][0]["userid"], 1);
    assert_eq!(first["query"]["general"]["sitename"], "Synthetic 1");

    let next = first["continue"].as_object().unwrap();
    params.extend(next.iter().map(|(key, value)| (key.clone(), value.as_str().unwrap().to_string())));
    let second = get_pairs(&mut client, &params);
    let keys: Vec<&String> = second["query"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["usercontribs"]);
    let expected: Vec<u64> = revisions(&W1, 1, 1)[2..4].iter().map(|revision| revision.rev_id).collect();
    let returned: Vec<u64> = second["query"]["usercontribs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["revid"].as_u64().unwrap())
        .collect();
    assert_eq!(returned, expected);
    assert_eq!(wiki.counts(), RequestCounts { siteinfo: 1, users: 1, usercontribs: 2, info: 0, other: 0, total: 2 });
}

#[test]
fn usercontribs_clamps_limit_over_500_with_warning() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let params = contribution_params(&names([1]), "0|1|2", W1.window_start(), W1.window_end(), "501");
    let body = get_pairs(&mut client, &params);
    assert_eq!(
        body["warnings"],
        json!({"usercontribs": {"warnings": "The value \"501\" for parameter \"uclimit\" must be between 1 and 500."}})
    );
    assert_eq!(body.get("limits"), None);
    assert_eq!(body["query"]["usercontribs"].as_array().unwrap().len(), revisions(&W1, 1, 1).len());
}

#[test]
fn usercontribs_without_results_returns_empty_list() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let before = W1.window_start() - 86_400;
    let params = contribution_params(&names([1, 2]), "0|1|2", before - 86_400, before, "max");
    let body = get_pairs(&mut client, &params);
    assert_eq!(body, json!({"batchcomplete": true, "limits": {"usercontribs": 500}, "query": {"usercontribs": []}}));
    let params = contribution_params("Nobody", "0", W1.window_start(), W1.window_end(), "10");
    assert_eq!(get_pairs(&mut client, &params), json!({"batchcomplete": true, "query": {"usercontribs": []}}));
}

#[test]
fn fifty_one_values_get_toomanyvalues() {
    let wiki = SyntheticWiki::start(&W2, 1);
    let mut client = Client::connect(&wiki.api_url());
    let users = names(1..=51);
    let ids = (1..=51).map(|id| id.to_string()).collect::<Vec<_>>().join("|");
    let cases = [
        ("ususers", vec![("list", "users"), ("ususers", users.as_str()), ("usprop", USER_PROPS)]),
        ("ucuser", vec![("list", "usercontribs"), ("ucuser", users.as_str()), ("uclimit", "max")]),
        ("pageids", vec![("prop", "info"), ("pageids", ids.as_str())]),
    ];
    for (parameter, params) in cases {
        let mut all = vec![("action", "query")];
        all.extend(params);
        let reply = client.get(&all);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("mediawiki-api-error"), Some("toomanyvalues"));
        let error = &reply.json()["error"];
        assert_eq!(error["code"], "toomanyvalues");
        assert_eq!(error["info"], format!("Too many values supplied for parameter \"{parameter}\". The limit is 50."));
        assert_eq!(error["limit"], 50);
        assert_eq!(error["lowlimit"], 50);
        assert_eq!(error["highlimit"], 500);
    }
}

#[test]
fn users_lookup_reports_accounts_and_missing_names() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let body = client
        .get(&[
            ("action", "query"),
            ("list", "users"),
            ("ususers", "Participant 7|Nobody|Participant 41"),
            ("usprop", USER_PROPS),
        ])
        .json();
    let users = body["query"]["users"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    let participant = &users[0];
    assert_eq!(participant["userid"], 7);
    assert_eq!(participant["name"], "Participant 7");
    assert_eq!(participant["groups"], json!(["*", "user", "autoconfirmed"]));
    assert_eq!(participant["centralids"], json!({"local": 7}));
    assert_eq!(participant["attachedlocal"], json!({"local": true}));
    let edit_count = participant["editcount"].as_u64().unwrap();
    assert!(edit_count >= revisions(&W1, 1, 7).len() as u64, "edit count {edit_count}");
    let registration = DateTime::parse_from_rfc3339(participant["registration"].as_str().unwrap()).unwrap();
    assert!(registration.timestamp() < W1.window_start());
    assert!(registration.timestamp() >= 1_262_304_000, "registered before 2010: {registration}");
    assert_eq!(users[1], json!({"name": "Nobody", "missing": true}));
    assert_eq!(users[2], json!({"name": "Participant 41", "missing": true}));
}

#[test]
fn siteinfo_combined_with_users_returns_both() {
    let wiki = SyntheticWiki::start(&W2, 3);
    let mut client = Client::connect(&wiki.api_url());
    let body = client
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("siprop", "general|namespaces|extensions"),
            ("list", "users"),
            ("ususers", "Participant 1000|Participant 1001"),
            ("usprop", USER_PROPS),
        ])
        .json();
    assert_eq!(body["batchcomplete"], true);

    let query = &body["query"];
    let general = &query["general"];
    assert_eq!(general["sitename"], "Synthetic 3");
    assert_eq!(general["generator"], "MediaWiki 1.39.17");
    assert_eq!(general["lang"], "en");
    assert_eq!(general["case"], "first-letter");

    let namespaces = query["namespaces"].as_object().unwrap();
    let ids: BTreeSet<i64> = namespaces.keys().map(|key| key.parse().unwrap()).collect();
    assert_eq!(ids, (-2..=15).collect::<BTreeSet<i64>>());
    assert_eq!(
        namespaces["0"],
        json!({"id": 0, "case": "first-letter", "name": "", "subpages": false, "content": true, "nonincludable": false})
    );
    assert_eq!(namespaces["1"]["name"], "Talk");
    assert_eq!(namespaces["1"]["canonical"], "Talk");
    assert_eq!(namespaces["4"]["name"], "Synthetic 3");
    assert_eq!(namespaces["4"]["canonical"], "Project");
    assert_eq!(query["extensions"], json!([]));

    let users = query["users"].as_array().unwrap();
    assert_eq!(users[0]["userid"], 1000);
    assert_eq!(users[1], json!({"name": "Participant 1001", "missing": true}));

    assert_eq!(wiki.counts(), RequestCounts { siteinfo: 1, users: 1, usercontribs: 0, info: 0, other: 0, total: 1 });
}

#[test]
fn info_for_fifty_pages_matches_page() {
    let wiki = SyntheticWiki::start(&W2, 2);
    let mut client = Client::connect(&wiki.api_url());
    // Descending ids with a duplicate, to check the server's sorting and de-duplication.
    let mut ids: Vec<u64> = (0..49).map(|step| 16_600 - step * 331).collect();
    ids.push(ids[3]);
    let joined = ids.iter().map(u64::to_string).collect::<Vec<_>>().join("|");
    let body = client.get(&[("action", "query"), ("prop", "info"), ("pageids", &joined)]).json();
    let pages = body["query"]["pages"].as_array().unwrap();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(pages.len(), sorted.len());
    let mut redirects = 0;
    for (entry, id) in pages.iter().zip(&sorted) {
        let expected = page(&W2, 2, *id);
        let mut want = json!({
            "pageid": id,
            "ns": expected.namespace,
            "title": expected.title,
            "contentmodel": "wikitext",
            "pagelanguage": "en",
            "pagelanguagehtmlcode": "en",
            "pagelanguagedir": "ltr",
            "touched": iso(expected.touched),
            "lastrevid": expected.last_rev_id,
            "length": expected.length,
        });
        if expected.redirect {
            redirects += 1;
            want["redirect"] = json!(true);
        }
        assert_eq!(entry, &want);
        assert_eq!(expected.title, title(expected.namespace, *id));
    }
    assert!(redirects <= 5, "{redirects} of 49 pages are redirects");

    let body = client.get(&[("action", "query"), ("prop", "info"), ("pageids", "16601|0|20")]).json();
    let pages = &body["query"]["pages"];
    assert_eq!(pages[0], json!({"pageid": 0, "missing": true}));
    assert_eq!(pages[1]["title"], "Talk:Page 20");
    assert_eq!(pages[2], json!({"pageid": 16_601, "missing": true}));
}

#[test]
fn info_by_title_reports_missing_titles_first() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let body = client.get(&[("action", "query"), ("prop", "info"), ("titles", "User:Page 21|Page 20|Page 3")]).json();
    let pages = body["query"]["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["title"], "Page 20");
    assert_eq!(pages[0]["missing"], true);
    assert_eq!(pages[1]["pageid"], 3);
    assert_eq!(pages[2]["pageid"], 21);
    assert_eq!(pages[2]["ns"], 2);
}

#[test]
fn counts_record_each_module() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    client.get(&[("action", "query"), ("meta", "siteinfo")]);
    client.get(&[("action", "query"), ("list", "users"), ("ususers", "Participant 1")]);
    client.get(&[("action", "query"), ("list", "usercontribs"), ("ucuser", "Participant 1")]);
    client.get(&[("action", "query"), ("list", "usercontribs"), ("ucuser", "Participant 1"), ("ucdir", "sideways")]);
    client.get(&[("action", "query"), ("prop", "info"), ("pageids", "1|2")]);
    let bogus_list = client.get(&[("action", "query"), ("list", "bogus")]).json();
    assert_eq!(
        bogus_list,
        json!({"batchcomplete": true, "warnings": {"query": {"warnings": "Unrecognized value for parameter \"list\": bogus"}}})
    );
    let bogus_action = client.get(&[("action", "bogus")]);
    assert_eq!(bogus_action.header("mediawiki-api-error"), Some("badvalue"));
    assert_eq!(bogus_action.json()["error"]["info"], "Unrecognized value for parameter \"action\": bogus.");
    let wrong_path = client.send("GET", "/wiki/Main_Page", None);
    assert_eq!(wrong_path.status, 404);
    assert_eq!(wiki.counts(), RequestCounts { siteinfo: 1, users: 1, usercontribs: 2, info: 1, other: 3, total: 8 });

    wiki.reset_counts();
    assert_eq!(wiki.counts(), RequestCounts::default());
}

#[test]
fn post_form_body_gets_same_answer_as_get() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let users = names(1..=40);
    let params = [("action", "query"), ("list", "users"), ("ususers", users.as_str()), ("usprop", USER_PROPS)];
    let by_get = client.get(&params);
    let by_post = client.post(&params);
    assert_eq!(by_post.status, 200);
    assert_eq!(by_post.json(), by_get.json());
}

#[test]
fn w1_floor_matches_server_walk() {
    let wiki = SyntheticWiki::start(&W1, 1);
    let mut client = Client::connect(&wiki.api_url());
    let participants: Vec<u32> = (1..=W1.participants).collect();
    let mut users_requests = 0;
    let mut contribution_pages = 0;
    let mut revision_count = 0;
    let mut page_ids = BTreeSet::new();
    for batch in participants.chunks(50) {
        let users = names(batch.iter().copied());
        let body =
            client.get(&[("action", "query"), ("list", "users"), ("ususers", &users), ("usprop", USER_PROPS)]).json();
        users_requests += 1;
        assert_eq!(body["query"]["users"].as_array().unwrap().len(), batch.len());
        let params = contribution_params(&users, "0|1|2", W1.window_start(), W1.window_end(), "max");
        let (entries, pages) = walk(&mut client, &params);
        contribution_pages += pages;
        revision_count += entries.len() as u64;
        page_ids.extend(entries.iter().map(|entry| entry["pageid"].as_u64().unwrap()));
    }
    let page_ids: Vec<u64> = page_ids.into_iter().collect();
    let mut info_requests = 0;
    for chunk in page_ids.chunks(50) {
        let joined = chunk.iter().map(u64::to_string).collect::<Vec<_>>().join("|");
        let body = client.get(&[("action", "query"), ("prop", "info"), ("pageids", &joined)]).json();
        info_requests += 1;
        assert_eq!(body["query"]["pages"].as_array().unwrap().len(), chunk.len());
    }

    let floor = request_floor(&W1);
    assert_eq!(floor.users, users_requests);
    assert_eq!(floor.contributions, contribution_pages);
    assert_eq!(floor.info, info_requests);
    assert_eq!(floor.revisions, revision_count);
    assert_eq!(floor.distinct_pages, page_ids.len() as u64);
    assert_eq!(
        wiki.counts(),
        RequestCounts {
            siteinfo: 0,
            users: users_requests,
            usercontribs: contribution_pages,
            info: info_requests,
            other: 0,
            total: floor.total(),
        }
    );
}

#[test]
fn usercontribs_page_of_500_generation_time() {
    let wiki = SyntheticWiki::start(&W3, 1);
    let mut client = Client::connect(&wiki.api_url());
    let users = names(1..=50);
    let params = contribution_params(&users, "0|1|2", W3.window_start(), W3.window_end(), "max");
    let rounds = 200;

    let started = Instant::now();
    for _ in 0..rounds {
        let body = get_pairs(&mut client, &params);
        assert_eq!(body["query"]["usercontribs"].as_array().unwrap().len(), 500);
        assert!(body.get("continue").is_some());
    }
    let parsed = started.elapsed();

    // The same requests without parsing the body: the server's generation and HTTP round trip.
    let mut bytes = 0;
    let started = Instant::now();
    for _ in 0..rounds {
        let reply = send_pairs(&mut client, &params);
        assert_eq!(reply.status, 200);
        bytes += reply.body.len();
    }
    let raw = started.elapsed();
    println!(
        "{rounds} usercontribs pages of 500 revisions (W3, 50 users): {:.0} µs per page and {:.0} pages/s unparsed, \
         {:.0} µs per page with the client's JSON parse, {} bytes per page",
        raw.as_micros() as f64 / f64::from(rounds),
        f64::from(rounds) / raw.as_secs_f64(),
        parsed.as_micros() as f64 / f64::from(rounds),
        bytes / rounds as usize
    );
}
