//! Managing campaigns with the command line: bad input gets an error that names the value,
//! and never changes what is stored.

use wikidash_tests::cli::Wikidash;

const CAMPAIGN: &str = r#"
name = "spring"
title = "Spring edit-a-thon"
wikis = ["https://en.wikipedia.org/w/api.php"]
start = 2026-03-01
end = 2026-03-31
time_zone = "Europe/Berlin"
namespaces = [0, 118]
participants = ["alice", "User:Bob_Smith", "Alice"]
"#;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(wikidash: &Wikidash, name: &str, text: &str) -> String {
    let path = wikidash.dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn created_campaign_is_listed_and_exported_normalised() {
    let wikidash = Wikidash::new("");
    let created = wikidash.create_campaign(CAMPAIGN);
    assert!(created.contains("Created campaign spring with 2 participant(s)"), "{created}");
    // "alice" and "Alice" are one user.
    assert!(created.contains("(1 name(s) were the same user written another way and were merged)"), "{created}");
    assert!(created.contains("on 1 wiki(s)"), "{created}");

    let list = wikidash.run_ok(&["campaign", "list"]);
    assert_eq!(list.trim(), "spring\t2026-03-01 to 2026-03-31 (Europe/Berlin)\t2 participant(s)\t1 wiki(s)");

    let exported = wikidash.run_ok(&["campaign", "export", "spring"]);
    assert!(exported.contains("participants = [\n    \"Alice\",\n    \"Bob Smith\",\n]"), "{exported}");
    assert!(exported.contains("start = 2026-03-01"), "{exported}");
    assert!(exported.contains("time_zone = \"Europe/Berlin\""), "{exported}");
    assert!(exported.contains("namespaces = [\n    0,\n    118,\n]"), "{exported}");
}

#[test]
fn exported_campaign_can_be_created_again() {
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(CAMPAIGN);
    let file = wikidash.dir().join("exported.toml");
    wikidash.run_ok(&["campaign", "export", "spring", "--output", file.to_str().unwrap()]);
    wikidash.run_ok(&["campaign", "delete", "spring"]);
    wikidash.run_ok(&["campaign", "create", file.to_str().unwrap()]);
    let again = wikidash.run_ok(&["campaign", "show", "spring"]);
    let exported = std::fs::read_to_string(&file).unwrap();
    assert!(again.starts_with(&exported), "{again}");
    assert!(again.ends_with("\n# 2 participant(s).\n# Never synced.\n"), "{again}");
}

#[test]
fn ip_participant_is_rejected_and_nothing_is_stored() {
    let wikidash = Wikidash::new("");
    let path = write(&wikidash, "ip.toml", &CAMPAIGN.replace("\"alice\"", "\"192.0.2.7\""));
    let output = wikidash.run(&["campaign", "create", &path]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("\"192.0.2.7\" is an IP address"), "{message}");
    assert!(message.contains("ip.toml"), "{message}");
    let list = wikidash.run_ok(&["campaign", "list"]);
    assert!(list.contains("No campaigns yet"), "{list}");
}

#[test]
fn adding_an_invalid_name_adds_nobody() {
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(CAMPAIGN);
    let output = wikidash.run(&["campaign", "add-participants", "spring", "Carol", "Bad#Name"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("\"Bad#Name\" is not a valid username"), "{}", stderr(&output));
    let shown = wikidash.run_ok(&["campaign", "show", "spring"]);
    assert!(!shown.contains("Carol"), "{shown}");

    let added = wikidash.run_ok(&["campaign", "add-participants", "spring", "carol", "alice"]);
    assert!(added.contains("Added 1 participant(s) to spring; 1 already took part"), "{added}");
}

#[test]
fn removing_someone_who_is_not_a_participant_fails() {
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(CAMPAIGN);
    let output = wikidash.run(&["campaign", "remove-participants", "spring", "Zed"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no participant(s) Zed"), "{}", stderr(&output));
}

#[test]
fn campaign_file_errors_name_the_file_and_the_value() {
    let wikidash = Wikidash::new("");
    let cases = [
        ("typo.toml", CAMPAIGN.replace("participants =", "participant ="), "unknown field `participant`"),
        (
            "zone.toml",
            CAMPAIGN.replace("Europe/Berlin", "Mars/Olympus"),
            "\"Mars/Olympus\" is not an IANA time zone name",
        ),
        (
            "url.toml",
            CAMPAIGN.replace("https://en.wikipedia.org/w/api.php", "https://en.wikipedia.org/wiki/Main_Page"),
            "does not end in api.php",
        ),
        (
            "dates.toml",
            CAMPAIGN.replace("end = 2026-03-31", "end = 2026-02-01"),
            "ends (2026-02-01) before it starts (2026-03-01)",
        ),
        ("name.toml", CAMPAIGN.replace("name = \"spring\"", "name = \"Spring 2026\""), "(for example \"spring-2026\")"),
    ];
    for (file, text, expected) in cases {
        let path = write(&wikidash, file, &text);
        let output = wikidash.run(&["campaign", "create", &path]);
        assert!(!output.status.success(), "{file} was accepted");
        let message = stderr(&output);
        assert!(message.contains(file), "{file}: {message}");
        assert!(message.contains(expected), "{file}: {message}");
    }
    let missing = wikidash.run(&["campaign", "create", "/nonexistent/campaign.toml"]);
    assert!(stderr(&missing).contains("cannot read the campaign file /nonexistent/campaign.toml"));
}

#[test]
fn duplicate_campaign_name_is_rejected() {
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(CAMPAIGN);
    let path = write(&wikidash, "again.toml", CAMPAIGN);
    let output = wikidash.run(&["campaign", "create", &path]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("a campaign named \"spring\" already exists"), "{}", stderr(&output));
}

#[test]
fn report_needs_a_name_only_when_there_are_several_campaigns() {
    let wikidash = Wikidash::new("");
    let none = wikidash.run(&["report"]);
    assert!(stderr(&none).contains("there are no campaigns yet"), "{}", stderr(&none));

    wikidash.create_campaign(CAMPAIGN);
    let report = wikidash.run_ok(&["report"]);
    assert!(
        report.contains("Campaign spring (Spring edit-a-thon): 2026-03-01 to 2026-03-31, Europe/Berlin"),
        "{report}"
    );
    assert!(report.contains("never synced"), "{report}");

    let path = write(&wikidash, "autumn.toml", &CAMPAIGN.replace("\"spring\"", "\"autumn\""));
    wikidash.run_ok(&["campaign", "create", &path]);
    let ambiguous = wikidash.run(&["report"]);
    assert!(stderr(&ambiguous).contains("several campaigns (autumn, spring)"), "{}", stderr(&ambiguous));
    let unknown = wikidash.run(&["report", "winter"]);
    assert!(
        stderr(&unknown).contains("no campaign named \"winter\"; known campaigns: autumn, spring"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn bad_configuration_value_is_named() {
    let wikidash = Wikidash::new("[sync]\nusers_per_request = 80\n");
    let output = wikidash.run(&["campaign", "list"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("[sync] users_per_request = 80 is out of range; use 1 to 50"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn report_csv_has_upstream_columns() {
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(CAMPAIGN);
    let totals = wikidash.run_ok(&["report", "spring", "--csv", "totals"]);
    let mut lines = totals.lines();
    assert_eq!(
        lines.next(),
        Some(
            "campaign,start_date,end_date,time_zone,editors,new_editors,total_edits,mainspace_edits,\
             article_talk_edits,userspace_edits,bytes_added,words_added,references_added,references_pending,\
             articles_edited,articles_created,article_views,created_article_views,recent_edits,upload_count,\
             uploads_used_in_articles,upload_usage_count_across_all_wikis"
        )
    );
    assert_eq!(lines.next(), Some("spring,2026-03-01,2026-03-31,Europe/Berlin,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0"));
    let daily = wikidash.run_ok(&["report", "spring", "--csv", "daily"]);
    assert_eq!(daily.lines().count(), 32);
}

#[test]
fn kept_report_is_reused_until_the_campaign_changes() {
    let wikidash = Wikidash::new("");
    wikidash.create_campaign(CAMPAIGN);
    let first = wikidash.run_ok(&["report", "spring", "--csv", "participants"]);
    assert!(first.contains("\nAlice,"), "{first}");
    assert!(first.contains("\nBob Smith,"), "{first}");

    let again =
        wikidash.command(&["report", "spring", "--csv", "participants"]).env("RUST_LOG", "debug").output().unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("reusing the report rendered from the same data today"), "{}", stderr(&again));
    assert_eq!(String::from_utf8(again.stdout).unwrap(), first);

    wikidash.run_ok(&["campaign", "add-participants", "spring", "Carol"]);
    let changed = wikidash.run_ok(&["report", "spring", "--csv", "participants"]);
    assert!(changed.contains("\nCarol,"), "a write must make the kept report stale: {changed}");
    assert_eq!(wikidash.run_ok(&["report", "spring", "--csv", "participants", "--fresh"]), changed);
}
