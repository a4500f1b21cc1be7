//! Harness for wikidash's end-to-end tests: a real MediaWiki on loopback, a fault-injecting
//! proxy in front of it, a fixture server for the Wikimedia services that cannot run locally,
//! and helpers to run the `wikidash` binary.

pub mod cli;
pub mod fixtures;
pub mod mediawiki;
pub mod proxy;
pub mod services;
