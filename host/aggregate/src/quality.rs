//! The single quality number ("wp10") from a quality model's class probabilities.
//!
//! wp10 = Σ probability(class) × weight(class), with each Wikipedia's classes weighted from
//! 0 (the lowest) to 100 (featured). The weights are those the Programs & Events Dashboard
//! uses for the Wikipedias with an `articlequality` model.

/// Class weights for the Wikipedias in `languages`.
struct Weights {
    languages: &'static [&'static str],
    classes: &'static [(&'static str, f64)],
}

const WEIGHTS: &[Weights] = &[
    Weights {
        languages: &["en", "simple", "fa", "eu", "gl"],
        classes: &[("FA", 100.0), ("GA", 80.0), ("B", 60.0), ("C", 40.0), ("Start", 20.0), ("Stub", 0.0)],
    },
    Weights {
        languages: &["fr"],
        classes: &[("adq", 100.0), ("ba", 80.0), ("a", 60.0), ("b", 40.0), ("bd", 20.0), ("e", 0.0)],
    },
    Weights {
        languages: &["tr"],
        classes: &[("sm", 100.0), ("km", 80.0), ("b", 60.0), ("c", 40.0), ("baslagıç", 20.0), ("taslak", 0.0)],
    },
    Weights {
        languages: &["ru"],
        classes: &[("ИС", 100.0), ("ДС", 80.0), ("ХС", 80.0), ("I", 60.0), ("II", 40.0), ("III", 20.0), ("IV", 0.0)],
    },
    Weights {
        languages: &["uk"],
        classes: &[("ДС", 100.0), ("ВС", 80.0), ("I", 60.0), ("II", 40.0), ("III", 20.0), ("IV", 0.0)],
    },
    Weights {
        languages: &["pt"],
        classes: &[("6", 100.0), ("5", 80.0), ("4", 60.0), ("3", 40.0), ("2", 20.0), ("1", 0.0)],
    },
    Weights { languages: &["sv"], classes: &[("u", 100.0), ("b", 90.0), ("r", 80.0), ("s", 0.0)] },
    Weights { languages: &["nl"], classes: &[("A", 100.0), ("B", 75.0), ("C", 50.0), ("D", 25.0), ("E", 0.0)] },
];

/// The wp10 score of `probabilities` on the Wikipedia in `language`, or `None` when there are
/// no weights for that language. Classes without a weight add nothing.
pub fn wp10(language: &str, probabilities: &[(String, f64)]) -> Option<f64> {
    let weights = WEIGHTS.iter().find(|weights| weights.languages.contains(&language))?;
    let score = probabilities
        .iter()
        .filter_map(|(class, probability)| {
            let weight = weights.classes.iter().find(|(name, _)| name == class)?.1;
            Some(probability * weight)
        })
        .sum();
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_probabilities_give_the_weighted_mean() {
        // The class probabilities Lift Wing returned for an English article predicted "Start".
        let probabilities: Vec<(String, f64)> = [
            ("B", 0.0967005597473408),
            ("C", 0.33396017760551916),
            ("FA", 0.00454057782408097),
            ("GA", 0.012108337779692136),
            ("Start", 0.5182220232989376),
            ("Stub", 0.03446832374442916),
        ]
        .iter()
        .map(|(class, probability)| (class.to_string(), *probability))
        .collect();
        let score = wp10("en", &probabilities).unwrap();
        let expected = 0.0967005597473408 * 60.0
            + 0.33396017760551916 * 40.0
            + 0.00454057782408097 * 100.0
            + 0.012108337779692136 * 80.0
            + 0.5182220232989376 * 20.0;
        assert!((score - expected).abs() < 1e-9, "{score} != {expected}");
        assert!((score - 30.9476).abs() < 1e-3, "{score}");
    }

    #[test]
    fn languages_without_weights_have_no_score() {
        assert_eq!(wp10("de", &[("B".to_string(), 1.0)]), None);
    }

    #[test]
    fn each_language_uses_its_own_classes() {
        assert_eq!(wp10("sv", &[("b".to_string(), 1.0)]), Some(90.0));
        assert_eq!(wp10("nl", &[("B".to_string(), 0.5), ("x".to_string(), 0.5)]), Some(37.5));
        assert_eq!(wp10("ru", &[("ХС".to_string(), 1.0)]), Some(80.0));
    }
}
