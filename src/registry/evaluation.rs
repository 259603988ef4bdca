//! Keeping signals current: build snapshots of some or all addresses, run
//! the rules, and open, refresh or close signals to match, in the caller's
//! transaction. A signal that no longer holds is closed, not deleted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::result::QueryResult;

use crate::db::signals::{self, NewSignal, Signal};
use crate::db::snapshots::{self, Scope};
use crate::db::{DbConnection, now};
use crate::domain::SignalStatus;
use crate::domain::rules::{Finding, Outcome, RuleId, RuleSet, evaluate, explain};

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
    /// evaluation only, so that a filing does not count the whole city.
    pub signals_open: i64,
    /// How long it took.
    pub duration: Duration,
}

/// The day signals are evaluated for: today (UTC).
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn stored_form(
    address_id: i64,
    finding: &Finding,
    version: &str,
    at: chrono::NaiveDateTime,
) -> NewSignal {
    NewSignal {
        address_id,
        rule: finding.rule,
        severity: finding.severity,
        score: i32::try_from(finding.score).unwrap_or(i32::MAX),
        evidence: finding.evidence.clone(),
        status: SignalStatus::Open,
        rule_set_version: version.to_owned(),
        first_seen_at: at,
        last_seen_at: at,
    }
}

fn unchanged(stored: &Signal, found: &NewSignal) -> bool {
    stored.severity == found.severity
        && stored.score == found.score
        && stored.evidence == found.evidence
        && stored.rule_set_version == found.rule_set_version
}

/// Re-evaluates the addresses in `scope` on day `on`, calling `progress`
/// with the number of addresses judged so far.
pub fn reevaluate(
    conn: &mut DbConnection,
    rules: &RuleSet,
    scope: Scope<'_>,
    on: NaiveDate,
    progress: &dyn Fn(usize, usize),
) -> QueryResult<EvaluationReport> {
    let started = Instant::now();
    let version = rules.version();
    let at = now();
    let snapshots = snapshots::build(conn, scope, on, rules.high_turnover_window_days)?;
    let total = snapshots.len();
    let mut found: HashMap<(i64, RuleId), NewSignal> = HashMap::new();
    for (i, snapshot) in snapshots.iter().enumerate() {
        for finding in evaluate(snapshot, rules, on) {
            let signal = stored_form(snapshot.address_id, &finding, &version, at);
            found.insert((snapshot.address_id, signal.rule), signal);
        }
        if i % 1_000 == 999 {
            progress(i + 1, total);
        }
    }
    progress(total, total);

    let open = match scope {
        Scope::All => signals::open_for(conn, None)?,
        Scope::Addresses(ids) => signals::open_for(conn, Some(ids))?,
    };
    let mut report = EvaluationReport {
        addresses_evaluated: total,
        ..EvaluationReport::default()
    };
    let mut to_touch = Vec::new();
    let mut to_close = Vec::new();
    for stored in open {
        match found.remove(&(stored.address_id, stored.rule)) {
            Some(again) if unchanged(&stored, &again) => to_touch.push(stored.id),
            Some(again) => {
                signals::refresh(conn, stored.id, &again, at)?;
                report.signals_refreshed += 1;
            }
            None => to_close.push(stored.id),
        }
    }
    signals::touch(conn, &to_touch, at)?;
    signals::close(conn, &to_close, at)?;
    report.signals_closed = to_close.len();
    let mut new: Vec<NewSignal> = found.into_values().collect();
    new.sort_by_key(|s| (s.address_id, s.rule.as_str()));
    report.signals_opened = signals::insert_many(conn, &new)?;
    if matches!(scope, Scope::All) {
        report.signals_open = signals::count_open(conn)?;
    }
    report.duration = started.elapsed();
    Ok(report)
}

/// Re-evaluates these addresses today, as part of the change that
/// concerns them.
pub fn reevaluate_addresses(
    conn: &mut DbConnection,
    rules: &RuleSet,
    address_ids: &[i64],
) -> QueryResult<()> {
    let mut ids = address_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    reevaluate(conn, rules, Scope::Addresses(&ids), today(), &|_, _| {}).map(drop)
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
