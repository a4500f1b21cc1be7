//! The on-disk cache of compiled components, so later starts skip Cranelift.
//!
//! Entries are keyed by the SHA-256 of the component bytes and by the engine's compatibility
//! hash, so a new wikidash or changed engine settings never load a stale entry. Only files this
//! cache wrote are deserialised, and any entry that fails to load is compiled again.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tracing::{debug, warn};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Compile `wasm`, or load it from `cache_dir` when a compiled copy is there.
pub fn load_component(engine: &Engine, wasm: &[u8], cache_dir: Option<&Path>) -> wasmtime::Result<Component> {
    let Some(dir) = cache_dir else {
        return Component::new(engine, wasm);
    };
    let path = entry_path(engine, wasm, dir);
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` in `store_entry` below, into
        // a directory only wikidash writes, and is keyed by the engine's compatibility hash.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => {
                debug!(path = %path.display(), "loaded compiled plugin from cache");
                return Ok(component);
            }
            Err(error) => warn!(path = %path.display(), %error, "discarding unusable compiled plugin; compiling again"),
        }
    }
    let component = Component::new(engine, wasm)?;
    if let Err(error) = store_entry(&component, &path) {
        warn!(path = %path.display(), %error, "cannot cache the compiled plugin; later starts will compile it again");
    }
    Ok(component)
}

fn entry_path(engine: &Engine, wasm: &[u8], dir: &Path) -> PathBuf {
    let digest = Sha256::digest(wasm);
    let hex: String = digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect();
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    dir.join(format!("{hex}-{:016x}.cwasm", hasher.finish()))
}

fn store_entry(component: &Component, path: &Path) -> std::io::Result<()> {
    let bytes = component.serialize().map_err(|error| std::io::Error::other(error.to_string()))?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Write then rename, so a concurrent reader never sees half a file.
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}
