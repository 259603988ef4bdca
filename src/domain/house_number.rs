//! The three BAG address-number parts: house number, house letter and
//! house-number addition (huisnummer, huisletter, huisnummertoevoeging).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::ValueError;

/// A BAG house number (huisnummer): a whole number from 1 to 99999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "i64")]
pub struct HouseNumber(u32);

impl HouseNumber {
    /// The smallest house number BAG allows.
    pub const MIN: u32 = 1;
    /// The largest house number BAG allows (five digits).
    pub const MAX: u32 = 99_999;

    /// Checks a number as it arrives in JSON. Takes `i64` so that negative
    /// and oversized numbers are refused with our reason rather than failing
    /// earlier in a narrower integer conversion with a generic message.
    pub fn parse(number: i64) -> Result<Self, ValueError> {
        u32::try_from(number)
            .ok()
            .filter(|n| (Self::MIN..=Self::MAX).contains(n))
            .map(Self)
            .ok_or(ValueError::HouseNumber)
    }

    /// Parses a house number as it arrives in CSV or a query string.
    ///
    /// Surrounding whitespace is trimmed. Only ASCII digits are accepted, so a
    /// sign, a decimal point or a trailing letter ("12a", which belongs in
    /// [`HouseLetter`]) is refused. Leading zeros are accepted ("012" is 12)
    /// because some exports pad numbers to a fixed width.
    pub fn parse_str(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::HouseNumber);
        }
        // Digits only, so the sole possible parse failure is overflow, which is
        // out of range as well.
        let number = trimmed
            .parse::<u32>()
            .map_err(|_| ValueError::HouseNumber)?;
        Self::parse(i64::from(number))
    }

    /// The number itself.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for HouseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for HouseNumber {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_str(s)
    }
}

impl TryFrom<i64> for HouseNumber {
    type Error = ValueError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<HouseNumber> for u32 {
    fn from(value: HouseNumber) -> Self {
        value.0
    }
}

/// Serialises as a JSON number, e.g. `12`.
impl Serialize for HouseNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

/// A BAG house letter (huisletter): one ASCII letter, stored upper-case.
///
/// BAG stores the huisletter case-sensitively, but municipalities treat `12a`
/// and `12A` as the same address, and two addresses differing only in the
/// letter's case would be a data error. Folding to upper case on the way in
/// makes those spellings compare, hash and deduplicate as one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct HouseLetter(char);

impl HouseLetter {
    /// Parses a house letter: exactly one ASCII letter after trimming
    /// surrounding whitespace, in either case.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let mut chars = input.trim().chars();
        match (chars.next(), chars.next()) {
            (Some(letter), None) => Self::from_char(letter),
            _ => Err(ValueError::HouseLetter),
        }
    }

    /// Checks a single character, e.g. one already split off a house number.
    pub fn from_char(letter: char) -> Result<Self, ValueError> {
        if letter.is_ascii_alphabetic() {
            Ok(Self(letter.to_ascii_uppercase()))
        } else {
            Err(ValueError::HouseLetter)
        }
    }

    /// The upper-case letter.
    pub fn get(self) -> char {
        self.0
    }
}

impl fmt::Display for HouseLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for HouseLetter {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for HouseLetter {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl TryFrom<char> for HouseLetter {
    type Error = ValueError;

    fn try_from(value: char) -> Result<Self, Self::Error> {
        Self::from_char(value)
    }
}

/// Serialises as a one-letter string, e.g. `"A"`.
impl Serialize for HouseLetter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_char(self.0)
    }
}

/// A BAG house-number addition (huisnummertoevoeging): 1 to 4 ASCII letters
/// or digits, stored upper-case.
///
/// Stored upper-case for the same reason as [`HouseLetter`]: `2hg` and `2HG`
/// name one address in practice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct HouseNumberAddition(String);

impl HouseNumberAddition {
    /// The longest addition BAG allows.
    pub const MAX_LEN: usize = 4;

    /// Parses an addition: after trimming surrounding whitespace, 1 to 4 ASCII
    /// letters or digits, in either case. Inner spaces and punctuation
    /// ("2-hg", "2 hg") are refused: BAG never contains them, so they signal
    /// input that should be cleaned at the source.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if (1..=Self::MAX_LEN).contains(&trimmed.len())
            && trimmed.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            Ok(Self(trimmed.to_ascii_uppercase()))
        } else {
            Err(ValueError::HouseNumberAddition)
        }
    }

    /// The upper-case addition, e.g. `2HG`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HouseNumberAddition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for HouseNumberAddition {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for HouseNumberAddition {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl AsRef<str> for HouseNumberAddition {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Serialises as the upper-case string, e.g. `"2HG"`.
impl Serialize for HouseNumberAddition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use proptest::prelude::*;

    use super::{HouseLetter, HouseNumber, HouseNumberAddition};
    use crate::domain::ValueError;

    #[test]
    fn house_number_accepts_the_bounds_of_the_bag_range() {
        assert_eq!(HouseNumber::parse(1).unwrap().get(), 1);
        assert_eq!(HouseNumber::parse(99_999).unwrap().get(), 99_999);
    }

    #[test]
    fn house_number_refuses_numbers_outside_the_bag_range() {
        for number in [0, -1, 100_000, i64::from(u32::MAX) + 1, i64::MIN, i64::MAX] {
            assert_eq!(
                HouseNumber::parse(number),
                Err(ValueError::HouseNumber),
                "{number}"
            );
        }
    }

    #[test]
    fn house_number_from_text_accepts_digits_with_surrounding_whitespace() {
        for (input, expected) in [("12", 12), (" 12 ", 12), ("012", 12), ("99999", 99_999)] {
            assert_eq!(
                HouseNumber::parse_str(input).map(HouseNumber::get),
                Ok(expected),
                "{input:?}"
            );
        }
    }

    #[test]
    fn house_number_from_text_refuses_anything_but_a_plain_number_in_range() {
        for input in [
            "",
            "  ",
            "0",
            "000",
            "100000",
            "99999999999999999999",
            "-1",
            "+12",
            "12a",
            "1 2",
            "12.0",
            "１２",
            "٣",
        ] {
            assert_eq!(
                HouseNumber::parse_str(input),
                Err(ValueError::HouseNumber),
                "{input:?}"
            );
        }
    }

    #[test]
    fn house_number_serialises_as_a_json_number_and_deserialises_through_parse() {
        let number = HouseNumber::parse(12).unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "12");
        assert_eq!(serde_json::from_str::<HouseNumber>("12").unwrap(), number);
        let error = serde_json::from_str::<HouseNumber>("0").unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&ValueError::HouseNumber.to_string()),
            "{error}"
        );
    }

    #[test]
    fn house_letter_stores_either_case_as_upper_case() {
        for input in ["a", "A", " a ", "\tA"] {
            assert_eq!(HouseLetter::parse(input).unwrap().get(), 'A', "{input:?}");
        }
        assert_eq!(HouseLetter::from_char('z').unwrap().to_string(), "Z");
    }

    #[test]
    fn house_letter_refuses_anything_but_one_ascii_letter() {
        for input in ["", " ", "AB", "1", "-", "ä", "Ａ", "a b"] {
            assert_eq!(
                HouseLetter::parse(input),
                Err(ValueError::HouseLetter),
                "{input:?}"
            );
        }
    }

    #[test]
    fn house_letter_serialises_as_a_one_letter_string() {
        let letter = HouseLetter::parse("b").unwrap();
        assert_eq!(serde_json::to_string(&letter).unwrap(), r#""B""#);
        assert_eq!(
            serde_json::from_str::<HouseLetter>(r#""b""#).unwrap(),
            letter
        );
    }

    #[test]
    fn house_number_addition_accepts_one_to_four_alphanumerics_stored_upper_case() {
        for (input, expected) in [
            ("2", "2"),
            ("hg", "HG"),
            ("2hg", "2HG"),
            (" bis ", "BIS"),
            ("a1b2", "A1B2"),
        ] {
            assert_eq!(
                HouseNumberAddition::parse(input).unwrap().as_str(),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn house_number_addition_refuses_empty_long_or_punctuated_input() {
        for input in [
            "", "   ", "ABCDE", "12345", "2-hg", "2 hg", "ä", "１", "2hg!",
        ] {
            assert_eq!(
                HouseNumberAddition::parse(input),
                Err(ValueError::HouseNumberAddition),
                "{input:?}"
            );
        }
    }

    #[test]
    fn house_number_addition_serialises_as_the_upper_case_string() {
        let addition = HouseNumberAddition::parse("2hg").unwrap();
        assert_eq!(serde_json::to_string(&addition).unwrap(), r#""2HG""#);
        assert_eq!(
            serde_json::from_str::<HouseNumberAddition>(r#""2hg""#).unwrap(),
            addition
        );
    }

    proptest! {
        #[test]
        fn house_number_round_trips_through_display(n in HouseNumber::MIN..=HouseNumber::MAX) {
            let number = HouseNumber::parse(i64::from(n)).unwrap();
            prop_assert_eq!(number.get(), n);
            prop_assert_eq!(HouseNumber::parse_str(&number.to_string()), Ok(number));
        }

        #[test]
        fn house_number_parse_accepts_exactly_the_bag_range(n in any::<i64>()) {
            let in_range = (1..=99_999).contains(&n);
            prop_assert_eq!(HouseNumber::parse(n).is_ok(), in_range);
        }

        #[test]
        fn house_number_parse_str_never_panics(input in ".*") {
            let _ = HouseNumber::parse_str(&input);
        }

        #[test]
        fn house_number_parse_str_never_panics_on_printable_text(input in "\\PC*") {
            let _ = HouseNumber::parse_str(&input);
        }

        #[test]
        fn house_letter_round_trips_through_display(input in "[A-Za-z]") {
            let letter = HouseLetter::parse(&input).unwrap();
            prop_assert_eq!(letter.to_string(), input.to_ascii_uppercase());
            prop_assert_eq!(HouseLetter::parse(&letter.to_string()), Ok(letter));
        }

        #[test]
        fn house_letter_parse_never_panics(input in ".*") {
            let _ = HouseLetter::parse(&input);
        }

        #[test]
        fn house_letter_parse_never_panics_on_printable_text(input in "\\PC*") {
            let _ = HouseLetter::parse(&input);
        }

        #[test]
        fn house_number_addition_round_trips_through_display(input in "[A-Za-z0-9]{1,4}") {
            let addition = HouseNumberAddition::parse(&input).unwrap();
            prop_assert_eq!(addition.as_str(), input.to_ascii_uppercase());
            prop_assert_eq!(HouseNumberAddition::parse(&format!("{addition}")), Ok(addition));
        }

        #[test]
        fn house_number_addition_parse_never_panics(input in ".*") {
            let _ = HouseNumberAddition::parse(&input);
        }

        #[test]
        fn house_number_addition_parse_never_panics_on_printable_text(input in "\\PC*") {
            let _ = HouseNumberAddition::parse(&input);
        }
    }
}
