//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Outreach statistics from the wikis, on your laptop.
///
/// wikidash imports what a campaign's participants did on MediaWiki wikis (edits, bytes and
/// words added, articles edited and created, new editors, uploads, page views, quality) into a
/// local database, and reports it as tables, JSON or CSV. Logs go to stderr; set
/// RUST_LOG=wikidash=info (or debug) for more.
#[derive(Debug, Parser)]
#[command(name = "wikidash", version, about, long_about)]
pub struct Args {
    /// Database file [default: wikidash.redb in the user's data folder]
    #[arg(long, global = true, env = "WIKIDASH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Configuration file [default: config.toml in the user's config folder, if it exists]
    #[arg(long, global = true, env = "WIKIDASH_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Your contact (email or URL) for Wikimedia operators, sent in the User-Agent
    #[arg(long, global = true, env = "WIKIDASH_CONTACT", value_name = "CONTACT")]
    pub contact: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, export and change campaigns
    #[command(subcommand)]
    Campaign(CampaignCommand),

    /// Import new activity of a campaign (every campaign when none is named)
    Sync {
        /// Campaign name
        campaign: Option<String>,
    },

    /// Show a campaign's statistics
    Report {
        /// Campaign name (may be left out when there is only one campaign)
        campaign: Option<String>,
        /// Print JSON instead of tables
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print one part of the report as CSV: totals, wikis, participants, articles, uploads or daily
        #[arg(long, value_name = "PART")]
        csv: Option<CsvPart>,
        /// List every participant and article in the tables, not only the most active
        #[arg(long, conflicts_with_all = ["json", "csv"])]
        all: bool,
        /// Build the report from the stored data even when a copy rendered from the same data
        /// on the same day is kept
        #[arg(long)]
        fresh: bool,
    },

    /// Score the quality of each counted article's latest revision in the window with Lift
    /// Wing (English, French, Russian and eight other Wikipedias); scores are kept for good
    Quality {
        /// Campaign name (may be left out when there is only one campaign)
        campaign: Option<String>,
    },

    /// List the importer plugins
    #[command(subcommand)]
    Plugins(PluginsCommand),
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign from a TOML file (see examples/)
    Create {
        /// Campaign file
        file: PathBuf,
    },
    /// List campaigns
    List,
    /// Show a campaign's settings and participants
    Show { campaign: String },
    /// Print a campaign as TOML, the format `create` reads
    Export {
        campaign: String,
        /// Write to this file instead of standard output
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Add participants; their whole campaign history is fetched on the next sync
    AddParticipants {
        campaign: String,
        /// Usernames
        #[arg(required = true)]
        usernames: Vec<String>,
    },
    /// Remove participants and their stored activity
    RemoveParticipants {
        campaign: String,
        /// Usernames
        #[arg(required = true)]
        usernames: Vec<String>,
    },
    /// Delete a campaign and its stored activity
    Delete { campaign: String },
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// List the loaded plugins with their job kinds and allowed hosts
    List,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvPart {
    Totals,
    Wikis,
    Participants,
    Articles,
    Uploads,
    Daily,
}
