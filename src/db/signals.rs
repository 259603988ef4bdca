//! Queries on `signals`: what the rules found per address, kept current.
//! A signal that no longer holds is closed, never deleted, so its first and
//! last sighting stay on record.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, BoxedSqlQuery, QueryFragment, QueryId, SqlQuery};
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
use diesel::sqlite::Sqlite;

use crate::db::addresses::Address;
use crate::db::schema::{addresses, signals};
use crate::db::stored::EvidenceJson;
use crate::db::{DbConnection, Page, load_in_chunks};
use crate::domain::SignalStatus;
use crate::domain::rules::{Evidence, RuleId, Severity};

/// How many rows one statement writes or names at most; keeps SQLite's
/// bound-parameter limit far away.
const CHUNK: usize = 500;

/// The side of a cell of the RD grid that signals are filed under by
/// their address's position (`signals.rd_cell`), in metres.
pub const RD_CELL_M: f64 = 250.0;

/// The key of the grid cell that holds the RD point: `floor(x / 250) *
/// 10000 + floor(y / 250)`, as the database's triggers compute it for each
/// signal (see the migration `signal_cells`).
pub fn rd_cell(rd_x: f64, rd_y: f64) -> i64 {
    cell_column(rd_x) * 10_000 + cell_column(rd_y)
}

/// The grid column (or row) of an RD coordinate.
#[expect(
    clippy::cast_possible_truncation,
    reason = "RD coordinates are hundreds of kilometres at most; a cell number fits with room"
)]
fn cell_column(coordinate: f64) -> i64 {
    (coordinate / RD_CELL_M).floor() as i64
}

/// The ranges of grid-cell keys that together hold every point of the
/// square of half-side `radius_m` around the RD point, one per grid column:
/// the cells of a column have consecutive keys. The cell of a coordinate
/// grows with it, so a point of the square lies in a cell from the one of
/// the square's lower edge to the one of its upper edge, on each axis.
pub fn rd_cell_ranges_around(rd_x: f64, rd_y: f64, radius_m: f64) -> Vec<(i64, i64)> {
    let (bottom, top) = (cell_column(rd_y - radius_m), cell_column(rd_y + radius_m));
    (cell_column(rd_x - radius_m)..=cell_column(rd_x + radius_m))
        .map(|column| (column * 10_000 + bottom, column * 10_000 + top))
        .collect()
}

/// A stored signal.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = signals)]
pub struct Signal {
    /// Row id.
    pub id: i64,
    /// The address.
    pub address_id: i64,
    /// The rule.
    pub rule: RuleId,
    /// How serious.
    pub severity: Severity,
    /// The rule's weight in the risk score.
    pub score: i32,
    /// Why the rule fired, stored as JSON text.
    pub evidence: Evidence,
    /// Whether it still holds.
    pub status: SignalStatus,
    /// The rule-set version that last produced it.
    pub rule_set_version: String,
    /// When it was first found.
    pub first_seen_at: NaiveDateTime,
    /// When its current finding was last established: when it was opened,
    /// or when an evaluation last found it with changed evidence,
    /// severity, score or rule-set version. An evaluation that finds it
    /// again unchanged writes nothing, so an open signal still holds as of
    /// the latest evaluation even where this time is older.
    pub last_seen_at: NaiveDateTime,
    /// When it stopped holding.
    pub closed_at: Option<NaiveDateTime>,
}

impl Signal {
    /// The signal's weight in its address's risk score. The database
    /// refuses a negative score, so none is ever read.
    pub fn weight(&self) -> u32 {
        Self::weight_of(self.score)
    }

    fn weight_of(score: i32) -> u32 {
        u32::try_from(score).unwrap_or(0)
    }

    /// Whether the rule still fires.
    pub fn is_open(&self) -> bool {
        self.status == SignalStatus::Open
    }
}

/// A newly found signal.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = signals, treat_none_as_default_value = false)]
pub struct NewSignal {
    /// The address.
    pub address_id: i64,
    /// The rule.
    pub rule: RuleId,
    /// Severity.
    pub severity: Severity,
    /// Weight.
    pub score: i32,
    /// Evidence, stored as JSON text.
    #[diesel(serialize_as = EvidenceJson)]
    pub evidence: Evidence,
    /// Always open.
    pub status: SignalStatus,
    /// Rule-set version.
    pub rule_set_version: String,
    /// Now.
    pub first_seen_at: NaiveDateTime,
    /// Now: when this finding was established (see [`Signal::last_seen_at`]).
    pub last_seen_at: NaiveDateTime,
}

/// An open signal as an evaluation compares it with what the rules find
/// now: its evidence is the stored JSON text, compared as text and not
/// parsed.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = signals)]
pub struct OpenFinding {
    /// Row id.
    pub id: i64,
    /// The address.
    pub address_id: i64,
    /// The rule.
    pub rule: RuleId,
    /// How serious.
    pub severity: Severity,
    /// The rule's weight.
    pub score: i32,
    /// The evidence as stored: JSON text.
    pub evidence: String,
    /// The rule-set version that last produced it.
    pub rule_set_version: String,
}

/// The open signals of the addresses with an id from `first` to `last`,
/// found through the index on status and address.
pub fn open_findings_between(
    conn: &mut DbConnection,
    first: i64,
    last: i64,
) -> QueryResult<Vec<OpenFinding>> {
    signals::table
        .filter(signals::status.eq(SignalStatus::Open))
        .filter(signals::address_id.between(first, last))
        .select(OpenFinding::as_select())
        .load(conn)
}

/// The open signals of these addresses, found through the index on status
/// and address, whatever the number of open signals in the city.
pub fn open_findings_of(
    conn: &mut DbConnection,
    address_ids: &[i64],
) -> QueryResult<Vec<OpenFinding>> {
    load_in_chunks(address_ids, |chunk| {
        signals::table
            .filter(signals::status.eq(SignalStatus::Open))
            .filter(signals::address_id.eq_any(chunk))
            .select(OpenFinding::as_select())
            .load(conn)
    })
}

/// The open signals of these addresses (`None`: of all addresses).
pub fn open_for(conn: &mut DbConnection, address_ids: Option<&[i64]>) -> QueryResult<Vec<Signal>> {
    match address_ids {
        None => signals::table
            .filter(signals::status.eq(SignalStatus::Open))
            .select(Signal::as_select())
            .load(conn),
        // By address only, open or not, so that the address index is used
        // however many open signals the city has; the few closed ones of
        // these addresses are left out here.
        Some(ids) => Ok(load_in_chunks(ids, |chunk| {
            signals::table
                .filter(signals::address_id.eq_any(chunk))
                .select(Signal::as_select())
                .load(conn)
        })?
        .into_iter()
        .filter(|signal: &Signal| signal.status == SignalStatus::Open)
        .collect()),
    }
}

/// Every signal of the address, open or closed, by the index on address.
pub fn of_address(conn: &mut DbConnection, address_id: i64) -> QueryResult<Vec<Signal>> {
    signals::table
        .filter(signals::address_id.eq(address_id))
        .select(Signal::as_select())
        .load(conn)
}

/// Stores new signals, many rows per statement.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewSignal]) -> QueryResult<usize> {
    Ok(insert_rows!(conn, signals::table, rows, Clone::clone))
}

/// A changed finding of an open signal: the signal, what was found, and
/// its evidence as JSON text.
pub type Refresh<'a> = (i64, &'a NewSignal, &'a str);

/// The statement refreshing `rows` on PostgreSQL: each signal takes its
/// severity, score, evidence and rule-set version from the row naming it,
/// and all were last found at `at`.
fn pg_refresh_statement<'a>(
    rows: &'a [Refresh<'a>],
    at: NaiveDateTime,
) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    let values: Vec<String> = (0..rows.len())
        .map(|row| {
            let first = 2 + row * 5;
            let placeholders: Vec<String> = (first..first + 5).map(|n| format!("${n}")).collect();
            format!("({})", placeholders.join(", "))
        })
        .collect();
    let sql = format!(
        "WITH v (id, severity, score, evidence, version) AS (VALUES {}) \
         UPDATE signals SET severity = v.severity, score = v.score, \
         evidence = v.evidence, rule_set_version = v.version, last_seen_at = $1 \
         FROM v WHERE signals.id = v.id",
        values.join(", "),
    );
    let mut query = diesel::sql_query(sql)
        .into_boxed::<Pg>()
        .bind::<Timestamp, _>(at);
    for (id, finding, evidence) in rows {
        query = query
            .bind::<BigInt, _>(*id)
            .bind::<Text, _>(finding.severity)
            .bind::<Integer, _>(finding.score)
            .bind::<Text, _>(*evidence)
            .bind::<Text, _>(finding.rule_set_version.as_str());
    }
    query
}

/// Signals one refreshing statement names at most.
const REFRESH_CHUNK: usize = 200;

/// One signal's refresh on SQLite, as a statement of one fixed text that
/// the connection keeps prepared: Diesel keeps no `UPDATE` or `sql_query`
/// prepared, whatever its text.
struct SqliteRefresh<'a> {
    row: &'a Refresh<'a>,
    at: NaiveDateTime,
}

impl QueryId for SqliteRefresh<'_> {
    type QueryId = SqliteRefresh<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Sqlite> for SqliteRefresh<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        let (id, finding, evidence) = self.row;
        out.push_sql("UPDATE signals SET severity = ");
        out.push_bind_param::<Text, _>(&finding.severity)?;
        out.push_sql(", score = ");
        out.push_bind_param::<Integer, _>(&finding.score)?;
        out.push_sql(", evidence = ");
        out.push_bind_param::<Text, _>(*evidence)?;
        out.push_sql(", rule_set_version = ");
        out.push_bind_param::<Text, _>(&finding.rule_set_version)?;
        out.push_sql(", last_seen_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(id)?;
        Ok(())
    }
}

impl RunQueryDsl<SqliteConnection> for SqliteRefresh<'_> {}

/// Records changed findings on open signals: each its evidence as JSON
/// text, and `at` as when it was last found. On PostgreSQL many go in one
/// statement, one round trip. SQLite, in the process, updates them one by
/// one with a statement it prepares once (`SqliteRefresh`): one statement
/// for many had to be prepared anew on every run, which cost more than
/// the updates.
pub fn refresh_many(
    conn: &mut DbConnection,
    rows: &[Refresh<'_>],
    at: NaiveDateTime,
) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            for row in rows {
                SqliteRefresh { row, at }.execute(c)?;
            }
        }
        DbConnection::Postgresql(c) => {
            for chunk in rows.chunks(REFRESH_CHUNK) {
                pg_refresh_statement(chunk, at).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Closes these signals: they no longer hold.
pub fn close(conn: &mut DbConnection, ids: &[i64], at: NaiveDateTime) -> QueryResult<()> {
    for chunk in ids.chunks(CHUNK) {
        diesel::update(signals::table.filter(signals::id.eq_any(chunk.to_vec())))
            .set((
                signals::status.eq(SignalStatus::Closed),
                signals::closed_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The number of open signals.
pub fn count_open(conn: &mut DbConnection) -> QueryResult<i64> {
    signals::table
        .filter(signals::status.eq(SignalStatus::Open))
        .count()
        .get_result(conn)
}

/// Filters of the signal list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalFilter {
    /// Only in this CBS buurt.
    pub neighbourhood_code: Option<String>,
    /// Only of this rule.
    pub rule: Option<RuleId>,
    /// Only with at least this score.
    pub min_score: Option<i32>,
    /// Only with this status.
    pub status: Option<SignalStatus>,
    /// Only of this address.
    pub address_id: Option<i64>,
}

type SignalWithAddress = (Signal, Address);

/// Signals joined with their addresses, as [`Signal`] and [`Address`].
type SignalsWithAddresses = diesel::dsl::Select<
    diesel::dsl::InnerJoin<signals::table, addresses::table>,
    (
        diesel::dsl::AsSelect<Signal, crate::db::connection::MultiBackend>,
        diesel::dsl::AsSelect<Address, crate::db::connection::MultiBackend>,
    ),
>;

/// `query` (a boxed query over `signals`, joined or not) with the
/// conditions of `filter` on the signal's own columns.
macro_rules! with_signal_conditions {
    ($query:expr, $filter:expr) => {{
        let (mut query, filter) = ($query, $filter);
        if let Some(rule) = &filter.rule {
            query = query.filter(signals::rule.eq(*rule));
        }
        if let Some(min) = filter.min_score {
            query = query.filter(signals::score.ge(min));
        }
        if let Some(status) = &filter.status {
            query = query.filter(signals::status.eq(*status));
        }
        if let Some(id) = filter.address_id {
            query = query.filter(signals::address_id.eq(id));
        }
        query
    }};
}

fn filtered(
    filter: &SignalFilter,
) -> diesel::dsl::IntoBoxed<'static, SignalsWithAddresses, crate::db::connection::MultiBackend> {
    let mut query = signals::table
        .inner_join(addresses::table)
        .select((Signal::as_select(), Address::as_select()))
        .into_boxed();
    if let Some(code) = &filter.neighbourhood_code {
        query = query.filter(addresses::neighbourhood_code.eq(code.clone()));
    }
    with_signal_conditions!(query, filter)
}

/// The number of signals that pass `filter`; without a buurt to filter
/// on, counted in the signals' indexes alone, without visiting addresses
/// (every signal has one).
fn count(conn: &mut DbConnection, filter: &SignalFilter) -> QueryResult<i64> {
    if filter.neighbourhood_code.is_some() {
        return filtered(filter).count().get_result(conn);
    }
    with_signal_conditions!(signals::table.into_boxed(), filter)
        .count()
        .get_result(conn)
}

/// One page of signals with their addresses, most serious first, and the
/// total; `page` of `None` returns every match. The order is the one of
/// the index on status, score and id, so a page is read from the index.
pub fn list(
    conn: &mut DbConnection,
    filter: &SignalFilter,
    page: Option<Page>,
) -> QueryResult<(Vec<SignalWithAddress>, i64)> {
    let query = filtered(filter).order((signals::score.desc(), signals::id));
    let Some(page) = page else {
        let rows: Vec<SignalWithAddress> = query.load(conn)?;
        let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        return Ok((rows, total));
    };
    let total = count(conn, filter)?;
    let rows = query.limit(page.size).offset(page.offset()).load(conn)?;
    Ok((rows, total))
}

/// Every open signal's address, buurt and score, for aggregates.
pub fn open_scores(conn: &mut DbConnection) -> QueryResult<Vec<(i64, Option<String>, u32)>> {
    let rows: Vec<(i64, Option<String>, i32)> = signals::table
        .inner_join(addresses::table)
        .filter(signals::status.eq(SignalStatus::Open))
        .select((
            signals::address_id,
            addresses::neighbourhood_code,
            signals::score,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, score)| (id, code, Signal::weight_of(score)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_of_the_square_lies_in_one_of_the_cell_ranges_around_its_centre() {
        for (x, y, radius) in [
            (80_364.0, 435_737.2, 250.0),
            (80_250.0, 435_500.0, 250.0),
            (80_249.999, 435_499.999, 250.0),
            (-10.0, 5.0, 250.0),
            (1_000.0, 1_000.0, 600.0),
        ] {
            let ranges = rd_cell_ranges_around(x, y, radius);
            for step_x in 0..=20 {
                for step_y in 0..=20 {
                    let (px, py) = (
                        x - radius + radius * f64::from(step_x) / 10.0,
                        y - radius + radius * f64::from(step_y) / 10.0,
                    );
                    let cell = rd_cell(px, py);
                    assert!(
                        ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&cell)),
                        "({px}, {py}) in {cell} around ({x}, {y}): {ranges:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_radius_of_one_cell_needs_three_columns_of_three_cells_at_most() {
        let ranges = rd_cell_ranges_around(80_364.0, 435_737.2, RD_CELL_M);
        assert!(ranges.len() <= 3, "{ranges:?}");
        assert!(ranges.iter().all(|(lo, hi)| hi - lo <= 2), "{ranges:?}");
        assert_eq!(rd_cell_ranges_around(80_300.0, 435_600.0, 10.0).len(), 1);
        assert_ne!(rd_cell(80_364.0, 435_737.2), rd_cell(80_614.0, 435_737.2));
        assert_ne!(rd_cell(80_364.0, 435_737.2), rd_cell(80_364.0, 435_987.2));
        assert_eq!(rd_cell(-0.5, 0.5), -10_000);
    }
}
