//! How domain types are stored: each is written as text and parsed back on
//! every read, so a row struct holds the type instead of a string. A stored
//! text that does not parse is a deserialization error, never a panic.

use chrono::NaiveDate;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Date, Text};
use diesel::sqlite::Sqlite;

use crate::db::connection::MultiBackend;
use crate::domain::rules::{Evidence, RuleId, Severity};
use crate::domain::{
    AuditAction, Bsn, DeclarationStatus, InspectionResult, OccupancySource, ProvisionRole,
    SignalStatus, UsagePurpose,
};

/// Implements `ToSql`/`FromSql` as `Text` and `AsExpression`/`FromSqlRow`
/// for a type with `as_str`, parsing a stored text with `$parse`.
macro_rules! stored_as_text {
    ($ty:ty, |$text:ident| $parse:expr) => {
        const _: () = {
            #[derive(AsExpression, FromSqlRow)]
            #[diesel(foreign_derive)]
            #[diesel(sql_type = Text)]
            #[expect(dead_code, reason = "it only carries the derives for the stored type")]
            struct Proxy($ty);

    stored_as_text!(@backend $ty, MultiBackend);
    stored_as_text!(@backend $ty, Sqlite);
    stored_as_text!(@backend $ty, Pg);

            // Each backend's text is parsed where it lies, not copied first.
            impl FromSql<Text, MultiBackend> for $ty {
                fn from_sql(
                    value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
                ) -> deserialize::Result<Self> {
                    value.from_sql::<Self, Text>()
                }
            }

            impl FromSql<Text, Sqlite> for $ty {
                fn from_sql(
                    mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
                ) -> deserialize::Result<Self> {
                    let $text = value.read_text();
                    $parse
                }
            }

            impl FromSql<Text, Pg> for $ty {
                fn from_sql(
                    value: <Pg as diesel::backend::Backend>::RawValue<'_>,
                ) -> deserialize::Result<Self> {
                    let $text = std::str::from_utf8(value.as_bytes())?;
                    $parse
                }
            }
        };
    };
    // The connection enum binds a value through the backend it wraps, so
    // each backend needs the impls too.
    (@backend $ty:ty, $backend:ty) => {
        impl ToSql<Text, $backend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $backend>) -> serialize::Result {
                <str as ToSql<Text, $backend>>::to_sql(self.as_str(), out)
            }
        }
    };
}

/// The error for a stored name outside its closed set; the name is shown,
/// as it is never personal data.
fn unknown(kind: &str, text: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("the stored {kind} {text:?} is not a known one").into()
}

stored_as_text!(DeclarationStatus, |text| DeclarationStatus::parse(text)
    .ok_or_else(|| unknown("declaration status", text)));
stored_as_text!(SignalStatus, |text| SignalStatus::parse(text)
    .ok_or_else(|| unknown("signal status", text)));
stored_as_text!(OccupancySource, |text| OccupancySource::parse(text)
    .ok_or_else(|| unknown("occupancy source", text)));
stored_as_text!(ProvisionRole, |text| ProvisionRole::parse(text)
    .ok_or_else(|| unknown("housing provision role", text)));
stored_as_text!(InspectionResult, |text| InspectionResult::parse(text)
    .ok_or_else(|| unknown("inspection result", text)));
stored_as_text!(AuditAction, |text| AuditAction::parse(text)
    .ok_or_else(|| unknown("audit action", text)));
stored_as_text!(RuleId, |text| RuleId::parse(text)
    .ok_or_else(|| unknown("rule", text)));
stored_as_text!(Severity, |text| Severity::parse(text)
    .ok_or_else(|| unknown("severity", text)));
stored_as_text!(UsagePurpose, |text| UsagePurpose::parse(text)
    .map_err(|_| unknown("usage purpose", text)));
// The stored text is personal data, so the error does not repeat it.
stored_as_text!(Bsn, |text| Bsn::parse(text)
    .map_err(|e| format!("a stored BSN is not valid: {e}").into()));

// Evidence is read back from its JSON text; it is written through
// `EvidenceJson`, which holds the text the statement borrows.
const _: () = {
    #[derive(FromSqlRow)]
    #[diesel(foreign_derive)]
    #[diesel(sql_type = Text)]
    #[expect(dead_code, reason = "it only carries the derive for the stored type")]
    struct Proxy(Evidence);
};

impl FromSql<Text, MultiBackend> for Evidence {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// A finding's evidence as the JSON text that is stored.
#[derive(Debug, AsExpression)]
#[diesel(sql_type = Text)]
pub struct EvidenceJson(Result<String, String>);

impl From<Evidence> for EvidenceJson {
    fn from(evidence: Evidence) -> Self {
        Self::from(&evidence)
    }
}

impl From<&Evidence> for EvidenceJson {
    /// Serialises now; a failure is reported when the statement binds it.
    fn from(evidence: &Evidence) -> Self {
        Self(serde_json::to_string(evidence).map_err(|e| e.to_string()))
    }
}

macro_rules! evidence_json_to_sql {
    ($($backend:ty),+) => {
        $(
            impl ToSql<Text, $backend> for EvidenceJson {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $backend>) -> serialize::Result {
                    match &self.0 {
                        Ok(text) => <str as ToSql<Text, $backend>>::to_sql(text, out),
                        Err(error) => {
                            Err(format!("the evidence cannot be written as JSON: {error}").into())
                        }
                    }
                }
            }
        )+
    };
}

evidence_json_to_sql!(MultiBackend, Sqlite, Pg);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use diesel::dsl::sql;
    use diesel::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::db::DbConnection;

    fn database() -> DbConnection {
        crate::db::connect(":memory:").unwrap()
    }

    #[test]
    fn a_stored_name_reads_back_as_its_variant() {
        let mut conn = database();
        for status in DeclarationStatus::ALL {
            let read: DeclarationStatus = diesel::select(status.into_sql::<Text>())
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(read, status);
        }
        let read: ProvisionRole = diesel::select(sql::<Text>("'manager'"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(read, ProvisionRole::Manager);
    }

    /// The error's text with the texts of its sources.
    fn chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        text
    }

    #[test]
    fn an_unknown_stored_name_is_a_deserialization_error() {
        let mut conn = database();
        let read =
            diesel::select(sql::<Text>("'Withdrawn'")).get_result::<DeclarationStatus>(&mut conn);
        match read {
            Err(e @ diesel::result::Error::DeserializationError(_)) => {
                assert!(chain(&e).contains("declaration status"), "{}", chain(&e));
            }
            other => panic!("expected a deserialization error, got {other:?}"),
        }
        assert!(
            diesel::select(sql::<Text>("'sometimes'"))
                .get_result::<SignalStatus>(&mut conn)
                .is_err()
        );
    }

    #[test]
    fn an_invalid_stored_bsn_is_an_error_that_does_not_repeat_it() {
        use diesel::connection::SimpleConnection as _;

        use crate::db::schema::people;

        let mut conn = database();
        crate::db::run_migrations(&mut conn).unwrap();
        conn.batch_execute(
            "INSERT INTO people (bsn, family_name, given_names, date_of_birth, created_at, updated_at) \
             VALUES ('123456789', 'J', 'P', '1990-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        )
        .unwrap();
        let read = people::table
            .select(people::bsn)
            .get_result::<Option<Bsn>>(&mut conn);
        let Err(error) = read else {
            panic!("an invalid BSN was read");
        };
        assert!(chain(&error).contains("BSN"), "{}", chain(&error));
        assert!(!chain(&error).contains("123456789"), "{}", chain(&error));
        let valid: Bsn = diesel::select(sql::<Text>("'111222333'"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(valid.as_str(), "111222333");
    }

    #[test]
    fn evidence_is_stored_as_json_text_and_read_back_equal() {
        let mut conn = database();
        let evidence = Evidence {
            summary: "5 occupants on 38 m²".to_owned(),
            measured: json!({"occupants": 5, "m2PerOccupant": 7.6, "ratio": 0.1 + 0.2}),
            threshold: json!({"m2PerOccupant": 12}),
            norm: "Bouwbesluit 2012 art. 7.18".to_owned(),
        };
        let text: String = diesel::select(EvidenceJson::from(&evidence).into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(text, serde_json::to_string(&evidence).unwrap());
        let read: Evidence = diesel::select(EvidenceJson::from(&evidence).into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(read, evidence);
        assert!(
            diesel::select(sql::<Text>("'not json'"))
                .get_result::<Evidence>(&mut conn)
                .is_err()
        );
    }

    #[test]
    fn a_stored_day_is_read_as_the_format_parser_reads_it() {
        for text in [
            "2026-11-27",
            "1970-01-01",
            "2024-02-29",
            "0001-01-01",
            "9999-12-31",
        ] {
            assert_eq!(
                iso_day(text),
                Some(NaiveDate::parse_from_str(text, "%F").unwrap_or_default()),
                "{text}"
            );
        }
        for text in [
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-27",
            "2026-11-27 ",
            "20261127",
            "2026-11-2x",
            "+2026-11-27",
        ] {
            assert_eq!(iso_day(text), None, "{text}");
        }
    }
}

/// A stored date, read without chrono's general format parser: SQLite
/// holds a date as `YYYY-MM-DD` text, and judging a city reads two dates
/// for each of its occupancies, where parsing them by format took a tenth
/// of the time. Any other form is read as [`NaiveDate`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, FromSqlRow)]
pub struct Day(pub NaiveDate);

/// `YYYY-MM-DD` with four-digit year, or `None`.
fn iso_day(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *bytes else {
        return None;
    };
    let digits = |ds: &[u8]| {
        ds.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(digits(&[y1, y2, y3, y4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&[m1, m2])?, digits(&[d1, d2])?)
}

impl FromSql<Date, Sqlite> for Day {
    fn from_sql(
        mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        if let Some(day) = iso_day(value.read_text()) {
            return Ok(Self(day));
        }
        <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Date, Pg> for Day {
    fn from_sql(
        value: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Date, MultiBackend> for Day {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Date>()
    }
}
