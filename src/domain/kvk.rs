//! Chamber of Commerce (Kamer van Koophandel) numbers, which identify employers and landlords.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::{ValueError, is_ascii_digits_of_len};

/// An 8-digit Chamber of Commerce (Kamer van Koophandel) number, e.g.
/// `69599084`.
///
/// Kept as a string so that a leading zero survives storage and export.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct KvkNumber(String);

impl KvkNumber {
    /// The number of digits in a Chamber of Commerce number.
    pub const LEN: usize = 8;

    /// Parses a Chamber of Commerce number: exactly 8 ASCII digits after trimming surrounding
    /// whitespace. Inner spaces ("6959 9084") are refused rather than removed,
    /// so that a pasted pair of numbers cannot be glued into one.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if is_ascii_digits_of_len(trimmed, Self::LEN) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(ValueError::KvkNumber)
        }
    }

    /// The 8 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KvkNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KvkNumber {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for KvkNumber {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl AsRef<str> for KvkNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Serialises as the 8-digit string, leading zeros included.
impl Serialize for KvkNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use proptest::prelude::*;

    use super::KvkNumber;
    use crate::domain::ValueError;

    #[test]
    fn kvk_number_accepts_eight_digits_with_surrounding_whitespace() {
        for input in ["69599084", " 69599084 ", "\t01234567\n"] {
            assert_eq!(
                KvkNumber::parse(input).unwrap().as_str(),
                input.trim(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn kvk_number_refuses_anything_but_exactly_eight_ascii_digits() {
        for input in [
            "",
            "  ",
            "6959908",
            "695990840",
            "6959 9084",
            "6959-9084",
            "6959908A",
            "６９５９９０８４",
        ] {
            assert_eq!(
                KvkNumber::parse(input),
                Err(ValueError::KvkNumber),
                "{input:?}"
            );
        }
    }

    #[test]
    fn kvk_number_serialises_as_a_string_and_deserialises_through_parse() {
        let number = KvkNumber::parse("01234567").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), r#""01234567""#);
        assert_eq!(
            serde_json::from_str::<KvkNumber>(r#""01234567""#).unwrap(),
            number
        );
        let error = serde_json::from_str::<KvkNumber>(r#""1234""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&ValueError::KvkNumber.to_string()),
            "{error}"
        );
    }

    proptest! {
        #[test]
        fn kvk_number_round_trips_through_display(digits in "[0-9]{8}") {
            let number = KvkNumber::parse(&digits).unwrap();
            prop_assert_eq!(number.as_str(), digits.as_str());
            prop_assert_eq!(KvkNumber::parse(&format!("{number}")), Ok(number));
        }

        #[test]
        fn kvk_number_parse_never_panics(input in ".*") {
            let _ = KvkNumber::parse(&input);
        }

        #[test]
        fn kvk_number_parse_never_panics_on_printable_text(input in "\\PC*") {
            let _ = KvkNumber::parse(&input);
        }
    }
}
