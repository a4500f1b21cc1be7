//! The loaded plugins, found by the job kinds they serve.

use wikidash_runtime::{Plugin, Runtime};

use crate::SyncError;

/// Loaded plugins. When two serve the same kind, the one loaded later wins, so a plugin from
/// the plugin folder replaces a built-in one.
#[derive(Clone, Default)]
pub struct PluginSet {
    plugins: Vec<Plugin>,
}

impl PluginSet {
    /// Load every `(name, component)` source, in order.
    pub async fn load(runtime: &Runtime, sources: &[(String, Vec<u8>)]) -> Result<PluginSet, SyncError> {
        let mut plugins = Vec::with_capacity(sources.len());
        for (name, wasm) in sources {
            plugins.push(runtime.load(name, wasm).await?);
        }
        Ok(PluginSet { plugins })
    }

    pub fn from_plugins(plugins: Vec<Plugin>) -> PluginSet {
        PluginSet { plugins }
    }

    pub fn plugins(&self) -> &[Plugin] {
        &self.plugins
    }

    /// Return the plugin that serves `kind`.
    pub fn for_kind(&self, kind: &str) -> Result<&Plugin, SyncError> {
        self.plugins
            .iter()
            .rev()
            .find(|plugin| plugin.manifest().serves(kind))
            .ok_or_else(|| SyncError::NoPlugin { kind: kind.to_string() })
    }
}
