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
                println!("{} {} (interface {})", manifest.id, manifest.version, manifest.api_version);
                println!("  {}", manifest.description);
                println!("  job kinds: {}", manifest.job_kinds.join(", "));
                println!("  allowed hosts: {}", if hosts.is_empty() { "none".to_string() } else { hosts.join(", ") });
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
