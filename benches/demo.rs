//! The demo city: planning one copy in memory (addresses, households,
//! labour-migrant sites) and generating the whole city at scale 1 into a
//! fresh SQLite database through the registry's use cases.
//! Run: `cargo bench --bench demo`. Target: generation under 30 s.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use woonregister::db;
use woonregister::domain::KvkNumber;
use woonregister::domain::rules::RuleSet;
use woonregister::geo::NeighbourhoodIndex;
use woonregister::registry::demo::{self, DemoOptions, data, labour};

fn plan(c: &mut Criterion) {
    let cells = data::cells().unwrap_or_else(|e| panic!("cells: {e}"));
    let buurten = data::buurten().unwrap_or_else(|e| panic!("buurten: {e}"));
    let kvks: Vec<KvkNumber> = labour::organisations()
        .iter()
        .filter_map(|o| KvkNumber::parse(&o.kvk_number).ok())
        .collect();
    let options = DemoOptions::new(demo::DEFAULT_SEED);
    c.bench_function("plan one copy of the demo city", |b| {
        b.iter(|| demo::plan_copy(&cells, &buurten, &kvks, &options, 0));
    });
}

fn generate(c: &mut Criterion) {
    let index = NeighbourhoodIndex::bundled().unwrap_or_else(|e| panic!("geodata: {e}"));
    let rules = RuleSet::default();
    let mut group = c.benchmark_group("demo");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    group.bench_function("generate the demo city at scale 1 into SQLite", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
            let url = dir.path().join("demo.sqlite3").display().to_string();
            let mut conn = db::connect(&url).unwrap_or_else(|e| panic!("connect: {e}"));
            db::run_migrations(&mut conn).unwrap_or_else(|e| panic!("migrate: {e}"));
            woonregister::app::store_neighbourhoods(&mut conn, &index)
                .unwrap_or_else(|e| panic!("buurten: {e}"));
            demo::generate(
                &mut conn,
                &rules,
                &DemoOptions::new(demo::DEFAULT_SEED),
                &|_| {},
            )
            .unwrap_or_else(|e| panic!("generate: {e}"))
        });
    });
    group.finish();
}

criterion_group!(benches, plan, generate);
criterion_main!(benches);
