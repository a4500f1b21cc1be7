//! Domain types shared by every wikidash crate: campaigns and their time windows, usernames,
//! wiki endpoints, namespaces, calendar days, and the records the store keeps. Nothing here
//! does I/O, so every rule can be tested case by case.

pub mod campaign;
pub mod day;
pub mod namespace;
pub mod records;
pub mod scope;
pub mod title;
pub mod username;
pub mod wiki;

pub use campaign::{Bound, Campaign, CampaignError, CampaignSpec, Window};
pub use day::Day;
pub use scope::{ScopeError, ScopeSource, ScopeSpec};
pub use title::normalize_title;
pub use username::{UsernameError, normalize_username};
pub use wiki::{COMMONS_API, WikiUrl, WikiUrlError, WikimediaProject};
