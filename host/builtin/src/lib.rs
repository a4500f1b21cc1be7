//! The importer plugins embedded in the wikidash binary, so one file is the whole program.
//!
//! The build script compiles `plugins/` for wasm32-wasip2 and this crate includes the
//! resulting components. The same build also produces the misbehaving test guests, whose
//! folder [`component_dir`] names for the test suite; they are not embedded.

/// A built-in plugin: the name it is known by before its manifest is read, and its component.
pub struct Builtin {
    pub name: &'static str,
    pub wasm: &'static [u8],
}

/// The built-in importers.
pub const BUILTIN: &[Builtin] = &[
    Builtin { name: "revisions", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_REVISIONS")) },
    Builtin { name: "users", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_USERS")) },
    Builtin { name: "articles", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_ARTICLES")) },
    Builtin { name: "uploads", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_UPLOADS")) },
    Builtin { name: "views", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_VIEWS")) },
    Builtin { name: "ratings", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_RATINGS")) },
    Builtin { name: "scope", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_SCOPE")) },
    Builtin { name: "scores", wasm: include_bytes!(env!("WIKIDASH_PLUGIN_SCORES")) },
];

/// Return the folder with every component the plugin workspace built, test guests included.
pub fn component_dir() -> &'static std::path::Path {
    std::path::Path::new(env!("WIKIDASH_PLUGIN_DIR"))
}
