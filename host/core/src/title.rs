//! Page titles in the form scope matching compares them.

/// Normalise `title` as MediaWiki does for matching: underscores become spaces, runs of
/// spaces collapse, surrounding spaces go, and, on wikis with first-letter case (all but
/// Wiktionary-like wikis), the first letter is upper-cased.
pub fn normalize_title(title: &str, first_letter_case: bool) -> String {
    let spaced = title.replace('_', " ");
    let collapsed = spaced.split(' ').filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ");
    if !first_letter_case {
        return collapsed;
    }
    let mut chars = collapsed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underscores_and_first_letter_are_normalised() {
        assert_eq!(normalize_title("new_name", true), "New name");
        assert_eq!(normalize_title("  Fate/stay_night ", true), "Fate/stay night");
        assert_eq!(normalize_title("élan", true), "Élan");
    }

    #[test]
    fn case_sensitive_wikis_keep_the_first_letter() {
        assert_eq!(normalize_title("iPhone_case", false), "iPhone case");
    }
}
