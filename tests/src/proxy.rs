//! A fault-injecting HTTP/1.1 proxy on 127.0.0.1 for end-to-end tests.
//!
//! [`FaultProxy`] forwards every request to an upstream server (usually the real wiki from
//! [`crate::mediawiki::MediaWiki`]) and records it. Tests queue [`Fault`]s for requests that match a
//! [`Rule`], which produces failures a real wiki cannot: 429 and 5xx statuses, maxlag errors, cut
//! connections, truncated and gzip-encoded bodies. [`Fault::Respond`] returns a fixed response
//! instead, e.g. for Action API modules the local wiki lacks (GlobalUsage, PageAssessments).
//!
//! The client side is a hand-written HTTP/1.1 server loop on tokio's `TcpListener`, because
//! hyper's server cannot send a body shorter than its `Content-Length` or close a connection
//! without any response. It supports keep-alive and pipelined requests, `Content-Length` and
//! chunked request bodies, and `Expect: 100-continue`. Responses always carry `Content-Length`
//! (never chunked encoding), and carry `Connection: close` when the client asked to close.
//! Upstream requests go through hyper-util's pooled legacy client.

use std::collections::VecDeque;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::{BodyExt, Full};
use hyper::{Method, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Maximum size of a request line plus headers.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Maximum size of a request body.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Maximum number of request headers.
const MAX_HEADERS: usize = 128;

/// Headers that describe one connection and are not forwarded in either direction (RFC 9110,
/// section 7.6.1). `Content-Length` is not listed: the proxy recomputes it.
const HOP_BY_HOP_HEADERS: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Body of the [`Fault::Maxlag`] response, in the form of a Wikimedia maxlag error.
const MAXLAG_BODY: &str = r#"{"error":{"code":"maxlag","info":"Waiting for 10.64.16.8: 7 seconds lagged","host":"10.64.16.8","lag":7,"type":"db"},"servedby":"mw1234"}"#;

/// A running fault-injecting proxy. Dropping it stops the proxy and closes every open connection.
pub struct FaultProxy {
    address: SocketAddr,
    upstream: String,
    state: Arc<Mutex<ProxyState>>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Which requests a queued fault applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Every request.
    Any,
    /// Requests whose decoded parameters, written as `name=value&name=value`, contain this
    /// substring, e.g. `"list=usercontribs"` or `"ucuser=Alice|Bob"`. The parameters are those of
    /// the URL query followed by those of an `application/x-www-form-urlencoded` body.
    QueryContains(String),
    /// The request at this 0-based position in the log, i.e. the one that becomes
    /// `requests()[n]`. [`FaultProxy::reset_log`] restarts the count at 0.
    NthRequest(usize),
}

/// What the proxy does to a request instead of forwarding it unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Responds with this status and a short text body, with a `Retry-After` header when given.
    /// The request is not forwarded.
    Status { code: u16, retry_after: Option<String> },
    /// Responds with HTTP 200 and a Wikimedia-style maxlag error: headers `MediaWiki-API-Error: maxlag`,
    /// `Retry-After: <retry_after>` and `X-Database-Lag: 7`, and a JSON error body with lag 7.
    /// The request is not forwarded.
    Maxlag { retry_after: u32 },
    /// Forwards the request, then sends the upstream headers with the full `Content-Length` but
    /// only the first half of the body (rounded down), and closes the connection.
    Truncate,
    /// Reads the request, then closes the connection without any response.
    Drop,
    /// Forwards the request after this delay.
    Delay(Duration),
    /// Never responds: keeps the connection open until the client closes it or the proxy stops.
    Hang,
    /// Forwards the request and gzip-encodes the upstream body, with `Content-Encoding: gzip`.
    /// An upstream body that already has a `Content-Encoding` is passed on unchanged.
    Gzip,
    /// Responds with this status, `Content-Type` and body. The `Content-Type` header is left out
    /// when `content_type` is empty. The request is not forwarded.
    Respond { status: u16, content_type: String, body: String },
    /// Forwards the request and appends `value` to the JSON array at `pointer` (RFC 6901, e.g.
    /// `/query/extensions`) of the upstream body. A body that is not JSON or has no array
    /// there is passed on unchanged.
    AppendJson { pointer: String, value: serde_json::Value },
}

/// One request as the proxy received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Request target as sent, e.g. `/api.php?action=query&format=json`.
    pub path_and_query: String,
    /// Decoded parameters: those of the URL query, then those of an
    /// `application/x-www-form-urlencoded` body, each in the order sent.
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Every header as received, hop-by-hop headers included, with names in the case sent.
    pub headers: Vec<(String, String)>,
    /// The applied fault in `Debug` form, e.g. `Some("Status { code: 429, retry_after: None }")`.
    pub fault: Option<String>,
}

impl RecordedRequest {
    /// Returns the first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Returns the first decoded value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

struct RuleEntry {
    rule: Rule,
    faults: VecDeque<Fault>,
    /// When true, `faults` contains one fault that every matching request gets, and the rule
    /// never runs out.
    unlimited: bool,
}

impl RuleEntry {
    fn take_fault(&mut self) -> Option<Fault> {
        if self.unlimited { self.faults.front().cloned() } else { self.faults.pop_front() }
    }
}

#[derive(Default)]
struct ProxyState {
    rules: Vec<RuleEntry>,
    log: Vec<RecordedRequest>,
}

impl ProxyState {
    /// Appends the request to the log and takes the fault for it: the next fault of the first
    /// rule, in injection order, that matches and has faults left.
    fn record(&mut self, request: &IncomingRequest) -> Option<Fault> {
        let index = self.log.len();
        let query = request.decoded_params();
        let joined_query = query.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("&");

        let fault = self
            .rules
            .iter_mut()
            .find(|entry| entry.rule.matches(index, &joined_query))
            .and_then(RuleEntry::take_fault);
        self.rules.retain(|entry| !entry.faults.is_empty());

        self.log.push(RecordedRequest {
            method: request.method.clone(),
            path_and_query: request.target.clone(),
            query,
            body: request.body.clone(),
            headers: request.headers.clone(),
            fault: fault.as_ref().map(|fault| format!("{fault:?}")),
        });
        fault
    }
}

impl Rule {
    fn matches(&self, index: usize, joined_query: &str) -> bool {
        match self {
            Rule::Any => true,
            Rule::QueryContains(needle) => joined_query.contains(needle.as_str()),
            Rule::NthRequest(n) => *n == index,
        }
    }
}

impl FaultProxy {
    /// Listens on 127.0.0.1:0 and forwards every request to `upstream` (e.g.
    /// `"http://127.0.0.1:8080"`; a path prefix is kept and prepended to each request path).
    /// The proxy runs on its own thread with its own tokio runtime, so it works from sync and
    /// async tests. Panics when `upstream` is not an `http://` URL or the port cannot be bound.
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream.trim_end_matches('/').to_string();
        let upstream_uri: Uri = upstream.parse().unwrap_or_else(|error| {
            panic!("invalid FaultProxy upstream URL {upstream:?}: {error}; expected e.g. http://127.0.0.1:8080")
        });
        if upstream_uri.scheme_str() != Some("http") || upstream_uri.authority().is_none() {
            panic!("invalid FaultProxy upstream URL {upstream:?}: expected http://HOST:PORT");
        }

        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|error| panic!("FaultProxy failed to bind 127.0.0.1:0: {error}"));
        let address = listener.local_addr().expect("bound listener has a local address");
        listener.set_nonblocking(true).expect("set_nonblocking on the proxy listener");

        let state = Arc::new(Mutex::new(ProxyState::default()));
        let (shutdown_sender, shutdown_receiver) = oneshot::channel();
        let context = Arc::new(ProxyContext { address, upstream: upstream.clone(), state: Arc::clone(&state) });
        let thread = std::thread::Builder::new()
            .name(format!("fault-proxy-{}", address.port()))
            .spawn(move || run_proxy(listener, context, shutdown_receiver))
            .expect("spawn the FaultProxy thread");

        FaultProxy { address, upstream, state, shutdown: Some(shutdown_sender), thread: Some(thread) }
    }

    /// Returns the proxy's address as a URL, e.g. `"http://127.0.0.1:40123"`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns the URL of api.php behind the proxy, `base_url() + "/api.php"`.
    pub fn api_url(&self) -> String {
        format!("{}/api.php", self.base_url())
    }

    /// Returns the upstream URL the proxy forwards to, without a trailing slash.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// Queues faults for requests that match `rule`. Each matching request takes the next fault
    /// (FIFO), and the rule stops matching when its faults are used up. When several rules match
    /// a request, the one injected first applies.
    pub fn inject(&self, rule: Rule, faults: Vec<Fault>) {
        if faults.is_empty() {
            return;
        }
        self.lock_state().rules.push(RuleEntry { rule, faults: faults.into(), unlimited: false });
    }

    /// Applies `fault` to every request that matches `rule`, without limit, until
    /// [`FaultProxy::clear_faults`]. Rules still apply in injection order, so this rule also hides
    /// every rule injected after it for the requests it matches.
    pub fn inject_always(&self, rule: Rule, fault: Fault) {
        self.lock_state().rules.push(RuleEntry { rule, faults: VecDeque::from([fault]), unlimited: true });
    }

    /// Responds to every request that matches `rule` with this status, `Content-Type` and body,
    /// through [`Fault::Respond`] and [`FaultProxy::inject_always`]. For example,
    /// `Rule::QueryContains("prop=globalusage".into())` replaces GlobalUsage responses while every
    /// other request still reaches the upstream wiki.
    pub fn respond_always(&self, rule: Rule, status: u16, content_type: &str, body: &str) {
        let fault = Fault::Respond { status, content_type: content_type.to_string(), body: body.to_string() };
        self.inject_always(rule, fault);
    }

    /// Removes every queued fault and every rule added with [`FaultProxy::inject_always`].
    pub fn clear_faults(&self) {
        self.lock_state().rules.clear();
    }

    /// Returns the number of queued faults that no request has taken yet. Rules added with
    /// [`FaultProxy::inject_always`] never run out and are not counted.
    pub fn remaining_faults(&self) -> usize {
        self.lock_state().rules.iter().filter(|entry| !entry.unlimited).map(|entry| entry.faults.len()).sum()
    }

    /// Returns every request received since the start or the last [`FaultProxy::reset_log`],
    /// in order of arrival.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock_state().log.clone()
    }

    /// Returns the number of requests in [`FaultProxy::requests`].
    pub fn request_count(&self) -> usize {
        self.lock_state().log.len()
    }

    /// Empties the request log, which also restarts the count of [`Rule::NthRequest`] at 0.
    /// Queued faults stay queued.
    pub fn reset_log(&self) {
        self.lock_state().log.clear();
    }

    fn lock_state(&self) -> MutexGuard<'_, ProxyState> {
        lock(&self.state)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // An error means the proxy thread has already ended.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the proxy thread has already been printed, so it is not raised again here.
            let _ = thread.join();
        }
    }
}

/// Locks the shared state, also after a panic on another thread: the state stays consistent
/// because every update is a single push, pop or clear.
fn lock(state: &Mutex<ProxyState>) -> MutexGuard<'_, ProxyState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct ProxyContext {
    address: SocketAddr,
    upstream: String,
    state: Arc<Mutex<ProxyState>>,
}

type UpstreamClient = Client<HttpConnector, Full<Bytes>>;

/// Runs the accept loop until `shutdown` fires. Dropping the runtime at the end cancels every
/// connection task, which closes its socket.
fn run_proxy(listener: std::net::TcpListener, context: Arc<ProxyContext>, shutdown: oneshot::Receiver<()>) {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("build the FaultProxy tokio runtime");
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).expect("register the proxy listener with tokio");
        let client: UpstreamClient = Client::builder(TokioExecutor::new()).build_http();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        let context = Arc::clone(&context);
                        let client = client.clone();
                        tokio::spawn(async move {
                            serve_connection(stream, &context, &client).await;
                        });
                    }
                    Err(error) => {
                        eprintln!("fault proxy {}: accept failed: {error}", context.address);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                },
            }
        }
    });
}

/// A request read from a client connection.
struct IncomingRequest {
    method: String,
    target: String,
    /// Minor HTTP version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    minor_version: u8,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl IncomingRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Returns the lowercase tokens of every `Connection` header.
    fn connection_tokens(&self) -> Vec<String> {
        connection_tokens(
            self.headers
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
                .map(|(_, value)| value.as_str()),
        )
    }

    fn wants_keep_alive(&self) -> bool {
        let tokens = self.connection_tokens();
        if self.minor_version == 0 {
            tokens.iter().any(|token| token == "keep-alive")
        } else {
            !tokens.iter().any(|token| token == "close")
        }
    }

    fn query_string(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, query)| query)
    }

    fn decoded_params(&self) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> =
            url::form_urlencoded::parse(self.query_string().as_bytes()).into_owned().collect();
        let is_form = self.header("content-type").is_some_and(|content_type| {
            content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
        });
        if is_form {
            params.extend(url::form_urlencoded::parse(&self.body).into_owned());
        }
        params
    }

    /// Returns the path and query to request upstream. An absolute-form target
    /// (`http://host/path`), as sent to forward proxies, is reduced to its path and query.
    fn origin_form_target(&self) -> String {
        if self.target.starts_with('/') {
            return self.target.clone();
        }
        match self.target.parse::<Uri>() {
            Ok(uri) => uri.path_and_query().map_or_else(|| "/".to_string(), |path| path.as_str().to_string()),
            Err(_) => self.target.clone(),
        }
    }
}

fn connection_tokens<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    values
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .filter(|token| !token.is_empty())
        .collect()
}

/// A response to write to the client.
struct OutgoingResponse {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl OutgoingResponse {
    fn text(status: u16, text: String) -> OutgoingResponse {
        OutgoingResponse {
            status,
            headers: vec![("Content-Type".to_string(), b"text/plain; charset=utf-8".to_vec())],
            body: text.into_bytes(),
        }
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(header, _)| header.eq_ignore_ascii_case(name))
    }
}

/// Why reading a request stopped.
enum ReadError {
    /// The connection failed or closed in the middle of a request.
    Io,
    /// The request is malformed or too large, so the proxy responds with this status and text.
    Invalid(u16, String),
}

/// A client connection with the bytes read beyond the current request, which belong to the
/// next pipelined request.
struct ClientConnection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

async fn serve_connection(stream: TcpStream, context: &ProxyContext, client: &UpstreamClient) {
    let mut connection = ClientConnection { stream, buffer: Vec::new() };
    loop {
        let request = match connection.read_request().await {
            Ok(Some(request)) => request,
            Ok(None) | Err(ReadError::Io) => return,
            Err(ReadError::Invalid(status, message)) => {
                eprintln!("fault proxy {}: rejected a request: {message}", context.address);
                let response = OutgoingResponse::text(status, format!("fault proxy: {message}\n"));
                // The connection closes either way, so a failed write changes nothing.
                let _ = connection.write_response(&response, false, false).await;
                let _ = connection.stream.shutdown().await;
                return;
            }
        };

        let fault = lock(&context.state).record(&request);
        let keep_alive = request.wants_keep_alive();
        let is_head = request.method.eq_ignore_ascii_case("HEAD");

        let response = match fault {
            None => forward(context, client, &request).await,
            Some(Fault::Status { code, retry_after }) => status_response(code, retry_after),
            Some(Fault::Maxlag { retry_after }) => maxlag_response(retry_after),
            Some(Fault::Respond { status, content_type, body }) => fixed_response(status, content_type, body),
            Some(Fault::Delay(delay)) => {
                tokio::time::sleep(delay).await;
                forward(context, client, &request).await
            }
            Some(Fault::Gzip) => gzip_response(forward(context, client, &request).await),
            Some(Fault::AppendJson { pointer, value }) => {
                append_json(forward(context, client, &request).await, &pointer, value)
            }
            Some(Fault::Truncate) => {
                let response = forward(context, client, &request).await;
                // The connection closes after the short body, so write errors change nothing.
                let _ = connection.write_truncated_response(&response).await;
                let _ = connection.stream.shutdown().await;
                return;
            }
            Some(Fault::Drop) => {
                let _ = connection.stream.shutdown().await;
                return;
            }
            Some(Fault::Hang) => {
                connection.wait_for_close().await;
                return;
            }
        };

        if connection.write_response(&response, keep_alive, is_head).await.is_err() || !keep_alive {
            let _ = connection.stream.shutdown().await;
            return;
        }
    }
}

impl ClientConnection {
    /// Reads the next request. Returns `Ok(None)` when the client closed the connection between
    /// requests.
    async fn read_request(&mut self) -> Result<Option<IncomingRequest>, ReadError> {
        let Some(mut request) = self.read_head().await? else {
            return Ok(None);
        };

        let is_chunked = request
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("transfer-encoding"))
            .any(|(_, value)| value.to_ascii_lowercase().contains("chunked"));
        let content_length = match request.header("content-length") {
            Some(value) => Some(value.trim().parse::<usize>().map_err(|_| {
                ReadError::Invalid(400, format!("invalid Content-Length {value:?}: expected a byte count"))
            })?),
            None => None,
        };
        let has_body = is_chunked || content_length.is_some_and(|length| length > 0);

        let expects_continue = request.header("expect").is_some_and(|value| value.eq_ignore_ascii_case("100-continue"));
        if expects_continue && has_body {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.map_err(|_| ReadError::Io)?;
        }

        request.body = if is_chunked {
            self.read_chunked_body().await?
        } else if let Some(length) = content_length {
            if length > MAX_BODY_BYTES {
                return Err(ReadError::Invalid(
                    413,
                    format!("request body of {length} bytes is larger than the limit of {MAX_BODY_BYTES} bytes"),
                ));
            }
            self.take_exact(length).await?
        } else {
            Vec::new()
        };
        Ok(Some(request))
    }

    async fn read_head(&mut self) -> Result<Option<IncomingRequest>, ReadError> {
        loop {
            // HTTP/1.1 (RFC 9112, section 2.2) lets a server ignore empty lines before a request.
            while self.buffer.starts_with(b"\r\n") {
                self.buffer.drain(..2);
            }
            if !self.buffer.is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut parsed = httparse::Request::new(&mut headers);
                match parsed.parse(&self.buffer) {
                    Ok(httparse::Status::Complete(head_length)) => {
                        let request = IncomingRequest {
                            method: parsed.method.unwrap_or_default().to_string(),
                            target: parsed.path.unwrap_or_default().to_string(),
                            minor_version: parsed.version.unwrap_or(1),
                            headers: parsed
                                .headers
                                .iter()
                                .map(|header| {
                                    (header.name.to_string(), String::from_utf8_lossy(header.value).into_owned())
                                })
                                .collect(),
                            body: Vec::new(),
                        };
                        self.buffer.drain(..head_length);
                        return Ok(Some(request));
                    }
                    Ok(httparse::Status::Partial) => {}
                    Err(httparse::Error::TooManyHeaders) => {
                        return Err(ReadError::Invalid(431, format!("request has more than {MAX_HEADERS} headers")));
                    }
                    Err(error) => {
                        return Err(ReadError::Invalid(400, format!("malformed request head: {error}")));
                    }
                }
                if self.buffer.len() > MAX_HEAD_BYTES {
                    return Err(ReadError::Invalid(431, format!("request head is larger than {MAX_HEAD_BYTES} bytes")));
                }
            }

            if self.fill_buffer().await? == 0 {
                return if self.buffer.is_empty() { Ok(None) } else { Err(ReadError::Io) };
            }
        }
    }

    /// Reads more bytes into the buffer and returns how many arrived (0 at end of stream).
    async fn fill_buffer(&mut self) -> Result<usize, ReadError> {
        self.stream.read_buf(&mut self.buffer).await.map_err(|_| ReadError::Io)
    }

    async fn take_exact(&mut self, length: usize) -> Result<Vec<u8>, ReadError> {
        while self.buffer.len() < length {
            if self.fill_buffer().await? == 0 {
                return Err(ReadError::Io);
            }
        }
        Ok(self.buffer.drain(..length).collect())
    }

    /// Reads one CRLF-terminated line and returns it without the CRLF.
    async fn take_line(&mut self) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|pair| pair == b"\r\n") {
                let mut line: Vec<u8> = self.buffer.drain(..end + 2).collect();
                line.truncate(end);
                return Ok(line);
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Err(ReadError::Invalid(
                    400,
                    format!("chunked body has a line longer than {MAX_HEAD_BYTES} bytes"),
                ));
            }
            if self.fill_buffer().await? == 0 {
                return Err(ReadError::Io);
            }
        }
    }

    /// Decodes a chunked body (RFC 9112, section 7.1). Chunk extensions and trailer fields are
    /// read and dropped.
    async fn read_chunked_body(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.take_line().await?;
            let line = String::from_utf8_lossy(&line);
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| {
                ReadError::Invalid(400, format!("invalid chunk size {size_text:?}: expected hexadecimal digits"))
            })?;
            if size == 0 {
                while !self.take_line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > MAX_BODY_BYTES {
                return Err(ReadError::Invalid(
                    413,
                    format!("chunked request body is larger than the limit of {MAX_BODY_BYTES} bytes"),
                ));
            }
            body.extend(self.take_exact(size).await?);
            if !self.take_line().await?.is_empty() {
                return Err(ReadError::Invalid(400, "chunk data is not followed by CRLF".to_string()));
            }
        }
    }

    async fn write_response(
        &mut self,
        response: &OutgoingResponse,
        keep_alive: bool,
        is_head: bool,
    ) -> std::io::Result<()> {
        let mut message = encode_head(response, keep_alive, is_head);
        if !is_head && !is_bodyless_status(response.status) {
            message.extend_from_slice(&response.body);
        }
        self.stream.write_all(&message).await?;
        self.stream.flush().await
    }

    /// Writes the head with the full `Content-Length` but only the first half of the body.
    async fn write_truncated_response(&mut self, response: &OutgoingResponse) -> std::io::Result<()> {
        let mut message = encode_head(response, true, false);
        message.extend_from_slice(&response.body[..response.body.len() / 2]);
        self.stream.write_all(&message).await?;
        self.stream.flush().await
    }

    /// Reads and discards whatever the client sends until it closes the connection.
    async fn wait_for_close(&mut self) {
        let mut discard = [0u8; 4096];
        while let Ok(read) = self.stream.read(&mut discard).await {
            if read == 0 {
                return;
            }
        }
    }
}

/// Returns true for statuses whose responses never have a body (RFC 9110, section 6.4.1).
fn is_bodyless_status(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// Encodes the status line and headers. Hop-by-hop headers and any `Content-Length` in
/// `response.headers` are replaced by this connection's own. A HEAD response keeps the upstream
/// `Content-Length` because it has no body to measure.
fn encode_head(response: &OutgoingResponse, keep_alive: bool, is_head: bool) -> Vec<u8> {
    let reason =
        StatusCode::from_u16(response.status).ok().and_then(|status| status.canonical_reason()).unwrap_or("Unknown");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status).into_bytes();

    let mut has_content_length = false;
    for (name, value) in &response.headers {
        let lowercase = name.to_ascii_lowercase();
        if HOP_BY_HOP_HEADERS.contains(&lowercase.as_str()) {
            continue;
        }
        if lowercase == "content-length" {
            if !is_head {
                continue;
            }
            has_content_length = true;
        }
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }

    if !has_content_length && !is_head && !is_bodyless_status(response.status) {
        head.extend_from_slice(format!("Content-Length: {}\r\n", response.body.len()).as_bytes());
    }
    head.extend_from_slice(if keep_alive { b"Connection: keep-alive\r\n" } else { b"Connection: close\r\n" });
    head.extend_from_slice(b"\r\n");
    head
}

/// Forwards the request upstream and returns the complete upstream response, or a 502 response
/// that names the failure.
async fn forward(context: &ProxyContext, client: &UpstreamClient, request: &IncomingRequest) -> OutgoingResponse {
    match try_forward(context, client, request).await {
        Ok(response) => response,
        Err(message) => {
            eprintln!("fault proxy {}: {message}", context.address);
            OutgoingResponse::text(502, format!("fault proxy: {message}\n"))
        }
    }
}

async fn try_forward(
    context: &ProxyContext,
    client: &UpstreamClient,
    request: &IncomingRequest,
) -> Result<OutgoingResponse, String> {
    let uri_text = format!("{}{}", context.upstream, request.origin_form_target());
    let uri: Uri = uri_text.parse().map_err(|error| format!("invalid upstream URL {uri_text:?}: {error}"))?;
    let method = Method::from_bytes(request.method.as_bytes())
        .map_err(|error| format!("invalid request method {:?}: {error}", request.method))?;

    let connection_named = request.connection_tokens();
    let mut builder = hyper::Request::builder().method(method).uri(uri);
    for (name, value) in &request.headers {
        let lowercase = name.to_ascii_lowercase();
        let skip = HOP_BY_HOP_HEADERS.contains(&lowercase.as_str())
            || connection_named.contains(&lowercase)
            || lowercase == "content-length"
            || lowercase == "expect";
        if !skip {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    let upstream_request = builder
        .body(Full::new(Bytes::from(request.body.clone())))
        .map_err(|error| format!("cannot build the upstream request for {uri_text}: {error}"))?;

    let upstream_response = client
        .request(upstream_request)
        .await
        .map_err(|error| format!("upstream request to {uri_text} failed: {error}"))?;
    let (parts, body) = upstream_response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|error| format!("reading the upstream body of {uri_text} failed: {error}"))?
        .to_bytes();

    let upstream_connection_named = connection_tokens(
        parts.headers.get_all(hyper::header::CONNECTION).iter().filter_map(|value| value.to_str().ok()),
    );
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| !upstream_connection_named.contains(&name.as_str().to_string()))
        .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
        .collect();
    Ok(OutgoingResponse { status: parts.status.as_u16(), headers, body: body.to_vec() })
}

fn status_response(code: u16, retry_after: Option<String>) -> OutgoingResponse {
    let reason = StatusCode::from_u16(code).ok().and_then(|status| status.canonical_reason()).unwrap_or("Unknown");
    let mut response = OutgoingResponse::text(code, format!("{code} {reason} (injected by the fault proxy)\n"));
    if let Some(retry_after) = retry_after {
        response.headers.push(("Retry-After".to_string(), retry_after.into_bytes()));
    }
    response
}

fn maxlag_response(retry_after: u32) -> OutgoingResponse {
    OutgoingResponse {
        status: 200,
        headers: vec![
            ("Content-Type".to_string(), b"application/json; charset=utf-8".to_vec()),
            ("MediaWiki-API-Error".to_string(), b"maxlag".to_vec()),
            ("Retry-After".to_string(), retry_after.to_string().into_bytes()),
            ("X-Database-Lag".to_string(), b"7".to_vec()),
        ],
        body: MAXLAG_BODY.as_bytes().to_vec(),
    }
}

fn fixed_response(status: u16, content_type: String, body: String) -> OutgoingResponse {
    let mut headers = Vec::new();
    if !content_type.is_empty() {
        headers.push(("Content-Type".to_string(), content_type.into_bytes()));
    }
    OutgoingResponse { status, headers, body: body.into_bytes() }
}

fn append_json(mut response: OutgoingResponse, pointer: &str, value: serde_json::Value) -> OutgoingResponse {
    let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        return response;
    };
    let Some(array) = body.pointer_mut(pointer).and_then(serde_json::Value::as_array_mut) else {
        return response;
    };
    array.push(value);
    response.body = serde_json::to_vec(&body).expect("a JSON value serialises");
    response
}

fn gzip_response(mut response: OutgoingResponse) -> OutgoingResponse {
    if response.has_header("content-encoding") {
        return response;
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(&response.body).expect("gzip into a Vec cannot fail");
    response.body = encoder.finish().expect("gzip into a Vec cannot fail");
    response.headers.push(("Content-Encoding".to_string(), b"gzip".to_vec()));
    response
}
