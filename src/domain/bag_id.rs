//! BAG nummeraanduiding identifiers, the national key of an address.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::{ValueError, is_ascii_digits_of_len};

/// A 16-digit BAG nummeraanduiding identifier, e.g. `0599200000123456`.
///
/// Kept as a string, not a number: the first four digits are a municipality
/// code that often starts with 0, and the leading zeros are part of the
/// identifier in every BAG source and export. Only the shape is checked, not
/// the embedded municipality and object-type codes: whether an identifier
/// names a real address is for a BAG lookup to answer, not for parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct BagId(String);

impl BagId {
    /// The number of digits in a BAG identifier.
    pub const LEN: usize = 16;

    /// Parses an identifier: exactly 16 ASCII digits after trimming
    /// surrounding whitespace. Leading zeros are kept.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if is_ascii_digits_of_len(trimmed, Self::LEN) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(ValueError::BagId)
        }
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BagId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BagId {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for BagId {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl AsRef<str> for BagId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Serialises as the 16-digit string, leading zeros included.
impl Serialize for BagId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use proptest::prelude::*;

    use super::BagId;
    use crate::domain::ValueError;

    #[test]
    fn bag_id_keeps_leading_zeros() {
        let id = BagId::parse("0599200000123456").unwrap();
        assert_eq!(id.as_str(), "0599200000123456");
        assert_eq!(
            BagId::parse("0000000000000000").unwrap().to_string(),
            "0000000000000000"
        );
    }

    #[test]
    fn bag_id_trims_surrounding_whitespace() {
        assert_eq!(
            BagId::parse(" 0599200000123456\n").unwrap().as_str(),
            "0599200000123456"
        );
    }

    #[test]
    fn bag_id_refuses_anything_but_exactly_sixteen_ascii_digits() {
        for input in [
            "",
            "   ",
            "059920000012345",
            "05992000001234567",
            "0599 200000123456",
            "059920000012345A",
            "-599200000123456",
            "０５９９２０００００１２３４５６",
        ] {
            assert_eq!(BagId::parse(input), Err(ValueError::BagId), "{input:?}");
        }
    }

    #[test]
    fn bag_id_serialises_as_a_string_and_deserialises_through_parse() {
        let id = BagId::parse("0599200000123456").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""0599200000123456""#);
        assert_eq!(
            serde_json::from_str::<BagId>(r#""0599200000123456""#).unwrap(),
            id
        );
        let error = serde_json::from_str::<BagId>(r#""123""#).unwrap_err();
        assert!(
            error.to_string().contains(&ValueError::BagId.to_string()),
            "{error}"
        );
    }

    proptest! {
        #[test]
        fn bag_id_round_trips_through_display(digits in "[0-9]{16}") {
            let id = BagId::parse(&digits).unwrap();
            prop_assert_eq!(id.as_str(), digits.as_str());
            prop_assert_eq!(BagId::parse(&format!("{id}")), Ok(id));
        }

        #[test]
        fn bag_id_parse_never_panics(input in ".*") {
            let _ = BagId::parse(&input);
        }

        #[test]
        fn bag_id_parse_never_panics_on_printable_text(input in "\\PC*") {
            let _ = BagId::parse(&input);
        }
    }
}
