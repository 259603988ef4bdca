//! Closed sets of names that are stored and sent as text: one list per
//! enum generates the variants, `ALL`, the wire name and the parsing, so a
//! variant cannot be added without its name or left out of `ALL`.

use std::fmt;

/// A text that names no member of a closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name was expected, e.g. `declaration status`.
    pub kind: &'static str,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "is not a known {}", self.kind)
    }
}

impl std::error::Error for UnknownName {}

/// Declares an enum whose variants each have one stable wire name.
///
/// Generates the enum (`Debug`, `Clone`, `Copy`, `PartialEq`, `Eq`, `Hash`,
/// `PartialOrd`, `Ord`), `ALL` in declaration order, `as_str`, `parse`,
/// `Display`, `FromStr`, and serde as the wire name (an unknown name is
/// refused with serde's usual "unknown variant" message).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $kind:literal {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $wire:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [Self; [$($wire),+].len()] = [$(Self::$variant),+];

            /// The stable wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The variant with exactly this wire name.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($wire => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or($crate::domain::UnknownName { kind: $kind })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::parse(&name).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::unknown_variant(&name, &[$($wire),+])
                })
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    wire_enum! {
        /// A test set.
        enum Colour as "colour" {
            /// Red.
            Red = "red",
            /// Light blue.
            LightBlue = "light-blue",
        }
    }

    #[test]
    fn every_variant_is_listed_once_and_its_name_parses_back() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::LightBlue]);
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.as_str()), Some(colour));
            assert_eq!(colour.to_string().parse::<Colour>(), Ok(colour));
        }
    }

    #[test]
    fn an_unknown_name_is_refused_by_parse_from_str_and_serde() {
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(
            "blue".parse::<Colour>().unwrap_err().to_string(),
            "is not a known colour"
        );
        let error = serde_json::from_str::<Colour>("\"blue\"").unwrap_err();
        assert!(
            error.to_string().contains("unknown variant `blue`"),
            "{error}"
        );
    }

    #[test]
    fn serde_uses_the_wire_name() {
        assert_eq!(
            serde_json::to_string(&Colour::LightBlue).unwrap(),
            "\"light-blue\""
        );
        assert_eq!(
            serde_json::from_str::<Colour>("\"light-blue\"").unwrap(),
            Colour::LightBlue
        );
    }
}
