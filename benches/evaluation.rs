//! The full signal evaluation of the demo city on SQLite, next to its
//! anchor: one overcrowding rule written as a single SQL `GROUP BY` over the
//! same tables, measured in the same run on the same database.
//!
//! Run: `cargo bench --bench evaluation` (scale 1, about 40 000 addresses);
//! `WOONREGISTER_BENCH_SCALE=10 cargo bench --bench evaluation` for about
//! 400 000. `WOONREGISTER_BENCH_DATABASE=<file>` starts from a copy of a
//! demo city made with `woonregister demo --scale N` instead of generating
//! one; `WOONREGISTER_BENCH_CHUNK` sets the addresses per chunk and
//! `WOONREGISTER_BENCH_READERS` the reading connections (one per core by
//! default, as `woonregister signals evaluate` opens them; the evaluation on
//! one connection is measured too). Target: the full evaluation no slower
//! than the anchor.

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use woonregister::db::{self, DbConnection, write_transaction};
use woonregister::domain::rules::RuleSet;
use woonregister::geo::NeighbourhoodIndex;
use woonregister::registry::demo::{self, DemoOptions};
use woonregister::registry::evaluation::{
    CHUNK_ADDRESSES, EvaluationReport, evaluate_all, evaluate_with_readers, reevaluate_addresses,
    today,
};

/// One overcrowded address as the anchor finds it.
#[derive(QueryableByName)]
struct Overcrowded {
    #[diesel(sql_type = BigInt)]
    _address_id: i64,
    #[diesel(sql_type = BigInt)]
    _occupants: i64,
}

/// The analyst's one query: addresses with fewer square metres per current
/// occupant than the norm.
fn anchor(conn: &mut DbConnection, rules: &RuleSet) -> Vec<Overcrowded> {
    let on = today();
    let norm = rules.min_floor_area_per_occupant_m2;
    diesel::sql_query(format!(
        "SELECT a.id AS _address_id, COUNT(DISTINCT o.person_id) AS _occupants \
         FROM occupancies o JOIN addresses a ON a.id = o.address_id \
         WHERE o.start_date <= '{on}' AND (o.end_date IS NULL OR o.end_date >= '{on}') \
         AND a.floor_area_m2 IS NOT NULL \
         GROUP BY a.id, a.floor_area_m2 \
         HAVING a.floor_area_m2 < {norm} * COUNT(DISTINCT o.person_id)"
    ))
    .load(conn)
    .unwrap_or_else(|e| panic!("anchor: {e}"))
}

fn scale() -> usize {
    std::env::var("WOONREGISTER_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// The evaluation as `woonregister signals evaluate` runs it: chunks
/// judged side by side on the `readers`, what differs written on `conn`.
fn evaluate(
    conn: &mut DbConnection,
    readers: &mut [DbConnection],
    rules: &RuleSet,
) -> EvaluationReport {
    let mut readers: Vec<&mut DbConnection> = readers.iter_mut().collect();
    evaluate_with_readers(conn, &mut readers, rules, today(), chunk_size(), &|_, _| {})
        .unwrap_or_else(|e| panic!("evaluate: {e}"))
}

/// Reading connections: `WOONREGISTER_BENCH_READERS`, or one per core as
/// `woonregister signals evaluate` opens them.
fn readers(url: &str) -> Vec<DbConnection> {
    let count = std::env::var("WOONREGISTER_BENCH_READERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    (0..count)
        .map(|_| db::connect(url).unwrap_or_else(|e| panic!("connect: {e}")))
        .collect()
}

/// Addresses per chunk: `WOONREGISTER_BENCH_CHUNK`, or the default.
fn chunk_size() -> usize {
    std::env::var("WOONREGISTER_BENCH_CHUNK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CHUNK_ADDRESSES)
}

fn full_evaluation(c: &mut Criterion) {
    let scale = scale();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let url = dir.path().join("city.sqlite3").display().to_string();
    let source = std::env::var("WOONREGISTER_BENCH_DATABASE").ok();
    if let Some(source) = &source {
        std::fs::copy(source, dir.path().join("city.sqlite3"))
            .unwrap_or_else(|e| panic!("copy {source}: {e}"));
    }
    let mut conn = db::connect(&url).unwrap_or_else(|e| panic!("connect: {e}"));
    db::run_migrations(&mut conn).unwrap_or_else(|e| panic!("migrate: {e}"));
    let rules = RuleSet::default();
    if let Some(source) = source {
        println!("a copy of {source}");
    } else {
        let index = NeighbourhoodIndex::bundled().unwrap_or_else(|e| panic!("geodata: {e}"));
        woonregister::app::store_neighbourhoods(&mut conn, &index)
            .unwrap_or_else(|e| panic!("buurten: {e}"));
        let options = DemoOptions {
            scale,
            ..DemoOptions::new(demo::DEFAULT_SEED)
        };
        let report = demo::generate(&mut conn, &rules, &options, &|_| {})
            .unwrap_or_else(|e| panic!("generate: {e}"));
        println!("demo city at scale {scale}: {report:?}");
    }
    let mut readers = readers(&url);
    let first = evaluate(&mut conn, &mut readers, &rules);
    println!("evaluation after generation: {first:?}");
    let signalled: Vec<i64> = woonregister::db::schema::signals::table
        .select(woonregister::db::schema::signals::address_id)
        .distinct()
        .order(woonregister::db::schema::signals::address_id)
        .load(&mut conn)
        .unwrap_or_else(|e| panic!("signalled: {e}"));
    println!(
        "{} addresses with signals; the anchor finds {} overcrowded",
        signalled.len(),
        anchor(&mut conn, &rules).len()
    );

    let label = format!("scale {scale}");
    let mut group = c.benchmark_group("evaluation");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function(
        format!("anchor: overcrowding as one GROUP BY, {label}"),
        |b| {
            b.iter(|| anchor(&mut conn, &rules));
        },
    );
    group.bench_function(format!("full evaluation, unchanged, {label}"), |b| {
        b.iter(|| {
            let report = evaluate(&mut conn, &mut readers, &rules);
            assert_eq!(
                (
                    report.signals_opened,
                    report.signals_refreshed,
                    report.signals_closed
                ),
                (0, 0, 0)
            );
        });
    });
    group.bench_function(
        format!("full evaluation, unchanged, one connection, {label}"),
        |b| {
            b.iter(|| {
                let report = evaluate_all(&mut conn, &rules, today(), chunk_size(), &|_, _| {})
                    .unwrap_or_else(|e| panic!("evaluate: {e}"));
                assert_eq!(report.signals_opened + report.signals_closed, 0);
            });
        },
    );
    // A second connection empties the signals before each first run.
    let mut setup = db::connect(&url).unwrap_or_else(|e| panic!("connect: {e}"));
    group.bench_function(format!("full evaluation, first run, {label}"), |b| {
        b.iter_batched(
            || {
                setup
                    .batch_execute("DELETE FROM signals")
                    .unwrap_or_else(|e| panic!("empty signals: {e}"));
            },
            |()| evaluate(&mut conn, &mut readers, &rules),
            BatchSize::PerIteration,
        );
    });
    let mut next = signalled.iter().cycle();
    group.bench_function(format!("re-evaluation of one address, {label}"), |b| {
        b.iter(|| {
            let id = *next.next().unwrap_or(&1);
            write_transaction(&mut conn, |conn| reevaluate_addresses(conn, &rules, &[id]))
                .unwrap_or_else(|e| panic!("re-evaluate: {e}"));
        });
    });
    group.finish();
}

criterion_group!(benches, full_evaluation);
criterion_main!(benches);
