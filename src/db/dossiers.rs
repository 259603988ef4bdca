//! Queries only an address's dossier needs: the declarations filed for it,
//! its occupants' current employers and the open signals around it.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::addresses::Address;
use crate::db::declarations::Declaration;
use crate::db::employments::Employment;
use crate::db::organisations::Organisation;
use crate::db::schema::{addresses, declarations, employments, organisations, signals};
use crate::db::signals::{Signal, rd_cells_around};
use crate::domain::SignalStatus;

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
    // The open signals of the grid cells that cover the square, by the
    // `(status, rd_cell)` index: a few dozen rows, however many addresses
    // lie around the point or open signals the city has.
    let mut found: Vec<(Signal, Address)> = signals::table
        .inner_join(addresses::table)
        .filter(signals::status.eq(SignalStatus::Open))
        .filter(signals::rd_cell.eq_any(rd_cells_around(rd_x, rd_y, radius_m)))
        .filter(addresses::rd_x.between(rd_x - radius_m, rd_x + radius_m))
        .filter(addresses::rd_y.between(rd_y - radius_m, rd_y + radius_m))
        .select((Signal::as_select(), Address::as_select()))
        .load(conn)?;
    found.sort_by_key(|(signal, _)| (std::cmp::Reverse(signal.score), signal.id));
    Ok(found)
}
