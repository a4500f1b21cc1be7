//! Tests of the fixture server from `wikidash_tests::fixtures` and its response builders, and of
//! `Fault::Respond` from `wikidash_tests::proxy` in front of a real MediaWiki. Requests go out
//! through a plain HTTP/1.1 client on `std::net::TcpStream`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};
use wikidash_tests::fixtures::{
    Assessment, FixtureResponse, FixtureServer, GlobalUsage, JSON_CONTENT_TYPE, PROBLEM_JSON_CONTENT_TYPE,
    globalusage_body, liftwing_body, liftwing_error, liftwing_missing_revision, liftwing_path, pageassessments_body,
    pagepile_body, pageviews_body, pageviews_not_found, pageviews_path, petscan_body, petscan_error,
    recorded_interactions, reference_counter_path, reference_counts_body,
};
use wikidash_tests::mediawiki::MediaWiki;
use wikidash_tests::proxy::{Fault, FaultProxy, Rule};

const PAGEVIEWS_FILE: &str = "pageviews-per-article-2025-08.json";
const LIFTWING_FILE: &str = "liftwing-articlequality-enwiki.json";
const LIFTWING_PREDICT: &str = "/service/lw/inference/v1/models/enwiki-articlequality:predict";
const SITEINFO: &str = "/api.php?action=query&meta=siteinfo&format=json&formatversion=2";
const GLOBALUSAGE_QUERY: &str =
    "/api.php?action=query&prop=globalusage&titles=File%3AExample.jpg&guprop=namespace&format=json&formatversion=2";
const PAGEASSESSMENTS_QUERY: &str =
    "/api.php?action=query&prop=pageassessments&titles=Alpha&format=json&formatversion=2";
/// Time a test client waits for a response before it gives up.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// A response as read from the socket.
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Returns "127.0.0.1:PORT" from "http://127.0.0.1:PORT".
fn authority(base_url: &str) -> &str {
    base_url.strip_prefix("http://").expect("an http:// base URL")
}

/// Sends raw request bytes on a new connection and returns everything received until the
/// server closes it.
fn exchange(base_url: &str, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(authority(base_url)).expect("connect to 127.0.0.1");
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream.write_all(request).expect("send the request");
    let mut received = Vec::new();
    stream.read_to_end(&mut received).expect("read until the server closes");
    received
}

fn parse_response(raw: &[u8]) -> RawResponse {
    let head_end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("invalid status line {status_line:?}"));
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("header line with a colon");
            (name.trim().to_string(), value.trim().to_string())
        })
        .collect();
    RawResponse { status, headers, body: raw[head_end + 4..].to_vec() }
}

/// Sends one request with `Connection: close` and returns the response.
fn send(base_url: &str, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> RawResponse {
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: wikidash-fixture-test/1.0\r\nConnection: close\r\n",
        authority(base_url)
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    parse_response(&exchange(base_url, &bytes))
}

fn get(base_url: &str, target: &str) -> RawResponse {
    send(base_url, "GET", target, &[], b"")
}

fn post_json(base_url: &str, target: &str, body: &str) -> RawResponse {
    send(base_url, "POST", target, &[("Content-Type", "application/json")], body.as_bytes())
}

/// Returns the request target of the recorded pageviews range for an article as the client
/// encodes it.
fn pageviews_target(encoded_article: &str) -> String {
    format!(
        "/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user/{encoded_article}/daily/2025081500/2025081900"
    )
}

/// Returns the recorded response of the only interaction whose URL contains `url_part`.
fn recorded_response(file_name: &str, url_part: &str) -> FixtureResponse {
    let matching: Vec<_> =
        recorded_interactions(file_name).into_iter().filter(|interaction| interaction.url.contains(url_part)).collect();
    assert_eq!(matching.len(), 1, "interactions of {file_name} whose URL contains {url_part:?}");
    matching.into_iter().next().unwrap().response
}

/// Counts the requests in php's log whose line contains `marker`.
fn wiki_requests_containing(wiki: &MediaWiki, marker: &str) -> usize {
    wiki.server_log().lines().filter(|line| line.contains(marker)).count()
}

#[test]
fn recorded_pageviews_match_encoded_titles() {
    let server = FixtureServer::start();
    server.load_recorded(PAGEVIEWS_FILE);
    // (title as the client encodes it, part of the recorded URL, views on 2025-08-15)
    let cases = [
        ("HIV%2FAIDS", "/HIV%2FAIDS/", 2097),
        ("Broussard%27s", "/Broussard's/", 9),
        ("Broussard's", "/Broussard's/", 9),
        ("%22Weird_Al%22_Yankovic", "/%22Weird_Al%22_Yankovic/", 5572),
        ("Andr%C3%A9_the_Giant", "/Andr%C3%A9_the_Giant/", 6162),
    ];

    for (encoded, recorded_url_part, first_day_views) in cases {
        let response = get(&server.base_url(), &pageviews_target(encoded));

        let recorded = recorded_response(PAGEVIEWS_FILE, recorded_url_part);
        assert_eq!(response.status, 200, "{encoded}");
        assert_eq!(response.header("content-type"), Some(JSON_CONTENT_TYPE), "{encoded}");
        assert_eq!(response.header("cache-control"), Some("s-maxage=14400, max-age=14400"), "{encoded}");
        assert_eq!(response.text(), recorded.body, "{encoded}");
        assert_eq!(response.json()["items"][0]["views"], first_day_views, "{encoded}");
    }
}

#[test]
fn recorded_pageviews_decode_article_names() {
    let server = FixtureServer::start();
    server.load_recorded(PAGEVIEWS_FILE);

    let slash = get(&server.base_url(), &pageviews_target("HIV%2FAIDS")).json();
    let apostrophe = get(&server.base_url(), &pageviews_target("Broussard%27s")).json();

    assert_eq!(slash["items"][0]["article"], "HIV/AIDS");
    assert_eq!(slash["items"][4]["timestamp"], "2025081900");
    assert_eq!(slash["items"][4]["views"], 2303);
    assert_eq!(apostrophe["items"][0]["article"], "Broussard's");
}

#[test]
fn recorded_unknown_article_returns_recorded_404() {
    let server = FixtureServer::start();
    server.load_recorded(PAGEVIEWS_FILE);

    let response = get(&server.base_url(), &pageviews_target("THIS_IS_NOT_A_REAL_ARTICLE"));

    let recorded = recorded_response(PAGEVIEWS_FILE, "THIS_IS_NOT_A_REAL_ARTICLE");
    assert_eq!(response.status, 404);
    assert_eq!(response.header("content-type"), Some(PROBLEM_JSON_CONTENT_TYPE));
    assert_eq!(response.header("cache-control"), Some("s-maxage=600"));
    assert_eq!(response.text(), recorded.body);
    assert_eq!(response.json()["title"], "Not Found");
}

#[test]
fn pageviews_not_found_matches_recording() {
    let uri = "/metrics/pageviews/per-article/en.wikipedia/all-access/user/THIS_IS_NOT_A_REAL_ARTICLE/daily/2025081500/2025081900";

    let built = pageviews_not_found(uri);

    let recorded = recorded_response(PAGEVIEWS_FILE, "THIS_IS_NOT_A_REAL_ARTICLE");
    assert_eq!(built.status, recorded.status);
    assert_eq!(built.content_type, recorded.content_type);
    assert_eq!(built.body_json(), recorded.body_json());
}

#[test]
fn unregistered_request_returns_problem_404() {
    let server = FixtureServer::start();
    server.load_recorded(PAGEVIEWS_FILE);
    let target = pageviews_target("Not%2FRecorded");

    let response = get(&server.base_url(), &format!("{target}?probe=1"));

    assert_eq!(response.status, 404);
    assert_eq!(response.header("content-type"), Some(PROBLEM_JSON_CONTENT_TYPE));
    let body = response.json();
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Not Found");
    assert_eq!(body["method"], "get");
    assert_eq!(body["uri"], format!("{target}?probe=1"));
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(
            "GET /api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user/Not/Recorded/daily/"
        ),
        "{detail}"
    );
    assert_eq!(server.requests()[0].status, 404);
}

#[test]
fn recorded_liftwing_matches_post_json_body() {
    let server = FixtureServer::start();
    server.load_recorded(LIFTWING_FILE);

    let same_order = post_json(&server.base_url(), LIFTWING_PREDICT, r#"{"rev_id":1220423548,"extended_output":true}"#);
    let reordered =
        post_json(&server.base_url(), LIFTWING_PREDICT, r#"{ "extended_output": true, "rev_id": 1220423548 }"#);
    let other_revision =
        post_json(&server.base_url(), LIFTWING_PREDICT, r#"{"rev_id":1220423549,"extended_output":true}"#);

    let recorded = recorded_response(LIFTWING_FILE, "articlequality:predict");
    for response in [&same_order, &reordered] {
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.text(), recorded.body);
        let score = &response.json()["enwiki"]["scores"]["1220423548"]["articlequality"]["score"];
        assert_eq!(score["prediction"], "Start");
        assert_eq!(score["probability"]["Start"], 0.5182220232989376);
    }
    assert_eq!(other_revision.status, 404);
    assert_eq!(other_revision.json()["title"], "Not Found");
}

#[test]
fn recorded_get_matches_url_query() {
    let server = FixtureServer::start();
    server.load_recorded(LIFTWING_FILE);

    let revisions =
        get(&server.base_url(), "/w/api.php?titles=Nancy%20Tuana&action=query&format=json&prop=revisions&rvprop=ids");
    let other_title =
        get(&server.base_url(), "/w/api.php?action=query&format=json&prop=revisions&rvprop=ids&titles=Other");

    assert_eq!(revisions.status, 200);
    assert_eq!(revisions.json()["query"]["pages"]["51910526"]["revisions"][0]["revid"], 1220423548);
    assert_eq!(other_title.status, 404);
}

#[test]
fn fail_all_returns_status_until_cleared() {
    let server = FixtureServer::start();
    server.load_recorded(PAGEVIEWS_FILE);
    let registered = pageviews_target("HIV%2FAIDS");

    server.fail_all(503);
    let failed_registered = get(&server.base_url(), &registered);
    let failed_unregistered = get(&server.base_url(), "/anything");
    let failed_post = post_json(&server.base_url(), LIFTWING_PREDICT, "{}");
    server.clear_failures();
    let recovered = get(&server.base_url(), &registered);

    for response in [&failed_registered, &failed_unregistered, &failed_post] {
        assert_eq!(response.status, 503);
        assert!(response.text().starts_with("503 Service Unavailable"), "body is {:?}", response.text());
    }
    assert_eq!(recovered.status, 200);
    assert_eq!(recovered.json()["items"][0]["views"], 2097);
    let statuses: Vec<u16> = server.requests().iter().map(|request| request.status).collect();
    assert_eq!(statuses, [503, 503, 503, 200]);
}

#[test]
fn requests_record_paths_and_body() {
    let server = FixtureServer::start();
    server.load_recorded(PAGEVIEWS_FILE);
    let references = reference_counter_path("wikipedia", "en");

    get(&server.base_url(), &format!("{}?note=a%7Cb+c", pageviews_target("HIV%2FAIDS")));
    send(
        &server.base_url(),
        "POST",
        &references,
        &[("Content-Type", "application/json"), ("X-Trace", "fixture")],
        br#"{"rev_ids":[1001]}"#,
    );

    assert_eq!(server.request_count(), 2);
    let [pageviews, counts] = <[_; 2]>::try_from(server.requests()).unwrap();
    assert_eq!(pageviews.method, "GET");
    assert_eq!(
        pageviews.path,
        "/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user/HIV/AIDS/daily/2025081500/2025081900"
    );
    assert_eq!(pageviews.raw_path, pageviews_target("HIV%2FAIDS"));
    assert_eq!(pageviews.raw_query, "note=a%7Cb+c");
    assert_eq!(pageviews.query, [("note".to_string(), "a|b c".to_string())]);
    assert_eq!(pageviews.param("note"), Some("a|b c"));
    assert_eq!(pageviews.header("User-Agent"), Some("wikidash-fixture-test/1.0"));
    assert!(pageviews.body.is_empty());
    assert_eq!(pageviews.status, 200, "the query does not stop a recorded GET without one from matching");

    assert_eq!(counts.method, "POST");
    assert_eq!(counts.path, "/api/v1/references/wikipedia/en");
    assert_eq!(counts.raw_path, "/api/v1/references/wikipedia/en");
    assert_eq!(counts.body, br#"{"rev_ids":[1001]}"#);
    assert_eq!(counts.body_json(), Some(json!({ "rev_ids": [1001] })));
    assert_eq!(counts.header("x-trace"), Some("fixture"));
    assert_eq!(counts.header("content-type"), Some("application/json"));
    assert_eq!(counts.status, 404);
}

#[test]
fn query_parameters_match_in_any_order() {
    let server = FixtureServer::start();
    let petscan = petscan_body(&[("Nancy_Tuana", 0, "", 51910526)]);
    let pagepile = pagepile_body(24289, "en", "wikipedia", "enwiki", &["Nancy_Tuana"]);
    server.on("GET", "/?psid=12345&format=json", FixtureResponse::json(200, petscan.clone()));
    server.on("GET", "/api.php?id=24289&action=get_data&format=json", FixtureResponse::json(200, pagepile.clone()));

    let reordered = get(&server.base_url(), "/?format=json&psid=12345");
    let extra_parameter = get(&server.base_url(), "/?psid=12345&format=json&doit=1");
    let other_psid = get(&server.base_url(), "/?psid=99&format=json");
    let pile = get(&server.base_url(), "/api.php?action=get_data&format=json&id=24289");
    let pile_without_action = get(&server.base_url(), "/api.php?id=24289&format=json");

    assert_eq!(reordered.status, 200);
    assert_eq!(reordered.json(), petscan);
    assert_eq!(extra_parameter.status, 200);
    assert_eq!(other_psid.status, 404);
    assert_eq!(pile.status, 200);
    assert_eq!(pile.json(), pagepile);
    assert_eq!(pile_without_action.status, 404);
}

#[test]
fn more_specific_registration_wins() {
    let server = FixtureServer::start();
    // The specific registrations come first, so only specificity can make them win.
    server.on("GET", "/?psid=1", FixtureResponse::json(200, json!({ "route": "psid 1" })));
    server.on("GET", "/", FixtureResponse::json(200, json!({ "route": "any query" })));
    server.on_post_json("/score", json!({ "rev_id": 1 }), FixtureResponse::json(200, json!({ "route": "rev 1" })));
    server.on("POST", "/score", FixtureResponse::json(200, json!({ "route": "any body" })));
    server.on("GET", "/replaced", FixtureResponse::json(200, json!({ "route": "first" })));
    server.on("GET", "/replaced", FixtureResponse::json(200, json!({ "route": "second" })));

    assert_eq!(get(&server.base_url(), "/?psid=1").json()["route"], "psid 1");
    assert_eq!(get(&server.base_url(), "/?psid=2").json()["route"], "any query");
    assert_eq!(post_json(&server.base_url(), "/score", r#"{"rev_id":1}"#).json()["route"], "rev 1");
    assert_eq!(post_json(&server.base_url(), "/score", r#"{"rev_id":2}"#).json()["route"], "any body");
    assert_eq!(get(&server.base_url(), "/replaced").json()["route"], "second");
}

#[test]
fn built_pageviews_serve_encoded_titles() {
    let server = FixtureServer::start();
    for article in ["Fate/stay_night", "Who?"] {
        let body = pageviews_body("en.wikipedia", article, &[("20250815", 40), ("20250816", 41)]);
        let path = pageviews_path("en.wikipedia", article, "20250815", "20250816");
        server.on_query("GET", &path, &[], FixtureResponse::json(200, body));
    }
    let prefix = "/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user";

    let slash = get(&server.base_url(), &format!("{prefix}/Fate%2Fstay_night/daily/2025081500/2025081600"));
    let question = get(&server.base_url(), &format!("{prefix}/Who%3F/daily/2025081500/2025081600"));

    assert_eq!(slash.status, 200);
    assert_eq!(slash.json()["items"][0]["article"], "Fate/stay_night");
    assert_eq!(slash.json()["items"][1]["views"], 41);
    assert_eq!(question.status, 200);
    assert_eq!(question.json()["items"][0]["article"], "Who?");
}

#[test]
fn reference_counter_answers_json_post() {
    let server = FixtureServer::start();
    let body = reference_counts_body(&[(1001, Some(12)), (1002, None)]);
    server.on_post_json(
        &reference_counter_path("wikipedia", "en"),
        json!({ "rev_ids": [1001, 1002] }),
        FixtureResponse::json(200, body),
    );

    let response = post_json(&server.base_url(), "/api/v1/references/wikipedia/en", r#"{"rev_ids":[1001,1002]}"#);

    assert_eq!(response.status, 200);
    let counts = response.json();
    assert_eq!(counts["1001"]["num_ref"], 12);
    assert_eq!(counts["1002"]["num_ref"], Value::Null);
    assert_eq!(counts["1002"]["error"], "no content");
}

#[test]
fn liftwing_missing_revision_returns_400_error() {
    let server = FixtureServer::start();
    server.on_post_json(&liftwing_path("enwiki"), json!({ "rev_id": 77 }), liftwing_missing_revision(77));

    let response = post_json(&server.base_url(), LIFTWING_PREDICT, r#"{"rev_id":77}"#);

    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let message = response.json()["error"].as_str().unwrap().to_string();
    assert!(message.contains("MW API does not have any info"), "{message}");
    assert!(message.contains("(77)"), "{message}");
}

#[test]
fn fixture_headers_are_sent() {
    let server = FixtureServer::start();
    let limited = FixtureResponse::json(429, json!({ "error": "rate limited" })).with_header("Retry-After", "7");
    server.on("GET", "/limited", limited);
    server.on("GET", "/plain", FixtureResponse::new(200, "", "no type"));

    let response = get(&server.base_url(), "/limited");
    let untyped = get(&server.base_url(), "/plain");

    assert_eq!(response.status, 429);
    assert_eq!(response.header("retry-after"), Some("7"));
    assert_eq!(response.header("content-type"), Some(JSON_CONTENT_TYPE));
    assert_eq!(response.header("content-length"), Some(response.body.len().to_string().as_str()));
    assert_eq!(untyped.header("content-type"), None);
    assert_eq!(untyped.text(), "no type");
}

#[test]
fn fixture_server_keeps_connection_alive() {
    let server = FixtureServer::start();
    server.on("GET", "/first", FixtureResponse::json(200, json!({ "n": 1 })));
    server.on("GET", "/second", FixtureResponse::json(200, json!({ "n": 2 })));
    let host = authority(&server.base_url()).to_string();
    let requests = format!(
        "GET /first HTTP/1.1\r\nHost: {host}\r\n\r\nGET /second HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );

    let received = String::from_utf8(exchange(&server.base_url(), requests.as_bytes())).unwrap();

    assert_eq!(received.matches("HTTP/1.1 200 OK").count(), 2, "{received}");
    assert!(received.contains(r#"{"n":1}"#), "{received}");
    assert!(received.ends_with(r#"{"n":2}"#), "{received}");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn fixture_server_serves_async_test() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = FixtureServer::start();
    server.load_recorded(PAGEVIEWS_FILE);
    let mut stream = tokio::net::TcpStream::connect(authority(&server.base_url())).await.unwrap();
    let request = format!("GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", pageviews_target("Q42"));
    let request = request.replace("en.wikipedia", "wikidata");

    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    stream.read_to_end(&mut received).await.unwrap();

    let response = parse_response(&received);
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["items"][4]["views"], 129);
}

#[test]
fn dropping_server_refuses_connections() {
    let server = FixtureServer::start();
    let base_url = server.base_url();

    drop(server);

    assert!(TcpStream::connect(authority(&base_url)).is_err(), "{base_url} still accepts connections");
}

#[test]
fn pageviews_body_has_daily_user_items() {
    let body = pageviews_body("en.wikipedia", "HIV/AIDS", &[("20250815", 2097), ("20250817", 2071)]);

    let parsed: Value = serde_json::from_str(&body.to_string()).unwrap();
    let items = parsed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0],
        json!({
            "project": "en.wikipedia",
            "article": "HIV/AIDS",
            "granularity": "daily",
            "timestamp": "2025081500",
            "access": "all-access",
            "agent": "user",
            "views": 2097
        })
    );
    assert_eq!(items[1]["timestamp"], "2025081700");
    assert_eq!(items[1]["views"], 2071);
}

#[test]
fn pageviews_path_keeps_decoded_title() {
    let path = pageviews_path("en.wikipedia", "HIV/AIDS", "20250815", "20250819");

    assert_eq!(
        path,
        "/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user/HIV/AIDS/daily/2025081500/2025081900"
    );
}

#[test]
fn liftwing_body_has_score_under_wiki_and_revision() {
    let body = liftwing_body("enwiki", 1220423548, "Start", &[("Start", 0.75), ("Stub", 0.25)]);

    let parsed: Value = serde_json::from_str(&body.to_string()).unwrap();
    let recorded = recorded_response(LIFTWING_FILE, "articlequality:predict").body_json();
    assert_eq!(parsed["enwiki"]["models"], recorded["enwiki"]["models"]);
    let score = &parsed["enwiki"]["scores"]["1220423548"]["articlequality"]["score"];
    assert_eq!(score["prediction"], "Start");
    assert_eq!(score["probability"], json!({ "Start": 0.75, "Stub": 0.25 }));
    assert_eq!(liftwing_path("enwiki"), LIFTWING_PREDICT);
}

#[test]
fn liftwing_body_uses_itemquality_for_wikidata() {
    let body = liftwing_body("wikidatawiki", 5, "C", &[("C", 1.0)]);

    assert_eq!(body["wikidatawiki"]["scores"]["5"]["itemquality"]["score"]["prediction"], "C");
    assert_eq!(liftwing_path("wikidatawiki"), "/service/lw/inference/v1/models/wikidatawiki-itemquality:predict");
}

#[test]
fn liftwing_error_has_message_and_type() {
    let message = "RevisionNotFound: Could not find revision ({revision}:123)";

    let body = liftwing_error("enwiki", 123, message);

    let parsed: Value = serde_json::from_str(&body.to_string()).unwrap();
    let error = &parsed["enwiki"]["scores"]["123"]["articlequality"]["error"];
    assert_eq!(error["message"], message);
    assert_eq!(error["type"], "RevisionNotFound");
    assert_eq!(
        liftwing_error("enwiki", 1, "TextDeleted")["enwiki"]["scores"]["1"]["articlequality"]["error"]["type"],
        "TextDeleted"
    );
}

#[test]
fn reference_counts_mark_missing_content() {
    let body = reference_counts_body(&[(1001, Some(12)), (1002, None), (1003, Some(0))]);

    let parsed: Value = serde_json::from_str(&body.to_string()).unwrap();
    assert_eq!(parsed["1001"], json!({ "num_ref": 12 }));
    assert_eq!(parsed["1002"], json!({ "num_ref": null, "error": "no content" }));
    assert_eq!(parsed["1003"], json!({ "num_ref": 0 }));
    assert_eq!(parsed.as_object().unwrap().len(), 3);
}

#[test]
fn petscan_body_lists_pages_in_first_combination() {
    let body = petscan_body(&[("Nancy_Tuana", 0, "", 51910526), ("Nancy_Tuana", 1, "Talk", 51910527)]);

    let parsed: Value = serde_json::from_str(&body.to_string()).unwrap();
    assert_eq!(parsed["n"], "result");
    assert!(parsed["a"]["querytime_sec"].is_number());
    assert!(parsed["a"]["query"].as_str().unwrap().starts_with("https://petscan.wmflabs.org/?"));
    let combination = &parsed["*"][0];
    assert_eq!(combination["n"], "combination");
    assert_eq!(combination["a"]["type"], "subset");
    let pages = combination["a"]["*"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["n"], "page");
    assert_eq!(pages[0]["title"], "Nancy_Tuana");
    assert_eq!(pages[0]["id"], 51910526);
    assert_eq!(pages[0]["namespace"], 0);
    assert_eq!(pages[0]["nstext"], "");
    assert!(pages[0]["len"].is_u64());
    assert_eq!(pages[0]["touched"].as_str().unwrap().len(), 14);
    assert_eq!(pages[1]["namespace"], 1);
    assert_eq!(pages[1]["nstext"], "Talk");
}

#[test]
fn petscan_error_has_error_text() {
    let parsed: Value = serde_json::from_str(&petscan_error("No such PSID in the database").to_string()).unwrap();

    assert_eq!(parsed, json!({ "error": "No such PSID in the database" }));
}

#[test]
fn pagepile_body_has_wiki_and_full_titles() {
    let body = pagepile_body(24289, "ga", "wikipedia", "gawiki", &["Rose_Hill,_Derby", "Plé:Rose_Hill,_Derby"]);

    let parsed: Value = serde_json::from_str(&body.to_string()).unwrap();
    assert_eq!(parsed["id"], 24289);
    assert_eq!(parsed["language"], "ga");
    assert_eq!(parsed["project"], "wikipedia");
    assert_eq!(parsed["wiki"], "gawiki");
    assert_eq!(parsed["pages"], json!(["Rose_Hill,_Derby", "Plé:Rose_Hill,_Derby"]));
}

#[test]
fn globalusage_body_has_string_namespaces() {
    let usages: &[GlobalUsage] = &[("Exemple", "fr.wikipedia.org", 0), ("Talk:Example", "en.wikipedia.org", 1)];

    let continued = globalusage_body(
        &[(111, "File:Example.jpg", usages), (112, "File:Unused.jpg", &[])],
        Some("Example.jpg|frwiki|4242"),
    );
    let complete = globalusage_body(&[(111, "File:Example.jpg", &usages[..1])], None);

    let parsed: Value = serde_json::from_str(&continued.to_string()).unwrap();
    assert_eq!(parsed["continue"], json!({ "gucontinue": "Example.jpg|frwiki|4242", "continue": "||" }));
    assert_eq!(parsed.get("batchcomplete"), None);
    let pages = parsed["query"]["pages"].as_array().unwrap();
    assert_eq!(pages[0]["pageid"], 111);
    assert_eq!(pages[0]["ns"], 6);
    assert_eq!(pages[0]["title"], "File:Example.jpg");
    assert_eq!(pages[0]["globalusage"][0], json!({ "title": "Exemple", "wiki": "fr.wikipedia.org", "ns": "0" }));
    assert_eq!(pages[0]["globalusage"][1]["ns"], "1");
    assert_eq!(pages[1]["title"], "File:Unused.jpg");
    assert_eq!(pages[1].get("globalusage"), None);
    assert_eq!(complete["batchcomplete"], true);
    assert_eq!(complete.get("continue"), None);
}

#[test]
fn pageassessments_body_keys_assessments_by_project() {
    let assessments: &[Assessment] = &[("Medicine", "B", "High"), ("Biology", "C", "")];

    let body =
        pageassessments_body(&[(1234, 0, "Example article", assessments), (5678, 0, "Unassessed article", &[])], None);
    let continued = pageassessments_body(&[(1234, 0, "Example article", assessments)], Some("1234|17"));

    let parsed: Value = serde_json::from_str(&body.to_string()).unwrap();
    assert_eq!(parsed["batchcomplete"], true);
    let pages = parsed["query"]["pages"].as_array().unwrap();
    assert_eq!(pages[0]["pageid"], 1234);
    assert_eq!(pages[0]["ns"], 0);
    assert_eq!(pages[0]["title"], "Example article");
    assert_eq!(pages[0]["pageassessments"]["Medicine"], json!({ "class": "B", "importance": "High" }));
    assert_eq!(pages[0]["pageassessments"]["Biology"], json!({ "class": "C", "importance": "" }));
    assert_eq!(pages[1].get("pageassessments"), None);
    assert_eq!(continued["continue"], json!({ "pacontinue": "1234|17", "continue": "||" }));
}

#[test]
fn respond_always_replaces_only_globalusage() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let usages: &[GlobalUsage] = &[("Exemple", "fr.wikipedia.org", 0)];
    let fixture = globalusage_body(&[(111, "File:Example.jpg", usages)], None);
    proxy.respond_always(
        Rule::QueryContains("prop=globalusage".to_string()),
        200,
        JSON_CONTENT_TYPE,
        &fixture.to_string(),
    );

    let first = get(&proxy.base_url(), GLOBALUSAGE_QUERY);
    let second = get(&proxy.base_url(), GLOBALUSAGE_QUERY);
    let siteinfo = get(&proxy.base_url(), SITEINFO);

    for response in [&first, &second] {
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some(JSON_CONTENT_TYPE));
        assert_eq!(response.json(), fixture);
    }
    assert_eq!(siteinfo.status, 200);
    assert_eq!(siteinfo.json()["query"]["general"]["sitename"], "TestWiki");
    assert_eq!(wiki_requests_containing(&wiki, "prop=globalusage"), 0, "not forwarded");
    let faults: Vec<Option<String>> = proxy.requests().into_iter().map(|request| request.fault).collect();
    assert!(faults[0].as_deref().is_some_and(|fault| fault.starts_with("Respond { status: 200")), "{faults:?}");
    assert_eq!(faults[0], faults[1]);
    assert_eq!(faults[2], None);
    assert_eq!(proxy.remaining_faults(), 0, "an unlimited rule is not counted");

    proxy.clear_faults();
    let forwarded = get(&proxy.base_url(), GLOBALUSAGE_QUERY);

    assert_eq!(forwarded.status, 200);
    assert_ne!(forwarded.json(), fixture);
    assert_eq!(wiki_requests_containing(&wiki, "prop=globalusage"), 1, "forwarded after clear_faults");
}

#[test]
fn respond_fault_once_then_forwards() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let assessments: &[Assessment] = &[("Science", "GA", "Mid")];
    let fixture = pageassessments_body(&[(5, 0, "Alpha", assessments)], None);
    proxy.inject(
        Rule::QueryContains("prop=pageassessments".to_string()),
        vec![Fault::Respond { status: 200, content_type: JSON_CONTENT_TYPE.to_string(), body: fixture.to_string() }],
    );

    let answered = get(&proxy.base_url(), PAGEASSESSMENTS_QUERY);
    let forwarded = get(&proxy.base_url(), PAGEASSESSMENTS_QUERY);

    assert_eq!(answered.status, 200);
    assert_eq!(answered.json()["query"]["pages"][0]["pageassessments"]["Science"]["class"], "GA");
    assert_eq!(forwarded.status, 200);
    let real = forwarded.json();
    let page = &real["query"]["pages"][0];
    assert_eq!(page["pageid"], 5);
    assert_eq!(page["title"], "Alpha");
    assert_eq!(page.get("pageassessments"), None, "the local wiki has no PageAssessments: {real}");
    let warning = real["warnings"]["query"]["warnings"].as_str().unwrap_or_default();
    assert!(warning.contains("pageassessments"), "{real}");
    assert_eq!(proxy.remaining_faults(), 0);
}
