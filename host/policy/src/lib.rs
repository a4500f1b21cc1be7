//! The rules wikidash applies to plugins and their HTTP traffic, as pure functions: checking a
//! plugin's manifest, deciding whether a URL is on its allow-list, and the Wikimedia etiquette
//! (Action API parameters, what to retry and how long to wait). Nothing here touches the
//! network or wasmtime, so every decision is unit-tested directly.

pub mod etiquette;
pub mod hosts;
pub mod manifest;

pub use etiquette::{Etiquette, RetryDecision};
pub use hosts::{AllowList, Denial, HostPattern, HostPatternError};
pub use manifest::{Manifest, ManifestError, ManifestFields, SUPPORTED_API_VERSIONS, interface_version};
