//! Reading an address's dossier on the synthetic city (40 000 addresses,
//! 3 000 declared workers) on SQLite, audit entry included, for the most
//! occupied addresses in turn.
//! Run: `cargo bench --bench dossier`. Target: well under 10 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use diesel::prelude::*;
use woonregister::auth::Role;
use woonregister::db::schema::occupancies;
use woonregister::db::snapshots::Scope;
use woonregister::db::{self, write_transaction};
use woonregister::domain::rules::RuleSet;
use woonregister::geo::NeighbourhoodIndex;
use woonregister::registry::Actor;
use woonregister::registry::dossier::read_dossier;
use woonregister::registry::evaluation::{reevaluate, today};
use woonregister::registry::synthetic::{CityPlan, populate};

fn dossier_read(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let url = dir.path().join("city.sqlite3").display().to_string();
    let mut conn = db::connect(&url).unwrap_or_else(|e| panic!("connect: {e}"));
    db::run_migrations(&mut conn).unwrap_or_else(|e| panic!("migrate: {e}"));
    let index = NeighbourhoodIndex::bundled().unwrap_or_else(|e| panic!("geodata: {e}"));
    woonregister::app::store_neighbourhoods(&mut conn, &index)
        .unwrap_or_else(|e| panic!("buurten: {e}"));
    let plan = CityPlan::vlaardingen(42);
    write_transaction(&mut conn, |conn| populate(conn, &index, &plan))
        .unwrap_or_else(|e| panic!("populate: {e}"));
    let rules = RuleSet::default();
    write_transaction(&mut conn, |conn| {
        reevaluate(conn, &rules, Scope::All, today(), &|_, _| {})
    })
    .unwrap_or_else(|e| panic!("evaluate: {e}"));
    // The 50 most occupied addresses: the dossiers inspectors open.
    let busiest: Vec<i64> = occupancies::table
        .group_by(occupancies::address_id)
        .select(occupancies::address_id)
        .order(diesel::dsl::count_star().desc())
        .limit(50)
        .load(&mut conn)
        .unwrap_or_else(|e| panic!("busiest: {e}"));
    let actor = Actor {
        subject: "bench-inspector".to_owned(),
        role: Role::Inspector,
        purpose: Some("benchmark".to_owned()),
        trace_id: "0".repeat(32),
        deferred: None,
    };
    let mut next = busiest.iter().cycle();
    c.bench_function("dossier of a busy address, 40k addresses, SQLite", |b| {
        b.iter(|| {
            let id = *next.next().unwrap_or(&1);
            write_transaction(&mut conn, |conn| {
                read_dossier(conn, &rules, &actor, id, today())
            })
            .unwrap_or_else(|e| panic!("dossier: {e:?}"))
        });
    });
    // The same read rolled back: the queries without the commit (and its
    // fsync) of the audit entry.
    c.bench_function("dossier queries only, rolled back, SQLite", |b| {
        b.iter(|| {
            let id = *next.next().unwrap_or(&1);
            let outcome = conn.transaction::<(), diesel::result::Error, _>(|conn| {
                let dossier = read_dossier(conn, &rules, &actor, id, today())
                    .unwrap_or_else(|e| panic!("dossier: {e:?}"));
                std::hint::black_box(dossier);
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(outcome.is_err(), "rolled back");
        });
    });
}

criterion_group!(benches, dossier_read);
criterion_main!(benches);
