//! Harness for wikidash's end-to-end tests: a real MediaWiki on loopback, a fault-injecting
//! proxy in front of it, and helpers to run the `wikidash` binary.

pub mod cli;
pub mod mediawiki;
pub mod proxy;
