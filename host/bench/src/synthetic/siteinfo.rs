//! `meta=siteinfo`: the `general`, `namespaces` and `extensions` parts, written once per wiki in
//! the shape MediaWiki 1.39.17 returns them. Field names and order are copied from a stock
//! 1.39.17 install, and the values describe the synthetic wiki. `general` leaves out `time`, so
//! that every response is the same.

use serde_json::{Value, json};

use super::api::{Params, Warnings, split_values};
use super::json::push_string;

/// `generator` of the synthetic wiki: the MediaWiki release whose API format it copies.
pub(crate) const GENERATOR: &str = "MediaWiki 1.39.17";

/// The namespaces of a stock MediaWiki 1.39 without extensions: id, local name (`None` for the
/// project namespaces, which take the site name), canonical name, and whether subpages are on.
const NAMESPACES: [(i32, Option<&str>, Option<&str>, bool); 18] = [
    (-2, Some("Media"), Some("Media"), false),
    (-1, Some("Special"), Some("Special"), false),
    (0, Some(""), None, false),
    (1, Some("Talk"), Some("Talk"), true),
    (2, Some("User"), Some("User"), true),
    (3, Some("User talk"), Some("User talk"), true),
    (4, None, Some("Project"), true),
    (5, None, Some("Project talk"), true),
    (6, Some("File"), Some("File"), false),
    (7, Some("File talk"), Some("File talk"), true),
    (8, Some("MediaWiki"), Some("MediaWiki"), true),
    (9, Some("MediaWiki talk"), Some("MediaWiki talk"), true),
    (10, Some("Template"), Some("Template"), true),
    (11, Some("Template talk"), Some("Template talk"), true),
    (12, Some("Help"), Some("Help"), true),
    (13, Some("Help talk"), Some("Help talk"), true),
    (14, Some("Category"), Some("Category"), false),
    (15, Some("Category talk"), Some("Category talk"), true),
];

/// The `siprop` values this server supports.
const PROPERTIES: [&str; 3] = ["general", "namespaces", "extensions"];

/// The siteinfo parts of one wiki, each written as `"name":…`.
pub(crate) struct SiteInfo {
    pub(crate) sitename: String,
    general: Vec<u8>,
    namespaces: Vec<u8>,
    extensions: Vec<u8>,
}

/// Writes `"key":{…}` with the members in the given order.
fn write_object(out: &mut Vec<u8>, key: &str, members: &[(&str, Value)]) {
    push_string(out, key);
    out.extend_from_slice(b":{");
    for (index, (name, value)) in members.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        push_string(out, name);
        out.push(b':');
        serde_json::to_writer(&mut *out, value).expect("writing to a Vec cannot fail");
    }
    out.push(b'}');
}

impl SiteInfo {
    /// Builds the siteinfo of wiki number `wiki`, served at `server` (`http://127.0.0.1:PORT`).
    pub(crate) fn new(wiki: u32, server: &str) -> SiteInfo {
        let sitename = format!("Synthetic {wiki}");
        let mut general = Vec::new();
        write_object(
            &mut general,
            "general",
            &[
                ("mainpage", json!("Main Page")),
                ("base", json!(format!("{server}/wiki/Main_Page"))),
                ("sitename", json!(sitename)),
                ("mainpageisdomainroot", json!(false)),
                ("logo", json!(format!("{server}/w/resources/assets/change-your-logo.svg"))),
                ("generator", json!(GENERATOR)),
                ("phpversion", json!("8.2.31")),
                ("phpsapi", json!("cli-server")),
                ("dbtype", json!("sqlite")),
                ("dbversion", json!("3.40.1")),
                ("case", json!("first-letter")),
                ("lang", json!("en")),
                ("fallback", json!([])),
                ("rtl", json!(false)),
                ("fallback8bitEncoding", json!("windows-1252")),
                ("readonly", json!(false)),
                ("writeapi", json!(true)),
                ("maxarticlesize", json!(2_097_152)),
                ("timezone", json!("UTC")),
                ("timeoffset", json!(0)),
                ("articlepath", json!("/wiki/$1")),
                ("scriptpath", json!("/w")),
                ("script", json!("/w/index.php")),
                ("variantarticlepath", json!(false)),
                ("server", json!(server)),
                ("servername", json!("127.0.0.1")),
                ("wikiid", json!(format!("synthetic{wiki}wiki"))),
                ("misermode", json!(false)),
                ("uploadsenabled", json!(false)),
                ("maxuploadsize", json!(104_857_600)),
                ("centralidlookupprovider", json!("local")),
                ("allcentralidlookupproviders", json!(["local"])),
            ],
        );

        let mut namespaces = Vec::new();
        push_string(&mut namespaces, "namespaces");
        namespaces.extend_from_slice(b":{");
        for (index, (id, name, canonical, subpages)) in NAMESPACES.into_iter().enumerate() {
            if index > 0 {
                namespaces.push(b',');
            }
            let name = match (name, id) {
                (Some(name), _) => name.to_string(),
                (None, 4) => sitename.clone(),
                (None, _) => format!("{sitename} talk"),
            };
            let mut members = vec![
                ("id", json!(id)),
                ("case", json!("first-letter")),
                ("name", json!(name)),
                ("subpages", json!(subpages)),
            ];
            if let Some(canonical) = canonical {
                members.push(("canonical", json!(canonical)));
            }
            members.push(("content", json!(id == 0)));
            members.push(("nonincludable", json!(false)));
            if id == 8 {
                members.push(("namespaceprotection", json!("editinterface")));
            }
            write_object(&mut namespaces, &id.to_string(), &members);
        }
        namespaces.push(b'}');

        SiteInfo { sitename, general, namespaces, extensions: b"\"extensions\":[]".to_vec() }
    }

    /// Writes the parts that `siprop` requests (default `general`), comma-separated, and warns
    /// about values this server does not support.
    pub(crate) fn fragment(&self, params: &Params, warnings: &mut Warnings) -> Vec<u8> {
        let mut selected = Vec::new();
        let mut unknown = Vec::new();
        for value in split_values(params.get("siprop").unwrap_or("general")) {
            match PROPERTIES.iter().find(|name| **name == value) {
                Some(name) if !selected.contains(name) => selected.push(*name),
                Some(_) => {}
                None => unknown.push(value),
            }
        }
        warnings.push_unrecognized("siteinfo", "siprop", &unknown);
        let mut out = Vec::with_capacity(4_096);
        for (index, name) in selected.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(match *name {
                "general" => &self.general,
                "namespaces" => &self.namespaces,
                _ => &self.extensions,
            });
        }
        out
    }
}
