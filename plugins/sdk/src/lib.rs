//! Guest-side SDK for wikidash importer plugins.
//!
//! It owns the bindings of `wikidash:importer@0.1.0` (generated once here, so plugins share
//! them), the `export_plugin!` macro that registers a plugin with the host, and the helpers
//! most importers need: an Action API client with continuation cursors ([`action`]), MediaWiki
//! timestamps ([`time`]), `meta=siteinfo` answers ([`siteinfo`]) and mapping of host HTTP errors
//! to importer errors ([`http`]).
//!
//! A plugin implements [`Guest`] and calls `export_plugin!(MyPlugin)` once.

pub mod action;
pub mod http;
pub mod siteinfo;
pub mod time;

/// Generated bindings of the `importer` world.
pub mod bindings {
    wit_bindgen::generate!({
        world: "importer",
        path: "../../wit/importer@0.1.0",
        pub_export_macro: true,
        default_bindings_module: "wikidash_plugin_sdk::bindings",
    });
}

pub use bindings::Guest;
pub use bindings::wikidash::importer::types::*;

/// The `wikidash:importer` version these bindings implement.
pub const API_VERSION: &str = "0.1.0";

/// Register `$plugin` (a type implementing [`Guest`]) as this component's importer.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ident) => {
        $crate::bindings::export!($plugin with_types_in $crate::bindings);
    };
}

/// Write one line to the host's log, tagged with this plugin's id.
pub fn log(level: LogLevel, message: &str) {
    bindings::wikidash::importer::log::log(level, message);
}

/// Return the value of the job option `name`, if the job sets it.
pub fn job_option<'a>(job: &'a Job, name: &str) -> Option<&'a str> {
    job.options.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}
