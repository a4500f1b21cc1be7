//! Tunables of a sync.

use std::time::Duration;

/// Request sizes of a sync, and how often it refreshes what it has stored.
#[derive(Clone, Debug)]
pub struct SyncSettings {
    /// Participants per `usercontribs` and `users` request, 1 to 50 (the API's limit without
    /// `apihighlimits`).
    pub users_per_request: usize,
    /// Results per `usercontribs` request; `None` requests the API's maximum (500).
    pub results_per_request: Option<u32>,
    /// Pages per `prop=info` request, 1 to 50.
    pub pages_per_request: usize,
    /// How long a wiki's namespace list is trusted.
    pub site_info_max_age: Duration,
    /// How long an existing account's registration and ids are trusted.
    pub account_max_age: Duration,
    /// How long "no such account" is trusted before asking again.
    pub missing_account_max_age: Duration,
    /// How long a page's title, redirect and deletion status, and a file's usage and details, are trusted.
    pub page_max_age: Duration,
    /// How long a dynamic scope list (category, template, PetScan, listed articles) is trusted.
    pub scope_max_age: Duration,
    /// Count references added with the reference-counter service (Wikimedia wikis only).
    pub count_references: bool,
    /// Fetch articles' daily views from the pageviews API (Wikimedia wikis only).
    pub fetch_views: bool,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            users_per_request: 50,
            results_per_request: None,
            pages_per_request: 50,
            site_info_max_age: Duration::from_secs(7 * 86_400),
            account_max_age: Duration::from_secs(7 * 86_400),
            missing_account_max_age: Duration::from_secs(86_400),
            page_max_age: Duration::from_secs(86_400),
            scope_max_age: Duration::from_secs(86_400),
            count_references: true,
            fetch_views: true,
        }
    }
}
