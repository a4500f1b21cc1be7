//! Writing a report as tables, JSON or CSV.

use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, Table};
use wikidash_aggregate::{ArticleReport, ParticipantReport, Report, Totals};

use crate::args::CsvPart;

/// The statistics every level has, in report order.
const TOTAL_COLUMNS: [&str; 15] = [
    "editors",
    "new_editors",
    "total_edits",
    "mainspace_edits",
    "article_talk_edits",
    "userspace_edits",
    "bytes_added",
    "words_added",
    "references_added",
    "references_pending",
    "articles_edited",
    "articles_created",
    "article_views",
    "created_article_views",
    "recent_edits",
];

/// The campaign-only statistics, after [`TOTAL_COLUMNS`].
const UPLOAD_COLUMNS: [&str; 3] = ["upload_count", "uploads_used_in_articles", "upload_usage_count_across_all_wikis"];

fn total_values(totals: &Totals) -> Vec<String> {
    [
        totals.editors.to_string(),
        totals.new_editors.to_string(),
        totals.total_edits.to_string(),
        totals.mainspace_edits.to_string(),
        totals.article_talk_edits.to_string(),
        totals.userspace_edits.to_string(),
        totals.bytes_added.to_string(),
        totals.words_added.to_string(),
        totals.references_added.to_string(),
        totals.references_pending.to_string(),
        totals.articles_edited.to_string(),
        totals.articles_created.to_string(),
        totals.article_views.to_string(),
        totals.created_article_views.to_string(),
        totals.recent_edits.to_string(),
    ]
    .to_vec()
}

fn upload_values(report: &Report) -> Vec<String> {
    let totals = &report.totals;
    [totals.upload_count, totals.uploads_used_in_articles, totals.upload_usage_count_across_all_wikis]
        .iter()
        .map(u64::to_string)
        .collect()
}

fn optional<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
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
            header.extend(UPLOAD_COLUMNS);
            writer.write_record(&header)?;
            let mut record =
                vec![report.campaign.clone(), report.start.clone(), report.end.clone(), report.time_zone.clone()];
            record.extend(total_values(&report.totals.totals));
            record.extend(upload_values(report));
            writer.write_record(&record)?;
        }
        CsvPart::Wikis => {
            let mut header = vec!["wiki"];
            header.extend(TOTAL_COLUMNS);
            writer.write_record(&header)?;
            for wiki in &report.per_wiki {
                let mut record = vec![wiki.wiki.clone()];
                record.extend(total_values(&wiki.totals));
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
                "references_added",
                "total_articles_edited",
                "articles_created",
                "total_uploads",
                "recent_revisions",
            ])?;
            for person in &report.participants {
                writer.write_record([
                    person.username.clone(),
                    person.account.clone(),
                    optional(&person.global_id),
                    optional(&person.registered_at),
                    person.registered_during_project.to_string(),
                    person.revisions_during_project.to_string(),
                    person.mainspace_bytes_added.to_string(),
                    person.userspace_bytes_added.to_string(),
                    person.draft_space_bytes_added.to_string(),
                    person.words_added.to_string(),
                    person.references_added.to_string(),
                    person.total_articles_edited.to_string(),
                    person.articles_created.to_string(),
                    person.total_uploads.to_string(),
                    person.recent_revisions.to_string(),
                ])?;
            }
        }
        CsvPart::Articles => {
            writer.write_record([
                "title",
                "rating",
                "namespace",
                "wiki",
                "page_id",
                "usernames",
                "edit_count",
                "characters_added",
                "references_added",
                "new",
                "deleted",
                "redirect",
                "first_edit",
                "views",
                "average_daily_views",
                "quality_prediction",
                "wp10",
            ])?;
            for article in &report.articles {
                writer.write_record([
                    article.title.clone(),
                    optional(&article.rating),
                    article.namespace.to_string(),
                    article.wiki.to_string(),
                    article.page_id.to_string(),
                    article.usernames.join(", "),
                    article.edit_count.to_string(),
                    article.characters_added.to_string(),
                    article.references_added.to_string(),
                    article.new.to_string(),
                    article.deleted.to_string(),
                    article.redirect.to_string(),
                    article.first_edit.clone(),
                    article.views.to_string(),
                    format!("{:.2}", article.average_daily_views),
                    optional(&article.quality_prediction),
                    article.wp10.map(|score| format!("{score:.2}")).unwrap_or_default(),
                ])?;
            }
        }
        CsvPart::Uploads => {
            writer.write_record([
                "filename",
                "commons_page",
                "timestamp",
                "username",
                "usage_count",
                "deleted",
                "thumb_url",
            ])?;
            for upload in &report.uploads {
                writer.write_record([
                    upload.filename.clone(),
                    upload.commons_page.clone(),
                    upload.timestamp.clone(),
                    upload.username.clone(),
                    optional(&upload.usage_count),
                    upload.deleted.to_string(),
                    optional(&upload.thumb_url),
                ])?;
            }
        }
        CsvPart::Daily => {
            writer.write_record([
                "date",
                "editors",
                "new_editors",
                "total_edits",
                "mainspace_edits",
                "article_talk_edits",
                "userspace_edits",
                "bytes_added",
                "words_added",
                "references_added",
                "articles_edited",
                "articles_created",
                "article_views",
            ])?;
            for day in &report.daily {
                let values = [
                    day.editors.to_string(),
                    day.new_editors.to_string(),
                    day.total_edits.to_string(),
                    day.mainspace_edits.to_string(),
                    day.article_talk_edits.to_string(),
                    day.userspace_edits.to_string(),
                    day.bytes_added.to_string(),
                    day.words_added.to_string(),
                    day.references_added.to_string(),
                    day.articles_edited.to_string(),
                    day.articles_created.to_string(),
                    day.article_views.to_string(),
                ];
                let mut record = vec![day.date.clone()];
                record.extend(values);
                writer.write_record(&record)?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// Say how many rows a table left out and where to find them all, then end the section.
fn write_more(out: &mut impl Write, rows: usize, total: usize, part: &str) -> anyhow::Result<()> {
    if total > rows {
        writeln!(
            out,
            "The {rows} most active of {total} {part}; `--all` lists every one, `--csv {part}` gives them as CSV."
        )?;
    }
    writeln!(out)?;
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

/// Participants and articles the tables list unless `--all` is given: the most active first.
pub const TABLE_ROWS: usize = 20;

/// Write the report as tables, listing at most `rows` participants and articles (the most
/// active ones).
pub fn write_tables(report: &Report, rows: usize, out: &mut impl Write) -> anyhow::Result<()> {
    let title = report.title.as_deref().map(|title| format!(" ({title})")).unwrap_or_default();
    writeln!(out, "Campaign {}{title}: {} to {}, {}", report.campaign, report.start, report.end, report.time_zone)?;
    writeln!(out, "Articles are pages in namespace(s) {:?}.", report.namespaces)?;
    if report.scoped {
        writeln!(out, "Only articles in scope count:")?;
        for source in &report.scope {
            let fetched = source.fetched_at.as_deref().unwrap_or("never");
            let error =
                source.error.as_deref().map(|error| format!("; last refresh failed: {error}")).unwrap_or_default();
            writeln!(out, "  {}: {} page(s), fetched {fetched}{error}", source.source, source.pages)?;
        }
    }
    writeln!(out)?;

    let mut totals = table(&["statistic", "value"]);
    for (name, value) in TOTAL_COLUMNS.iter().zip(total_values(&report.totals.totals)) {
        totals.add_row(vec![name.to_string(), value]);
    }
    for (name, value) in UPLOAD_COLUMNS.iter().zip(upload_values(report)) {
        totals.add_row(vec![name.to_string(), value]);
    }
    align_right(&mut totals, 1..2);
    writeln!(out, "{totals}\n")?;

    if report.per_wiki.len() > 1 {
        let mut wikis =
            table(&["wiki", "editors", "edits", "bytes added", "articles edited", "articles created", "views"]);
        for wiki in &report.per_wiki {
            let t = &wiki.totals;
            wikis.add_row(vec![
                wiki.wiki.clone(),
                t.editors.to_string(),
                t.total_edits.to_string(),
                t.bytes_added.to_string(),
                t.articles_edited.to_string(),
                t.articles_created.to_string(),
                t.article_views.to_string(),
            ]);
        }
        align_right(&mut wikis, 1..7);
        writeln!(out, "{wikis}\n")?;
    }

    let mut people = table(&[
        "participant",
        "account",
        "registered",
        "edits",
        "bytes added",
        "words",
        "refs",
        "articles",
        "created",
        "uploads",
    ]);
    let mut ranked: Vec<&ParticipantReport> = report.participants.iter().collect();
    ranked.sort_by(|a, b| (b.revisions_during_project, &a.username).cmp(&(a.revisions_during_project, &b.username)));
    for person in ranked.iter().take(rows) {
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
            person.references_added.to_string(),
            person.total_articles_edited.to_string(),
            person.articles_created.to_string(),
            person.total_uploads.to_string(),
        ]);
    }
    align_right(&mut people, 3..10);
    writeln!(out, "{people}")?;
    write_more(out, rows, ranked.len(), "participants")?;

    if !report.articles.is_empty() {
        let mut articles =
            table(&["article", "edits", "bytes added", "refs", "views", "rating", "quality", "status", "participants"]);
        let mut ranked: Vec<&ArticleReport> = report.articles.iter().collect();
        ranked.sort_by(|a, b| (b.edit_count, &a.title, a.page_id).cmp(&(a.edit_count, &b.title, b.page_id)));
        for article in ranked.iter().take(rows) {
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
            let quality = match (&article.quality_prediction, article.wp10) {
                (Some(prediction), Some(score)) => format!("{prediction} ({score:.0})"),
                (Some(prediction), None) => prediction.clone(),
                _ => String::new(),
            };
            articles.add_row(vec![
                article.title.clone(),
                article.edit_count.to_string(),
                article.characters_added.to_string(),
                article.references_added.to_string(),
                article.views.to_string(),
                optional(&article.rating),
                quality,
                status.join(", "),
                article.usernames.join(", "),
            ]);
        }
        align_right(&mut articles, 1..5);
        writeln!(out, "{articles}")?;
        write_more(out, rows, report.article_count, "articles")?;
    }

    if !report.uploads.is_empty() {
        let mut uploads = table(&["file", "uploaded by", "date", "used in articles", "status"]);
        for upload in &report.uploads {
            uploads.add_row(vec![
                upload.filename.clone(),
                upload.username.clone(),
                upload.timestamp[..10].to_string(),
                upload.usage_count.map_or_else(|| "not checked".to_string(), |count| count.to_string()),
                if upload.deleted { "deleted".to_string() } else { String::new() },
            ]);
        }
        align_right(&mut uploads, 3..4);
        writeln!(out, "{uploads}\n")?;
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
        align_right(&mut daily, 1..5);
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
