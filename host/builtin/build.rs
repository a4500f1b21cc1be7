//! Builds the plugin workspace (`plugins/`) for wasm32-wasip2 so the importers can be embedded
//! in the binary.
//!
//! The nested cargo gets its own target directory (`plugins/target`) and none of the variables
//! the outer build sets for the host target, so it compiles for wasm whatever the outer build
//! does (`CARGO_TARGET_DIR`, `RUSTFLAGS`, coverage or sanitizer flags).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Plugins built from `plugins/` and embedded: (id, crate file name).
const EMBEDDED: &[(&str, &str)] = &[
    ("revisions", "wikidash_plugin_revisions"),
    ("users", "wikidash_plugin_users"),
    ("articles", "wikidash_plugin_articles"),
    ("uploads", "wikidash_plugin_uploads"),
    ("views", "wikidash_plugin_views"),
    ("ratings", "wikidash_plugin_ratings"),
    ("scope", "wikidash_plugin_scope"),
    ("scores", "wikidash_plugin_scores"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("host/builtin sits two levels below the root")
        .to_path_buf();
    let plugins = root.join("plugins");
    println!("cargo:rerun-if-changed={}", plugins.join("Cargo.toml").display());
    println!("cargo:rerun-if-changed={}", plugins.join("Cargo.lock").display());
    for folder in
        ["sdk", "revisions", "users", "articles", "uploads", "views", "ratings", "scope", "scores", "test-guests"]
    {
        println!("cargo:rerun-if-changed={}", plugins.join(folder).display());
    }
    println!("cargo:rerun-if-changed={}", root.join("wit").display());

    let target_dir = plugins.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&plugins)
        .args(["build", "--release", "--target", "wasm32-wasip2", "--workspace"])
        .arg("--target-dir")
        .arg(&target_dir);
    for variable in [
        "CARGO_TARGET_DIR",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PROFILE_RELEASE_DEBUG",
        "CARGO_MAKEFLAGS",
    ] {
        command.env_remove(variable);
    }
    let status = command.status().expect("running cargo for the plugins");
    if !status.success() {
        panic!(
            "building the plugins in {} failed ({status}); if the error says the wasm32-wasip2 target \
             is missing, run `rustup target add wasm32-wasip2`",
            plugins.display()
        );
    }

    let wasm_dir = target_dir.join("wasm32-wasip2").join("release");
    println!("cargo:rustc-env=WIKIDASH_PLUGIN_DIR={}", wasm_dir.display());
    for (id, file) in EMBEDDED {
        let path = wasm_dir.join(format!("{file}.wasm"));
        assert!(path.exists(), "the plugin build did not produce {}", path.display());
        println!("cargo:rustc-env=WIKIDASH_PLUGIN_{}={}", id.to_ascii_uppercase(), path.display());
    }
}
