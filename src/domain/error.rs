//! The single error type for refusing untrusted input as a domain value.
//!
//! Each variant's `Display` text is a short English reason, worded to be shown
//! to an API client as `invalidParams[].reason` next to the field name the
//! caller supplies. The variants carry no data on purpose: a reason never
//! echoes the rejected input back, so a refused BSN cannot leak through an
//! error message, a log line or a problem document.

/// Why a piece of untrusted input is not a valid domain value.
///
/// `to_string()` gives the client-facing reason, e.g. "must be exactly 8
/// digits". The field name is not part of the reason: the caller knows which
/// field it parsed and pairs the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ValueError {
    /// A postcode is not four digits followed by two letters.
    #[error("must be 4 digits and 2 letters, like 3131AB")]
    PostcodeFormat,
    /// A postcode starts with 0; postcodes are numbered from 1000.
    #[error("must not start with 0")]
    PostcodeLeadingZero,
    /// A postcode ends in a letter pair that is never issued.
    #[error("must not end in SA, SD or SS; those letters are not issued")]
    PostcodeUnissuedLetters,
    /// A house number is not a whole number in the BAG range.
    #[error("must be a whole number from 1 to 99999")]
    HouseNumber,
    /// A house letter is not exactly one ASCII letter.
    #[error("must be a single letter, like A")]
    HouseLetter,
    /// A house-number addition is not 1–4 ASCII letters or digits.
    #[error("must be 1 to 4 letters or digits, like 2HG")]
    HouseNumberAddition,
    /// A BAG identifier is not exactly 16 digits.
    #[error("must be exactly 16 digits")]
    BagId,
    /// A Chamber of Commerce number is not exactly 8 digits.
    #[error("must be exactly 8 digits")]
    KvkNumber,
    /// A BSN is not exactly 9 digits. The hint covers the common case of an
    /// old 8-digit number whose leading zero was dropped by a spreadsheet.
    #[error("must be exactly 9 digits; prefix an 8-digit number with 0")]
    BsnFormat,
    /// A BSN has 9 digits but fails the check-digit test.
    #[error("fails the 11-proef")]
    BsnChecksum,
    /// A BSN is 000000000, which passes the 11-proef but is never issued.
    #[error("must not be all zeros")]
    BsnAllZeros,
    /// A usage purpose is not one of the wire names.
    #[error("must be one of residential, lodging, industrial, office, retail, other")]
    UsagePurpose,
    /// Text holds a control character (NUL, a line break, a tab, ...) or a
    /// bidirectional formatting character.
    #[error("must not contain control characters or bidirectional formatting characters")]
    ControlCharacter,
    /// A date is not exactly `YYYY-MM-DD` or does not exist.
    #[error("must be a valid date, YYYY-MM-DD")]
    DateFormat,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::ValueError;

    #[test]
    fn reasons_are_short_lower_case_sentences_without_a_full_stop() {
        let all = [
            ValueError::PostcodeFormat,
            ValueError::PostcodeLeadingZero,
            ValueError::PostcodeUnissuedLetters,
            ValueError::HouseNumber,
            ValueError::HouseLetter,
            ValueError::HouseNumberAddition,
            ValueError::BagId,
            ValueError::KvkNumber,
            ValueError::BsnFormat,
            ValueError::BsnChecksum,
            ValueError::BsnAllZeros,
            ValueError::UsagePurpose,
            ValueError::ControlCharacter,
            ValueError::DateFormat,
        ];
        for error in all {
            let reason = error.to_string();
            assert!(!reason.is_empty(), "{error:?} has an empty reason");
            assert!(reason.len() <= 80, "{error:?} reason is too long: {reason}");
            assert!(
                reason.starts_with(|c: char| c.is_ascii_lowercase()),
                "{error:?} reason should read on after a field name: {reason}"
            );
            assert!(
                !reason.ends_with('.'),
                "{error:?} reason ends with a full stop"
            );
        }
    }
}
