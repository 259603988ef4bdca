//! Queries only an address's dossier needs: the declarations filed for it,
//! its occupants' current employers and the open signals around it.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::addresses::Address;
use crate::db::declarations::Declaration;
use crate::db::employments::Employment;
use crate::db::organisations::Organisation;
use crate::db::schema::{addresses, declarations, employments, organisations};
use crate::db::signals::Signal;

/// Every declaration filed for the address, with the filing agency, the
/// newest first.
pub fn declarations_at(
    conn: &mut DbConnection,
    address_id: i64,
) -> QueryResult<Vec<(Declaration, Organisation)>> {
    declarations::table
        .inner_join(organisations::table.on(organisations::id.eq(declarations::agency_id)))
        .filter(declarations::address_id.eq(address_id))
        .order((declarations::filed_at.desc(), declarations::id.desc()))
        .select((Declaration::as_select(), Organisation::as_select()))
        .load(conn)
}

/// The employments of these people that are current on `day`, with the
/// employer.
pub fn current_employments(
    conn: &mut DbConnection,
    person_ids: &[i64],
    day: NaiveDate,
) -> QueryResult<Vec<(Employment, Organisation)>> {
    employments::table
        .inner_join(organisations::table)
        .filter(employments::person_id.eq_any(person_ids.to_vec()))
        .filter(employments::start_date.le(day))
        .filter(
            employments::end_date
                .is_null()
                .or(employments::end_date.ge(day)),
        )
        .order((employments::start_date, employments::id))
        .select((Employment::as_select(), Organisation::as_select()))
        .load(conn)
}

/// Open signals of addresses in the square of half-side `radius_m` around
/// the RD point (the caller cuts the circle), with their addresses.
pub fn open_signals_around(
    conn: &mut DbConnection,
    rd_x: f64,
    rd_y: f64,
    radius_m: f64,
) -> QueryResult<Vec<(Signal, Address)>> {
    // The addresses in the square by the RD index first, then their open
    // signals by the address index: in one joined statement SQLite starts
    // from every open signal of the city.
    let around: Vec<i64> = addresses::table
        .filter(addresses::rd_x.between(rd_x - radius_m, rd_x + radius_m))
        .filter(addresses::rd_y.between(rd_y - radius_m, rd_y + radius_m))
        .select(addresses::id)
        .load(conn)?;
    let open = crate::db::signals::open_for(conn, Some(&around))?;
    let mut signalled: Vec<i64> = open.iter().map(|s| s.address_id).collect();
    signalled.sort_unstable();
    signalled.dedup();
    let places: HashMap<i64, Address> = crate::db::addresses::by_ids(conn, &signalled)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut found: Vec<(Signal, Address)> = open
        .into_iter()
        .filter_map(|signal| {
            let place = places.get(&signal.address_id)?.clone();
            Some((signal, place))
        })
        .collect();
    found.sort_by_key(|(signal, _)| (std::cmp::Reverse(signal.score), signal.id));
    Ok(found)
}
