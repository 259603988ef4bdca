//! Single-line text as people type it: names, streets, cities. It may hold
//! any printable Unicode, but no control characters (C0, DEL, C1: among them
//! NUL, which PostgreSQL cannot store, and line breaks and tabs, which do not
//! belong in a one-line value) and no bidirectional formatting characters,
//! which can make a stored name display as something else.

use super::ValueError;

/// Whether `c` may not appear in single-line text.
pub fn is_forbidden_in_single_line(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The Unicode bidirectional formatting characters: ALM, LRM, RLM, the
/// embeddings and overrides (LRE..RLO) and the isolates (LRI..PDI).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Refuses `text` if it holds a control or bidirectional formatting
/// character anywhere.
pub fn check_single_line(text: &str) -> Result<(), ValueError> {
    if text.chars().any(is_forbidden_in_single_line) {
        Err(ValueError::ControlCharacter)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check_single_line;
    use crate::domain::ValueError;

    #[test]
    fn ordinary_names_with_accents_and_punctuation_are_single_line_text() {
        for text in [
            "Nowak",
            "Şahin-Öztürk",
            "’s-Gravenzande",
            "Ȧ b.c. (d) 12/3",
            "Ελένη",
        ] {
            assert_eq!(check_single_line(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn nul_line_breaks_tabs_c1_and_bidi_controls_are_refused() {
        for text in [
            "a\u{0}b",
            "a\nb",
            "a\rb",
            "a\tb",
            "a\u{7F}b",
            "a\u{85}b",
            "a\u{9F}b",
            "a\u{061C}b",
            "a\u{200E}b",
            "a\u{200F}b",
            "a\u{202A}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2069}b",
        ] {
            assert_eq!(
                check_single_line(text),
                Err(ValueError::ControlCharacter),
                "{text:?}"
            );
        }
    }
}
