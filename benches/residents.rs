//! Importing a BRP extract the size of Vlaardingen's: 76 000 registered
//! residents in households of one to four at the 36 000 addresses of a
//! synthetic city, on SQLite, from a `;`-separated file with a BOM and
//! two columns to drop. Prints the first import's time once, then measures
//! the re-import of the same file, which changes nothing.
//! Run: `cargo bench --bench residents`. Targets: first import under 10 s,
//! the re-import under 5 s.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use indicatif::ProgressBar;
use woonregister::auth::Role;
use woonregister::cli::import::import_residents;
use woonregister::db::{self, registrations, write_transaction};
use woonregister::domain::rules::RuleSet;
use woonregister::geo::NeighbourhoodIndex;
use woonregister::registry::Actor;
use woonregister::registry::synthetic::{CityPlan, Rng, populate};

const RESIDENTS: usize = 76_000;
const ADDRESSES: usize = 36_000;

/// The `n`-th valid BSN (11-proef) from 100 000 000 on.
fn bsns() -> impl Iterator<Item = String> {
    (10_000_000_u32..).filter_map(|n| {
        let digits = format!("{n:08}");
        let sum: u32 = digits
            .bytes()
            .zip((2..=9).rev())
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let check = sum % 11;
        (check < 10).then(|| format!("{digits}{check}"))
    })
}

/// The extract: households of one to four people at random addresses.
fn extract(keys: &[(String, i32, String, String)]) -> String {
    let mut rng = Rng::new(76);
    let mut csv = "\u{feff}bsn;familyName;givenNames;dateOfBirth;nationality;postcode;houseNumber;houseLetter;houseNumberAddition;registeredSince;household;placeOfBirth\n".to_owned();
    let mut bsns = bsns();
    let mut written = 0;
    let mut household = 0;
    while written < RESIDENTS {
        household += 1;
        let (postcode, number, letter, addition) = &keys[rng.below(keys.len())];
        for _ in 0..(1 + rng.below(4)).min(RESIDENTS - written) {
            let Some(bsn) = bsns.next() else { break };
            let born = 1940 + rng.below(80);
            let first_year = (born + 1).max(2000);
            let since = first_year + rng.below(2026 - first_year);
            let _ = writeln!(
                csv,
                "{bsn};Achternaam{household};Voornaam;{born}-0{}-1{};NL;{postcode};{number};{letter};{addition};{since}-0{}-0{};h{household};Vlaardingen",
                1 + rng.below(9),
                rng.below(10),
                1 + rng.below(9),
                1 + rng.below(9),
            );
            written += 1;
        }
    }
    csv
}

fn actor() -> Actor {
    Actor {
        subject: "bench".to_owned(),
        role: Role::Admin,
        purpose: None,
        trace_id: "bench".to_owned(),
        deferred: None,
    }
}

fn residents_import(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let url = dir.path().join("city.sqlite3").display().to_string();
    let mut conn = db::connect(&url).unwrap_or_else(|e| panic!("connect: {e}"));
    db::run_migrations(&mut conn).unwrap_or_else(|e| panic!("migrate: {e}"));
    let index = NeighbourhoodIndex::bundled().unwrap_or_else(|e| panic!("geodata: {e}"));
    woonregister::app::store_neighbourhoods(&mut conn, &index)
        .unwrap_or_else(|e| panic!("buurten: {e}"));
    let plan = CityPlan {
        addresses: ADDRESSES,
        ..CityPlan::vlaardingen(42)
    };
    write_transaction(&mut conn, |conn| populate(conn, &index, &plan))
        .unwrap_or_else(|e| panic!("populate: {e}"));
    let mut keys: Vec<_> = registrations::address_ids_by_key(&mut conn)
        .unwrap_or_else(|e| panic!("addresses: {e}"))
        .into_keys()
        .collect();
    keys.sort_unstable();
    let file = dir.path().join("brp.csv");
    std::fs::write(&file, extract(&keys)).unwrap_or_else(|e| panic!("write: {e}"));
    let rules = RuleSet::default();
    let import = |conn: &mut db::DbConnection| {
        let reader = std::fs::File::open(&file).unwrap_or_else(|e| panic!("open: {e}"));
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        import_residents(
            conn,
            &actor(),
            &rules,
            reader,
            as_of,
            &ProgressBar::hidden(),
        )
        .unwrap_or_else(|e| panic!("import: {e}"))
        .1
    };

    let started = Instant::now();
    let first = import(&mut conn);
    println!(
        "first import of {RESIDENTS} residents into {} addresses: {:.2?} ({first:?})",
        keys.len(),
        started.elapsed()
    );
    let started = Instant::now();
    let second = import(&mut conn);
    println!(
        "second import, same file: {:.2?} ({second:?})",
        started.elapsed()
    );
    assert!(!second.changed_anything(), "the same file changes nothing");

    let mut group = c.benchmark_group("residents");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("re-import of 76k residents, unchanged, SQLite", |b| {
        b.iter(|| import(&mut conn));
    });
    group.finish();
}

criterion_group!(benches, residents_import);
criterion_main!(benches);
