//! Opening the store and loading the plugins, shared by the commands that need them.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tracing::info;
use wikidash_net::HttpClient;
use wikidash_runtime::Runtime;
use wikidash_store::Store;
use wikidash_sync::PluginSet;

use crate::Settings;

pub fn open_store(settings: &Settings) -> anyhow::Result<Arc<Store>> {
    Ok(Arc::new(Store::open(&settings.db_path)?))
}

/// The store, or `None` when its file does not exist yet: commands that only read do not
/// create it.
pub fn open_existing_store(settings: &Settings) -> anyhow::Result<Option<Arc<Store>>> {
    if !settings.db_path.exists() {
        return Ok(None);
    }
    open_store(settings).map(Some)
}

/// The error for commands that need a campaign when the database does not exist.
pub fn no_campaigns_yet(settings: &Settings) -> anyhow::Error {
    anyhow::anyhow!(
        "there are no campaigns yet (no database at {}); create one with `wikidash campaign create FILE.toml`",
        settings.db_path.display()
    )
}

/// Start the plugin runtime and load the built-in plugins and those in the plugin folder.
pub async fn load_plugins(settings: &Settings) -> anyhow::Result<(Arc<Runtime>, PluginSet)> {
    let http =
        HttpClient::with_rewrites(settings.etiquette.clone(), env!("CARGO_PKG_VERSION"), settings.rewrites.clone())?;
    let runtime = Arc::new(Runtime::new(settings.runtime.clone(), http)?);
    let mut sources: Vec<(String, Vec<u8>)> = wikidash_builtin::BUILTIN
        .iter()
        .map(|builtin| (format!("built-in {}", builtin.name), builtin.wasm.to_vec()))
        .collect();
    if let Some(folder) = &settings.plugin_folder {
        sources.extend(read_plugin_folder(folder)?);
    }
    let plugins = PluginSet::load(&runtime, &sources).await?;
    Ok((runtime, plugins))
}

fn read_plugin_folder(folder: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let entries = std::fs::read_dir(folder).with_context(|| {
        format!(
            "cannot read the plugin folder {}; create it, or remove `folder` from the [plugins] section of the \
                 configuration",
            folder.display()
        )
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            info!(plugin = %path.display(), "loading plugin from the plugin folder");
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read plugin {}", path.display()))?;
            Ok((path.display().to_string(), bytes))
        })
        .collect()
}
