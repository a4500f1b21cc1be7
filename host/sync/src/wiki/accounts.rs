//! Participants' accounts on one wiki.

use std::collections::HashMap;

use wikidash_core::records::{AccountRecord, AccountState, SiteRecord};
use wikidash_runtime::wit::{AccountStatus, Item, SiteInfo};

use super::{WikiSync, is_stale, site_record};
use crate::WikiSummary;
use crate::jobs::{job, options};

/// Accounts whose lookups are stored in one transaction.
const ACCOUNTS_PER_COMMIT: usize = 1000;

/// Participants' account records on one wiki while a sync looks them up: the stored ones, and
/// the names whose record is missing or stale.
pub(super) struct Accounts {
    records: HashMap<String, AccountRecord>,
    /// Names still to look up, in campaign order.
    pub due: Vec<String>,
    /// Whether a lookup failed, which stops the later ones of this sync.
    failed: bool,
}

impl Accounts {
    /// Return every participant's record and list the names the wiki reported as missing or
    /// invalid in `summary`.
    pub fn finish(self, names: &[String], summary: &mut WikiSummary) -> HashMap<String, AccountRecord> {
        for name in names {
            match self.records.get(name).map(|record| &record.state) {
                Some(AccountState::Missing) => summary.missing_accounts.push(name.clone()),
                Some(AccountState::Invalid(reason)) => summary.invalid_accounts.push((name.clone(), reason.clone())),
                _ => {}
            }
        }
        self.records
    }
}

impl WikiSync<'_> {
    /// Read participants' stored accounts and work out which are unknown or stale.
    pub(super) async fn stored_accounts(&self) -> Result<Accounts, String> {
        let wiki_id = self.wiki_id();
        let lookup = self.stored.campaign.participants.clone();
        let records = self
            .syncer
            .store_call(move |store| store.accounts(wiki_id, &lookup.iter().map(String::as_str).collect::<Vec<_>>()))
            .await
            .map_err(|error| format!("cannot read stored accounts: {error}"))?;
        let settings = &self.syncer.settings;
        let due = self
            .stored
            .campaign
            .participants
            .iter()
            .filter(|name| match records.get(*name) {
                None => true,
                Some(record) => {
                    let max_age =
                        if record.exists() { settings.account_max_age } else { settings.missing_account_max_age };
                    is_stale(record.checked_at, self.now, max_age)
                }
            })
            .cloned()
            .collect();
        Ok(Accounts { records, due, failed: false })
    }

    /// Look up the first batch of due accounts and the wiki's site facts in one request. A
    /// `users` plugin that does not return site facts costs one more request, to `site-info`.
    pub(super) async fn look_up_first_accounts_with_site_info(
        &self,
        accounts: &mut Accounts,
        summary: &mut WikiSummary,
    ) -> Result<SiteRecord, String> {
        let size = self.batch_size().min(accounts.due.len());
        let chunk: Vec<String> = accounts.due.drain(..size).collect();
        let Some((found, site)) = self.look_up_batch(&chunk, true, accounts, summary).await else {
            return Err("the account lookup that also asked for the site facts failed".into());
        };
        self.store_accounts(found, accounts, summary).await;
        match site {
            Some(site) => Ok(site_record(site, self.now)),
            None => self.fetch_site_info().await,
        }
    }

    /// Look up the accounts still due, one batch per request, storing them a group of
    /// batches at a time.
    pub(super) async fn look_up_accounts(&self, accounts: &mut Accounts, summary: &mut WikiSummary) {
        if accounts.failed || accounts.due.is_empty() {
            return;
        }
        let due = std::mem::take(&mut accounts.due);
        self.progress.stage(self.url.as_str(), &format!("looking up {} account(s)", due.len()));
        let mut pending: Vec<(String, AccountRecord)> = Vec::new();
        for chunk in due.chunks(self.batch_size()) {
            let Some((found, _)) = self.look_up_batch(chunk, false, accounts, summary).await else {
                break;
            };
            pending.extend(found);
            if pending.len() >= ACCOUNTS_PER_COMMIT {
                self.store_accounts(std::mem::take(&mut pending), accounts, summary).await;
                if accounts.failed {
                    return;
                }
            }
        }
        self.store_accounts(pending, accounts, summary).await;
    }

    fn batch_size(&self) -> usize {
        self.syncer.settings.users_per_request.clamp(1, 50)
    }

    /// Run one `users` job for `chunk`. Return `None` when the lookup failed (noted in
    /// `summary`), else the accounts found and the site facts the job returned, if any.
    async fn look_up_batch(
        &self,
        chunk: &[String],
        with_site_info: bool,
        accounts: &mut Accounts,
        summary: &mut WikiSummary,
    ) -> Option<(Vec<(String, AccountRecord)>, Option<SiteInfo>)> {
        let mut request = job("users", self.url.as_str());
        request.usernames = chunk.to_vec();
        if with_site_info {
            request.options = options(&[("with-site-info", "true".into())]);
        }
        let mut found: Vec<(String, AccountRecord)> = Vec::new();
        let mut site = None;
        let result = self
            .jobs
            .run(request, |items| {
                for item in items {
                    match item {
                        Item::User(lookup) if chunk.contains(&lookup.name) => {
                            let record = AccountRecord { state: account_state(lookup.status), checked_at: self.now };
                            found.push((lookup.name, record));
                        }
                        Item::Site(info) if with_site_info => site = Some(info),
                        _ => {}
                    }
                }
                Ok(())
            })
            .await;
        if let Err(error) = result {
            summary.errors.push(format!("account lookup for {} failed: {error}", chunk.join(", ")));
            accounts.failed = true;
            return None;
        }
        Some((found, site))
    }

    /// Store looked-up accounts in one transaction and add them to `accounts`; a failed write
    /// is noted in `summary` and stops further lookups.
    async fn store_accounts(
        &self,
        found: Vec<(String, AccountRecord)>,
        accounts: &mut Accounts,
        summary: &mut WikiSummary,
    ) {
        if found.is_empty() {
            return;
        }
        let wiki_id = self.wiki_id();
        let to_store = found.clone();
        if let Err(error) = self.syncer.store_call(move |store| store.put_accounts(wiki_id, &to_store)).await {
            summary.errors.push(format!("cannot store accounts: {error}"));
            accounts.failed = true;
            return;
        }
        summary.accounts_checked += found.len();
        accounts.records.extend(found);
    }
}

fn account_state(status: AccountStatus) -> AccountState {
    match status {
        AccountStatus::Exists(account) => AccountState::Exists {
            user_id: account.user_id,
            registration: account.registration,
            edit_count: account.edit_count,
            central_id: account.central_id,
        },
        AccountStatus::Missing => AccountState::Missing,
        AccountStatus::Invalid(reason) => AccountState::Invalid(reason),
    }
}
