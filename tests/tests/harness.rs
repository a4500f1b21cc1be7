//! Tests of the test harness itself: the real seeded MediaWiki from `wikidash_tests::mediawiki`
//! and the fault-injecting proxy from `wikidash_tests::proxy`, observed with a plain HTTP/1.1
//! client on `std::net::TcpStream`.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use wikidash_tests::mediawiki::MediaWiki;
use wikidash_tests::proxy::{Fault, FaultProxy, Rule};

const ALICE_CONTRIBS: &str =
    "/api.php?action=query&list=usercontribs&ucuser=Alice&uclimit=max&format=json&formatversion=2";
const SITEINFO: &str = "/api.php?action=query&meta=siteinfo&format=json&formatversion=2";
/// Time a test client waits for a response before it gives up.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// A response as read from the socket, before any decoding.
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    fn content_length(&self) -> Option<usize> {
        self.header("content-length").map(|value| value.parse().expect("numeric Content-Length"))
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

fn connect(base_url: &str) -> TcpStream {
    let stream = TcpStream::connect(authority(base_url)).expect("connect to 127.0.0.1");
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream
}

/// Sends raw request bytes on a new connection and returns everything the server sends until
/// it closes the connection.
fn exchange(base_url: &str, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(base_url);
    stream.write_all(request).expect("send the request");
    let mut received = Vec::new();
    stream.read_to_end(&mut received).expect("read until the server closes");
    received
}

/// Splits raw bytes into status, headers and body; the body is everything after the head.
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

/// Sends `GET path_and_query` with `Connection: close` and returns the raw response.
fn get(base_url: &str, path_and_query: &str) -> RawResponse {
    get_with_headers(base_url, path_and_query, &[])
}

fn get_with_headers(base_url: &str, path_and_query: &str, headers: &[(&str, &str)]) -> RawResponse {
    let mut request = format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: {}\r\nUser-Agent: wikidash-harness-test/1.0\r\n",
        authority(base_url)
    );
    let has_connection = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("connection"));
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_connection {
        request.push_str("Connection: close\r\n");
    }
    request.push_str("\r\n");
    parse_response(&exchange(base_url, request.as_bytes()))
}

/// Reads one response with a `Content-Length` from a connection that stays open.
fn read_one_response(stream: &mut TcpStream, pending: &mut Vec<u8>) -> RawResponse {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(head_end) = pending.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = parse_response(&pending[..head_end + 4]);
            let length = head.content_length().expect("a keep-alive response has a Content-Length");
            if pending.len() >= head_end + 4 + length {
                let raw: Vec<u8> = pending.drain(..head_end + 4 + length).collect();
                return parse_response(&raw);
            }
        }
        let read = stream.read(&mut chunk).expect("read a response");
        assert!(read > 0, "connection closed in the middle of a response");
        pending.extend_from_slice(&chunk[..read]);
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut decoded).expect("a valid gzip stream");
    decoded
}

fn contribs(json: &Value) -> &Vec<Value> {
    json["query"]["usercontribs"].as_array().unwrap_or_else(|| panic!("no query.usercontribs in {json}"))
}

fn contrib_with_revid(json: &Value, revid: u64) -> &Value {
    contribs(json)
        .iter()
        .find(|contrib| contrib["revid"] == revid)
        .unwrap_or_else(|| panic!("revid {revid} missing from {json}"))
}

/// Counts the requests in php's log whose line contains `marker`.
fn wiki_requests_containing(wiki: &MediaWiki, marker: &str) -> usize {
    wiki.server_log().lines().filter(|line| line.contains("GET ") && line.contains(marker)).count()
}

#[test]
fn wiki_siteinfo_reports_testwiki() {
    let wiki = MediaWiki::start();

    let response = get(&wiki.base_url(), SITEINFO);

    assert_eq!(response.status, 200);
    let general = &response.json()["query"]["general"];
    assert_eq!(general["sitename"], "TestWiki");
    let generator = general["generator"].as_str().unwrap();
    assert!(generator.starts_with("MediaWiki 1.39"), "generator is {generator}");
    assert_eq!(general["server"], wiki.base_url(), "$wgServer follows the Host header");
    assert_eq!(wiki.api_url(), format!("{}/api.php", wiki.base_url()));
}

#[test]
fn proxy_returns_alice_contribs_from_seed() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());

    let response = get(&proxy.base_url(), ALICE_CONTRIBS);

    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    let json = response.json();
    let contributions = contribs(&json);
    // Alice's 13 live revisions; her edits on the deleted "Doomed page" are not listed.
    assert_eq!(contributions.len(), 13, "{json}");
    assert!(contributions.iter().all(|contrib| contrib["user"] == "Alice"));
    assert!(contributions.iter().all(|contrib| contrib["userid"] == 3));
    let mut revids: Vec<u64> = contributions.iter().map(|contrib| contrib["revid"].as_u64().unwrap()).collect();
    revids.sort_unstable();
    assert_eq!(revids, [2, 3, 5, 7, 18, 19, 22, 25, 28, 31, 32, 33, 34]);

    let alpha_creation = contrib_with_revid(&json, 5);
    assert_eq!(alpha_creation["parentid"], 0);
    assert_eq!(alpha_creation["title"], "Alpha");
    assert_eq!(alpha_creation["pageid"], 5);
    assert_eq!(alpha_creation["timestamp"], "2015-03-01T10:00:00Z");
    assert_eq!(alpha_creation["new"], true);

    let alpha_minor_edit = contrib_with_revid(&json, 7);
    assert_eq!(alpha_minor_edit["parentid"], 6);
    assert_eq!(alpha_minor_edit["minor"], true);
    assert_eq!(alpha_minor_edit["timestamp"], "2018-07-03T12:45:00Z");

    let move_null_revision = contrib_with_revid(&json, 31);
    assert_eq!(move_null_revision["title"], "New name");
    assert_eq!(move_null_revision["parentid"], 14);
    assert_eq!(move_null_revision["timestamp"], "2018-01-01T00:00:00Z");
}

#[test]
fn proxy_records_decoded_query_and_headers() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let path = "/api.php?action=query&list=usercontribs&ucuser=Alice%7CBob&uclimit=2&ucprop=ids%7Ctitle&format=json";

    let response = get_with_headers(&proxy.base_url(), path, &[("Accept-Encoding", "gzip")]);

    assert_eq!(response.status, 200);
    assert_eq!(proxy.request_count(), 1);
    let recorded = &proxy.requests()[0];
    assert_eq!(recorded.method, "GET");
    assert_eq!(recorded.path_and_query, path);
    assert_eq!(
        recorded.query,
        [
            ("action", "query"),
            ("list", "usercontribs"),
            ("ucuser", "Alice|Bob"),
            ("uclimit", "2"),
            ("ucprop", "ids|title"),
            ("format", "json"),
        ]
        .map(|(name, value)| (name.to_string(), value.to_string()))
    );
    assert_eq!(recorded.param("ucuser"), Some("Alice|Bob"));
    assert_eq!(recorded.header("user-agent"), Some("wikidash-harness-test/1.0"));
    assert_eq!(recorded.header("Accept-Encoding"), Some("gzip"));
    assert_eq!(recorded.header("connection"), Some("close"));
    assert!(recorded.body.is_empty());
    assert_eq!(recorded.fault, None);
}

#[test]
fn proxy_forwards_end_to_end_headers_only() {
    let wiki = MediaWiki::start();
    // The inner proxy records what the outer proxy forwarded.
    let inner = FaultProxy::start(&wiki.base_url());
    let outer = FaultProxy::start(&inner.base_url());

    let response = get_with_headers(
        &outer.base_url(),
        SITEINFO,
        &[
            ("Accept-Encoding", "gzip, deflate"),
            ("X-Trace", "end-to-end"),
            ("X-Hop", "named in Connection"),
            ("Keep-Alive", "timeout=5"),
            ("Connection", "close, X-Hop"),
        ],
    );

    assert_eq!(response.status, 200);
    assert_eq!(response.header("connection"), Some("close"));
    let forwarded = &inner.requests()[0];
    assert_eq!(forwarded.path_and_query, SITEINFO);
    assert_eq!(forwarded.header("user-agent"), Some("wikidash-harness-test/1.0"));
    assert_eq!(forwarded.header("accept-encoding"), Some("gzip, deflate"));
    assert_eq!(forwarded.header("x-trace"), Some("end-to-end"));
    assert_eq!(forwarded.header("host"), Some(authority(&outer.base_url())));
    assert_eq!(forwarded.header("x-hop"), None);
    assert_eq!(forwarded.header("keep-alive"), None);
    assert_eq!(forwarded.header("connection"), None);
}

#[test]
fn proxy_forwards_post_form_body() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::QueryContains("ucuser=Alice".to_string()), vec![Fault::Status { code: 500, retry_after: None }]);
    let body = "action=query&list=usercontribs&ucuser=Alice&uclimit=max&format=json&formatversion=2";
    let request = format!(
        "POST /api.php HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        authority(&proxy.base_url()),
        body.len()
    );

    let faulted = parse_response(&exchange(&proxy.base_url(), request.as_bytes()));
    let forwarded = parse_response(&exchange(&proxy.base_url(), request.as_bytes()));

    assert_eq!(faulted.status, 500, "QueryContains matches form body parameters");
    assert_eq!(forwarded.status, 200);
    assert_eq!(contribs(&forwarded.json()).len(), 13);
    let recorded = &proxy.requests()[1];
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.path_and_query, "/api.php");
    assert_eq!(recorded.body, body.as_bytes());
    assert_eq!(recorded.param("list"), Some("usercontribs"));
}

#[test]
fn proxy_decodes_chunked_request_body() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let request = format!(
        "POST /api.php HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         e\r\naction=query&m\r\n18;ext=1\r\neta=siteinfo&format=json\r\n0\r\n\r\n",
        authority(&proxy.base_url())
    );

    let response = parse_response(&exchange(&proxy.base_url(), request.as_bytes()));

    assert_eq!(response.status, 200);
    assert_eq!(response.json()["query"]["general"]["sitename"], "TestWiki");
    assert_eq!(proxy.requests()[0].body, b"action=query&meta=siteinfo&format=json");
}

#[test]
fn proxy_keeps_connection_alive_between_requests() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let mut stream = connect(&proxy.base_url());
    let request = format!("GET {SITEINFO} HTTP/1.1\r\nHost: {}\r\n\r\n", authority(&proxy.base_url()));
    let mut pending = Vec::new();

    // Two requests written back to back (pipelined), then a third after both responses.
    stream.write_all(format!("{request}{request}").as_bytes()).unwrap();
    let first = read_one_response(&mut stream, &mut pending);
    let second = read_one_response(&mut stream, &mut pending);
    stream.write_all(request.as_bytes()).unwrap();
    let third = read_one_response(&mut stream, &mut pending);

    for response in [&first, &second, &third] {
        assert_eq!(response.status, 200);
        assert_eq!(response.header("connection"), Some("keep-alive"));
        assert_eq!(response.json()["query"]["general"]["sitename"], "TestWiki");
    }
    assert_eq!(proxy.request_count(), 3);
}

#[test]
fn status_fault_returns_429_with_retry_after() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::Any, vec![Fault::Status { code: 429, retry_after: Some("3".to_string()) }]);

    let response = get(&proxy.base_url(), &format!("{SITEINFO}&marker=status429"));

    assert_eq!(response.status, 429);
    assert_eq!(response.header("retry-after"), Some("3"));
    assert_eq!(response.content_length(), Some(response.body.len()));
    let text = String::from_utf8(response.body).unwrap();
    assert!(text.starts_with("429 Too Many Requests"), "body is {text:?}");
    assert_eq!(wiki_requests_containing(&wiki, "marker=status429"), 0, "not forwarded");
    assert_eq!(proxy.requests()[0].fault.as_deref(), Some(r#"Status { code: 429, retry_after: Some("3") }"#));
}

#[test]
fn status_fault_without_retry_after_omits_header() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::Any, vec![Fault::Status { code: 503, retry_after: None }]);

    let response = get(&proxy.base_url(), SITEINFO);

    assert_eq!(response.status, 503);
    assert_eq!(response.header("retry-after"), None);
    assert!(String::from_utf8(response.body).unwrap().starts_with("503 Service Unavailable"));
}

#[test]
fn maxlag_fault_answers_200_with_mediawiki_error_header() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::Any, vec![Fault::Maxlag { retry_after: 2 }]);

    let response = get(&proxy.base_url(), &format!("{ALICE_CONTRIBS}&maxlag=5&marker=maxlag"));

    assert_eq!(response.status, 200);
    assert_eq!(response.header("mediawiki-api-error"), Some("maxlag"));
    assert_eq!(response.header("retry-after"), Some("2"));
    assert_eq!(response.header("x-database-lag"), Some("7"));
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(
        response.json(),
        serde_json::json!({
            "error": {
                "code": "maxlag",
                "info": "Waiting for 10.64.16.8: 7 seconds lagged",
                "host": "10.64.16.8",
                "lag": 7,
                "type": "db"
            },
            "servedby": "mw1234"
        })
    );
    assert_eq!(wiki_requests_containing(&wiki, "marker=maxlag"), 0, "not forwarded");
}

#[test]
fn truncate_fault_sends_half_of_content_length() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let full = get(&wiki.base_url(), ALICE_CONTRIBS);
    proxy.inject(Rule::Any, vec![Fault::Truncate]);

    let truncated = get(&proxy.base_url(), ALICE_CONTRIBS);

    assert_eq!(truncated.status, 200);
    assert_eq!(truncated.content_length(), Some(full.body.len()));
    assert_eq!(truncated.body.len(), full.body.len() / 2);
    assert!(full.body.starts_with(&truncated.body));
    assert_eq!(wiki_requests_containing(&wiki, "list=usercontribs"), 2, "forwarded");
}

#[test]
fn drop_fault_closes_without_response() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::Any, vec![Fault::Drop]);
    let request = format!("GET {SITEINFO} HTTP/1.1\r\nHost: {}\r\n\r\n", authority(&proxy.base_url()));

    let received = exchange(&proxy.base_url(), request.as_bytes());

    assert!(received.is_empty(), "received {:?}", String::from_utf8_lossy(&received));
    assert_eq!(proxy.request_count(), 1, "the request is recorded before the fault");
    assert_eq!(proxy.requests()[0].fault.as_deref(), Some("Drop"));
    assert_eq!(get(&proxy.base_url(), SITEINFO).status, 200, "next request is forwarded");
}

#[test]
fn delay_fault_forwards_after_delay() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let delay = Duration::from_millis(600);
    proxy.inject(Rule::Any, vec![Fault::Delay(delay)]);

    let started = Instant::now();
    let response = get(&proxy.base_url(), ALICE_CONTRIBS);
    let elapsed = started.elapsed();

    assert!(elapsed >= delay, "responded after {elapsed:?}");
    assert_eq!(response.status, 200);
    assert_eq!(contribs(&response.json()).len(), 13);
}

#[test]
fn hang_fault_never_responds() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::Any, vec![Fault::Hang]);
    let mut stream = connect(&proxy.base_url());
    stream.set_read_timeout(Some(Duration::from_millis(700))).unwrap();
    let request = format!("GET {SITEINFO} HTTP/1.1\r\nHost: {}\r\n\r\n", authority(&proxy.base_url()));
    stream.write_all(request.as_bytes()).unwrap();

    let mut buffer = [0u8; 64];
    let error = stream.read(&mut buffer).expect_err("no bytes arrive on a hanging connection");

    assert!(
        matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "read failed with {error:?} instead of timing out"
    );
    drop(stream);
    assert_eq!(get(&proxy.base_url(), SITEINFO).status, 200, "next request is forwarded");
}

#[test]
fn dropping_proxy_closes_hanging_connection() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::Any, vec![Fault::Hang]);
    let mut stream = connect(&proxy.base_url());
    let request = format!("GET {SITEINFO} HTTP/1.1\r\nHost: {}\r\n\r\n", authority(&proxy.base_url()));
    stream.write_all(request.as_bytes()).unwrap();
    // The proxy must have read the request before it is dropped.
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    while proxy.request_count() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }

    drop(proxy);
    let mut buffer = [0u8; 64];
    let read = stream.read(&mut buffer);

    assert!(
        matches!(read, Ok(0)) || matches!(&read, Err(error) if error.kind() == ErrorKind::ConnectionReset),
        "expected end of stream, got {read:?}"
    );
}

#[test]
fn gzip_fault_decompresses_to_wiki_json() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let direct = get(&wiki.base_url(), ALICE_CONTRIBS);
    proxy.inject(Rule::Any, vec![Fault::Gzip]);

    let compressed = get_with_headers(&proxy.base_url(), ALICE_CONTRIBS, &[("Accept-Encoding", "gzip")]);

    assert_eq!(compressed.status, 200);
    assert_eq!(direct.header("content-encoding"), None, "php -S never compresses");
    assert_eq!(compressed.header("content-encoding"), Some("gzip"));
    assert_eq!(compressed.content_length(), Some(compressed.body.len()));
    assert_ne!(compressed.body, direct.body);
    assert_eq!(gunzip(&compressed.body), direct.body);
}

#[test]
fn rule_matches_only_its_requests_in_fifo_order() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(
        Rule::QueryContains("list=usercontribs".to_string()),
        vec![Fault::Status { code: 500, retry_after: None }, Fault::Status { code: 503, retry_after: None }],
    );

    let statuses: Vec<u16> = [SITEINFO, ALICE_CONTRIBS, SITEINFO, ALICE_CONTRIBS, ALICE_CONTRIBS]
        .iter()
        .map(|path| get(&proxy.base_url(), path).status)
        .collect();

    assert_eq!(statuses, [200, 500, 200, 503, 200]);
    assert_eq!(proxy.remaining_faults(), 0);
    let faults: Vec<Option<String>> = proxy.requests().into_iter().map(|request| request.fault).collect();
    assert_eq!(
        faults,
        [
            None,
            Some("Status { code: 500, retry_after: None }".to_string()),
            None,
            Some("Status { code: 503, retry_after: None }".to_string()),
            None,
        ]
    );
}

#[test]
fn query_contains_matches_decoded_parameters() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(
        Rule::QueryContains("ucuser=Alice|Bob".to_string()),
        vec![Fault::Status { code: 502, retry_after: None }],
    );

    let only_alice = get(&proxy.base_url(), ALICE_CONTRIBS);
    let encoded = get(&proxy.base_url(), "/api.php?action=query&list=usercontribs&ucuser=Alice%7CBob&format=json");

    assert_eq!(only_alice.status, 200);
    assert_eq!(encoded.status, 502);
}

#[test]
fn first_injected_rule_wins_when_several_match() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::Any, vec![Fault::Status { code: 500, retry_after: None }]);
    proxy
        .inject(Rule::QueryContains("meta=siteinfo".to_string()), vec![Fault::Status { code: 503, retry_after: None }]);

    let statuses: Vec<u16> = (0..3).map(|_| get(&proxy.base_url(), SITEINFO).status).collect();

    assert_eq!(statuses, [500, 503, 200]);
}

#[test]
fn append_json_adds_to_the_upstream_answer() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    let path = format!("{SITEINFO}&siprop=extensions");
    let upstream = get(&proxy.base_url(), &path).json()["query"]["extensions"].as_array().unwrap().len();
    let value = serde_json::json!({"type": "other", "name": "Added"});
    proxy.inject(Rule::Any, vec![Fault::AppendJson { pointer: "/query/extensions".into(), value: value.clone() }]);

    let extensions = get(&proxy.base_url(), &path).json()["query"]["extensions"].as_array().unwrap().clone();

    assert!(upstream > 0, "the wiki lists its extensions");
    assert_eq!(extensions.len(), upstream + 1);
    assert_eq!(extensions.last(), Some(&value));
}

#[test]
fn nth_request_rule_counts_from_log_reset() {
    let wiki = MediaWiki::start();
    let proxy = FaultProxy::start(&wiki.base_url());
    proxy.inject(Rule::NthRequest(1), vec![Fault::Status { code: 500, retry_after: None }]);

    let before_reset: Vec<u16> = (0..3).map(|_| get(&proxy.base_url(), SITEINFO).status).collect();
    proxy.reset_log();
    proxy.inject(Rule::NthRequest(0), vec![Fault::Status { code: 503, retry_after: None }]);
    let after_reset: Vec<u16> = (0..2).map(|_| get(&proxy.base_url(), SITEINFO).status).collect();

    assert_eq!(before_reset, [200, 500, 200]);
    assert_eq!(after_reset, [503, 200]);
    assert_eq!(proxy.request_count(), 2);
}

#[test]
fn proxy_returns_502_when_upstream_down() {
    // Bind and drop a listener, so its port is very likely closed.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let proxy = FaultProxy::start(&format!("http://127.0.0.1:{closed_port}"));

    let response = get(&proxy.base_url(), SITEINFO);

    assert_eq!(response.status, 502);
    let text = String::from_utf8(response.body).unwrap();
    assert!(text.contains("upstream request"), "body is {text:?}");
    assert_eq!(proxy.request_count(), 1);
}

#[test]
fn two_wikis_run_at_once() {
    let first = MediaWiki::start();
    let second = MediaWiki::start();

    assert_ne!(first.port(), second.port());
    assert_ne!(first.run_dir(), second.run_dir());
    for wiki in [&first, &second] {
        let response = get(&wiki.base_url(), SITEINFO);
        assert_eq!(response.status, 200);
        assert_eq!(response.json()["query"]["general"]["server"], wiki.base_url());
    }
}

#[test]
fn maintenance_delete_changes_only_its_wiki() {
    let changed = MediaWiki::start();
    let untouched = MediaWiki::start();
    let list = changed.run_dir().join("delete-alpha.txt");
    std::fs::write(&list, "Alpha\n").unwrap();

    let output = changed.maintenance(
        "deleteBatch.php",
        &["--u", "Admin", "--r", "Harness test", list.to_str().unwrap()],
        Some("20240102030405"),
    );

    assert!(
        output.status.success(),
        "deleteBatch.php failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let info = "/api.php?action=query&prop=info&titles=Alpha&format=json&formatversion=2";
    let changed_page = get(&changed.base_url(), info).json();
    let untouched_page = get(&untouched.base_url(), info).json();
    assert_eq!(changed_page["query"]["pages"][0]["missing"], true, "{changed_page}");
    assert_eq!(untouched_page["query"]["pages"][0]["pageid"], 5, "{untouched_page}");

    let changed_contribs = get(&changed.base_url(), ALICE_CONTRIBS).json();
    assert_eq!(contribs(&changed_contribs).len(), 11, "revisions 5 and 7 of Alpha are archived");
    assert_eq!(contribs(&get(&untouched.base_url(), ALICE_CONTRIBS).json()).len(), 13);

    let deletions = get(
        &changed.base_url(),
        "/api.php?action=query&list=logevents&letype=delete&letitle=Alpha&format=json&formatversion=2",
    )
    .json();
    let entry = &deletions["query"]["logevents"][0];
    assert_eq!(entry["timestamp"], "2024-01-02T03:04:05Z", "MW_FAKE_TIME dates the deletion");
    assert_eq!(entry["user"], "Admin");
    assert_eq!(entry["comment"], "Harness test");
}

#[test]
fn maintenance_reads_list_from_stdin() {
    let wiki = MediaWiki::start();

    let output = wiki.maintenance_with_stdin("deleteBatch.php", &["--u", "Admin"], None, b"Beta\n");

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let info = get(&wiki.base_url(), "/api.php?action=query&prop=info&titles=Beta&format=json&formatversion=2").json();
    assert_eq!(info["query"]["pages"][0]["missing"], true, "{info}");
}

#[test]
fn dropping_wiki_stops_server_and_removes_run_dir() {
    let wiki = MediaWiki::start();
    let run_dir = wiki.run_dir().to_path_buf();
    let pid = wiki.process_group_id();
    let base_url = wiki.base_url();
    assert!(run_dir.join("LocalSettings.php").is_file());
    assert!(run_dir.join(".complete").is_file());

    drop(wiki);

    assert!(!run_dir.exists(), "{} still exists", run_dir.display());
    assert!(!Path::new(&format!("/proc/{pid}")).exists(), "php -S (pid {pid}) is still running");
    let refused = TcpStream::connect(authority(&base_url));
    assert!(refused.is_err(), "{base_url} still accepts connections");
}
