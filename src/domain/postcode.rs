//! Dutch postcodes, parsed once into the canonical `3131AB` form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::ValueError;

/// A Dutch postcode in canonical form: four digits, the first not 0, then two
/// upper-case letters, with no space (`3131AB`).
///
/// The canonical form is what we store, compare and index on, so two spellings
/// of one postcode ("3131 ab", "3131AB") are always the same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Postcode(String);

impl Postcode {
    /// Parses a postcode as people write it.
    ///
    /// Surrounding whitespace is trimmed, the letters may be in either case and
    /// one optional space may separate digits from letters. Only ASCII digits
    /// count: full-width or other Unicode digits are refused rather than
    /// folded, because no postal source produces them and folding would hide
    /// a data-quality problem upstream.
    ///
    /// The letter pairs SA, SD and SS are refused because the postal service never issues
    /// them, so such a postcode is a typing error, not an address.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        let (digits, letters) = split_digits_and_letters(trimmed)?;
        if !digits.bytes().all(|b| b.is_ascii_digit())
            || !letters.bytes().all(|b| b.is_ascii_alphabetic())
        {
            return Err(ValueError::PostcodeFormat);
        }
        if digits.starts_with('0') {
            return Err(ValueError::PostcodeLeadingZero);
        }
        let letters = letters.to_ascii_uppercase();
        if matches!(letters.as_str(), "SA" | "SD" | "SS") {
            return Err(ValueError::PostcodeUnissuedLetters);
        }
        Ok(Self(format!("{digits}{letters}")))
    }

    /// The canonical form, e.g. `3131AB`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The four-digit area part (PC4), e.g. `3131`, used for
    /// neighbourhood-level statistics where the full postcode is too fine.
    pub fn digits(&self) -> &str {
        // The canonical form is six ASCII bytes, so byte 4 is a char boundary.
        &self.0[..4]
    }
}

/// Splits `1234AB` or `1234 AB` into its digit and letter parts, checking
/// only lengths; the caller checks the characters. Lengths are in bytes, which
/// cannot let a non-ASCII character through: it either straddles the split
/// (which `split_at_checked` refuses), makes the letter part longer than two
/// bytes, or fails the caller's ASCII checks.
fn split_digits_and_letters(trimmed: &str) -> Result<(&str, &str), ValueError> {
    let (digits, rest) = trimmed
        .split_at_checked(4)
        .ok_or(ValueError::PostcodeFormat)?;
    let letters = rest.strip_prefix(' ').unwrap_or(rest);
    if letters.len() == 2 {
        Ok((digits, letters))
    } else {
        Err(ValueError::PostcodeFormat)
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Postcode {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Postcode {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl AsRef<str> for Postcode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Serialises as the canonical string, e.g. `"3131AB"`.
impl Serialize for Postcode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use proptest::prelude::*;

    use super::Postcode;
    use crate::domain::ValueError;

    #[test]
    fn postcode_accepts_every_usual_spelling_and_stores_the_canonical_form() {
        for input in [
            "3131AB",
            "3131ab",
            "3131 AB",
            "3131 ab",
            "3131aB",
            " 3131AB ",
            "\t3131 ab\n",
        ] {
            assert_eq!(
                Postcode::parse(input).map(|p| p.to_string()),
                Ok("3131AB".to_owned()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn postcode_accepts_lower_case_with_space() {
        assert_eq!(Postcode::parse("3131 ab").unwrap().as_str(), "3131AB");
    }

    #[test]
    fn postcode_refuses_malformed_input_with_the_format_reason() {
        for input in [
            "",
            "   ",
            "3131",
            "AB",
            "3131A",
            "3131ABC",
            "313AB",
            "31311AB",
            "3131  AB",
            "3131\tAB",
            "3131-AB",
            " 3131 AB X",
            "31 31AB",
            "AB3131",
            "3131A1",
            "3A31AB",
            "３１３１AB",
            "3131ÄB",
            "3131 ÄB",
            "313١AB",
        ] {
            assert_eq!(
                Postcode::parse(input),
                Err(ValueError::PostcodeFormat),
                "{input:?}"
            );
        }
    }

    #[test]
    fn postcode_refuses_a_leading_zero() {
        assert_eq!(
            Postcode::parse("0131AB"),
            Err(ValueError::PostcodeLeadingZero)
        );
    }

    #[test]
    fn postcode_refuses_the_unissued_letter_pairs_in_any_case() {
        for input in ["1234SA", "1234 sd", "1234Ss", "1234sS"] {
            assert_eq!(
                Postcode::parse(input),
                Err(ValueError::PostcodeUnissuedLetters),
                "{input:?}"
            );
        }
    }

    #[test]
    fn postcode_accepts_letter_pairs_that_merely_start_with_s() {
        for input in ["1234SB", "1234SE", "1234SZ", "1234AS"] {
            assert!(Postcode::parse(input).is_ok(), "{input:?}");
        }
    }

    #[test]
    fn postcode_digits_are_the_pc4_part() {
        assert_eq!(Postcode::parse("9999 zz").unwrap().digits(), "9999");
        assert_eq!(Postcode::parse("1000AA").unwrap().digits(), "1000");
    }

    #[test]
    fn postcode_from_str_agrees_with_parse() {
        let parsed: Postcode = "3131 ab".parse().unwrap();
        assert_eq!(parsed, Postcode::parse("3131AB").unwrap());
    }

    #[test]
    fn postcode_serialises_as_the_canonical_string() {
        let postcode = Postcode::parse("3131 ab").unwrap();
        assert_eq!(serde_json::to_string(&postcode).unwrap(), r#""3131AB""#);
    }

    #[test]
    fn postcode_deserialises_through_parse_and_reports_the_reason() {
        let parsed: Postcode = serde_json::from_str(r#""3131 ab""#).unwrap();
        assert_eq!(parsed.as_str(), "3131AB");
        let error = serde_json::from_str::<Postcode>(r#""3131""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&ValueError::PostcodeFormat.to_string()),
            "{error}"
        );
    }

    fn valid_canonical() -> impl Strategy<Value = String> {
        "[1-9][0-9]{3}[A-Z]{2}".prop_filter("unissued letter pair", |s| {
            !matches!(&s[4..], "SA" | "SD" | "SS")
        })
    }

    proptest! {
        #[test]
        fn postcode_round_trips_through_display(canonical in valid_canonical()) {
            let postcode = Postcode::parse(&canonical).unwrap();
            prop_assert_eq!(postcode.as_str(), canonical.as_str());
            prop_assert_eq!(Postcode::parse(&format!("{postcode}")), Ok(postcode));
        }

        #[test]
        fn postcode_spelling_variants_parse_to_the_same_value(
            canonical in valid_canonical(),
            space in proptest::bool::ANY,
            lower in proptest::bool::ANY,
        ) {
            let letters = if lower { canonical[4..].to_ascii_lowercase() } else { canonical[4..].to_owned() };
            let sep = if space { " " } else { "" };
            let spelled = format!("{}{sep}{letters}", &canonical[..4]);
            let postcode = Postcode::parse(&spelled).unwrap();
            prop_assert_eq!(postcode.as_str(), canonical.as_str());
        }

        #[test]
        fn postcode_parse_never_panics_and_accepts_only_the_canonical_shape(input in ".*") {
            if let Ok(postcode) = Postcode::parse(&input) {
                let bytes = postcode.as_str().as_bytes();
                prop_assert_eq!(bytes.len(), 6);
                prop_assert!(bytes[0] != b'0');
                prop_assert!(bytes[..4].iter().all(u8::is_ascii_digit));
                prop_assert!(bytes[4..].iter().all(u8::is_ascii_uppercase));
            }
        }

        #[test]
        fn postcode_parse_never_panics_on_printable_text(input in "\\PC*") {
            let _ = Postcode::parse(&input);
        }
    }
}
