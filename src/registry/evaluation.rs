//! Keeping signals current: build snapshots of some or all addresses, run
//! the rules, and open, refresh or close signals to match. A signal that no
//! longer holds is closed, not deleted; a signal found again unchanged is
//! not written at all.
//!
//! A full evaluation reads the city in chunks of consecutive address ids,
//! each judged and written in its own write transaction, so memory is
//! bounded by a chunk and readers and filings wait for one chunk at most.
//! A chunk carries everything its rules read beyond its own addresses: the
//! organisations its occupants work for and its landlords (with their group
//! chains up the parent KvK numbers, read in the chunk's transaction), and
//! where its declared occupants are registered in the BRP.

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
    fn add(&mut self, chunk: &Self) {
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

/// Judges `snapshots` and brings their open signals `stored` in line:
/// opens the new findings, refreshes the changed ones, closes those that no
/// longer hold, and writes nothing for a finding found again unchanged.
fn reconcile(
    conn: &mut DbConnection,
    rules: &RuleSet,
    on: NaiveDate,
    snapshots: &[AddressSnapshot],
    stored: Vec<OpenFinding>,
) -> QueryResult<EvaluationReport> {
    let version = rules.version();
    let at = now();
    let mut open: HashMap<(i64, RuleId), OpenFinding> = stored
        .into_iter()
        .map(|s| ((s.address_id, s.rule), s))
        .collect();
    let mut report = EvaluationReport {
        addresses_evaluated: snapshots.len(),
        signals_open: i64::try_from(open.len()).unwrap_or(i64::MAX),
        ..EvaluationReport::default()
    };
    let mut new = Vec::new();
    let mut changed = Vec::new();
    for snapshot in snapshots {
        for finding in evaluate(snapshot, rules, on) {
            let found = stored_form(snapshot.address_id, finding, &version, at)?;
            match open.remove(&(snapshot.address_id, found.signal.rule)) {
                Some(stored) if unchanged(&stored, &found) => {}
                Some(stored) => changed.push((stored.id, found)),
                None => new.push(found.signal),
            }
        }
    }
    let refreshes: Vec<signals::Refresh<'_>> = changed
        .iter()
        .map(|(id, found)| (*id, &found.signal, found.evidence.as_str()))
        .collect();
    signals::refresh_many(conn, &refreshes, at)?;
    report.signals_refreshed = refreshes.len();
    let mut to_close: Vec<i64> = open.into_values().map(|s| s.id).collect();
    to_close.sort_unstable();
    signals::close(conn, &to_close, at)?;
    report.signals_closed = to_close.len();
    report.signals_opened = signals::insert_many(conn, &new)?;
    report.signals_open += i64::try_from(report.signals_opened).unwrap_or(i64::MAX)
        - i64::try_from(report.signals_closed).unwrap_or(i64::MAX);
    Ok(report)
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
    reconcile(conn, rules, on, &snapshots, stored)
}

/// A full evaluation under way, chunk by chunk: the day, how far through
/// the city (by address id) it is, and what it did so far. Each chunk is
/// meant to be its own write transaction; a chunk that must be run again
/// (a transaction that lost a race) is run again from a clone.
#[derive(Debug, Clone)]
pub struct FullEvaluation {
    on: NaiveDate,
    /// The last address judged; `None` before the first chunk.
    after: Option<i64>,
    is_done: bool,
    started: Instant,
    report: EvaluationReport,
}

impl FullEvaluation {
    /// An evaluation of every address on day `on`, not yet started.
    pub fn new(on: NaiveDate) -> Self {
        Self {
            on,
            after: None,
            is_done: false,
            started: Instant::now(),
            report: EvaluationReport::default(),
        }
    }

    /// Whether every address has been judged.
    pub fn is_done(&self) -> bool {
        self.is_done
    }

    /// Judges the next `chunk_size` addresses (at most
    /// [`crate::db::MAX_IDS_PER_QUERY`]) in id order, in the caller's transaction, and
    /// writes what changed for them; after the last address it is done.
    pub fn next_chunk(
        &mut self,
        conn: &mut DbConnection,
        rules: &RuleSet,
        chunk_size: usize,
    ) -> QueryResult<()> {
        let after = self.after.unwrap_or(i64::MIN);
        let window = rules.high_turnover_window_days;
        let snapshots = snapshots::build_after(conn, after, chunk_size, self.on, window)?;
        let (Some(first), Some(last)) = (snapshots.first(), snapshots.last()) else {
            self.is_done = true;
            return Ok(());
        };
        let (first, last) = (first.address_id, last.address_id);
        let stored = signals::open_findings_between(conn, first, last)?;
        let done = reconcile(conn, rules, self.on, &snapshots, stored)?;
        self.report.add(&done);
        self.after = Some(last);
        Ok(())
    }

    /// What it did so far, and how long it has taken.
    pub fn report(&self) -> EvaluationReport {
        EvaluationReport {
            duration: self.started.elapsed(),
            ..self.report
        }
    }
}

/// Evaluates every address on day `on`, `chunk_size` addresses at a time
/// in id order, each chunk read, judged and written in its own write
/// transaction (nested in the caller's, when there is one), and calls
/// `progress` with the number of addresses judged so far and the number
/// there were at the start. Only what changed is written: an evaluation
/// that finds what is stored writes nothing.
pub fn evaluate_all(
    conn: &mut DbConnection,
    rules: &RuleSet,
    on: NaiveDate,
    chunk_size: usize,
    progress: &dyn Fn(usize, usize),
) -> QueryResult<EvaluationReport> {
    use diesel::prelude::*;

    use crate::db::schema::addresses;

    let total: i64 = addresses::table.count().get_result(conn)?;
    let total = usize::try_from(total).unwrap_or(0);
    let mut evaluation = FullEvaluation::new(on);
    while !evaluation.is_done() {
        evaluation = write_transaction(conn, |conn| {
            let mut next = evaluation.clone();
            next.next_chunk(conn, rules, chunk_size)?;
            Ok::<_, diesel::result::Error>(next)
        })?;
        let judged = evaluation.report.addresses_evaluated;
        progress(judged, total.max(judged));
    }
    Ok(evaluation.report())
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
