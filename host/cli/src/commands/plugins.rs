//! `wikidash plugins …`: what the loaded importers are and may do.

use std::process::ExitCode;

use crate::Settings;
use crate::args::PluginsCommand;
use crate::runtime::load_plugins;

pub async fn run(command: PluginsCommand, settings: &Settings) -> anyhow::Result<ExitCode> {
    match command {
        PluginsCommand::List => {
            let (_runtime, plugins) = load_plugins(settings).await?;
            for plugin in plugins.plugins() {
                let manifest = plugin.manifest();
                let hosts: Vec<String> = manifest.hosts.iter().map(ToString::to_string).collect();
                // A plugin is in use for a job kind when it is the one the set picks for it.
                let in_use = manifest
                    .job_kinds
                    .iter()
                    .any(|kind| plugins.for_kind(kind).is_ok_and(|chosen| chosen.same_as(plugin)));
                let state = if in_use { "" } else { ", not used: a plugin from the plugin folder replaces it" };
                println!(
                    "{} {} (interface {}; {}{state})",
                    manifest.id,
                    manifest.version,
                    manifest.api_version,
                    plugin.source_name()
                );
                println!("  {}", manifest.description);
                println!("  job kinds: {}", manifest.job_kinds.join(", "));
                println!("  allowed hosts: {}", if hosts.is_empty() { "none".to_string() } else { hosts.join(", ") });
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
