//! The `users` importer: accounts behind participants' usernames, from `list=users`.
//!
//! Job kind `users`: reads `wiki` and `usernames` (1 to 50); returns one `user` item per name
//! the wiki reports, including names without an account (`missing`) and names the wiki rejects
//! (`invalid`), so the host can tell the organiser about them. With the option
//! `with-site-info=true` the same request also asks `meta=siteinfo` and the job returns one
//! `site` item as well, which saves a wiki's first sync one request.

use serde::Deserialize;
use wikidash_plugin_sdk::action::ActionApi;
use wikidash_plugin_sdk::{
    API_VERSION, Account, AccountStatus, Guest, ImportError, Item, Job, Output, PluginInfo, UserLookup, export_plugin,
    job_option, siteinfo, time,
};

/// Most names `ususers` takes in one request without `apihighlimits`.
pub const MAX_USERS_PER_REQUEST: usize = 50;

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "users".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["campaign-wikis".into()],
            job_kinds: vec!["users".into()],
            description: "Participants' accounts: registration, edit count, global id (list=users)".into(),
        }
    }

    fn run(job: Job, _cursor: Option<String>) -> Result<Output, ImportError> {
        if job.kind != "users" {
            return Err(ImportError::InvalidJob(format!(
                "the users plugin has no job kind {:?}; it serves users",
                job.kind
            )));
        }
        if job.usernames.is_empty() || job.usernames.len() > MAX_USERS_PER_REQUEST {
            return Err(ImportError::InvalidJob(format!(
                "a users job takes 1 to {MAX_USERS_PER_REQUEST} usernames, got {}",
                job.usernames.len()
            )));
        }
        let with_site_info = match job_option(&job, "with-site-info") {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ImportError::InvalidJob(format!(
                    "the option with-site-info takes true or false, got {other:?}"
                )));
            }
        };
        let names = job.usernames.join("|");
        let mut params = vec![
            ("action", "query"),
            ("list", "users"),
            ("ususers", names.as_str()),
            ("usprop", "registration|editcount|centralids|groups"),
        ];
        if with_site_info {
            params.extend([("meta", "siteinfo"), ("siprop", siteinfo::PROPERTIES)]);
        }
        let body = ActionApi::new(&job.wiki).request(&params)?;
        let bad = |error: String| ImportError::BadResponse(format!("{}: {error}", job.wiki));
        let mut items: Vec<Item> = parse_users(&body).map_err(bad)?.into_iter().map(Item::User).collect();
        if with_site_info {
            items.push(Item::Site(siteinfo::parse(&body).map_err(bad)?));
        }
        Ok(Output { items, next_cursor: None })
    }
}

export_plugin!(Plugin);

#[derive(Deserialize)]
struct UserEntry {
    name: String,
    userid: Option<u64>,
    #[serde(default)]
    missing: bool,
    #[serde(default)]
    invalid: bool,
    invalidreason: Option<String>,
    registration: Option<String>,
    #[serde(default)]
    editcount: u64,
    #[serde(default)]
    centralids: CentralIds,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Deserialize, Default)]
struct CentralIds {
    #[serde(rename = "CentralAuth")]
    central_auth: Option<u64>,
}

/// Parse a `list=users` response (format version 2).
pub fn parse_users(body: &serde_json::Value) -> Result<Vec<UserLookup>, String> {
    let list = body.pointer("/query/users").ok_or("the response has no query.users list")?;
    let entries: Vec<UserEntry> =
        serde_json::from_value(list.clone()).map_err(|error| format!("unexpected users entry: {error}"))?;
    entries.into_iter().map(lookup).collect()
}

fn lookup(entry: UserEntry) -> Result<UserLookup, String> {
    let status = if entry.invalid {
        AccountStatus::Invalid(entry.invalidreason.unwrap_or_else(|| "the wiki rejects this username".into()))
    } else if entry.missing {
        AccountStatus::Missing
    } else {
        let user_id = entry.userid.ok_or_else(|| format!("user {:?} has neither userid nor missing", entry.name))?;
        let registration = match entry.registration.as_deref() {
            Some(text) if !text.is_empty() => Some(time::parse(text)?),
            _ => None,
        };
        AccountStatus::Exists(Account {
            user_id,
            registration,
            edit_count: entry.editcount,
            central_id: entry.centralids.central_auth,
            groups: entry.groups,
        })
    };
    Ok(UserLookup { name: entry.name, status })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users_parse_existing_missing_and_invalid() {
        let body = json!({"batchcomplete": true, "query": {"users": [
            {"name": "192.0.2.7", "invalid": true},
            {"userid": 3, "name": "Alice", "editcount": 13, "registration": "2013-12-01T00:00:00Z",
             "groups": ["*", "user"], "centralids": {"local": 3}, "attachedlocal": {"local": true}},
            {"name": "Dave", "missing": true}
        ]}});
        let users = parse_users(&body).unwrap();
        assert_eq!(users.len(), 3);
        assert!(matches!(users[0].status, AccountStatus::Invalid(_)));
        let AccountStatus::Exists(alice) = &users[1].status else { panic!("Alice should exist") };
        assert_eq!(alice.user_id, 3);
        assert_eq!(alice.registration, Some(1_385_856_000));
        assert_eq!(alice.edit_count, 13);
        assert_eq!(alice.central_id, None);
        assert!(matches!(users[2].status, AccountStatus::Missing));
    }

    #[test]
    fn users_read_central_auth_id() {
        let body = json!({"query": {"users": [
            {"userid": 7, "name": "Example", "editcount": 1, "registration": "",
             "centralids": {"CentralAuth": 4242, "local": 7}}
        ]}});
        let users = parse_users(&body).unwrap();
        let AccountStatus::Exists(account) = &users[0].status else { panic!("Example should exist") };
        assert_eq!(account.central_id, Some(4242));
        assert_eq!(account.registration, None);
    }
}
