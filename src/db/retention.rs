//! Queries of the retention run: who is past the retention period, and the
//! removal of their personal data, of old inspections and of signals
//! closed long ago.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{declarations, employments, inspections, occupancies, people, signals};
use crate::domain::SignalStatus;

/// The family name a person keeps after removal, while declarations still
/// refer to the row.
pub const REMOVED: &str = "(removed)";

/// People whose every occupancy and employment ended before `cutoff` and
/// whose row has not changed since, not yet removed.
pub fn people_past(conn: &mut DbConnection, cutoff: NaiveDate) -> QueryResult<Vec<i64>> {
    let living: HashSet<i64> = occupancies::table
        .filter(
            occupancies::end_date
                .is_null()
                .or(occupancies::end_date.ge(cutoff)),
        )
        .select(occupancies::person_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let working: HashSet<i64> = employments::table
        .filter(
            employments::end_date
                .is_null()
                .or(employments::end_date.ge(cutoff)),
        )
        .select(employments::person_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let stale: Vec<i64> = people::table
        .filter(people::updated_at.lt(cutoff.and_time(chrono::NaiveTime::MIN)))
        .filter(people::family_name.ne(REMOVED))
        .order(people::id)
        .select(people::id)
        .load(conn)?;
    Ok(stale
        .into_iter()
        .filter(|id| !living.contains(id) && !working.contains(id))
        .collect())
}

/// Removes these people's occupancies, employments and personal data. A
/// person a declaration still refers to keeps a row without names, BSN or
/// nationality and with only the year of birth; the others are deleted.
/// The declarations lose their household labels and the worker's
/// personal fields as declared (the year of birth stays). Gives the rows
/// deleted.
pub fn remove_people(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    let mut deleted = 0;
    for chunk in ids.chunks(500) {
        let chunk = chunk.to_vec();
        deleted +=
            diesel::delete(occupancies::table.filter(occupancies::person_id.eq_any(chunk.clone())))
                .execute(conn)?;
        deleted +=
            diesel::delete(employments::table.filter(employments::person_id.eq_any(chunk.clone())))
                .execute(conn)?;
        // A declaration keeps the worker as declared: that goes too.
        diesel::update(declarations::table.filter(declarations::person_id.eq_any(chunk.clone())))
            .set((
                declarations::household.eq(None::<String>),
                declarations::worker_bsn.eq(None::<String>),
                declarations::worker_family_name.eq(REMOVED),
                declarations::worker_given_names.eq(""),
                declarations::worker_nationality.eq(None::<String>),
            ))
            .execute(conn)?;
        let declared: HashSet<i64> = declarations::table
            .filter(declarations::person_id.eq_any(chunk.clone()))
            .select(declarations::person_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        for id in chunk {
            if declared.contains(&id) {
                let born: NaiveDate = people::table
                    .find(id)
                    .select(people::date_of_birth)
                    .get_result(conn)?;
                let year_only =
                    NaiveDate::from_ymd_opt(chrono::Datelike::year(&born), 1, 1).unwrap_or(born);
                diesel::update(people::table.find(id))
                    .set((
                        people::bsn.eq(None::<String>),
                        people::family_name.eq(REMOVED),
                        people::given_names.eq(""),
                        people::nationality.eq(None::<String>),
                        people::date_of_birth.eq(year_only),
                        people::updated_at.eq(crate::db::now()),
                    ))
                    .execute(conn)?;
                diesel::update(declarations::table.filter(declarations::person_id.eq(id)))
                    .set(declarations::worker_date_of_birth.eq(year_only))
                    .execute(conn)?;
            } else {
                deleted += diesel::delete(people::table.find(id)).execute(conn)?;
            }
        }
    }
    Ok(deleted)
}

/// Inspections visited before `before`.
pub fn inspections_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<Vec<i64>> {
    inspections::table
        .filter(inspections::visited_at.lt(before))
        .select(inspections::id)
        .load(conn)
}

/// Deletes these inspections.
pub fn delete_inspections(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    let mut deleted = 0;
    for chunk in ids.chunks(500) {
        deleted +=
            diesel::delete(inspections::table.filter(inspections::id.eq_any(chunk.to_vec())))
                .execute(conn)?;
    }
    Ok(deleted)
}

/// Signals closed before `before`.
pub fn signals_closed_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    signals::table
        .filter(signals::status.eq(SignalStatus::Closed))
        .filter(signals::closed_at.lt(before))
        .select(signals::id)
        .load(conn)
}

/// Deletes these signals.
pub fn delete_signals(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    let mut deleted = 0;
    for chunk in ids.chunks(500) {
        deleted += diesel::delete(signals::table.filter(signals::id.eq_any(chunk.to_vec())))
            .execute(conn)?;
    }
    Ok(deleted)
}
