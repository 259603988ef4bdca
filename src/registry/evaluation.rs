//! Keeping signals current: build snapshots of some or all addresses, run
//! the rules, and open, refresh or close signals to match. A signal that no
//! longer holds is closed, not deleted; a signal found again unchanged is
//! not written at all.
//!
//! A full evaluation cuts the city into chunks of consecutive address ids.
//! Each chunk is judged by reading alone, in a read transaction, so memory
//! is bounded by a chunk and chunks can be judged side by side on several
//! connections. Only the addresses whose signals must change are then read
//! and judged again, and written, in a write transaction of their own: an
//! evaluation that changes nothing takes no write lock, and filings wait
//! at most for one chunk's changes. A chunk carries everything its rules
//! read beyond its own addresses: the organisations its occupants work for
//! and its landlords (with their group chains up the parent KvK numbers),
//! and where its declared occupants are registered in the BRP.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::result::QueryResult;

use crate::db::signals::{self, NewSignal, OpenFinding};
use crate::db::snapshots::{self, Scope};
use crate::db::{DbConnection, now, write_transaction};
use crate::domain::SignalStatus;
use crate::domain::rules::{AddressSnapshot, Finding, Outcome, RuleId, RuleSet, evaluate, explain};

/// Addresses judged and written per transaction by a full evaluation.
pub const CHUNK_ADDRESSES: usize = 2_000;

/// What an evaluation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvaluationReport {
    /// Addresses whose rules were run.
    pub addresses_evaluated: usize,
    /// Signals found for the first time.
    pub signals_opened: usize,
    /// Open signals found again with changed evidence.
    pub signals_refreshed: usize,
    /// Signals that no longer hold.
    pub signals_closed: usize,
    /// Open signals afterwards, all addresses; counted by a full
    /// evaluation only (chunk by chunk), so that a filing does not count
    /// the whole city.
    pub signals_open: i64,
    /// How long it took.
    pub duration: Duration,
}

impl EvaluationReport {
    /// Adds the counts of `chunk`, a part of the same evaluation.
    pub fn add(&mut self, chunk: &Self) {
        self.addresses_evaluated += chunk.addresses_evaluated;
        self.signals_opened += chunk.signals_opened;
        self.signals_refreshed += chunk.signals_refreshed;
        self.signals_closed += chunk.signals_closed;
        self.signals_open += chunk.signals_open;
    }
}

/// The day signals are evaluated for: today (UTC).
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A finding in the form it is stored in, with its evidence as JSON text.
struct Found {
    signal: NewSignal,
    evidence: String,
}

fn stored_form(
    address_id: i64,
    finding: Finding,
    version: &str,
    at: NaiveDateTime,
) -> QueryResult<Found> {
    let evidence = serde_json::to_string(&finding.evidence)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    Ok(Found {
        signal: NewSignal {
            address_id,
            rule: finding.rule,
            severity: finding.severity,
            score: i32::try_from(finding.score).unwrap_or(i32::MAX),
            evidence: finding.evidence,
            status: SignalStatus::Open,
            rule_set_version: version.to_owned(),
            first_seen_at: at,
            last_seen_at: at,
        },
        evidence,
    })
}

fn unchanged(stored: &OpenFinding, found: &Found) -> bool {
    stored.severity == found.signal.severity
        && stored.score == found.signal.score
        && stored.evidence == found.evidence
        && stored.rule_set_version == found.signal.rule_set_version
}

/// What judging some addresses found against their open signals: the
/// findings to store for the first time, the open signals whose evidence
/// changed, and the open signals that no longer hold (with their address).
/// A finding found again unchanged is in none of them.
#[derive(Default)]
struct Changes {
    new: Vec<NewSignal>,
    changed: Vec<(i64, Found)>,
    to_close: Vec<(i64, i64)>,
    /// The open signals there were.
    open: usize,
}

impl Changes {
    /// The addresses with anything to write, in id order.
    fn addresses(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .new
            .iter()
            .map(|s| s.address_id)
            .chain(self.changed.iter().map(|(_, f)| f.signal.address_id))
            .chain(self.to_close.iter().map(|(address_id, _)| *address_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Judges `snapshots` against their open signals `stored`; writes nothing.
fn compare(
    rules: &RuleSet,
    on: NaiveDate,
    snapshots: &[AddressSnapshot],
    stored: Vec<OpenFinding>,
) -> QueryResult<Changes> {
    let version = rules.version();
    let at = now();
    let mut open: HashMap<(i64, RuleId), OpenFinding> = stored
        .into_iter()
        .map(|s| ((s.address_id, s.rule), s))
        .collect();
    let mut changes = Changes {
        open: open.len(),
        ..Changes::default()
    };
    for snapshot in snapshots {
        for finding in evaluate(snapshot, rules, on) {
            let found = stored_form(snapshot.address_id, finding, &version, at)?;
            match open.remove(&(snapshot.address_id, found.signal.rule)) {
                Some(stored) if unchanged(&stored, &found) => {}
                Some(stored) => changes.changed.push((stored.id, found)),
                None => changes.new.push(found.signal),
            }
        }
    }
    changes.to_close = open.into_values().map(|s| (s.address_id, s.id)).collect();
    changes.to_close.sort_unstable();
    Ok(changes)
}

/// Writes `changes`: opens the new findings, refreshes the changed ones
/// and closes those that no longer hold.
fn apply(conn: &mut DbConnection, changes: Changes) -> QueryResult<EvaluationReport> {
    let at = now();
    let refreshes: Vec<signals::Refresh<'_>> = changes
        .changed
        .iter()
        .map(|(id, found)| (*id, &found.signal, found.evidence.as_str()))
        .collect();
    signals::refresh_many(conn, &refreshes, at)?;
    let to_close: Vec<i64> = changes.to_close.iter().map(|(_, id)| *id).collect();
    signals::close(conn, &to_close, at)?;
    let opened = signals::insert_many(conn, &changes.new)?;
    Ok(EvaluationReport {
        signals_opened: opened,
        signals_refreshed: refreshes.len(),
        signals_closed: to_close.len(),
        signals_open: i64::try_from(changes.open + opened)
            .unwrap_or(i64::MAX)
            .saturating_sub(i64::try_from(to_close.len()).unwrap_or(i64::MAX)),
        ..EvaluationReport::default()
    })
}

/// Re-evaluates these addresses (sorted, at most [`crate::db::MAX_IDS_PER_QUERY`]) in
/// the caller's transaction: their facts and open signals are read by
/// their ids, nothing of other addresses.
fn reevaluate_some(
    conn: &mut DbConnection,
    rules: &RuleSet,
    ids: &[i64],
    on: NaiveDate,
) -> QueryResult<EvaluationReport> {
    let snapshots = snapshots::build(
        conn,
        Scope::Addresses(ids),
        on,
        rules.high_turnover_window_days,
    )?;
    let stored = signals::open_findings_of(conn, ids)?;
    let changes = compare(rules, on, &snapshots, stored)?;
    Ok(EvaluationReport {
        addresses_evaluated: snapshots.len(),
        ..apply(conn, changes)?
    })
}

/// What judging one chunk of a full evaluation found, read without
/// writing: how many addresses it judged, how many open signals they had,
/// and the addresses whose open signals do not match their findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChunkVerdict {
    /// Addresses judged.
    pub judged: usize,
    /// Their open signals.
    pub open: usize,
    /// The addresses with a signal to open, refresh or close, in id order.
    pub differing: Vec<i64>,
}

impl ChunkVerdict {
    /// What the chunk's evaluation did before anything differing in it is
    /// settled: it judged its addresses and found their open signals.
    pub fn report(&self) -> EvaluationReport {
        EvaluationReport {
            addresses_evaluated: self.judged,
            signals_open: i64::try_from(self.open).unwrap_or(i64::MAX),
            ..EvaluationReport::default()
        }
    }
}

/// Judges the addresses with ids in `range` (both ends included) on day
/// `on` against their open signals, and writes nothing. Run it in a read
/// transaction, so that facts and signals are read from one snapshot.
pub fn judge_chunk(
    conn: &mut DbConnection,
    rules: &RuleSet,
    on: NaiveDate,
    (first, last): (i64, i64),
) -> QueryResult<ChunkVerdict> {
    let window = rules.high_turnover_window_days;
    let snapshots = snapshots::build_between(conn, first, last, on, window)?;
    let stored = signals::open_findings_between(conn, first, last)?;
    let changes = compare(rules, on, &snapshots, stored)?;
    Ok(ChunkVerdict {
        judged: snapshots.len(),
        open: changes.open,
        differing: changes.addresses(),
    })
}

/// Brings the signals of the addresses a chunk's `verdict` found
/// differing in line with their facts, in the caller's write transaction.
/// They are read and judged again there: a filing may have changed them
/// since the verdict was read. Addresses the verdict found in line are not
/// touched: whatever changed them since re-evaluated them itself.
pub fn settle(
    conn: &mut DbConnection,
    rules: &RuleSet,
    on: NaiveDate,
    verdict: &ChunkVerdict,
) -> QueryResult<EvaluationReport> {
    let done = reevaluate(
        conn,
        rules,
        Scope::Addresses(&verdict.differing),
        on,
        &|_, _| {},
    )?;
    let opened = i64::try_from(done.signals_opened).unwrap_or(i64::MAX);
    let closed = i64::try_from(done.signals_closed).unwrap_or(i64::MAX);
    let judged = verdict.report();
    Ok(EvaluationReport {
        signals_opened: done.signals_opened,
        signals_refreshed: done.signals_refreshed,
        signals_closed: done.signals_closed,
        signals_open: judged.signals_open + opened - closed,
        ..judged
    })
}

/// Evaluates every address on day `on`, `chunk_size` addresses at a time
/// in id order, on `conn` alone: each chunk is judged by reading, and only
/// the addresses whose signals must change are judged again and written in
/// a write transaction (nested in the caller's, when there is one). Calls
/// `progress` with the number of addresses judged so far and the number
/// there were at the start. An evaluation that finds what is stored writes
/// nothing and takes no write lock.
pub fn evaluate_all(
    conn: &mut DbConnection,
    rules: &RuleSet,
    on: NaiveDate,
    chunk_size: usize,
    progress: &dyn Fn(usize, usize),
) -> QueryResult<EvaluationReport> {
    evaluate_with_readers::<&mut DbConnection>(conn, &mut [], rules, on, chunk_size, progress)
}

/// [`evaluate_all`], with the chunks judged side by side on the
/// connections `readers` (one thread each) while `conn` writes what they
/// found differing. The readers see only committed data: a caller inside
/// a transaction of its own evaluates with no readers.
pub fn evaluate_with_readers<C>(
    conn: &mut DbConnection,
    readers: &mut [C],
    rules: &RuleSet,
    on: NaiveDate,
    chunk_size: usize,
    progress: &dyn Fn(usize, usize),
) -> QueryResult<EvaluationReport>
where
    C: std::ops::DerefMut<Target = DbConnection> + Send,
{
    use diesel::prelude::*;

    use crate::db::schema::addresses;

    let started = Instant::now();
    let total: i64 = addresses::table.count().get_result(conn)?;
    let total = usize::try_from(total).unwrap_or(0);
    let ranges = crate::db::addresses::id_ranges(conn, chunk_size)?;
    let mut report = EvaluationReport::default();
    let mut settle_one = |conn: &mut DbConnection, verdict: ChunkVerdict| {
        let done = if verdict.differing.is_empty() {
            verdict.report()
        } else {
            write_transaction(conn, |conn| settle(conn, rules, on, &verdict))?
        };
        report.add(&done);
        progress(
            report.addresses_evaluated,
            total.max(report.addresses_evaluated),
        );
        Ok::<_, diesel::result::Error>(())
    };
    if readers.is_empty() {
        for range in ranges {
            let verdict = conn.transaction(|conn| judge_chunk(conn, rules, on, range))?;
            settle_one(conn, verdict)?;
        }
    } else {
        judge_side_by_side(readers, rules, on, &ranges, |verdict| {
            settle_one(conn, verdict)
        })?;
    }
    Ok(EvaluationReport {
        duration: started.elapsed(),
        ..report
    })
}

/// Judges the chunks `ranges` on the connections `readers`, one thread
/// each taking the next chunk as it finishes one, and hands each verdict to
/// `settle` on the calling thread as it comes. The first error stops the
/// readers and is returned.
fn judge_side_by_side<C>(
    readers: &mut [C],
    rules: &RuleSet,
    on: NaiveDate,
    ranges: &[(i64, i64)],
    mut settle: impl FnMut(ChunkVerdict) -> QueryResult<()>,
) -> QueryResult<()>
where
    C: std::ops::DerefMut<Target = DbConnection> + Send,
{
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use diesel::Connection as _;

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // At most one verdict waiting per reader: memory stays bounded by
        // a few chunks whatever the size of the city.
        let (sender, verdicts) = std::sync::mpsc::sync_channel(readers.len());
        for reader in readers.iter_mut() {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(range) = ranges.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let verdict = reader.transaction(|conn| judge_chunk(conn, rules, on, *range));
                    let failed = verdict.is_err();
                    if sender.send(verdict).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let outcome = verdicts
            .iter()
            .try_for_each(|verdict| verdict.and_then(&mut settle));
        stop.store(true, Ordering::Relaxed);
        outcome
    })
}

/// Re-evaluates the addresses in `scope` on day `on`, calling `progress`
/// with the number of addresses judged so far. Every address
/// ([`Scope::All`]) is evaluated with [`evaluate_all`], chunk by chunk;
/// the addresses of a list are re-evaluated in the caller's transaction.
pub fn reevaluate(
    conn: &mut DbConnection,
    rules: &RuleSet,
    scope: Scope<'_>,
    on: NaiveDate,
    progress: &dyn Fn(usize, usize),
) -> QueryResult<EvaluationReport> {
    let ids = match scope {
        Scope::All => return evaluate_all(conn, rules, on, CHUNK_ADDRESSES, progress),
        Scope::Addresses(ids) => ids,
    };
    let started = Instant::now();
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut report = EvaluationReport::default();
    for chunk in ids.chunks(CHUNK_ADDRESSES) {
        report.add(&reevaluate_some(conn, rules, chunk, on)?);
        progress(report.addresses_evaluated, ids.len());
    }
    // The open signals of other addresses are not counted.
    report.signals_open = 0;
    report.duration = started.elapsed();
    Ok(report)
}

/// Re-evaluates these addresses today, as part of the change that
/// concerns them, in the caller's transaction. Only their own facts and
/// signals are read (by index), so the cost does not grow with the city.
pub fn reevaluate_addresses(
    conn: &mut DbConnection,
    rules: &RuleSet,
    address_ids: &[i64],
) -> QueryResult<()> {
    if address_ids.is_empty() {
        return Ok(());
    }
    reevaluate(
        conn,
        rules,
        Scope::Addresses(address_ids),
        today(),
        &|_, _| {},
    )
    .map(drop)
}

/// The addresses whose signals a change of organisation `id` can move: those
/// it or any organisation of its group lets or employs occupants of.
pub fn addresses_linked_to_group(
    conn: &mut DbConnection,
    id: i64,
    previous_group: &[String],
) -> QueryResult<Vec<i64>> {
    let facts = snapshots::organisation_facts(conn)?;
    let Some(changed) = facts.get(&id) else {
        return Ok(Vec::new());
    };
    let members: Vec<i64> = facts
        .values()
        .filter(|o| {
            o.group
                .iter()
                .any(|k| changed.group.contains(k) || previous_group.contains(k))
        })
        .map(|o| o.id)
        .collect();
    crate::db::organisations::linked_addresses(conn, &members)
}

/// The rules that cannot judge address `id` today for missing data, with
/// what is missing (e.g. "the number of bedrooms is unknown").
pub fn missing_data(
    conn: &mut DbConnection,
    rules: &RuleSet,
    id: i64,
) -> QueryResult<Vec<(RuleId, &'static str)>> {
    let today = today();
    let window = rules.high_turnover_window_days;
    let snapshots = snapshots::build(conn, Scope::Addresses(&[id]), today, window)?;
    Ok(snapshots
        .iter()
        .flat_map(|s| explain(s, rules, today))
        .filter_map(|(rule, outcome)| match outcome {
            Outcome::Missing(what) => Some((rule, what)),
            Outcome::Fires(_) | Outcome::Holds => None,
        })
        .collect())
}
