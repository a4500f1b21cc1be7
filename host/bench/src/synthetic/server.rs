//! The HTTP/1.1 server of one synthetic wiki: hyper on its own thread and multi-threaded tokio
//! runtime, bound to 127.0.0.1 on a port the kernel chooses, with keep-alive, and per-module
//! request counters.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::Workload;
use super::api::{self, Modules, Params, Wiki};
use super::generate::page_table;
use super::siteinfo::SiteInfo;

/// Path of the Action API endpoint, as on Wikimedia wikis.
const API_PATH: &str = "/w/api.php";
/// Largest POST body read; longer bodies get HTTP 413.
const MAX_BODY_BYTES: usize = 1 << 20;
/// Worker threads of each server's runtime.
const WORKER_THREADS: usize = 2;

/// Requests a server received since it started or since [`SyntheticWiki::reset_counts`].
///
/// A request counts once in `total` and once in each module it names, even when it fails,
/// so a combined `meta=siteinfo&list=users` request counts in both `siteinfo` and `users`. A
/// continued request does not count the modules that its `continue` parameter lists as
/// completed, because the server skips them. A request for none of the four modules (another
/// action, path or module) counts in `other`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub siteinfo: u64,
    pub users: u64,
    pub usercontribs: u64,
    pub info: u64,
    pub other: u64,
    pub total: u64,
}

#[derive(Default)]
struct Counters {
    siteinfo: AtomicU64,
    users: AtomicU64,
    usercontribs: AtomicU64,
    info: AtomicU64,
    other: AtomicU64,
    total: AtomicU64,
}

impl Counters {
    fn record(&self, modules: Modules) {
        let counters = [
            (modules.siteinfo, &self.siteinfo),
            (modules.users, &self.users),
            (modules.usercontribs, &self.usercontribs),
            (modules.info, &self.info),
            (!modules.any(), &self.other),
            (true, &self.total),
        ];
        for (asked, counter) in counters {
            if asked {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn all(&self) -> [&AtomicU64; 6] {
        [&self.siteinfo, &self.users, &self.usercontribs, &self.info, &self.other, &self.total]
    }
}

struct State {
    wiki: Wiki,
    counters: Counters,
}

/// A running synthetic wiki. Dropping it stops the server and closes its connections.
pub struct SyntheticWiki {
    address: SocketAddr,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SyntheticWiki {
    /// Serves wiki `wiki` (1 to `wikis`) of `workload` on 127.0.0.1 with a port the kernel
    /// chooses, on its own thread and tokio runtime.
    ///
    /// Builds the wiki's page table first (about 25 ms for a W3 wiki, shared with [`super::page`]).
    /// Panics when the workload or wiki is invalid or no port can be bound.
    pub fn start(workload: &Workload, wiki: u32) -> SyntheticWiki {
        workload.validate();
        workload.check_wiki(wiki);
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|error| panic!("failed to bind a synthetic wiki to 127.0.0.1: {error}"));
        listener.set_nonblocking(true).expect("failed to make the synthetic wiki's listener non-blocking");
        let address = listener.local_addr().expect("a bound listener has an address");
        let server = format!("http://{address}");
        let state = Arc::new(State {
            wiki: Wiki {
                workload: *workload,
                wiki,
                pages: page_table(workload, wiki),
                siteinfo: SiteInfo::new(wiki, &server),
                api_url: format!("{server}{API_PATH}"),
            },
            counters: Counters::default(),
        });

        let (shutdown, shutdown_received) = oneshot::channel();
        let thread_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("synthetic-wiki-{wiki}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(WORKER_THREADS)
                    .thread_name(format!("synthetic-wiki-{wiki}-worker"))
                    .enable_io()
                    .build()
                    .expect("failed to build the synthetic wiki's tokio runtime");
                runtime.block_on(serve(listener, thread_state, shutdown_received));
            })
            .expect("failed to spawn the synthetic wiki's thread");
        tracing::debug!(workload = workload.name, wiki, %address, "synthetic wiki started");
        SyntheticWiki { address, state, shutdown: Some(shutdown), thread: Some(thread) }
    }

    /// Returns the endpoint, `http://127.0.0.1:PORT/w/api.php`.
    pub fn api_url(&self) -> String {
        self.state.wiki.api_url.clone()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Returns the request counts. Each counter is read on its own, so a request that finishes
    /// during the call may show in some counters and not yet in others.
    pub fn counts(&self) -> RequestCounts {
        let [siteinfo, users, usercontribs, info, other, total] =
            self.state.counters.all().map(|counter| counter.load(Ordering::Relaxed));
        RequestCounts { siteinfo, users, usercontribs, info, other, total }
    }

    /// Sets every counter to zero.
    pub fn reset_counts(&self) {
        for counter in self.state.counters.all() {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

impl Drop for SyntheticWiki {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may have stopped already, so a closed channel is fine.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!(address = %self.address, "the synthetic wiki's thread panicked");
        }
    }
}

/// Accepts connections until `shutdown` fires. Returning drops the runtime's connection tasks.
async fn serve(listener: std::net::TcpListener, state: Arc<State>, mut shutdown: oneshot::Receiver<()>) {
    let listener = TcpListener::from_std(listener).expect("failed to register the listener with tokio");
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "the synthetic wiki failed to accept a connection");
                    continue;
                }
            },
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, %peer, "failed to set TCP_NODELAY");
        }
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(Arc::clone(&state), request));
            if let Err(error) =
                http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await
            {
                tracing::debug!(%error, %peer, "a synthetic wiki connection ended with an error");
            }
        });
    }
}

async fn respond(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    if parts.uri.path() != API_PATH {
        state.counters.record(Modules::default());
        return Ok(plain(StatusCode::NOT_FOUND, format!("Not Found: the API is at {API_PATH}\n")));
    }
    let body = if parts.method == Method::POST {
        match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                state.counters.record(Modules::default());
                return Ok(plain(StatusCode::PAYLOAD_TOO_LARGE, format!("failed to read the request body: {error}\n")));
            }
        }
    } else {
        Bytes::new()
    };
    let query = parts.uri.query().unwrap_or("");
    let params = Params::parse(query.as_bytes(), &body);
    let (answer, modules) = api::handle(&state.wiki, &params);
    state.counters.record(modules);

    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    if let Some(code) = answer.error_code {
        headers.insert("mediawiki-api-error", HeaderValue::from_static(code));
    }
    Ok(response)
}

fn plain(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}
