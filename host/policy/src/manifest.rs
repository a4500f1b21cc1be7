//! Plugin manifests: a plugin's self-description from `describe`, checked before the host
//! trusts any of it.

use thiserror::Error;

use crate::hosts::{HostPattern, HostPatternError};

/// `wikidash:importer` versions this host can link.
pub const SUPPORTED_API_VERSIONS: &[&str] = &["0.1.0"];

/// The WIT package every importer imports from.
pub const INTERFACE_PACKAGE: &str = "wikidash:importer";

/// A checked manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub id: String,
    pub version: semver::Version,
    pub api_version: String,
    pub hosts: Vec<HostPattern>,
    pub job_kinds: Vec<String>,
    pub description: String,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error(
        "plugin {source_name} declares the id {id:?}, which is not allowed: use 1 to 40 lower-case ASCII letters, \
         digits and '-', starting with a letter"
    )]
    Id { source_name: String, id: String },
    #[error("plugin {id}: version {version:?} is not a semantic version ({reason}); use e.g. 0.1.0")]
    Version { id: String, version: String, reason: String },
    #[error(
        "plugin {plugin} was written for {INTERFACE_PACKAGE}@{found}, but this wikidash supports {}; \
         rebuild the plugin against a supported version or update wikidash",
        supported_list()
    )]
    ApiVersion { plugin: String, found: String },
    #[error("plugin {plugin}: {reason}")]
    Host { plugin: String, reason: HostPatternError },
    #[error("plugin {plugin} declares no job kinds, so it can never run; list them in describe()")]
    NoJobKinds { plugin: String },
    #[error("plugin {plugin}: job kind {kind:?} is not allowed: use lower-case ASCII letters, digits and '-'")]
    JobKind { plugin: String, kind: String },
}

fn supported_list() -> String {
    SUPPORTED_API_VERSIONS.iter().map(|version| format!("{INTERFACE_PACKAGE}@{version}")).collect::<Vec<_>>().join(", ")
}

/// The fields a plugin's `describe` returns, before checking.
pub struct ManifestFields<'a> {
    /// Where the plugin came from (a file name, or `built-in …`), for messages.
    pub source_name: &'a str,
    pub id: &'a str,
    pub version: &'a str,
    pub api_version: &'a str,
    pub hosts: &'a [String],
    pub job_kinds: &'a [String],
    pub description: &'a str,
}

impl Manifest {
    /// Check every field of a plugin's self-description.
    pub fn check(fields: ManifestFields<'_>) -> Result<Manifest, ManifestError> {
        let id = fields.id;
        if !is_identifier(id, 40) || !id.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(ManifestError::Id { source_name: fields.source_name.to_string(), id: id.to_string() });
        }
        let version = semver::Version::parse(fields.version).map_err(|error| ManifestError::Version {
            id: id.to_string(),
            version: fields.version.to_string(),
            reason: error.to_string(),
        })?;
        let plugin = format!("{id} {version}");
        check_api_version(&plugin, fields.api_version)?;
        let hosts = fields
            .hosts
            .iter()
            .map(|entry| {
                HostPattern::parse(entry).map_err(|reason| ManifestError::Host { plugin: plugin.clone(), reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if fields.job_kinds.is_empty() {
            return Err(ManifestError::NoJobKinds { plugin });
        }
        if let Some(kind) = fields.job_kinds.iter().find(|kind| !is_identifier(kind, 64)) {
            return Err(ManifestError::JobKind { plugin, kind: kind.clone() });
        }
        Ok(Manifest {
            id: id.to_string(),
            version,
            api_version: fields.api_version.to_string(),
            hosts,
            job_kinds: fields.job_kinds.to_vec(),
            description: fields.description.trim().to_string(),
        })
    }

    /// `id version`, the way messages name a plugin.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.version)
    }

    pub fn serves(&self, kind: &str) -> bool {
        self.job_kinds.iter().any(|served| served == kind)
    }
}

/// Check that `found` is a supported `wikidash:importer` version.
pub fn check_api_version(plugin: &str, found: &str) -> Result<(), ManifestError> {
    if SUPPORTED_API_VERSIONS.contains(&found) {
        Ok(())
    } else {
        Err(ManifestError::ApiVersion { plugin: plugin.to_string(), found: found.to_string() })
    }
}

/// The `wikidash:importer` version in a component import or export name such as
/// `wikidash:importer/http@0.1.0`, or `None` for names from other packages.
pub fn interface_version(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(INTERFACE_PACKAGE)?;
    let rest = rest.strip_prefix('/')?;
    rest.split_once('@').map(|(_, version)| version)
}

fn is_identifier(text: &str, max_len: usize) -> bool {
    !text.is_empty()
        && text.len() <= max_len
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(hosts: &'a [String], kinds: &'a [String]) -> ManifestFields<'a> {
        ManifestFields {
            source_name: "test.wasm",
            id: "revisions",
            version: "0.1.0",
            api_version: "0.1.0",
            hosts,
            job_kinds: kinds,
            description: " Revisions ",
        }
    }

    #[test]
    fn valid_manifest_is_accepted() {
        let hosts = vec!["campaign-wikis".to_string(), "https://*.wikipedia.org".to_string()];
        let kinds = vec!["revisions".to_string()];
        let manifest = Manifest::check(fields(&hosts, &kinds)).unwrap();
        assert_eq!(manifest.label(), "revisions 0.1.0");
        assert_eq!(manifest.hosts.len(), 2);
        assert!(manifest.serves("revisions"));
        assert!(!manifest.serves("users"));
        assert_eq!(manifest.description, "Revisions");
    }

    #[test]
    fn unsupported_api_version_names_supported_ones() {
        let kinds = vec!["revisions".to_string()];
        let mut input = fields(&[], &kinds);
        input.api_version = "0.2.0";
        let message = Manifest::check(input).unwrap_err().to_string();
        assert!(message.contains("wikidash:importer@0.2.0"), "{message}");
        assert!(message.contains("supports wikidash:importer@0.1.0"), "{message}");
    }

    #[test]
    fn bad_host_entry_names_plugin_and_entry() {
        let hosts = vec!["*".to_string()];
        let kinds = vec!["revisions".to_string()];
        let message = Manifest::check(fields(&hosts, &kinds)).unwrap_err().to_string();
        assert!(message.starts_with("plugin revisions 0.1.0: allowed host \"*\""), "{message}");
    }

    #[test]
    fn ids_versions_and_kinds_are_checked() {
        let kinds = vec!["revisions".to_string()];
        let mut input = fields(&[], &kinds);
        input.id = "Revisions!";
        assert!(matches!(Manifest::check(input), Err(ManifestError::Id { .. })));

        let mut input = fields(&[], &kinds);
        input.version = "one";
        assert!(matches!(Manifest::check(input), Err(ManifestError::Version { .. })));

        assert!(matches!(Manifest::check(fields(&[], &[])), Err(ManifestError::NoJobKinds { .. })));

        let bad_kinds = vec!["Bad Kind".to_string()];
        assert!(matches!(Manifest::check(fields(&[], &bad_kinds)), Err(ManifestError::JobKind { .. })));
    }

    #[test]
    fn interface_version_is_read_from_import_names() {
        assert_eq!(interface_version("wikidash:importer/http@0.1.0"), Some("0.1.0"));
        assert_eq!(interface_version("wikidash:importer/log@0.2.0"), Some("0.2.0"));
        assert_eq!(interface_version("wasi:io/streams@0.2.6"), None);
        assert_eq!(interface_version("wikidash:importerx/http@0.1.0"), None);
    }
}
