//! The demo city through the database: the same seed gives the same
//! database, the per-buurt counts follow CBS, every rule fires somewhere and
//! most addresses carry no signal, and a database that holds data is left
//! alone; `/` and `/api/v1` lead to the documentation.
//!
//! To stay affordable in debug builds on both backends, these tests store a
//! subset of four buurten (about 4 800 dwellings, 40 labour-migrant sites,
//! so every problem pattern occurs); the library tests of
//! `registry::demo` check the pure plan of the whole city at full size.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use woonregister::db::schema::{addresses, occupancies};
use woonregister::domain::rules::{RuleId, RuleSet};
use woonregister::domain::{OccupancySource, UsagePurpose};
use woonregister::registry::demo::{self, DemoError, DemoOptions, data};

use crate::support::TestApp;

const SUBSET: [&str; 4] = ["BU06220101", "BU06220201", "BU06220301", "BU06220307"];

fn options(seed: u64) -> DemoOptions {
    DemoOptions {
        seed,
        scale: 1,
        today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        only_buurten: Some(SUBSET.iter().map(|s| (*s).to_owned()).collect()),
    }
}

fn generated(seed: u64) -> (TestApp, woonregister::db::DbConnection) {
    let app = TestApp::new();
    let mut conn = app.db();
    demo::generate(&mut conn, &RuleSet::default(), &options(seed), &|_| {}).unwrap();
    (app, conn)
}

#[test]
fn the_same_seed_gives_the_same_database_and_another_seed_another() {
    let on = options(0).today;
    let (_first_app, mut first) = generated(11);
    let (_second_app, mut second) = generated(11);
    let (_other_app, mut other) = generated(12);
    let digest = demo::digest(&mut first, on).unwrap();
    assert_eq!(digest, demo::digest(&mut second, on).unwrap());
    assert_ne!(digest, demo::digest(&mut other, on).unwrap());
}

#[test]
fn the_demo_city_follows_cbs_per_buurt_fires_every_rule_and_leaves_most_addresses_quiet() {
    let (_app, mut conn) = generated(demo::DEFAULT_SEED);
    let stored: Vec<(i64, Option<String>, UsagePurpose)> = addresses::table
        .select((
            addresses::id,
            addresses::neighbourhood_code,
            addresses::usage_purpose,
        ))
        .load(&mut conn)
        .unwrap();
    let buurt_of: BTreeMap<i64, String> = stored
        .iter()
        .map(|(id, code, _)| (*id, code.clone().unwrap_or_default()))
        .collect();
    let mut dwellings: BTreeMap<String, u32> = BTreeMap::new();
    for (_, code, usage) in &stored {
        if *usage == UsagePurpose::Residential {
            *dwellings
                .entry(code.clone().unwrap_or_default())
                .or_default() += 1;
        }
    }
    let mut residents: BTreeMap<String, u32> = BTreeMap::new();
    let registered: Vec<i64> = occupancies::table
        .filter(occupancies::source.eq(OccupancySource::Registry))
        .select(occupancies::address_id)
        .load(&mut conn)
        .unwrap();
    for address in registered {
        *residents.entry(buurt_of[&address].clone()).or_default() += 1;
    }
    let mut cbs_dwellings: BTreeMap<String, u32> = BTreeMap::new();
    for cell in data::cells().unwrap() {
        *cbs_dwellings.entry(cell.buurt).or_default() += cell.dwellings;
    }
    for buurt in data::buurten().unwrap() {
        if !SUBSET.contains(&buurt.buurt.as_str()) {
            continue;
        }
        let code = buurt.buurt.as_str();
        assert_eq!(dwellings[code], cbs_dwellings[code], "dwellings in {code}");
        let people = f64::from(residents[code]);
        let expected = f64::from(buurt.inhabitants);
        assert!(
            (people - expected).abs() <= expected * 0.01,
            "{code}: {people} residents, CBS counts {expected}"
        );
    }

    let open = woonregister::db::signals::open_for(&mut conn, None).unwrap();
    let fired: BTreeSet<RuleId> = open.iter().map(|s| s.rule).collect();
    let expected: BTreeSet<RuleId> = RuleId::ALL.iter().copied().collect();
    assert_eq!(fired, expected, "every rule fires somewhere");
    let flagged: BTreeSet<i64> = open.iter().map(|s| s.address_id).collect();
    assert!(
        flagged.len() * 10 < stored.len(),
        "{} of {} addresses have signals",
        flagged.len(),
        stored.len()
    );
}

#[test]
fn a_database_that_holds_data_is_refused() {
    let (_app, mut conn) = generated(5);
    let again = demo::generate(&mut conn, &RuleSet::default(), &options(5), &|_| {});
    assert!(matches!(again, Err(DemoError::NotEmpty)), "{again:?}");
}

#[test]
fn the_api_root_leads_to_the_documentation_and_the_root_is_the_web_page() {
    let app = TestApp::new();
    let root = app.send("GET", "/", None, None);
    assert_eq!(root.status.code, 200);
    assert!(root.body.contains("Woonregister"));
    let reply = app.send("GET", "/api/v1", None, None);
    assert_eq!(reply.status.code, 303);
    assert_eq!(reply.header("Location"), Some("/api/v1/docs/"));
    let docs = app.send("GET", "/api/v1/docs/", None, None);
    assert_eq!(docs.status.code, 200);
}
