//! The words-added estimate.

/// Words added, estimated from bytes added: ⌊bytes ÷ 5.175⌋. 5.175 is the average number of
/// bytes per English word (word plus space) the Programs & Events Dashboard uses for every wiki.
pub fn words_from_bytes(bytes: u64) -> u64 {
    bytes.saturating_mul(1000) / 5175
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_down() {
        assert_eq!(words_from_bytes(0), 0);
        assert_eq!(words_from_bytes(5), 0);
        assert_eq!(words_from_bytes(6), 1);
        assert_eq!(words_from_bytes(5175), 1000);
        assert_eq!(words_from_bytes(1034), 199);
        assert_eq!(words_from_bytes(1035), 200);
    }
}
