//! What a building unit may be used for, simplified from the BAG gebruiksdoel.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use super::ValueError;

/// The permitted use of a building unit, a simplification of the BAG
/// gebruiksdoel: woonfunctie is [`Residential`](Self::Residential),
/// logiesfunctie [`Lodging`](Self::Lodging), industriefunctie
/// [`Industrial`](Self::Industrial), kantoorfunctie [`Office`](Self::Office),
/// winkelfunctie [`Retail`](Self::Retail), and every other gebruiksdoel
/// (bijeenkomst, cel, gezondheidszorg, onderwijs, sport, overige) is
/// [`Other`](Self::Other), because the registry only reasons about whether
/// people may live somewhere.
///
/// Variants are ordered as declared, which puts dwellings first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub enum UsagePurpose {
    /// Woonfunctie: a dwelling.
    Residential,
    /// Logiesfunctie: short-stay accommodation such as a hotel or B&B.
    Lodging,
    /// Industriefunctie: industry, workshops, storage.
    Industrial,
    /// Kantoorfunctie: offices.
    Office,
    /// Winkelfunctie: shops.
    Retail,
    /// Any other gebruiksdoel.
    Other,
}

impl UsagePurpose {
    /// Every usage purpose, in declaration order.
    pub const ALL: &'static [Self] = &[
        Self::Residential,
        Self::Lodging,
        Self::Industrial,
        Self::Office,
        Self::Retail,
        Self::Other,
    ];

    /// Parses a lower-case wire name such as `residential`, after trimming
    /// surrounding whitespace. Case is significant: the API documents the
    /// names in lower case, and accepting other spellings would let clients
    /// come to depend on them.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        match input.trim() {
            "residential" => Ok(Self::Residential),
            "lodging" => Ok(Self::Lodging),
            "industrial" => Ok(Self::Industrial),
            "office" => Ok(Self::Office),
            "retail" => Ok(Self::Retail),
            "other" => Ok(Self::Other),
            _ => Err(ValueError::UsagePurpose),
        }
    }

    /// The lower-case wire name, e.g. `residential`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Residential => "residential",
            Self::Lodging => "lodging",
            Self::Industrial => "industrial",
            Self::Office => "office",
            Self::Retail => "retail",
            Self::Other => "other",
        }
    }

    /// Whether people may be housed here: true for residential and lodging
    /// units, the ones whose occupancy the registry counts.
    pub const fn is_dwelling(self) -> bool {
        matches!(self, Self::Residential | Self::Lodging)
    }
}

impl fmt::Display for UsagePurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UsagePurpose {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for UsagePurpose {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// Serialises as the lower-case wire name, e.g. `"residential"`.
impl Serialize for UsagePurpose {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use proptest::prelude::*;

    use super::UsagePurpose;
    use crate::domain::ValueError;

    #[test]
    fn usage_purpose_parses_every_wire_name() {
        for (input, expected) in [
            ("residential", UsagePurpose::Residential),
            ("lodging", UsagePurpose::Lodging),
            ("industrial", UsagePurpose::Industrial),
            ("office", UsagePurpose::Office),
            ("retail", UsagePurpose::Retail),
            ("other", UsagePurpose::Other),
            (" office ", UsagePurpose::Office),
        ] {
            assert_eq!(UsagePurpose::parse(input), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn usage_purpose_refuses_unknown_or_differently_cased_names() {
        for input in [
            "",
            " ",
            "Residential",
            "RETAIL",
            "woonfunctie",
            "shop",
            "residential,office",
        ] {
            assert_eq!(
                UsagePurpose::parse(input),
                Err(ValueError::UsagePurpose),
                "{input:?}"
            );
        }
    }

    #[test]
    fn usage_purpose_reason_lists_every_wire_name() {
        let reason = ValueError::UsagePurpose.to_string();
        for purpose in UsagePurpose::ALL {
            assert!(
                reason.contains(purpose.as_str()),
                "{reason} lacks {purpose}"
            );
        }
    }

    #[test]
    fn usage_purpose_all_lists_each_variant_once_in_order() {
        assert_eq!(UsagePurpose::ALL.len(), 6);
        assert!(UsagePurpose::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn only_residential_and_lodging_are_dwellings() {
        for &purpose in UsagePurpose::ALL {
            let expected = matches!(purpose, UsagePurpose::Residential | UsagePurpose::Lodging);
            assert_eq!(purpose.is_dwelling(), expected, "{purpose}");
        }
    }

    #[test]
    fn usage_purpose_serialises_as_the_wire_name_and_deserialises_through_parse() {
        for &purpose in UsagePurpose::ALL {
            let json = serde_json::to_string(&purpose).unwrap();
            assert_eq!(json, format!("\"{purpose}\""));
            assert_eq!(
                serde_json::from_str::<UsagePurpose>(&json).unwrap(),
                purpose
            );
        }
        let error = serde_json::from_str::<UsagePurpose>(r#""hotel""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&ValueError::UsagePurpose.to_string()),
            "{error}"
        );
    }

    proptest! {
        #[test]
        fn usage_purpose_round_trips_through_display(index in 0..UsagePurpose::ALL.len()) {
            let purpose = UsagePurpose::ALL[index];
            prop_assert_eq!(UsagePurpose::parse(&purpose.to_string()), Ok(purpose));
        }

        #[test]
        fn usage_purpose_parse_never_panics(input in ".*") {
            let _ = UsagePurpose::parse(&input);
        }

        #[test]
        fn usage_purpose_parse_never_panics_on_printable_text(input in "\\PC*") {
            let _ = UsagePurpose::parse(&input);
        }
    }
}
