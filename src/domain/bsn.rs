//! Burgerservicenummers (BSN), the citizen service number, handled so that a
//! BSN cannot slip into a log line by accident.
//!
//! Privacy rules this type enforces:
//! - no `Display`, so `format!("{bsn}")` and `log::info!("{bsn}")` do not
//!   compile;
//! - `Debug` is masked (`Bsn(******782)`), so a derived `Debug` on a struct
//!   holding a BSN, or a `{:?}` in a log line, shows only the last 3 digits;
//! - parse errors never contain the input, not even through serde.
//!
//! The full number is reachable only through [`Bsn::as_str`] and
//! `Serialize`, both needed to store the BSN and to export it to authorised
//! roles. Any other use of them is a privacy bug.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ValueError, is_ascii_digits_of_len};

/// A burgerservicenummer: 9 digits that pass the 11-proef and are not all
/// zeros.
///
/// Deliberately not `Display`; see the module documentation. Use
/// [`Bsn::masked`] to show which person a message is about.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bsn(String);

/// How many trailing digits a masked BSN shows: enough for a case worker to
/// tell two people apart, too few to identify anyone.
const VISIBLE_DIGITS: usize = 3;

/// The 11-proef weights of the nine digits, first to last. The last weight is
/// -1, not 1: that is what distinguishes the BSN test from the bank-account
/// 11-proef and it is why a single wrong digit is always detected (11 is prime
/// and no weight is a multiple of it).
const WEIGHTS: [i32; Bsn::LEN] = [9, 8, 7, 6, 5, 4, 3, 2, -1];

impl Bsn {
    /// The number of digits in a BSN.
    pub const LEN: usize = 9;

    /// Parses a BSN: after trimming surrounding whitespace, exactly 9 ASCII
    /// digits that pass the 11-proef and are not all zeros.
    ///
    /// An 8-digit number is refused rather than padded: an old 8-digit
    /// sofinummer is valid with a leading 0, but guessing that a short input
    /// lost its zero (and not some other digit) would let typing errors in.
    /// Spaces and dots inside the number are refused too, for the same reason.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if !is_ascii_digits_of_len(trimmed, Self::LEN) {
            return Err(ValueError::BsnFormat);
        }
        // 000000000 passes the 11-proef (the sum is 0) but is never issued;
        // it is what an empty numeric field turns into in some exports.
        if trimmed.bytes().all(|b| b == b'0') {
            return Err(ValueError::BsnAllZeros);
        }
        if eleven_test_sum(trimmed) % 11 != 0 {
            return Err(ValueError::BsnChecksum);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The full 9 digits, for storage and for exports to authorised roles
    /// only. Never pass this to a log or error message; use
    /// [`Bsn::masked`] there.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The BSN with all but the last 3 digits hidden, e.g. `******782`: safe
    /// for logs, error messages and screens of roles that may not see BSNs.
    pub fn masked(&self) -> String {
        // The value is 9 ASCII digits, so every byte index is a char boundary.
        let visible = &self.0[Self::LEN - VISIBLE_DIGITS..];
        format!("{}{visible}", "*".repeat(Self::LEN - VISIBLE_DIGITS))
    }
}

/// The weighted 11-proef sum of nine ASCII digits; a valid BSN's sum is a
/// multiple of 11. The sum can be negative (down to -9), which is fine: a
/// negative multiple of 11 also has `% 11 == 0`.
fn eleven_test_sum(digits: &str) -> i32 {
    digits
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| i32::from(digit - b'0') * weight)
        .sum()
}

/// Masked, so a BSN inside any `Debug` output (derived structs, `{:?}` in a
/// log line, a failed assertion) shows only its last 3 digits.
impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bsn({})", self.masked())
    }
}

impl FromStr for Bsn {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Bsn {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// Writes the full 9-digit string: serialising is how a BSN reaches storage
/// and exports for authorised roles. A response for any other role must not
/// contain a `Bsn`; map it to [`Bsn::masked`] first.
impl Serialize for Bsn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Reads a BSN from a string through [`Bsn::parse`]; a number is refused,
/// since it would have lost any leading zero.
///
/// Written by hand, not with `#[serde(try_from = "String")]`, because serde's
/// default type-mismatch error quotes the value ("invalid type: integer
/// `123456782`"). The visitor refuses numbers with a fixed reason instead, for
/// every format that hands it what it found.
///
/// Limitation: `serde_json` checks the type itself before calling the visitor,
/// so a BSN sent as a JSON *number* still yields `serde_json`'s own message,
/// which quotes the number. It asks for a string (`deserialize_str`) anyway:
/// asking for "anything" would make the `csv` crate turn a numeric field into
/// an integer and drop its leading zero. So the API layer must not log raw
/// deserialisation errors of bodies that may hold a BSN.
impl<'de> Deserialize<'de> for Bsn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(BsnVisitor)
    }
}

/// The reason given when a BSN arrives as something other than a string,
/// most likely a number, which would also have lost any leading zero.
const NOT_A_STRING: &str = "must be a string of exactly 9 digits";

/// Turns a string into a [`Bsn`] and refuses everything else without quoting
/// it.
struct BsnVisitor;

impl Visitor<'_> for BsnVisitor {
    type Value = Bsn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NOT_A_STRING)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Bsn, E> {
        Bsn::parse(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bsn, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::custom(ValueError::BsnFormat)),
        }
    }

    // Formats that ignore the `deserialize_str` hint (serde's own value
    // deserializers, some binary formats) call these; the narrower integer and
    // float visits forward to them by default.
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Bsn, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Bsn, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Bsn, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Bsn, E> {
        Err(E::custom(NOT_A_STRING))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Bsn, E> {
        Err(E::custom(NOT_A_STRING))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use proptest::prelude::*;

    use super::Bsn;
    use crate::domain::ValueError;

    /// The 11-proef written out as the specification states it, independent
    /// of the implementation: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 ≡ 0 (mod 11).
    fn reference_eleven_test(bsn: &str) -> bool {
        let d: Vec<i64> = bsn
            .chars()
            .map(|c| i64::from(c.to_digit(10).unwrap()))
            .collect();
        assert_eq!(d.len(), 9);
        let sum =
            9 * d[0] + 8 * d[1] + 7 * d[2] + 6 * d[3] + 5 * d[4] + 4 * d[5] + 3 * d[6] + 2 * d[7]
                - d[8];
        sum.rem_euclid(11) == 0
    }

    /// The check digit that makes eight digits a valid BSN, if there is one
    /// (there is none when the weighted sum leaves remainder 10).
    fn check_digit(first_eight: &[u8]) -> Option<u8> {
        let sum: u32 = first_eight
            .iter()
            .zip((2..=9).rev())
            .map(|(&d, w)| u32::from(d) * w)
            .sum();
        u8::try_from(sum % 11).ok().filter(|&d| d < 10)
    }

    fn to_text(digits: &[u8]) -> String {
        digits.iter().map(|d| char::from(b'0' + d)).collect()
    }

    const VALID: [&str; 4] = ["111222333", "123456782", "999999990", "012345672"];

    #[test]
    fn the_valid_examples_really_pass_the_eleven_test() {
        for bsn in VALID {
            assert!(reference_eleven_test(bsn), "{bsn} is not a valid example");
        }
    }

    #[test]
    fn bsn_accepts_numbers_passing_the_eleven_test() {
        for bsn in VALID {
            assert_eq!(Bsn::parse(bsn).unwrap().as_str(), bsn);
        }
    }

    #[test]
    fn bsn_trims_surrounding_whitespace() {
        assert_eq!(Bsn::parse(" 123456782\n").unwrap().as_str(), "123456782");
    }

    #[test]
    fn bsn_rejects_a_number_failing_the_eleven_test() {
        for bsn in ["123456789", "111222334", "999999999", "100000000"] {
            assert!(
                !reference_eleven_test(bsn),
                "{bsn} is not an invalid example"
            );
            assert_eq!(Bsn::parse(bsn), Err(ValueError::BsnChecksum), "{bsn}");
        }
    }

    #[test]
    fn bsn_rejects_all_zeros_although_it_passes_the_eleven_test() {
        assert!(reference_eleven_test("000000000"));
        assert_eq!(Bsn::parse("000000000"), Err(ValueError::BsnAllZeros));
    }

    #[test]
    fn bsn_rejects_anything_but_exactly_nine_ascii_digits() {
        for input in [
            "",
            "   ",
            "12345678",
            "1234567820",
            "12345678a",
            "123 456 782",
            "123.456.782",
            "-12345678",
            "１２３４５６７８２",
        ] {
            assert_eq!(Bsn::parse(input), Err(ValueError::BsnFormat), "{input:?}");
        }
    }

    #[test]
    fn bsn_reason_for_eight_digits_says_nine_are_required() {
        let reason = Bsn::parse("12345678").unwrap_err().to_string();
        assert!(reason.contains("exactly 9 digits"), "{reason}");
    }

    #[test]
    fn bsn_debug_and_masked_show_only_the_last_three_digits() {
        let bsn = Bsn::parse("123456782").unwrap();
        assert_eq!(bsn.masked(), "******782");
        assert_eq!(format!("{bsn:?}"), "Bsn(******782)");
        assert_eq!(format!("{bsn:#?}"), "Bsn(******782)");
        assert_eq!(format!("{:?}", Some(&bsn)), "Some(Bsn(******782))");
    }

    #[test]
    fn bsn_does_not_implement_display() {
        // Inherent associated items win over trait items when their bounds
        // hold, so `IS_DISPLAY` is true exactly when `T: Display`.
        trait Fallback {
            const IS_DISPLAY: bool = false;
        }
        struct Probe<T>(std::marker::PhantomData<T>);
        impl<T> Fallback for Probe<T> {}
        impl<T: std::fmt::Display> Probe<T> {
            const IS_DISPLAY: bool = true;
        }
        const { assert!(Probe::<String>::IS_DISPLAY, "the probe itself is broken") };
        const { assert!(!Probe::<Bsn>::IS_DISPLAY, "Bsn must not implement Display") };
    }

    #[test]
    fn bsn_serialises_the_full_number_for_storage() {
        let bsn = Bsn::parse("012345672").unwrap();
        assert_eq!(serde_json::to_string(&bsn).unwrap(), r#""012345672""#);
        assert_eq!(serde_json::from_str::<Bsn>(r#""012345672""#).unwrap(), bsn);
    }

    #[test]
    fn bsn_errors_never_echo_the_input() {
        for input in ["123456789", "12345678", "000000000", "12345678a"] {
            let reason = Bsn::parse(input).unwrap_err().to_string();
            assert!(!reason.contains(input), "{reason}");
            let json = serde_json::to_string(input).unwrap();
            let error = serde_json::from_str::<Bsn>(&json).unwrap_err().to_string();
            assert!(!error.contains(input), "{error}");
            assert!(error.contains(&reason), "{error}");
        }
    }

    #[test]
    fn bsn_sent_as_a_json_number_is_refused() {
        // serde_json's own type error quotes the number (see the Deserialize
        // impl); this only pins that the number is not accepted.
        for json in ["123456782", "12345672", "123456782.0"] {
            assert!(serde_json::from_str::<Bsn>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn bsn_visitor_refuses_numbers_without_echoing_them() {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::Error;

        let errors = [
            Bsn::deserialize(IntoDeserializer::<Error>::into_deserializer(
                123_456_782_u64,
            )),
            Bsn::deserialize(IntoDeserializer::<Error>::into_deserializer(
                123_456_782_i64,
            )),
            Bsn::deserialize(IntoDeserializer::<Error>::into_deserializer(
                123_456_782_u32,
            )),
            Bsn::deserialize(IntoDeserializer::<Error>::into_deserializer(
                123_456_782_f64,
            )),
            Bsn::deserialize(IntoDeserializer::<Error>::into_deserializer(
                123_456_782_u128,
            )),
        ];
        for result in errors {
            let error = result.unwrap_err().to_string();
            assert_eq!(error, "must be a string of exactly 9 digits");
        }
    }

    #[test]
    fn bsn_visitor_reads_bytes_and_refuses_invalid_utf8_without_echoing_it() {
        use serde::Deserialize;
        use serde::de::value::{BytesDeserializer, Error};

        let bsn = Bsn::deserialize(BytesDeserializer::<Error>::new(b"123456782")).unwrap();
        assert_eq!(bsn.as_str(), "123456782");
        let error = Bsn::deserialize(BytesDeserializer::<Error>::new(b"12345678\xff"))
            .unwrap_err()
            .to_string();
        assert_eq!(error, ValueError::BsnFormat.to_string());
    }

    fn valid_bsn() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(0u8..=9, 8).prop_filter_map(
            "no check digit, or all zeros",
            |mut digits| {
                let check = check_digit(&digits)?;
                digits.push(check);
                digits.iter().any(|&d| d != 0).then_some(digits)
            },
        )
    }

    proptest! {
        #[test]
        fn bsn_with_a_computed_check_digit_is_valid(digits in valid_bsn()) {
            let text = to_text(&digits);
            prop_assert!(reference_eleven_test(&text));
            let bsn = Bsn::parse(&text).unwrap();
            prop_assert_eq!(bsn.as_str(), text.as_str());
            prop_assert_eq!(Bsn::parse(bsn.as_str()), Ok(bsn));
        }

        #[test]
        fn bsn_with_any_single_digit_changed_is_invalid(digits in valid_bsn()) {
            for position in 0..digits.len() {
                for replacement in (0..=9).filter(|&d| d != digits[position]) {
                    let mut changed = digits.clone();
                    changed[position] = replacement;
                    prop_assert_eq!(
                        Bsn::parse(&to_text(&changed)),
                        Err(ValueError::BsnChecksum),
                        "position {} set to {}", position, replacement
                    );
                }
            }
        }

        #[test]
        fn bsn_with_two_different_adjacent_digits_swapped_is_invalid(digits in valid_bsn()) {
            for position in 0..digits.len() - 1 {
                if digits[position] != digits[position + 1] {
                    let mut swapped = digits.clone();
                    swapped.swap(position, position + 1);
                    prop_assert_eq!(
                        Bsn::parse(&to_text(&swapped)),
                        Err(ValueError::BsnChecksum),
                        "swapped at {}", position
                    );
                }
            }
        }

        #[test]
        fn bsn_parse_agrees_with_the_reference_on_any_nine_digits(text in "[0-9]{9}") {
            let expected = reference_eleven_test(&text) && text != "000000000";
            prop_assert_eq!(Bsn::parse(&text).is_ok(), expected);
        }

        #[test]
        fn bsn_masked_never_reveals_more_than_the_last_three_digits(digits in valid_bsn()) {
            let bsn = Bsn::parse(&to_text(&digits)).unwrap();
            let masked = bsn.masked();
            prop_assert_eq!(&masked[..6], "******");
            prop_assert_eq!(&masked[6..], &bsn.as_str()[6..]);
            prop_assert_eq!(format!("{bsn:?}"), format!("Bsn({masked})"));
        }

        #[test]
        fn bsn_parse_never_panics(input in ".*") {
            let _ = Bsn::parse(&input);
        }

        #[test]
        fn bsn_parse_never_panics_on_printable_text(input in "\\PC*") {
            let _ = Bsn::parse(&input);
        }
    }
}
