//! Queries only an address's dossier needs: its current occupants with
//! their employers, the declarations filed for it and their workers, its
//! open signals and the open signals around it. Each is one statement of a
//! fixed shape (no `IN` list of values), so SQLite prepares it once per
//! connection and not on every read.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::addresses::Address;
use crate::db::declarations::Declaration;
use crate::db::employments::Employment;
use crate::db::occupancies::{Occupancy, current_on};
use crate::db::organisations::Organisation;
use crate::db::people::Person;
use crate::db::schema::{
    addresses, declarations, employments, occupancies, organisations, people, signals,
};
use crate::db::signals::{Signal, rd_cell_ranges_around};
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

/// The workers declared at the address.
pub fn declared_workers(conn: &mut DbConnection, address_id: i64) -> QueryResult<Vec<Person>> {
    let declared = declarations::table
        .filter(declarations::address_id.eq(address_id))
        .select(declarations::person_id);
    people::table
        .filter(people::id.eq_any(declared))
        .select(Person::as_select())
        .load(conn)
}

/// The occupancies at the address that are current on `day`, each with its
/// person, in the order they were recorded.
pub fn current_occupants(
    conn: &mut DbConnection,
    address_id: i64,
    day: NaiveDate,
) -> QueryResult<Vec<(Occupancy, Person)>> {
    occupancies::table
        .inner_join(people::table)
        .filter(occupancies::address_id.eq(address_id))
        .filter(current_on(day))
        .order(occupancies::id)
        .select((Occupancy::as_select(), Person::as_select()))
        .load(conn)
}

/// The employments current on `day` of the people living at the address
/// on `day`, with the employer.
pub fn current_employments(
    conn: &mut DbConnection,
    address_id: i64,
    day: NaiveDate,
) -> QueryResult<Vec<(Employment, Organisation)>> {
    let occupants = occupancies::table
        .filter(occupancies::address_id.eq(address_id))
        .filter(current_on(day))
        .select(occupancies::person_id);
    employments::table
        .inner_join(organisations::table)
        .filter(employments::person_id.eq_any(occupants))
        .filter(crate::db::employments::current_on(day))
        .order((employments::start_date, employments::id))
        .select((Employment::as_select(), Organisation::as_select()))
        .load(conn)
}

/// The open signals of the address, by the `(status, address_id)` index.
pub fn open_signals_at(conn: &mut DbConnection, address_id: i64) -> QueryResult<Vec<Signal>> {
    signals::table
        .filter(signals::status.eq(SignalStatus::Open))
        .filter(signals::address_id.eq(address_id))
        .select(Signal::as_select())
        .load(conn)
}

/// Open signals of addresses in the square of half-side `radius_m` around
/// the RD point (the caller cuts the circle), with their addresses, most
/// serious first.
pub fn open_signals_around(
    conn: &mut DbConnection,
    rd_x: f64,
    rd_y: f64,
    radius_m: f64,
) -> QueryResult<Vec<(Signal, Address)>> {
    // The open signals of the grid cells that cover the square, by the
    // `(status, rd_cell)` index: a few dozen rows, however many addresses
    // lie around the point or open signals the city has. The cells of a
    // grid column are one range of keys; a radius of up to one cell spans
    // three columns, read in one statement of a fixed shape (a shorter
    // list repeats its last range). Each range names the status, so that
    // SQLite reads each from the index.
    let open_in = |(first, last): (i64, i64)| {
        signals::status
            .eq(SignalStatus::Open)
            .and(signals::rd_cell.between(first, last))
    };
    let mut found: Vec<(Signal, Address)> = Vec::new();
    for columns in rd_cell_ranges_around(rd_x, rd_y, radius_m).chunks(3) {
        let [a, b, c] = [0, 1, 2].map(|i| columns[i.min(columns.len() - 1)]);
        found.extend(
            signals::table
                .inner_join(addresses::table)
                .filter(open_in(a).or(open_in(b)).or(open_in(c)))
                .filter(addresses::rd_x.between(rd_x - radius_m, rd_x + radius_m))
                .filter(addresses::rd_y.between(rd_y - radius_m, rd_y + radius_m))
                .select((Signal::as_select(), Address::as_select()))
                .load::<(Signal, Address)>(conn)?,
        );
    }
    found.sort_by_key(|(signal, _)| (std::cmp::Reverse(signal.score), signal.id));
    // Ranges of far-off cells could share keys, and a wide square is read
    // in several statements; a signal is listed once.
    found.dedup_by_key(|(signal, _)| signal.id);
    Ok(found)
}
