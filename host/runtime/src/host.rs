//! The host side of the importer imports (`http`, `log`) and the per-call store state.
//!
//! This is the trust boundary: every request a plugin makes passes the allow-list check here,
//! before any connection, and every log line is tagged and rate-limited here.

use tracing::{Level, debug, event, warn};
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wikidash_net::{FetchError, HttpClient, HttpRequest, HttpResponse, Method};
use wikidash_policy::AllowList;

use crate::bindings::wikidash::importer::{http, log, types};
use crate::wit::{Header, HttpError, LogLevel, Request, Response};

/// Redirects followed for one plugin request before it fails.
const MAX_REDIRECTS: usize = 5;

/// Maximum length of a plugin log line, in bytes; longer lines are cut.
const MAX_LOG_LINE_BYTES: usize = 2000;

/// Everything one plugin call may touch.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limits: Limits,
    pub(crate) stderr: MemoryOutputPipe,
    http: HttpClient,
    allow: AllowList,
    plugin: String,
    log_lines_left: u32,
    log_overflow_reported: bool,
    /// Epoch ticks spent executing WebAssembly.
    pub(crate) ticks: u64,
}

impl CallState {
    pub fn new(
        plugin: String,
        http: HttpClient,
        allow: AllowList,
        memory_limit_bytes: usize,
        max_log_lines: u32,
    ) -> CallState {
        let stderr = MemoryOutputPipe::new(64 * 1024);
        // No args, no environment, no preopened directories, no stdin; stdout is discarded,
        // stderr is captured for crash reports; sockets and name lookup stay denied.
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        CallState {
            wasi,
            table: ResourceTable::new(),
            limits: Limits::new(memory_limit_bytes),
            stderr,
            http,
            allow,
            plugin,
            log_lines_left: max_log_lines,
            log_overflow_reported: false,
            ticks: 0,
        }
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// The memory cap, with a flag that records whether the plugin hit it, for the error message.
pub struct Limits {
    inner: StoreLimits,
    pub(crate) limit: usize,
    pub(crate) exceeded: bool,
}

impl Limits {
    fn new(limit: usize) -> Limits {
        let inner =
            wasmtime::StoreLimitsBuilder::new().memory_size(limit).instances(64).tables(64).memories(16).build();
        Limits { inner, limit, exceeded: false }
    }
}

impl ResourceLimiter for Limits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.exceeded = true;
            return Err(wasmtime::Error::msg(format!("memory limit of {} bytes exceeded", self.limit)));
        }
        self.inner.memory_growing(current, desired, maximum)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

impl types::Host for CallState {}

impl http::Host for CallState {
    /// Check `request` against the allow-list, send it, and follow redirects, checking each
    /// target against the allow-list before connecting to it.
    async fn fetch(&mut self, request: Request) -> Result<Response, HttpError> {
        let first_url = request.url.clone();
        let mut outgoing = HttpRequest {
            method: match request.method {
                crate::wit::Method::Get => Method::Get,
                crate::wit::Method::Post => Method::Post,
            },
            url: request.url,
            headers: request.headers.into_iter().map(|header| (header.name, header.value)).collect(),
            body: request.body,
        };
        for _ in 0..=MAX_REDIRECTS {
            if let Err(denial) = self.allow.check(&outgoing.url) {
                debug!(plugin = %self.plugin, origin = %denial.origin, "denied plugin request");
                let message = if outgoing.url == first_url {
                    denial.message
                } else {
                    format!("{first_url} redirected to {}: {}", outgoing.url, denial.message)
                };
                return Err(HttpError::Denied(message));
            }
            debug!(plugin = %self.plugin, url = %outgoing.url, "allowed plugin request");
            let response = self.http.fetch(outgoing.clone()).await.map_err(http_error)?;
            match redirect_target(&outgoing, &response) {
                Some(next) => outgoing = next,
                None => {
                    return Ok(Response {
                        status: response.status,
                        headers: response.headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
                        body: response.body,
                    });
                }
            }
        }
        Err(HttpError::Unavailable(format!("{first_url}: more than {MAX_REDIRECTS} redirects")))
    }
}

impl log::Host for CallState {
    async fn log(&mut self, level: LogLevel, message: String) {
        if self.log_lines_left == 0 {
            if !self.log_overflow_reported {
                warn!(plugin = %self.plugin, "plugin wrote too many log lines; dropping the rest of this call's lines");
                self.log_overflow_reported = true;
            }
            return;
        }
        self.log_lines_left -= 1;
        let text = truncate(&message, MAX_LOG_LINE_BYTES);
        let plugin = self.plugin.as_str();
        match level {
            LogLevel::Trace => event!(Level::TRACE, plugin, "{text}"),
            LogLevel::Debug => event!(Level::DEBUG, plugin, "{text}"),
            LogLevel::Info => event!(Level::INFO, plugin, "{text}"),
            LogLevel::Warn => event!(Level::WARN, plugin, "{text}"),
            LogLevel::Error => event!(Level::ERROR, plugin, "{text}"),
        }
    }
}

/// The request a redirect response asks for, or `None` when `response` is not a redirect.
/// 307 and 308 repeat the method and body; 301, 302 and 303 become a GET without body.
fn redirect_target(request: &HttpRequest, response: &HttpResponse) -> Option<HttpRequest> {
    if !matches!(response.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers.iter().find(|(name, _)| name == "location").map(|(_, value)| value)?;
    let next = url::Url::parse(&request.url).ok()?.join(location).ok()?;
    if matches!(response.status, 307 | 308) {
        return Some(HttpRequest { url: next.to_string(), ..request.clone() });
    }
    let headers =
        request.headers.iter().filter(|(name, _)| !name.eq_ignore_ascii_case("content-type")).cloned().collect();
    Some(HttpRequest { method: Method::Get, url: next.to_string(), headers, body: None })
}

fn http_error(error: FetchError) -> HttpError {
    let text = error.to_string();
    match error {
        FetchError::InvalidRequest { .. } => HttpError::InvalidRequest(text),
        FetchError::TimedOut { .. } => HttpError::TimedOut(text),
        FetchError::Unreachable { .. } => HttpError::Unreachable(text),
        FetchError::Unavailable { .. } => HttpError::Unavailable(text),
        FetchError::TooLarge { limit, .. } => HttpError::TooLarge(limit),
        FetchError::Malformed { .. } => HttpError::Malformed(text),
    }
}

fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
