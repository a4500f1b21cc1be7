//! Article scope: the sources that decide which articles an article-scoped campaign counts.
//!
//! A campaign file lists sources as `[[scope]]` tables, each naming exactly one of a
//! category (with a depth), a template, a PetScan query id, a PagePile id, or a list of
//! articles. A campaign with at least one source counts only in-scope articles.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::wiki::{WikiUrl, WikiUrlError};

/// Deepest subcategory level a category source may reach.
pub const MAX_CATEGORY_DEPTH: u8 = 3;

/// One `[[scope]]` table as written in a campaign file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// Category name, with or without the `Category:` prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Subcategory levels to include, 0 to 3; only with `category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<u8>,
    /// Template name, with or without the `Template:` prefix: the pages that use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// PetScan query id (psid), run again at most once a day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub petscan: Option<u64>,
    /// PagePile id; the pile names its own wiki.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagepile: Option<u64>,
    /// Article titles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub articles: Option<Vec<String>>,
    /// Action API URL of the wiki the source is on; defaults to the home wiki.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wiki: Option<String>,
}

/// A checked scope source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScopeSource {
    Category { name: String, depth: u8, wiki: WikiUrl },
    Template { name: String, wiki: WikiUrl },
    PetScan { psid: u64, wiki: WikiUrl },
    PagePile { id: u64 },
    Articles { titles: Vec<String>, wiki: WikiUrl },
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error(
        "scope source {index} names {found}; each [[scope]] table names exactly one of category, template, petscan, pagepile or articles"
    )]
    Kind { index: usize, found: String },
    #[error("scope source {index}: depth = {depth} is out of range; use 0 to {MAX_CATEGORY_DEPTH}")]
    Depth { index: usize, depth: u8 },
    #[error("scope source {index}: depth only applies to a category")]
    DepthWithoutCategory { index: usize },
    #[error("scope source {index}: {reason}")]
    Wiki { index: usize, reason: WikiUrlError },
    #[error(
        "scope source {index}: the wiki {wiki} is not one of the campaign's wikis; add it to `wikis` or remove `wiki`"
    )]
    ForeignWiki { index: usize, wiki: String },
    #[error("scope source {index}: a PagePile names its own wiki, so `wiki` is not allowed with `pagepile`")]
    PileWiki { index: usize },
    #[error("scope source {index}: {what} is empty")]
    Empty { index: usize, what: &'static str },
}

impl ScopeSource {
    /// Check `spec`, the `index`-th source (counting from 1), against the campaign's wikis.
    pub fn from_spec(index: usize, spec: &ScopeSpec, wikis: &[WikiUrl]) -> Result<ScopeSource, ScopeError> {
        let mut kinds = Vec::new();
        if spec.category.is_some() {
            kinds.push("category");
        }
        if spec.template.is_some() {
            kinds.push("template");
        }
        if spec.petscan.is_some() {
            kinds.push("petscan");
        }
        if spec.pagepile.is_some() {
            kinds.push("pagepile");
        }
        if spec.articles.is_some() {
            kinds.push("articles");
        }
        if kinds.len() != 1 {
            let found = if kinds.is_empty() { "none of them".to_string() } else { kinds.join(" and ") };
            return Err(ScopeError::Kind { index, found });
        }
        if spec.depth.is_some() && spec.category.is_none() {
            return Err(ScopeError::DepthWithoutCategory { index });
        }
        if spec.pagepile.is_some() && spec.wiki.is_some() {
            return Err(ScopeError::PileWiki { index });
        }
        let wiki = match &spec.wiki {
            None => wikis[0].clone(),
            Some(text) => {
                let url = WikiUrl::parse(text).map_err(|reason| ScopeError::Wiki { index, reason })?;
                if !wikis.contains(&url) {
                    return Err(ScopeError::ForeignWiki { index, wiki: url.to_string() });
                }
                url
            }
        };
        let nonempty = |text: &str, what: &'static str| {
            let trimmed = text.trim().to_string();
            if trimmed.is_empty() { Err(ScopeError::Empty { index, what }) } else { Ok(trimmed) }
        };
        if let Some(name) = &spec.category {
            let depth = spec.depth.unwrap_or(0);
            if depth > MAX_CATEGORY_DEPTH {
                return Err(ScopeError::Depth { index, depth });
            }
            return Ok(ScopeSource::Category { name: nonempty(name, "the category name")?, depth, wiki });
        }
        if let Some(name) = &spec.template {
            return Ok(ScopeSource::Template { name: nonempty(name, "the template name")?, wiki });
        }
        if let Some(psid) = spec.petscan {
            return Ok(ScopeSource::PetScan { psid, wiki });
        }
        if let Some(id) = spec.pagepile {
            return Ok(ScopeSource::PagePile { id });
        }
        let titles: Vec<String> =
            spec.articles.iter().flatten().map(|title| title.trim().to_string()).filter(|t| !t.is_empty()).collect();
        if titles.is_empty() {
            return Err(ScopeError::Empty { index, what: "the articles list" });
        }
        Ok(ScopeSource::Articles { titles, wiki })
    }

    /// The source as a `[[scope]]` table.
    pub fn to_spec(&self, home: &WikiUrl) -> ScopeSpec {
        let wiki = |url: &WikiUrl| (url != home).then(|| url.to_string());
        match self {
            ScopeSource::Category { name, depth, wiki: url } => ScopeSpec {
                category: Some(name.clone()),
                depth: (*depth > 0).then_some(*depth),
                wiki: wiki(url),
                ..ScopeSpec::default()
            },
            ScopeSource::Template { name, wiki: url } => {
                ScopeSpec { template: Some(name.clone()), wiki: wiki(url), ..ScopeSpec::default() }
            }
            ScopeSource::PetScan { psid, wiki: url } => {
                ScopeSpec { petscan: Some(*psid), wiki: wiki(url), ..ScopeSpec::default() }
            }
            ScopeSource::PagePile { id } => ScopeSpec { pagepile: Some(*id), ..ScopeSpec::default() },
            ScopeSource::Articles { titles, wiki: url } => {
                ScopeSpec { articles: Some(titles.clone()), wiki: wiki(url), ..ScopeSpec::default() }
            }
        }
    }

    /// A short label for reports, e.g. `category Fruits (depth 1)`.
    pub fn label(&self) -> String {
        match self {
            ScopeSource::Category { name, depth, .. } => format!("category {name} (depth {depth})"),
            ScopeSource::Template { name, .. } => format!("template {name}"),
            ScopeSource::PetScan { psid, .. } => format!("PetScan {psid}"),
            ScopeSource::PagePile { id } => format!("PagePile {id}"),
            ScopeSource::Articles { titles, .. } => format!("{} listed article(s)", titles.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wikis() -> Vec<WikiUrl> {
        vec![
            WikiUrl::parse("https://en.wikipedia.org/w/api.php").unwrap(),
            WikiUrl::parse("https://de.wikipedia.org/w/api.php").unwrap(),
        ]
    }

    #[test]
    fn category_defaults_to_depth_zero_on_the_home_wiki() {
        let spec = ScopeSpec { category: Some(" Fruits ".into()), ..ScopeSpec::default() };
        let source = ScopeSource::from_spec(1, &spec, &wikis()).unwrap();
        assert_eq!(source, ScopeSource::Category { name: "Fruits".into(), depth: 0, wiki: wikis()[0].clone() });
        assert_eq!(source.to_spec(&wikis()[0]), ScopeSpec { category: Some("Fruits".into()), ..ScopeSpec::default() });
    }

    #[test]
    fn exactly_one_kind_per_source() {
        let both = ScopeSpec { category: Some("A".into()), template: Some("B".into()), ..ScopeSpec::default() };
        let message = ScopeSource::from_spec(2, &both, &wikis()).unwrap_err().to_string();
        assert!(message.contains("scope source 2 names category and template"), "{message}");
        let none = ScopeSpec::default();
        assert!(ScopeSource::from_spec(1, &none, &wikis()).unwrap_err().to_string().contains("none of them"));
    }

    #[test]
    fn depth_is_checked() {
        let deep = ScopeSpec { category: Some("A".into()), depth: Some(4), ..ScopeSpec::default() };
        assert_eq!(ScopeSource::from_spec(1, &deep, &wikis()), Err(ScopeError::Depth { index: 1, depth: 4 }));
        let stray = ScopeSpec { template: Some("A".into()), depth: Some(1), ..ScopeSpec::default() };
        assert_eq!(ScopeSource::from_spec(1, &stray, &wikis()), Err(ScopeError::DepthWithoutCategory { index: 1 }));
    }

    #[test]
    fn source_wiki_must_be_a_campaign_wiki() {
        let foreign = ScopeSpec {
            template: Some("A".into()),
            wiki: Some("https://fr.wikipedia.org/w/api.php".into()),
            ..ScopeSpec::default()
        };
        assert!(matches!(ScopeSource::from_spec(1, &foreign, &wikis()), Err(ScopeError::ForeignWiki { .. })));
        let second = ScopeSpec {
            petscan: Some(7),
            wiki: Some("https://de.wikipedia.org/w/api.php".into()),
            ..ScopeSpec::default()
        };
        let source = ScopeSource::from_spec(1, &second, &wikis()).unwrap();
        assert_eq!(source.to_spec(&wikis()[0]).wiki.as_deref(), Some("https://de.wikipedia.org/w/api.php"));
    }

    #[test]
    fn pagepile_takes_no_wiki_and_articles_need_titles() {
        let pile = ScopeSpec {
            pagepile: Some(5),
            wiki: Some("https://en.wikipedia.org/w/api.php".into()),
            ..ScopeSpec::default()
        };
        assert_eq!(ScopeSource::from_spec(1, &pile, &wikis()), Err(ScopeError::PileWiki { index: 1 }));
        let empty = ScopeSpec { articles: Some(vec![" ".into()]), ..ScopeSpec::default() };
        assert_eq!(
            ScopeSource::from_spec(1, &empty, &wikis()),
            Err(ScopeError::Empty { index: 1, what: "the articles list" })
        );
    }
}
