//! The revoked token ids, held in memory so that checking a request's token
//! costs neither a database round trip nor a hop to a blocking thread.
//!
//! Two sources feed the list:
//! - a revocation made in this process ([`crate::db::revoked_tokens::revoke`])
//!   is noted in a process-wide set at once, so it takes effect on the very
//!   next request;
//! - a revocation made by another process (the `token revoke` command, a
//!   second server on the same database) is picked up by a background
//!   thread that reloads `revoked_tokens` every [`REFRESH_INTERVAL`]: such a
//!   token stops working within that interval plus one load.
//!
//! When the list could not be reloaded for [`STALE_AFTER`], requests are
//! refused (fail closed) rather than judged on an outdated list.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, RwLock, Weak};
use std::time::{Duration, Instant};

use crate::db::{DbPool, revoked_tokens};

/// How often the list is reloaded from the database: the longest a token
/// revoked by another process keeps working (plus one load).
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// After this long without a successful reload, tokens are refused.
pub const STALE_AFTER: Duration = Duration::from_secs(30);

/// Token ids revoked by this process. Token ids are random UUIDs, so one
/// set serves every service in the process; it only grows by revocations,
/// which are rare.
static REVOKED_HERE: LazyLock<RwLock<HashSet<String>>> =
    LazyLock::new(|| RwLock::new(HashSet::new()));

/// Notes that this process revoked the token `jti`: it is refused from the
/// next request on, whatever the reload schedule.
pub fn note_revoked(jti: &str) {
    if let Ok(mut here) = REVOKED_HERE.write() {
        here.insert(jti.to_owned());
    }
}

/// Why a token's revocation could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the list of revoked tokens has not been reloaded for {0:?}")]
pub struct StaleList(pub Duration);

/// The revoked token ids of one database, reloaded in the background.
#[derive(Debug, Clone)]
pub struct Revocations {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// The ids stored in the database at the last reload, and when that was.
    stored: RwLock<(HashSet<String>, Instant)>,
}

impl Revocations {
    /// Loads the revoked ids from `pool` and starts the thread that reloads
    /// them every [`REFRESH_INTERVAL`]; the thread ends once every clone of
    /// the returned list is dropped.
    pub fn start(pool: DbPool) -> Result<Self, String> {
        let ids = load(&pool)?;
        let shared = Arc::new(Shared {
            stored: RwLock::new((ids, Instant::now())),
        });
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("token revocations".to_owned())
            .spawn(move || refresh_until_dropped(&weak, &pool))
            .map_err(|e| format!("cannot start the revocation reloader: {e}"))?;
        Ok(Self { shared })
    }

    /// Whether the token `jti` has been revoked; an error when the list is
    /// too old to judge by.
    pub fn is_revoked(&self, jti: &str) -> Result<bool, StaleList> {
        if REVOKED_HERE.read().is_ok_and(|here| here.contains(jti)) {
            return Ok(true);
        }
        let Ok(stored) = self.shared.stored.read() else {
            return Err(StaleList(Duration::MAX));
        };
        let age = stored.1.elapsed();
        if age > STALE_AFTER {
            return Err(StaleList(age));
        }
        Ok(stored.0.contains(jti))
    }
}

fn load(pool: &DbPool) -> Result<HashSet<String>, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    revoked_tokens::all_ids(&mut conn).map_err(|e| e.to_string())
}

fn refresh_until_dropped(shared: &Weak<Shared>, pool: &DbPool) {
    loop {
        std::thread::sleep(REFRESH_INTERVAL);
        if shared.strong_count() == 0 {
            return;
        }
        let loaded = load(pool);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match loaded {
            Ok(ids) => {
                if let Ok(mut stored) = shared.stored.write() {
                    *stored = (ids, Instant::now());
                }
            }
            Err(e) => log::warn!("could not reload the revoked tokens: {e}"),
        }
    }
}
