//! The full database evaluation of a 40 000-address city with 3 000
//! declared workers on SQLite: snapshots built in bulk, rules run, signals
//! opened, refreshed and closed, in one transaction.
//! Run: `cargo bench --bench evaluation`. Target: under one second.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use woonregister::db::snapshots::Scope;
use woonregister::db::{self, write_transaction};
use woonregister::domain::rules::RuleSet;
use woonregister::geo::NeighbourhoodIndex;
use woonregister::registry::evaluation::{reevaluate, today};
use woonregister::registry::synthetic::{CityPlan, populate};

fn full_evaluation(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let url = dir.path().join("city.sqlite3").display().to_string();
    let mut conn = db::connect(&url).unwrap_or_else(|e| panic!("connect: {e}"));
    db::run_migrations(&mut conn).unwrap_or_else(|e| panic!("migrate: {e}"));
    let index = NeighbourhoodIndex::bundled().unwrap_or_else(|e| panic!("geodata: {e}"));
    woonregister::app::store_neighbourhoods(&mut conn, &index)
        .unwrap_or_else(|e| panic!("buurten: {e}"));
    let plan = CityPlan::vlaardingen(42);
    let report = write_transaction(&mut conn, |conn| populate(conn, &index, &plan))
        .unwrap_or_else(|e| panic!("populate: {e}"));
    println!("populated {report:?}");
    let rules = RuleSet::default();
    let first = write_transaction(&mut conn, |conn| {
        reevaluate(conn, &rules, Scope::All, today(), &|_, _| {})
    })
    .unwrap_or_else(|e| panic!("evaluate: {e}"));
    println!("first evaluation: {first:?}");

    let mut group = c.benchmark_group("evaluation");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("full evaluation, 40k addresses, SQLite", |b| {
        b.iter(|| {
            write_transaction(&mut conn, |conn| {
                reevaluate(conn, &rules, Scope::All, today(), &|_, _| {})
            })
            .unwrap_or_else(|e| panic!("evaluate: {e}"))
        });
    });
    group.finish();
}

criterion_group!(benches, full_evaluation);
criterion_main!(benches);
