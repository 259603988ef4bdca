//! Calendar dates as they arrive on the wire: exactly `YYYY-MM-DD`.
//!
//! chrono's `%Y-%m-%d` also takes `2026-11-1`, `+2026-11-01` and
//! `2026-11-01 ` padded forms; a register compares dates as text in
//! exports and audit entries, so only the one ISO 8601 form is accepted.

use chrono::NaiveDate;

use super::ValueError;

/// Parses a date written exactly as `YYYY-MM-DD` (ten ASCII characters)
/// that exists in the calendar.
pub fn parse_date(text: &str) -> Result<NaiveDate, ValueError> {
    let bytes = text.as_bytes();
    let is_shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !is_shaped {
        return Err(ValueError::DateFormat);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ValueError::DateFormat)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use chrono::NaiveDate;

    use super::parse_date;
    use crate::domain::ValueError;

    #[test]
    fn a_full_iso_date_parses() {
        assert_eq!(
            parse_date("2026-11-01"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
        );
        assert_eq!(
            parse_date("2028-02-29"),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap())
        );
    }

    #[test]
    fn short_padded_signed_or_impossible_dates_are_refused() {
        for text in [
            "2026-11-1",
            "2026-1-01",
            "26-11-01",
            "+2026-11-01",
            " 2026-11-01",
            "2026-11-01 ",
            "2026/11/01",
            "2026-13-01",
            "2026-02-30",
            "2027-02-29",
            "2026-11-0１",
            "",
            "20261101",
            "2026-11-01T00:00:00Z",
        ] {
            assert_eq!(parse_date(text), Err(ValueError::DateFormat), "{text:?}");
        }
    }
}
