//! Participants' accounts on one wiki.

use std::collections::HashMap;

use wikidash_core::records::{AccountRecord, AccountState};
use wikidash_runtime::wit::{AccountStatus, Item};

use super::{WikiSync, is_stale};
use crate::WikiSummary;
use crate::jobs::job;

impl WikiSync<'_> {
    /// Look up participants' accounts that are unknown or stale; return every participant's
    /// current record.
    pub(super) async fn accounts(&self, summary: &mut WikiSummary) -> HashMap<String, AccountRecord> {
        let wiki_id = self.wiki_id();
        let names: Vec<String> = self.stored.campaign.participants.clone();
        let lookup = names.clone();
        let mut records = match self
            .syncer
            .store_call(move |store| store.accounts(wiki_id, &lookup.iter().map(String::as_str).collect::<Vec<_>>()))
            .await
        {
            Ok(records) => records,
            Err(error) => {
                summary.errors.push(format!("cannot read stored accounts: {error}"));
                return HashMap::new();
            }
        };
        let settings = &self.syncer.settings;
        let due: Vec<String> = names
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
        if !due.is_empty() {
            self.progress.stage(self.url.as_str(), &format!("looking up {} account(s)", due.len()));
        }
        for chunk in due.chunks(settings.users_per_request.clamp(1, 50)) {
            let mut request = job("users", self.url.as_str());
            request.usernames = chunk.to_vec();
            let mut found: Vec<(String, AccountRecord)> = Vec::new();
            let result = self
                .jobs
                .run(request, |items| {
                    for item in items {
                        if let Item::User(lookup) = item
                            && chunk.contains(&lookup.name)
                        {
                            let record = AccountRecord { state: account_state(lookup.status), checked_at: self.now };
                            found.push((lookup.name, record));
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(error) = result {
                summary.errors.push(format!("account lookup for {} failed: {error}", chunk.join(", ")));
                break;
            }
            summary.accounts_checked += found.len();
            let to_store = found.clone();
            if let Err(error) = self.syncer.store_call(move |store| store.put_accounts(wiki_id, &to_store)).await {
                summary.errors.push(format!("cannot store accounts: {error}"));
                break;
            }
            records.extend(found);
        }
        for name in &names {
            match records.get(name).map(|record| &record.state) {
                Some(AccountState::Missing) => summary.missing_accounts.push(name.clone()),
                Some(AccountState::Invalid(reason)) => summary.invalid_accounts.push((name.clone(), reason.clone())),
                _ => {}
            }
        }
        records
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
