//! The store against real redb files in a temporary folder.

use std::collections::BTreeMap;

use wikidash_core::records::{AccountRecord, AccountState, DayRow, PageRecord, WikiDay};
use wikidash_core::{Campaign, CampaignSpec, Day};
use wikidash_store::{BatchWrite, PageSeen, RowWrite, RunLog, Store, StoreError, WikiRun};

const SPEC: &str = r#"
name = "spring"
wikis = ["https://en.wikipedia.org/w/api.php", "https://de.wikipedia.org/w/api.php"]
start = 2020-01-01
end = 2020-12-31
participants = ["Alice", "Bob"]
"#;

fn campaign() -> Campaign {
    Campaign::from_spec(&CampaignSpec::from_toml(SPEC).unwrap()).unwrap()
}

fn row(edits: u32, bytes: u64, last: i64) -> DayRow {
    DayRow { edits, bytes_added: bytes, first_revision: last - 10, last_revision: last, ..DayRow::default() }
}

fn rows_of(store: &Store, campaign: u32) -> Vec<(u32, u32, i32, u64, DayRow)> {
    let mut all = Vec::new();
    store
        .for_each_row(campaign, |key, row| all.push((key.wiki, key.participant, key.day.0, key.page_id, row)))
        .unwrap();
    all
}

fn batch(stored: &wikidash_store::StoredCampaign, participants: Vec<u32>, rows: Vec<RowWrite>) -> BatchWrite {
    BatchWrite {
        campaign: stored.id,
        wiki: stored.wiki_ids[0],
        participants,
        from_day: Day(100),
        to_day: Day(110),
        rows,
        pages: vec![PageSeen { page_id: 5, title: "Alpha".into(), namespace: 0 }],
        fetched_until: 1_000,
        retry_from: Vec::new(),
    }
}

#[test]
fn new_database_stores_and_finds_campaigns() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("nested/wikidash.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 42).unwrap();
    assert_eq!(stored.wiki_ids.len(), 2);
    assert_ne!(stored.wiki_ids[0], stored.wiki_ids[1]);
    assert_eq!(stored.participant_ids["Alice"], 1);
    assert_eq!(stored.participant_ids["Bob"], 2);
    assert_eq!(store.campaign("spring").unwrap(), stored);
    assert_eq!(store.campaign_names().unwrap(), vec!["spring".to_string()]);
}

#[test]
fn duplicate_campaign_name_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    store.create_campaign(&campaign(), 0).unwrap();
    let error = store.create_campaign(&campaign(), 0).unwrap_err();
    assert!(matches!(error, StoreError::CampaignExists { .. }));
}

#[test]
fn unknown_campaign_error_lists_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let empty = store.campaign("nope").unwrap_err().to_string();
    assert!(empty.contains("there are no campaigns yet"), "{empty}");
    store.create_campaign(&campaign(), 0).unwrap();
    let message = store.campaign("nope").unwrap_err().to_string();
    assert!(message.contains("known campaigns: spring"), "{message}");
}

#[test]
fn wikis_are_shared_between_campaigns() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let first = store.create_campaign(&campaign(), 0).unwrap();
    let mut other = campaign();
    other.name = "autumn".into();
    let second = store.create_campaign(&other, 0).unwrap();
    assert_eq!(first.wiki_ids, second.wiki_ids);
    assert_ne!(first.id, second.id);
}

#[test]
fn database_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let stored = {
        let store = Store::open(&path).unwrap();
        let stored = store.create_campaign(&campaign(), 0).unwrap();
        store
            .write_batch(&batch(
                &stored,
                vec![1],
                vec![RowWrite { participant: 1, day: Day(101), page_id: 5, row: row(2, 30, 500) }],
            ))
            .unwrap();
        stored
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(store.campaign("spring").unwrap(), stored);
    assert_eq!(rows_of(&store, stored.id).len(), 1);
}

#[test]
fn second_open_of_the_same_file_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let _first = Store::open(&path).unwrap();
    let error = Store::open(&path).err().expect("a second open must fail");
    assert!(matches!(error, StoreError::Busy { .. }), "{error}");
    assert!(error.to_string().contains("another wikidash process"), "{error}");
}

#[test]
fn other_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    {
        let db = redb::Database::create(&path).unwrap();
        let write = db.begin_write().unwrap();
        write.open_table(wikidash_store::tables::META).unwrap().insert("schema_version", 99).unwrap();
        write.commit().unwrap();
    }
    let error = Store::open(&path).err().expect("schema 99 must be refused");
    let message = error.to_string();
    assert!(matches!(error, StoreError::Schema { found: 99, expected: 2, .. }), "{message}");
    assert!(message.contains("schema 99"), "{message}");
}

#[test]
fn non_database_file_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "not a database, but some text that is long enough to look like a header").unwrap();
    let message = Store::open(&path).err().expect("a text file must be refused").to_string();
    assert!(message.contains("notes.txt"), "{message}");
}

#[test]
fn writing_a_batch_twice_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 0).unwrap();
    let rows = vec![
        RowWrite { participant: 1, day: Day(101), page_id: 5, row: row(2, 30, 500) },
        RowWrite { participant: 2, day: Day(101), page_id: 5, row: row(1, 0, 600) },
        RowWrite { participant: 2, day: Day(103), page_id: 6, row: row(4, 7, 900) },
    ];
    let write = batch(&stored, vec![1, 2], rows);
    store.write_batch(&write).unwrap();
    store.write_batch(&write).unwrap();

    assert_eq!(rows_of(&store, stored.id).len(), 3);
    let days = store.wiki_days(stored.id, stored.wiki_ids[0]).unwrap();
    let expected: BTreeMap<Day, WikiDay> = [
        (Day(101), WikiDay { revisions: 3, latest_revision: 600 }),
        (Day(103), WikiDay { revisions: 4, latest_revision: 900 }),
    ]
    .into();
    assert_eq!(days, expected);
    assert_eq!(store.watermark(stored.id, stored.wiki_ids[0]).unwrap(), Some(900));
    let marks = store.fetch_marks(stored.id, stored.wiki_ids[0]).unwrap();
    assert_eq!(marks.get(&1), Some(&1_000));
    assert_eq!(marks.get(&2), Some(&1_000));
}

#[test]
fn retry_from_keeps_a_participants_mark_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 0).unwrap();
    let mut write = batch(&stored, vec![1, 2], vec![]);
    write.retry_from = vec![(2, 400)];
    store.write_batch(&write).unwrap();
    let marks = store.fetch_marks(stored.id, stored.wiki_ids[0]).unwrap();
    assert_eq!(marks[&1], 1_000);
    assert_eq!(marks[&2], 400);
}

#[test]
fn rewrite_replaces_only_the_batch_participants_and_days() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 0).unwrap();
    let mut first = batch(
        &stored,
        vec![1, 2],
        vec![
            RowWrite { participant: 1, day: Day(101), page_id: 5, row: row(2, 30, 500) },
            RowWrite { participant: 2, day: Day(101), page_id: 5, row: row(1, 0, 600) },
        ],
    );
    first.from_day = Day(90);
    store.write_batch(&first).unwrap();
    // An older day outside the next batch's range must survive it.
    let mut old =
        batch(&stored, vec![1], vec![RowWrite { participant: 1, day: Day(95), page_id: 7, row: row(1, 1, 100) }]);
    old.from_day = Day(95);
    old.to_day = Day(95);
    store.write_batch(&old).unwrap();

    // Participant 1 is fetched again from day 100: the revision on day 101 is gone now.
    let mut second =
        batch(&stored, vec![1], vec![RowWrite { participant: 1, day: Day(102), page_id: 5, row: row(1, 3, 700) }]);
    second.from_day = Day(100);
    store.write_batch(&second).unwrap();

    let rows = rows_of(&store, stored.id);
    let keys: Vec<(u32, i32, u64)> =
        rows.iter().map(|(_, participant, day, page, _)| (*participant, *day, *page)).collect();
    assert_eq!(keys, vec![(1, 95, 7), (1, 102, 5), (2, 101, 5)]);
    let days = store.wiki_days(stored.id, stored.wiki_ids[0]).unwrap();
    assert_eq!(days[&Day(101)].revisions, 1);
    assert_eq!(days[&Day(102)].revisions, 1);
    assert_eq!(days[&Day(95)].revisions, 1);
}

#[test]
fn batch_updates_page_titles_and_keeps_lookup_results() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 0).unwrap();
    let wiki = stored.wiki_ids[0];
    store
        .put_pages(
            wiki,
            &[(
                5,
                PageRecord {
                    title: "Old".into(),
                    namespace: 2,
                    redirect: Some(false),
                    deleted: true,
                    checked_at: Some(9),
                    replaced_by: None,
                },
            )],
        )
        .unwrap();
    store.write_batch(&batch(&stored, vec![1], vec![])).unwrap();
    let page = &store.pages(wiki, &[5]).unwrap()[&5];
    assert_eq!(page.title, "Alpha");
    assert_eq!(page.namespace, 0);
    assert_eq!(page.redirect, Some(false));
    assert!(!page.deleted);
    assert_eq!(page.checked_at, Some(9));
}

#[test]
fn removing_a_participant_deletes_their_rows_and_marks() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 0).unwrap();
    store
        .write_batch(&batch(
            &stored,
            vec![1, 2],
            vec![
                RowWrite { participant: 1, day: Day(101), page_id: 5, row: row(2, 30, 500) },
                RowWrite { participant: 2, day: Day(101), page_id: 5, row: row(1, 0, 600) },
            ],
        ))
        .unwrap();
    let removed = store.remove_participants("spring", &["Alice".into()]).unwrap();
    assert_eq!(removed, vec!["Alice".to_string()]);

    let rows = rows_of(&store, stored.id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, 2);
    assert_eq!(store.wiki_days(stored.id, stored.wiki_ids[0]).unwrap()[&Day(101)].revisions, 1);
    assert!(!store.fetch_marks(stored.id, stored.wiki_ids[0]).unwrap().contains_key(&1));
    assert_eq!(store.campaign("spring").unwrap().campaign.participants, vec!["Bob".to_string()]);
}

#[test]
fn removing_an_unknown_participant_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    store.create_campaign(&campaign(), 0).unwrap();
    let error = store.remove_participants("spring", &["Alice".into(), "Zed".into()]).unwrap_err();
    assert!(error.to_string().contains("Zed"), "{error}");
    assert_eq!(store.campaign("spring").unwrap().campaign.participants.len(), 2);
}

#[test]
fn added_participants_get_new_ids_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    store.create_campaign(&campaign(), 0).unwrap();
    store.remove_participants("spring", &["Bob".into()]).unwrap();
    let added = store.add_participants("spring", &["Carol".into(), "Alice".into(), "Bob".into()]).unwrap();
    assert_eq!(added, vec!["Carol".to_string(), "Bob".to_string()]);
    let stored = store.campaign("spring").unwrap();
    assert_eq!(stored.participant_ids["Carol"], 3);
    assert_eq!(stored.participant_ids["Bob"], 4);
}

#[test]
fn deleting_a_campaign_removes_its_rows_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let spring = store.create_campaign(&campaign(), 0).unwrap();
    let mut other = campaign();
    other.name = "autumn".into();
    let autumn = store.create_campaign(&other, 0).unwrap();
    for stored in [&spring, &autumn] {
        store
            .write_batch(&batch(
                stored,
                vec![1],
                vec![RowWrite { participant: 1, day: Day(101), page_id: 5, row: row(2, 30, 500) }],
            ))
            .unwrap();
    }
    store.delete_campaign("spring").unwrap();
    assert!(rows_of(&store, spring.id).is_empty());
    assert_eq!(rows_of(&store, autumn.id).len(), 1);
    assert!(store.campaign("spring").is_err());
    assert_eq!(store.pages(spring.wiki_ids[0], &[5]).unwrap().len(), 1);
}

#[test]
fn accounts_and_runs_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 0).unwrap();
    let wiki = stored.wiki_ids[0];
    let alice = AccountRecord {
        state: AccountState::Exists { user_id: 3, registration: Some(1_385_856_000), edit_count: 13, central_id: None },
        checked_at: 5,
    };
    store
        .put_accounts(
            wiki,
            &[
                ("Alice".into(), alice.clone()),
                ("Dave".into(), AccountRecord { state: AccountState::Missing, checked_at: 5 }),
            ],
        )
        .unwrap();
    let found = store.accounts(wiki, &["Alice", "Dave", "Zed"]).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found["Alice"], alice);

    let run = RunLog {
        started_at: 10,
        finished_at: 20,
        wikis: vec![WikiRun { wiki: "w".into(), revisions: 3, requests: 4, errors: vec![] }],
        scope_errors: vec![],
    };
    store.record_run(stored.id, &run).unwrap();
    assert_eq!(store.runs(stored.id).unwrap(), vec![run]);
}

#[test]
fn runs_in_the_same_second_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.redb")).unwrap();
    let stored = store.create_campaign(&campaign(), 0).unwrap();
    let ok = RunLog {
        started_at: 10,
        finished_at: 10,
        wikis: vec![WikiRun { wiki: "w".into(), revisions: 1, requests: 1, errors: vec![] }],
        scope_errors: vec![],
    };
    let failed =
        RunLog { wikis: vec![WikiRun { errors: vec!["HTTP 503".into()], ..ok.wikis[0].clone() }], ..ok.clone() };
    store.record_run(stored.id, &ok).unwrap();
    store.record_run(stored.id, &failed).unwrap();
    assert_eq!(store.runs(stored.id).unwrap(), vec![ok, failed]);
}
