//! An in-process HTTP/1.1 server on 127.0.0.1 that replaces the Wikimedia services the
//! end-to-end tests cannot run locally, and builders for those services' response bodies.
//!
//! [`FixtureServer`] serves several services at once, told apart by URL path: the pageviews REST
//! API (`/api/rest_v1/metrics/pageviews/…`), Lift Wing (`/service/lw/inference/v1/models/…`), the
//! reference counter (`/api/v1/references/…`), PetScan (`/`) and PagePile (`/api.php`). Each
//! request gets the [`FixtureResponse`] registered for its method, percent-decoded path, query
//! parameters and, where one was registered, its body. A request that matches nothing gets a 404
//! in the pageviews API's `application/problem+json` form, so a test notices it. Every request is
//! recorded.
//!
//! Responses come from recorded interactions in `tests/fixtures/recorded/`
//! ([`FixtureServer::load_recorded`]) or from the builders below, which produce bodies in each
//! service's real format with made-up values. [`globalusage_body`] and [`pageassessments_body`]
//! are Action API bodies for [`crate::proxy::Fault::Respond`], which answers them in front of the
//! real wiki because the local wiki lacks the GlobalUsage and PageAssessments extensions.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// `Content-Type` of the JSON bodies that MediaWiki's Action API and the pageviews API send.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// `Content-Type` of the pageviews API's error bodies (RFC 9457 problem details).
pub const PROBLEM_JSON_CONTENT_TYPE: &str = "application/problem+json";

/// `detail` of the pageviews API's 404, copied from the recorded response for an unknown article.
const PAGEVIEWS_NOT_FOUND_DETAIL: &str = "The date(s) you used are valid, but we either do not have data for those \
     date(s), or the project you asked for is not loaded yet. Please check documentation for more information";
/// Path prefix of the pageviews API, which its 404 bodies leave out of `uri`.
const PAGEVIEWS_PREFIX: &str = "/api/rest_v1";
/// Model version in the recorded enwiki articlequality response of Lift Wing.
const LIFTWING_MODEL_VERSION: &str = "0.9.2";
/// `a.query` of [`petscan_body`]. PetScan echoes the full query URL there.
const PETSCAN_QUERY_URL: &str = "https://petscan.wmflabs.org/?doit=1&format=json";
/// Made-up page size in bytes and last-touched timestamp of every [`petscan_body`] page.
const PETSCAN_PAGE_LEN: u64 = 1024;
const PETSCAN_PAGE_TOUCHED: &str = "20250801000000";
/// Response headers of a recorded interaction that describe its original transfer, not its body,
/// so the fixture server does not repeat them.
const TRANSFER_HEADERS: [&str; 4] = ["content-length", "content-encoding", "transfer-encoding", "connection"];

/// A running fixture server. Dropping it stops the server and closes every open connection.
pub struct FixtureServer {
    address: SocketAddr,
    state: Arc<Mutex<ServerState>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A response that the fixture server sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureResponse {
    pub status: u16,
    /// Value of the `Content-Type` header, which is left out when empty.
    pub content_type: String,
    pub body: String,
    /// Further headers, e.g. `("Retry-After", "5")`. `Content-Length` is always computed.
    pub headers: Vec<(String, String)>,
}

impl FixtureResponse {
    /// Creates a response with this status, `Content-Type` and body, and no further headers.
    pub fn new(status: u16, content_type: &str, body: &str) -> FixtureResponse {
        FixtureResponse { status, content_type: content_type.to_string(), body: body.to_string(), headers: Vec::new() }
    }

    /// Creates a JSON response with `Content-Type: application/json; charset=utf-8`.
    pub fn json(status: u16, body: Value) -> FixtureResponse {
        FixtureResponse::new(status, JSON_CONTENT_TYPE, &body.to_string())
    }

    /// Adds a header to the response.
    pub fn with_header(mut self, name: &str, value: &str) -> FixtureResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Parses the body as JSON. Panics when it is not JSON.
    pub fn body_json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("fixture response body is not JSON ({error}): {}", self.body))
    }
}

/// One request as the fixture server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureRequest {
    pub method: String,
    /// Percent-decoded path, e.g. `/…/user/HIV/AIDS/daily/…` for a request for `/…/user/HIV%2FAIDS/…`.
    pub path: String,
    /// Path as received, without the query, e.g. `/…/user/HIV%2FAIDS/daily/…`.
    pub raw_path: String,
    /// Query as received, without the `?`. Empty when the request has no query.
    pub raw_query: String,
    /// Decoded query parameters in the order sent.
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Every header as received, with names in lowercase.
    pub headers: Vec<(String, String)>,
    /// Status of the response that the server sent.
    pub status: u16,
}

impl FixtureRequest {
    /// Returns the first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Returns the first decoded value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Parses the body as JSON, or returns `None` when it is not JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One request and response of a recorded file in `tests/fixtures/recorded/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedInteraction {
    pub method: String,
    /// Full URL as recorded, e.g. `https://wikimedia.org/api/rest_v1/metrics/pageviews/…`.
    pub url: String,
    /// Request body, or `None` when the recording has `null`.
    pub body: Option<String>,
    /// The recorded response. Headers that describe the original transfer (`Content-Length`,
    /// `Content-Encoding`, `Transfer-Encoding`, `Connection`) are dropped.
    pub response: FixtureResponse,
}

/// Which request bodies a route matches.
#[derive(Clone, Debug)]
enum BodyMatch {
    Any,
    /// A body that parses as JSON equal to this value, so key order and spacing do not matter.
    Json(Value),
    Exact(Vec<u8>),
}

impl BodyMatch {
    fn matches(&self, body: &[u8]) -> bool {
        match self {
            BodyMatch::Any => true,
            BodyMatch::Json(expected) => serde_json::from_slice::<Value>(body).is_ok_and(|actual| actual == *expected),
            BodyMatch::Exact(expected) => body == expected.as_slice(),
        }
    }
}

struct Route {
    method: String,
    path: String,
    /// Parameters that the request query must contain, in any order, among any others.
    query: Vec<(String, String)>,
    body: BodyMatch,
    response: FixtureResponse,
}

impl Route {
    fn matches(&self, request: &FixtureRequest) -> bool {
        self.method.eq_ignore_ascii_case(&request.method)
            && self.path == request.path
            && self.query.iter().all(|pair| request.query.contains(pair))
            && self.body.matches(&request.body)
    }

    /// Orders matching routes: one with a body condition beats one without, then more query
    /// parameters beat fewer.
    fn specificity(&self) -> (bool, usize) {
        (!matches!(self.body, BodyMatch::Any), self.query.len())
    }
}

/// A response computed from the request, for services whose answer depends on it.
pub type Handler = Arc<dyn Fn(&FixtureRequest) -> FixtureResponse + Send + Sync>;

/// A handler for every request whose method matches and whose decoded path starts with `prefix`.
struct HandlerRoute {
    method: String,
    prefix: String,
    handler: Handler,
}

#[derive(Default)]
struct ServerState {
    routes: Vec<Route>,
    /// Consulted when no route matches; the latest registration wins.
    handlers: Vec<HandlerRoute>,
    /// Status that every request gets while set, see [`FixtureServer::fail_all`].
    failure: Option<u16>,
    log: Vec<FixtureRequest>,
}

impl ServerState {
    /// Chooses the response for a request and appends the request to the log.
    fn respond(&mut self, mut request: FixtureRequest) -> FixtureResponse {
        let response = if let Some(status) = self.failure {
            failure_response(status)
        } else {
            // `max_by_key` returns the last of equal elements, so the latest registration wins a tie.
            let route =
                self.routes.iter().filter(|route| route.matches(&request)).max_by_key(|route| route.specificity());
            let handler = || {
                self.handlers.iter().rev().find(|route| {
                    route.method.eq_ignore_ascii_case(&request.method) && request.path.starts_with(&route.prefix)
                })
            };
            match (route, handler()) {
                (Some(route), _) => route.response.clone(),
                (None, Some(route)) => (route.handler)(&request),
                (None, None) => {
                    eprintln!(
                        "fixture server: nothing recorded for {} {}{}; answering 404 Not Found, as the real \
                         service does for data it does not have",
                        request.method,
                        request.path,
                        query_suffix(&request.raw_query)
                    );
                    unmatched_response(&request)
                }
            }
        };
        request.status = response.status;
        self.log.push(request);
        response
    }
}

impl FixtureServer {
    /// Listens on 127.0.0.1:0 with no registered responses. The server runs on its own thread
    /// with its own tokio runtime, so it works from sync and async tests. Panics when the port
    /// cannot be bound.
    pub fn start() -> FixtureServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|error| panic!("FixtureServer failed to bind 127.0.0.1:0: {error}"));
        let address = listener.local_addr().expect("bound listener has a local address");
        listener.set_nonblocking(true).expect("set_nonblocking on the fixture server listener");

        let state = Arc::new(Mutex::new(ServerState::default()));
        let (shutdown_sender, shutdown_receiver) = oneshot::channel();
        let thread_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("fixture-server-{}", address.port()))
            .spawn(move || run_server(listener, thread_state, shutdown_receiver))
            .expect("spawn the FixtureServer thread");

        FixtureServer { address, state, shutdown: Some(shutdown_sender), thread: Some(thread) }
    }

    /// Returns the server's address as a URL, e.g. `"http://127.0.0.1:40123"`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Registers the response for `method` and a decoded path. Text after the first `?` is a
    /// query whose parameters the request must contain, in any order and among others, e.g.
    /// `"/?psid=123&format=json"`. A path that itself contains `?` (a title such as `Who?`) needs
    /// [`FixtureServer::on_query`]. When several registrations match, the one with more query
    /// parameters wins, then the latest.
    pub fn on(&self, method: &str, decoded_path: &str, response: FixtureResponse) {
        let (path, query) = split_query(decoded_path);
        self.add_route(method, path, query, BodyMatch::Any, response);
    }

    /// Registers the response for `method`, a decoded path taken as is (`?` included) and the
    /// query parameters that the request must contain.
    pub fn on_query(&self, method: &str, decoded_path: &str, query: &[(&str, &str)], response: FixtureResponse) {
        let query = query.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
        self.add_route(method, decoded_path, query, BodyMatch::Any, response);
    }

    /// Registers the response for a POST to a decoded path (split at `?` as in
    /// [`FixtureServer::on`]) whose body parses as JSON equal to `body`. Key order and spacing
    /// do not matter. It wins over a registration for the same path without a body.
    /// Answer every `method` request whose decoded path starts with `prefix` with `handler`'s
    /// response, when no route registered with [`FixtureServer::on`] and friends matches.
    pub fn on_handler(&self, method: &str, prefix: &str, handler: Handler) {
        let mut state = self.state.lock().expect("fixture server state lock");
        state.handlers.push(HandlerRoute { method: method.to_string(), prefix: prefix.to_string(), handler });
    }

    /// Serve one article's daily user views as the pageviews API does, for any requested range:
    /// the days in range with views, or the API's 404 when there are none. `daily_views` are
    /// (`YYYYMMDD`, views) pairs.
    pub fn serve_pageviews(&self, project: &str, article: &str, daily_views: &[(&str, u64)]) {
        let prefix = format!("/api/rest_v1/metrics/pageviews/per-article/{project}/all-access/user/{article}/daily/");
        let (project, article) = (project.to_string(), article.to_string());
        let days: Vec<(String, u64)> = daily_views.iter().map(|(day, views)| (day.to_string(), *views)).collect();
        let handler_prefix = prefix.clone();
        self.on_handler(
            "GET",
            &prefix,
            Arc::new(move |request| {
                let range = request.path.strip_prefix(&handler_prefix).unwrap_or_default();
                let (start, end) = range.split_once('/').unwrap_or_default();
                let (start, end) = (start.get(..8).unwrap_or_default(), end.get(..8).unwrap_or_default());
                let in_range: Vec<(&str, u64)> = days
                    .iter()
                    .filter(|(day, views)| *views > 0 && start <= day.as_str() && day.as_str() <= end)
                    .map(|(day, views)| (day.as_str(), *views))
                    .collect();
                if in_range.is_empty() {
                    pageviews_not_found(&request.path)
                } else {
                    FixtureResponse::json(200, pageviews_body(&project, &article, &in_range))
                }
            }),
        );
    }

    /// Serve reference counts as the reference counter does, for any batch of revision ids:
    /// `counts` maps a revision id to its count, or to `None` for deleted text; ids not in it
    /// are left out of the answer.
    pub fn serve_reference_counts(&self, project: &str, language: &str, counts: &[(u64, Option<u32>)]) {
        let path = reference_counter_path(project, language);
        let table: std::collections::HashMap<u64, Option<u32>> = counts.iter().copied().collect();
        self.on_handler(
            "POST",
            &path,
            Arc::new(move |request| {
                let requested: Vec<u64> = request
                    .body_json()
                    .and_then(|body| body.get("rev_ids").cloned())
                    .and_then(|ids| serde_json::from_value(ids).ok())
                    .unwrap_or_default();
                let answer: Vec<(u64, Option<u32>)> =
                    requested.iter().filter_map(|id| table.get(id).map(|count| (*id, *count))).collect();
                FixtureResponse::json(200, reference_counts_body(&answer))
            }),
        );
    }

    pub fn on_post_json(&self, decoded_path: &str, body: Value, response: FixtureResponse) {
        let (path, query) = split_query(decoded_path);
        self.add_route("POST", path, query, BodyMatch::Json(body), response);
    }

    /// Registers every interaction of `tests/fixtures/recorded/<file_name>`, keyed by method,
    /// decoded URL path (the host is dropped), URL query parameters and request body. A body
    /// that parses as JSON matches as parsed JSON, any other body byte for byte, and `null`
    /// matches every body. Panics when the file is missing or not in the recorded format.
    pub fn load_recorded(&self, file_name: &str) {
        for interaction in recorded_interactions(file_name) {
            let url = url::Url::parse(&interaction.url).unwrap_or_else(|error| {
                panic!("invalid URL {:?} in recorded file {file_name}: {error}", interaction.url)
            });
            let path = percent_decode(url.path());
            let query = url.query_pairs().into_owned().collect();
            let body = match interaction.body {
                None => BodyMatch::Any,
                Some(text) => match serde_json::from_str(&text) {
                    Ok(json) => BodyMatch::Json(json),
                    Err(_) => BodyMatch::Exact(text.into_bytes()),
                },
            };
            self.add_route(&interaction.method, &path, query, body, interaction.response);
        }
    }

    /// Makes every later request fail with `status` and a short text body until
    /// [`FixtureServer::clear_failures`]. Registered responses are kept.
    pub fn fail_all(&self, status: u16) {
        self.lock_state().failure = Some(status);
    }

    /// Ends [`FixtureServer::fail_all`], so requests get their registered responses again.
    pub fn clear_failures(&self) {
        self.lock_state().failure = None;
    }

    /// Returns every request received since the start or the last
    /// [`FixtureServer::reset_log`], in order of arrival.
    pub fn requests(&self) -> Vec<FixtureRequest> {
        self.lock_state().log.clone()
    }

    /// Returns the number of requests in [`FixtureServer::requests`].
    pub fn request_count(&self) -> usize {
        self.lock_state().log.len()
    }

    /// Empties the request log. Registered responses stay registered.
    pub fn reset_log(&self) {
        self.lock_state().log.clear();
    }

    fn add_route(
        &self,
        method: &str,
        path: &str,
        query: Vec<(String, String)>,
        body: BodyMatch,
        response: FixtureResponse,
    ) {
        let route = Route { method: method.to_ascii_uppercase(), path: path.to_string(), query, body, response };
        self.lock_state().routes.push(route);
    }

    fn lock_state(&self) -> MutexGuard<'_, ServerState> {
        lock(&self.state)
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // An error means the server thread has already ended.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been printed, so it is not raised again here.
            let _ = thread.join();
        }
    }
}

/// Locks the shared state, also after a panic on another thread: the state stays consistent
/// because every update is a single push, assignment or clear.
fn lock(state: &Mutex<ServerState>) -> MutexGuard<'_, ServerState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs the accept loop until `shutdown` fires. Dropping the runtime at the end cancels every
/// connection task, which closes its socket.
fn run_server(listener: std::net::TcpListener, state: Arc<Mutex<ServerState>>, shutdown: oneshot::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build the FixtureServer tokio runtime");
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).expect("register the fixture server listener with tokio");
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        tokio::spawn(serve_connection(stream, Arc::clone(&state)));
                    }
                    Err(error) => {
                        eprintln!("fixture server: accept failed: {error}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                },
            }
        }
    });
}

/// Serves HTTP/1.1 requests on one connection, with keep-alive, until the client closes it.
async fn serve_connection(stream: TcpStream, state: Arc<Mutex<ServerState>>) {
    let service = service_fn(move |request| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(handle_request(request, &state).await) }
    });
    if let Err(error) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
        eprintln!("fixture server: connection failed: {error}");
    }
}

async fn handle_request(request: Request<Incoming>, state: &Mutex<ServerState>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(error) => {
            eprintln!("fixture server: reading the body of {} {} failed: {error}", parts.method, parts.uri);
            return to_hyper_response(&FixtureResponse::new(400, "text/plain; charset=utf-8", "unreadable body\n"));
        }
    };

    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let request = FixtureRequest {
        method: parts.method.as_str().to_string(),
        path: percent_decode(&raw_path),
        query: url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect(),
        raw_path,
        raw_query,
        body,
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
        status: 0,
    };

    let response = lock(state).respond(request);
    to_hyper_response(&response)
}

/// Converts a fixture response for hyper. An invalid status, header name or header value is a
/// mistake in the test, so the client gets a 500 whose body names it.
fn to_hyper_response(response: &FixtureResponse) -> Response<Full<Bytes>> {
    match try_hyper_response(response) {
        Ok(converted) => converted,
        Err(message) => {
            eprintln!("fixture server: {message}");
            let mut fallback = Response::new(Full::new(Bytes::from(format!("fixture server: {message}\n"))));
            *fallback.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        }
    }
}

fn try_hyper_response(response: &FixtureResponse) -> Result<Response<Full<Bytes>>, String> {
    let status = StatusCode::from_u16(response.status)
        .map_err(|_| format!("invalid fixture status {}: expected 100 to 999", response.status))?;
    let mut converted = Response::new(Full::new(Bytes::from(response.body.clone())));
    *converted.status_mut() = status;

    let headers = converted.headers_mut();
    if !response.content_type.is_empty() {
        let value = HeaderValue::from_str(&response.content_type)
            .map_err(|_| format!("invalid fixture Content-Type {:?}", response.content_type))?;
        headers.insert(CONTENT_TYPE, value);
    }
    for (name, value) in &response.headers {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("invalid fixture header name {name:?}"))?;
        let value = HeaderValue::from_str(value).map_err(|_| format!("invalid fixture header value {value:?}"))?;
        headers.append(name, value);
    }
    Ok(converted)
}

/// Splits a registration path at its first `?` into the path and the decoded query parameters.
fn split_query(path_and_query: &str) -> (&str, Vec<(String, String)>) {
    match path_and_query.split_once('?') {
        Some((path, query)) => (path, url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()),
        None => (path_and_query, Vec::new()),
    }
}

/// Decodes every `%XX` escape of a URL path, `%2F` included, and reads the result as UTF-8
/// (invalid sequences become U+FFFD). A `%` without two hex digits stays as it is, and `+` stays
/// `+`, because only query strings use `+` for a space.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = match bytes.get(index..index + 3) {
            Some([b'%', high, low]) => hex_value(*high).zip(hex_value(*low)),
            _ => None,
        };
        match escaped {
            Some((high, low)) => {
                decoded.push(high << 4 | low);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).map(|value| value as u8)
}

fn query_suffix(raw_query: &str) -> String {
    if raw_query.is_empty() { String::new() } else { format!("?{raw_query}") }
}

/// Returns the 404 for a request that matches no registration, in the pageviews API's form.
fn unmatched_response(request: &FixtureRequest) -> FixtureResponse {
    let detail = format!(
        "No fixture response is registered for {} {}{} (decoded path). Register one with FixtureServer::on \
         or load a recorded file.",
        request.method,
        request.path,
        query_suffix(&request.raw_query)
    );
    let uri = format!("{}{}", request.raw_path, query_suffix(&request.raw_query));
    problem_not_found(&request.method, &uri, &detail)
}

fn problem_not_found(method: &str, uri: &str, detail: &str) -> FixtureResponse {
    let body = json!({
        "detail": detail,
        "method": method.to_ascii_lowercase(),
        "status": 404,
        "title": "Not Found",
        "type": "about:blank",
        "uri": uri,
    });
    FixtureResponse::new(404, PROBLEM_JSON_CONTENT_TYPE, &body.to_string())
}

fn failure_response(status: u16) -> FixtureResponse {
    let reason = StatusCode::from_u16(status).ok().and_then(|code| code.canonical_reason()).unwrap_or("Unknown");
    FixtureResponse::new(
        status,
        "text/plain; charset=utf-8",
        &format!("{status} {reason} (FixtureServer::fail_all is set)\n"),
    )
}

/// Returns the path of a recorded file, `tests/fixtures/recorded/<file_name>` in this package.
pub fn recorded_fixture_path(file_name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("recorded").join(file_name)
}

/// Reads every interaction of `tests/fixtures/recorded/<file_name>`, whose format is
/// `{"interactions":[{"request":{"method","url","body"},"response":{"status","headers":{name:[values]},"body"}}]}`.
/// Panics with the file and the failure when it is missing or not in that format.
pub fn recorded_interactions(file_name: &str) -> Vec<RecordedInteraction> {
    let path = recorded_fixture_path(file_name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read the recorded file {}: {error}", path.display()));
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("recorded file {} is not JSON: {error}", path.display()));
    let interactions = json["interactions"]
        .as_array()
        .unwrap_or_else(|| panic!("recorded file {} has no \"interactions\" array", path.display()));
    interactions
        .iter()
        .enumerate()
        .map(|(index, interaction)| {
            parse_interaction(interaction)
                .unwrap_or_else(|message| panic!("interaction {index} of {} is invalid: {message}", path.display()))
        })
        .collect()
}

fn parse_interaction(interaction: &Value) -> Result<RecordedInteraction, String> {
    let request = &interaction["request"];
    let response = &interaction["response"];
    let method = request["method"].as_str().ok_or("request.method is not a string")?;
    let url = request["url"].as_str().ok_or("request.url is not a string")?;
    let body = match &request["body"] {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => return Err(format!("request.body is {other}, expected a string or null")),
    };

    let status = response["status"]
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .ok_or("response.status is not a status code")?;
    let response_body = response["body"].as_str().ok_or("response.body is not a string")?;
    let mut fixture = FixtureResponse::new(status, "", response_body);
    let headers = response["headers"].as_object().ok_or("response.headers is not an object")?;
    for (name, values) in headers {
        let values = values.as_array().ok_or_else(|| format!("response header {name} is not an array"))?;
        for value in values {
            let value = value.as_str().ok_or_else(|| format!("a value of response header {name} is not a string"))?;
            if name.eq_ignore_ascii_case("content-type") {
                fixture.content_type = value.to_string();
            } else if !TRANSFER_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                fixture.headers.push((name.clone(), value.to_string()));
            }
        }
    }

    Ok(RecordedInteraction { method: method.to_string(), url: url.to_string(), body, response: fixture })
}

// Builders of response bodies in each service's real format.

/// Returns the decoded request path of the pageviews API for one article's daily user views,
/// e.g. `/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user/HIV/AIDS/daily/2025081500/2025081900`
/// for `("en.wikipedia", "HIV/AIDS", "20250815", "20250819")`. Register it with
/// [`FixtureServer::on_query`], which keeps a `?` in the title.
pub fn pageviews_path(project: &str, article: &str, first_day: &str, last_day: &str) -> String {
    check_day(first_day);
    check_day(last_day);
    format!(
        "{PAGEVIEWS_PREFIX}/metrics/pageviews/per-article/{project}/all-access/user/{article}/daily/{first_day}00/{last_day}00"
    )
}

/// Returns a pageviews API body with one daily `all-access`/`user` item per `(YYYYMMDD, views)`,
/// in the given order. The real API leaves out days without views. Panics on a day that is not
/// eight digits.
///
/// `{"items":[{"project":"en.wikipedia","article":"HIV/AIDS","granularity":"daily","timestamp":"2025081500","access":"all-access","agent":"user","views":2097}]}`
pub fn pageviews_body(project: &str, article: &str, daily_views: &[(&str, u64)]) -> Value {
    let items: Vec<Value> = daily_views
        .iter()
        .map(|(day, views)| {
            check_day(day);
            json!({
                "project": project,
                "article": article,
                "granularity": "daily",
                "timestamp": format!("{day}00"),
                "access": "all-access",
                "agent": "user",
                "views": views,
            })
        })
        .collect();
    json!({ "items": items })
}

/// Returns the pageviews API's 404, which it sends for an article without views in the range
/// and for data not loaded yet. `uri` is the request path after `/api/rest_v1`, e.g.
/// `/metrics/pageviews/per-article/en.wikipedia/all-access/user/X/daily/2025081500/2025081900`;
/// a path that still starts with `/api/rest_v1` has the prefix removed.
pub fn pageviews_not_found(uri: &str) -> FixtureResponse {
    let uri = uri.strip_prefix(PAGEVIEWS_PREFIX).unwrap_or(uri);
    problem_not_found("GET", uri, PAGEVIEWS_NOT_FOUND_DETAIL).with_header("Cache-Control", "s-maxage=600")
}

fn check_day(day: &str) {
    if day.len() != 8 || !day.bytes().all(|byte| byte.is_ascii_digit()) {
        panic!("invalid day {day:?}: expected YYYYMMDD, e.g. 20250815");
    }
}

/// Returns the Lift Wing model of a wiki: `itemquality` for `wikidatawiki`, otherwise
/// `articlequality`.
pub fn liftwing_model(wiki: &str) -> &'static str {
    if wiki == "wikidatawiki" { "itemquality" } else { "articlequality" }
}

/// Returns the Lift Wing request path for a wiki's quality model, e.g.
/// `/service/lw/inference/v1/models/enwiki-articlequality:predict`.
pub fn liftwing_path(wiki: &str) -> String {
    format!("/service/lw/inference/v1/models/{wiki}-{}:predict", liftwing_model(wiki))
}

/// Returns a Lift Wing quality score for one revision, as in the recorded enwiki response but
/// without the `features` object that `"extended_output": true` adds.
///
/// `{"enwiki":{"models":{"articlequality":{"version":"0.9.2"}},"scores":{"1220423548":{"articlequality":{"score":{"prediction":"Start","probability":{"B":0.1,"Start":0.9}}}}}}}`
pub fn liftwing_body(wiki: &str, rev_id: u64, prediction: &str, probabilities: &[(&str, f64)]) -> Value {
    let probability: Map<String, Value> =
        probabilities.iter().map(|(class, probability)| (class.to_string(), json!(probability))).collect();
    let score = json!({ "score": { "prediction": prediction, "probability": probability } });
    liftwing_envelope(wiki, rev_id, score)
}

/// Returns a per-revision error in the ORES v3 shape, the type being the text of `message`
/// before its first `:` (all of it when it has none).
///
/// `{"enwiki":{"models":{"articlequality":{"version":"0.9.2"}},"scores":{"123":{"articlequality":{"error":{"message":"RevisionNotFound: Could not find revision ({revision}:123)","type":"RevisionNotFound"}}}}}}`
///
/// NOTE: this shape comes from ORES and is unconfirmed for Lift Wing. Lift Wing's revscoring
/// servers (KServe) reject a missing or deleted revision with HTTP 400 and `{"error": "<message>"}`,
/// which [`liftwing_missing_revision`] builds.
pub fn liftwing_error(wiki: &str, rev_id: u64, message: &str) -> Value {
    let error_type = message.split_once(':').map_or(message, |(prefix, _)| prefix).trim();
    liftwing_envelope(wiki, rev_id, json!({ "error": { "message": message, "type": error_type } }))
}

fn liftwing_envelope(wiki: &str, rev_id: u64, result: Value) -> Value {
    let model = liftwing_model(wiki);
    json!({
        wiki: {
            "models": { model: { "version": LIFTWING_MODEL_VERSION } },
            "scores": { rev_id.to_string(): { model: result } },
        }
    })
}

/// Returns Lift Wing's HTTP 400 for invalid input, `{"error": "<message>"}` with
/// `Content-Type: application/json`, as KServe's `InvalidInput` handler sends it.
pub fn liftwing_invalid_input(message: &str) -> FixtureResponse {
    FixtureResponse::new(400, "application/json", &json!({ "error": message }).to_string())
}

/// Returns Lift Wing's HTTP 400 for a revision that the MediaWiki API reports in `badrevids`
/// (missing, or its page deleted). The message is the one in the revscoring extractor of
/// wikimedia/machinelearning-liftwing-inference-services, which the Wiki Education Dashboard matches on
/// "MW API does not have any info".
pub fn liftwing_missing_revision(rev_id: u64) -> FixtureResponse {
    liftwing_invalid_input(&format!(
        "The MW API does not have any info related to the rev-id provided as input ({rev_id}), therefore it is \
         not possible to extract features properly. One possible cause is the deletion of the page related to \
         the revision id. Please contact the ML-Team if you need more info."
    ))
}

/// Returns the reference counter's batch request path, e.g. `/api/v1/references/wikipedia/en`.
pub fn reference_counter_path(project: &str, language: &str) -> String {
    format!("/api/v1/references/{project}/{language}")
}

/// Returns the reference counter's batch response: each revision's count, or for `None` the
/// entry it sends for a revision without content (deleted or suppressed).
///
/// `{"1001":{"num_ref":12},"1002":{"num_ref":null,"error":"no content"}}`
pub fn reference_counts_body(counts: &[(u64, Option<u32>)]) -> Value {
    let entries: Map<String, Value> = counts
        .iter()
        .map(|(rev_id, count)| {
            let entry = match count {
                Some(count) => json!({ "num_ref": count }),
                None => json!({ "num_ref": null, "error": "no content" }),
            };
            (rev_id.to_string(), entry)
        })
        .collect();
    Value::Object(entries)
}

/// Returns PetScan's default JSON ("catscan" compatibility) for pages given as
/// `(title with underscores and without namespace prefix, namespace id, canonical namespace name, page id)`.
/// Every page gets the made-up size 1024 and touched time `20250801000000`.
///
/// `{"n":"result","a":{"query":"https://petscan.wmflabs.org/?doit=1&format=json","querytime_sec":0.25},"*":[{"n":"combination","a":{"type":"subset","*":[{"n":"page","title":"Nancy_Tuana","id":51910526,"namespace":0,"len":1024,"touched":"20250801000000","nstext":""}]}}]}`
pub fn petscan_body(pages: &[(&str, i64, &str, u64)]) -> Value {
    let entries: Vec<Value> = pages
        .iter()
        .map(|(title, namespace, nstext, page_id)| {
            json!({
                "n": "page",
                "title": title,
                "id": page_id,
                "namespace": namespace,
                "len": PETSCAN_PAGE_LEN,
                "touched": PETSCAN_PAGE_TOUCHED,
                "nstext": nstext,
            })
        })
        .collect();
    json!({
        "n": "result",
        "a": { "query": PETSCAN_QUERY_URL, "querytime_sec": 0.25 },
        "*": [{ "n": "combination", "a": { "type": "subset", "*": entries } }],
    })
}

/// Returns PetScan's error body for `format=json`, e.g. `{"error":"No such PSID in the database"}`.
/// PetScan sends it with HTTP 200 and `Content-Type: application/json`.
pub fn petscan_error(text: &str) -> Value {
    json!({ "error": text })
}

/// Returns PagePile's `action=get_data&format=json` body. `pages` are full titles with namespace
/// prefixes, written as the pile stores them (PagePile uses underscores).
///
/// `{"id":24289,"language":"en","project":"wikipedia","wiki":"enwiki","pages":["Nancy_Tuana","Talk:Nancy_Tuana"]}`
///
/// NOTE: the fields are those that the Wiki Education Dashboard and PetScan read. Whether PagePile
/// adds others is unchecked.
pub fn pagepile_body(id: u64, language: &str, project: &str, wiki: &str, pages: &[&str]) -> Value {
    json!({ "id": id, "language": language, "project": project, "wiki": wiki, "pages": pages })
}

/// One use of a file: (title with namespace prefix, wiki domain such as `fr.wikipedia.org`,
/// namespace id).
pub type GlobalUsage<'a> = (&'a str, &'a str, i64);
/// A file and where it is used: (page id, `File:…` title, usages).
pub type FileUsages<'a> = (u64, &'a str, &'a [GlobalUsage<'a>]);
/// One WikiProject's rating of a page: (project, class, importance).
pub type Assessment<'a> = (&'a str, &'a str, &'a str);
/// A page and its ratings: (page id, namespace id, title, assessments).
pub type AssessedPage<'a> = (u64, i64, &'a str, &'a [Assessment<'a>]);

/// Returns an Action API (`formatversion=2`) body of `prop=globalusage&guprop=namespace` for
/// files and their usages.
/// A file without usages gets no `globalusage` key. Like GlobalUsage, it writes `ns` as a string.
/// With `continue_token` the body carries `continue.gucontinue` (GlobalUsage writes
/// `"<file>|<wiki>|<page id>"`), otherwise `batchcomplete`.
///
/// `{"batchcomplete":true,"query":{"pages":[{"pageid":111,"ns":6,"title":"File:Example.jpg","globalusage":[{"title":"Exemple","wiki":"fr.wikipedia.org","ns":"0"}]}]}}`
pub fn globalusage_body(files: &[FileUsages<'_>], continue_token: Option<&str>) -> Value {
    let pages: Vec<Value> = files
        .iter()
        .map(|(page_id, title, usages)| {
            let mut page = json!({ "pageid": page_id, "ns": 6, "title": title });
            if !usages.is_empty() {
                let usages: Vec<Value> = usages
                    .iter()
                    .map(
                        |(title, wiki, namespace)| json!({ "title": title, "wiki": wiki, "ns": namespace.to_string() }),
                    )
                    .collect();
                page["globalusage"] = Value::Array(usages);
            }
            page
        })
        .collect();
    action_api_query(pages, "gucontinue", continue_token)
}

/// Returns an Action API (`formatversion=2`) body of `prop=pageassessments` for pages and their
/// WikiProject ratings. A page without
/// assessments gets no `pageassessments` key. Class and importance may be empty strings, as on
/// the wikis. With `continue_token` the body carries `continue.pacontinue` (PageAssessments writes
/// `"<page id>|<project id>"`), otherwise `batchcomplete`.
///
/// `{"batchcomplete":true,"query":{"pages":[{"pageid":1234,"ns":0,"title":"Example article","pageassessments":{"Medicine":{"class":"B","importance":"High"}}}]}}`
pub fn pageassessments_body(pages: &[AssessedPage<'_>], continue_token: Option<&str>) -> Value {
    let pages: Vec<Value> = pages
        .iter()
        .map(|(page_id, namespace, title, assessments)| {
            let mut page = json!({ "pageid": page_id, "ns": namespace, "title": title });
            if !assessments.is_empty() {
                let projects: Map<String, Value> = assessments
                    .iter()
                    .map(|(project, class, importance)| {
                        (project.to_string(), json!({ "class": class, "importance": importance }))
                    })
                    .collect();
                page["pageassessments"] = Value::Object(projects);
            }
            page
        })
        .collect();
    action_api_query(pages, "pacontinue", continue_token)
}

/// Wraps `query.pages` with either a `continue` object for `continue_parameter` or
/// `"batchcomplete": true`, as the Action API does for a prop module.
fn action_api_query(pages: Vec<Value>, continue_parameter: &str, continue_token: Option<&str>) -> Value {
    let mut body = json!({ "query": { "pages": pages } });
    match continue_token {
        Some(token) => body["continue"] = json!({ continue_parameter: token, "continue": "||" }),
        None => body["batchcomplete"] = json!(true),
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decode_decodes_slash_and_utf8() {
        assert_eq!(percent_decode("/user/HIV%2FAIDS/daily"), "/user/HIV/AIDS/daily");
        assert_eq!(percent_decode("Andr%C3%A9_the_Giant"), "André_the_Giant");
        assert_eq!(percent_decode("Broussard%27s"), "Broussard's");
        assert_eq!(percent_decode("%22Weird_Al%22"), "\"Weird_Al\"");
    }

    #[test]
    fn percent_decode_keeps_invalid_escapes_and_plus() {
        assert_eq!(percent_decode("100%_Pure"), "100%_Pure");
        assert_eq!(percent_decode("ends%2"), "ends%2");
        assert_eq!(percent_decode("ends%"), "ends%");
        assert_eq!(percent_decode("a+b"), "a+b");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%+1"), "%+1");
    }

    #[test]
    fn split_query_decodes_parameters() {
        let (path, query) = split_query("/api.php?id=7&action=get_data&title=A%20B");

        assert_eq!(path, "/api.php");
        assert_eq!(
            query,
            [("id", "7"), ("action", "get_data"), ("title", "A B")]
                .map(|(name, value)| (name.to_string(), value.to_string()))
        );
        assert_eq!(split_query("/plain").1, Vec::new());
    }

    #[test]
    fn json_body_match_ignores_key_order() {
        let expected = BodyMatch::Json(json!({ "rev_id": 5, "extended_output": true }));

        assert!(expected.matches(br#"{"extended_output": true, "rev_id": 5}"#));
        assert!(!expected.matches(br#"{"rev_id": 6, "extended_output": true}"#));
        assert!(!expected.matches(b"rev_id=5"));
    }

    #[test]
    fn pageviews_not_found_strips_rest_prefix() {
        let response = pageviews_not_found("/api/rest_v1/metrics/pageviews/per-article/x");

        assert_eq!(response.status, 404);
        assert_eq!(response.body_json()["uri"], "/metrics/pageviews/per-article/x");
    }

    #[test]
    #[should_panic(expected = "invalid day \"2025-08-15\"")]
    fn pageviews_body_rejects_dashed_day() {
        pageviews_body("en.wikipedia", "X", &[("2025-08-15", 1)]);
    }
}
