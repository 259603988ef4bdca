//! Queries on `neighbourhoods`, the CBS buurten loaded from `geodata/`.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::neighbourhoods;

/// A stored CBS buurt.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = neighbourhoods)]
pub struct NeighbourhoodRow {
    /// CBS buurt code, e.g. `BU06220101`.
    pub code: String,
    /// Buurt name.
    pub name: String,
    /// CBS wijk code.
    pub wijk_code: Option<String>,
    /// CBS gemeente code.
    pub gemeente_code: String,
    /// Gemeente name.
    pub gemeente_name: String,
    /// The polygon as RFC 7946 `GeoJSON` geometry text.
    pub geometry: String,
}

/// Stores every buurt not stored yet; returns how many were added.
/// Existing rows are left alone, so starting the service twice changes nothing.
pub fn insert_missing(conn: &mut DbConnection, rows: &[NeighbourhoodRow]) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let stored: Vec<String> = neighbourhoods::table
            .select(neighbourhoods::code)
            .load(conn)?;
        let mut added = 0;
        for row in rows.iter().filter(|r| !stored.contains(&r.code)) {
            added += diesel::insert_into(neighbourhoods::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(added)
    })
}

/// Every stored buurt, by code.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<NeighbourhoodRow>> {
    neighbourhoods::table
        .order(neighbourhoods::code)
        .select(NeighbourhoodRow::as_select())
        .load(conn)
}
