//! Writing a report as tables, JSON or CSV.

use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, Table};
use wikidash_aggregate::{Report, Totals};

use crate::args::CsvPart;

const TOTAL_COLUMNS: [&str; 10] = [
    "editors",
    "new_editors",
    "total_edits",
    "mainspace_edits",
    "article_talk_edits",
    "userspace_edits",
    "bytes_added",
    "words_added",
    "articles_edited",
    "articles_created",
];

fn total_values(totals: &Totals) -> [u64; 10] {
    [
        totals.editors,
        totals.new_editors,
        totals.total_edits,
        totals.mainspace_edits,
        totals.article_talk_edits,
        totals.userspace_edits,
        totals.bytes_added,
        totals.words_added,
        totals.articles_edited,
        totals.articles_created,
    ]
}

pub fn write_json(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}

pub fn write_csv(report: &Report, part: CsvPart, out: &mut impl Write) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    match part {
        CsvPart::Totals => {
            let mut header = vec!["campaign", "start_date", "end_date", "time_zone"];
            header.extend(TOTAL_COLUMNS);
            writer.write_record(&header)?;
            let mut record =
                vec![report.campaign.clone(), report.start.clone(), report.end.clone(), report.time_zone.clone()];
            record.extend(total_values(&report.totals).iter().map(u64::to_string));
            writer.write_record(&record)?;
        }
        CsvPart::Wikis => {
            let mut header = vec!["wiki"];
            header.extend(TOTAL_COLUMNS);
            writer.write_record(&header)?;
            for wiki in &report.per_wiki {
                let mut record = vec![wiki.wiki.clone()];
                record.extend(total_values(&wiki.totals).iter().map(u64::to_string));
                writer.write_record(&record)?;
            }
        }
        CsvPart::Participants => {
            writer.write_record([
                "username",
                "account",
                "global_id",
                "registered_at",
                "registered_during_project",
                "revisions_during_project",
                "mainspace_bytes_added",
                "userspace_bytes_added",
                "draft_space_bytes_added",
                "words_added",
                "total_articles_edited",
                "articles_created",
            ])?;
            for person in &report.participants {
                writer.write_record([
                    person.username.clone(),
                    person.account.clone(),
                    person.global_id.map(|id| id.to_string()).unwrap_or_default(),
                    person.registered_at.clone().unwrap_or_default(),
                    person.registered_during_project.to_string(),
                    person.revisions_during_project.to_string(),
                    person.mainspace_bytes_added.to_string(),
                    person.userspace_bytes_added.to_string(),
                    person.draft_space_bytes_added.to_string(),
                    person.words_added.to_string(),
                    person.total_articles_edited.to_string(),
                    person.articles_created.to_string(),
                ])?;
            }
        }
        CsvPart::Articles => {
            writer.write_record([
                "title",
                "namespace",
                "wiki",
                "page_id",
                "usernames",
                "edit_count",
                "characters_added",
                "new",
                "deleted",
                "redirect",
            ])?;
            for article in &report.articles {
                writer.write_record([
                    article.title.clone(),
                    article.namespace.to_string(),
                    article.wiki.clone(),
                    article.page_id.to_string(),
                    article.usernames.join(", "),
                    article.edit_count.to_string(),
                    article.characters_added.to_string(),
                    article.new.to_string(),
                    article.deleted.to_string(),
                    article.redirect.to_string(),
                ])?;
            }
        }
        CsvPart::Daily => {
            let mut header = vec!["date"];
            header.extend(TOTAL_COLUMNS);
            writer.write_record(&header)?;
            for day in &report.daily {
                let values = [
                    day.editors,
                    day.new_editors,
                    day.total_edits,
                    day.mainspace_edits,
                    day.article_talk_edits,
                    day.userspace_edits,
                    day.bytes_added,
                    day.words_added,
                    day.articles_edited,
                    day.articles_created,
                ];
                let mut record = vec![day.date.clone()];
                record.extend(values.iter().map(u64::to_string));
                writer.write_record(&record)?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_header(header.to_vec());
    table
}

/// Right-align the columns in `columns` that exist (numbers read better that way).
fn align_right(table: &mut Table, columns: std::ops::Range<usize>) {
    let count = table.column_count();
    for index in columns.start..columns.end.min(count) {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

pub fn write_tables(report: &Report, out: &mut impl Write) -> anyhow::Result<()> {
    let title = report.title.as_deref().map(|title| format!(" ({title})")).unwrap_or_default();
    writeln!(out, "Campaign {}{title}: {} to {}, {}", report.campaign, report.start, report.end, report.time_zone)?;
    writeln!(out, "Articles are pages in namespace(s) {:?}.", report.namespaces)?;
    writeln!(out)?;

    let mut totals = table(&["statistic", "value"]);
    for (name, value) in TOTAL_COLUMNS.iter().zip(total_values(&report.totals)) {
        totals.add_row(vec![name.to_string(), value.to_string()]);
    }
    align_right(&mut totals, 1..usize::MAX);
    writeln!(out, "{totals}\n")?;

    if report.per_wiki.len() > 1 {
        let mut wikis = table(&["wiki", "editors", "edits", "bytes added", "articles edited", "articles created"]);
        for wiki in &report.per_wiki {
            let t = &wiki.totals;
            wikis.add_row(vec![
                wiki.wiki.clone(),
                t.editors.to_string(),
                t.total_edits.to_string(),
                t.bytes_added.to_string(),
                t.articles_edited.to_string(),
                t.articles_created.to_string(),
            ]);
        }
        align_right(&mut wikis, 1..usize::MAX);
        writeln!(out, "{wikis}\n")?;
    }

    let mut people =
        table(&["participant", "account", "registered", "edits", "bytes added", "words", "articles edited", "created"]);
    for person in &report.participants {
        let registered = match (&person.registered_at, person.registered_during_project) {
            (Some(time), true) => format!("{} (new)", &time[..10]),
            (Some(time), false) => time[..10].to_string(),
            (None, _) => String::new(),
        };
        people.add_row(vec![
            person.username.clone(),
            person.account.clone(),
            registered,
            person.revisions_during_project.to_string(),
            person.mainspace_bytes_added.to_string(),
            person.words_added.to_string(),
            person.total_articles_edited.to_string(),
            person.articles_created.to_string(),
        ]);
    }
    align_right(&mut people, 3..usize::MAX);
    writeln!(out, "{people}\n")?;

    if !report.articles.is_empty() {
        let mut articles = table(&["article", "edits", "bytes added", "status", "participants"]);
        for article in &report.articles {
            let mut status = Vec::new();
            if article.new {
                status.push("new");
            }
            if article.redirect {
                status.push("redirect");
            }
            if article.deleted {
                status.push("deleted");
            }
            articles.add_row(vec![
                article.title.clone(),
                article.edit_count.to_string(),
                article.characters_added.to_string(),
                status.join(", "),
                article.usernames.join(", "),
            ]);
        }
        align_right(&mut articles, 1..3);
        writeln!(out, "{articles}\n")?;
    }

    let active: Vec<_> = report.daily.iter().filter(|day| day.total_edits > 0 || day.new_editors > 0).collect();
    if !active.is_empty() {
        let mut daily = table(&["date", "editors", "edits", "bytes added", "articles created"]);
        for day in &active {
            daily.add_row(vec![
                day.date.clone(),
                day.editors.to_string(),
                day.total_edits.to_string(),
                day.bytes_added.to_string(),
                day.articles_created.to_string(),
            ]);
        }
        align_right(&mut daily, 1..usize::MAX);
        writeln!(out, "{daily}")?;
        writeln!(
            out,
            "{} of {} days had activity; `--csv daily` lists every day.\n",
            active.len(),
            report.daily.len()
        )?;
    }

    for sync in &report.sync {
        match (&sync.last_success, &sync.last_attempt) {
            (_, None) => writeln!(out, "{}: never synced; run `wikidash sync {}`.", sync.wiki, report.campaign)?,
            (Some(success), Some(attempt)) if success == attempt => {
                writeln!(out, "{}: last synced {success}.", sync.wiki)?
            }
            (success, Some(attempt)) => {
                let last = success.as_deref().unwrap_or("never");
                writeln!(
                    out,
                    "{}: last complete sync {last}; the attempt at {attempt} failed: {}",
                    sync.wiki,
                    sync.errors.join("; ")
                )?;
            }
        }
    }
    Ok(())
}
