//! The one HTTP client behind every plugin request.
//!
//! It applies the etiquette from `wikidash-policy` to real traffic: one request in flight per
//! origin and a few across all origins, a descriptive User-Agent, gzip, `formatversion=2` and
//! `maxlag` on Action API requests, `Retry-After` on 429 and `maxlag` errors, exponential
//! backoff on server errors, timeouts and cut connections, and a cap on response size. It
//! never decides what a response means; it delivers a final response or a typed error.

mod client;
mod stats;

pub use client::{FetchError, HttpClient, HttpRequest, HttpResponse, Method, Rewrite};
pub use stats::HostStats;
