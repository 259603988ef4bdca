//! Queries on `revoked_tokens`: token ids that no longer open anything.

use std::collections::HashSet;

use diesel::prelude::*;

use crate::db::schema::revoked_tokens;
use crate::db::{DbConnection, now};

/// Revokes the token with id `jti`; revoking twice is harmless.
/// Returns whether this call revoked it. The services of this process
/// refuse the token from the next request on.
pub fn revoke(conn: &mut DbConnection, jti: &str, reason: Option<&str>) -> QueryResult<bool> {
    if is_revoked(conn, jti)? {
        return Ok(false);
    }
    diesel::insert_into(revoked_tokens::table)
        .values((
            revoked_tokens::jti.eq(jti),
            revoked_tokens::revoked_at.eq(now()),
            revoked_tokens::reason.eq(reason),
        ))
        .execute(conn)?;
    crate::auth::revocations::note_revoked(jti);
    Ok(true)
}

/// Whether the token with id `jti` has been revoked.
pub fn is_revoked(conn: &mut DbConnection, jti: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        revoked_tokens::table.filter(revoked_tokens::jti.eq(jti)),
    ))
    .get_result(conn)
}

/// Every revoked token id.
pub fn all_ids(conn: &mut DbConnection) -> QueryResult<HashSet<String>> {
    Ok(revoked_tokens::table
        .select(revoked_tokens::jti)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}
