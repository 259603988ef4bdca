//! The synthetic city: stored through the registry's own writes, it
//! evaluates to signals, and a second evaluation changes nothing.

use woonregister::db::snapshots::Scope;
use woonregister::db::write_transaction;
use woonregister::domain::rules::RuleSet;
use woonregister::geo::NeighbourhoodIndex;
use woonregister::registry::evaluation::{reevaluate, today};
use woonregister::registry::synthetic::{CityPlan, populate};

use crate::support::TestApp;

#[test]
fn a_small_synthetic_city_populates_and_evaluates_stably() {
    let app = TestApp::new();
    let index = NeighbourhoodIndex::bundled().unwrap();
    let plan = CityPlan {
        addresses: 600,
        workers: 250,
        ..CityPlan::vlaardingen(3)
    };
    let mut conn = app.db();
    let report = write_transaction(&mut conn, |conn| populate(conn, &index, &plan)).unwrap();
    assert_eq!(report.addresses, 600);
    assert_eq!(report.declarations, 250);
    let rules = RuleSet::default();
    let first = write_transaction(&mut conn, |conn| {
        reevaluate(conn, &rules, Scope::All, today(), &|_, _| {})
    })
    .unwrap();
    assert_eq!(first.addresses_evaluated, 600);
    assert!(first.signals_opened > 0, "{first:?}");
    assert_eq!(
        i64::try_from(first.signals_opened).unwrap(),
        first.signals_open
    );
    let second = write_transaction(&mut conn, |conn| {
        reevaluate(conn, &rules, Scope::All, today(), &|_, _| {})
    })
    .unwrap();
    assert_eq!(
        (
            second.signals_opened,
            second.signals_closed,
            second.signals_refreshed
        ),
        (0, 0, 0)
    );
    assert_eq!(second.signals_open, first.signals_open);
}
