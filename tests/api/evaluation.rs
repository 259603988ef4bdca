//! Evaluation writes only what changed: an evaluation that finds what is
//! stored leaves every signal row as it was, a filing re-evaluates its own
//! address and an organisation change the addresses of its group, and a
//! full evaluation in chunks finds the same signals whatever the chunk size.

use std::collections::BTreeSet;

use diesel::prelude::*;
use rocket::http::Status;
use serde_json::json;
use woonregister::auth::Role;
use woonregister::db::schema::{addresses, signals};
use woonregister::db::signals::Signal;
use woonregister::db::snapshots::Scope;
use woonregister::domain::rules::{RuleId, RuleSet};
use woonregister::registry::demo::{self, DemoOptions};
use woonregister::registry::evaluation::{
    evaluate_all, evaluate_with_readers, judge_chunk, reevaluate, settle,
};

use crate::support::{TestApp, address_body, date, declaration_body, organisation_body, worker};

const HOLDING: &str = "44444444";
const GROUP_AGENCY: &str = "11111111";
const OTHER_AGENCY: &str = "22222222";
const LANDLORD: &str = "87654321";

/// Every signal row, every column, in id order.
fn signal_rows(app: &TestApp) -> Vec<Signal> {
    signals::table
        .select(Signal::as_select())
        .order(signals::id)
        .load(&mut app.db())
        .unwrap()
}

/// The rows of the signals of `address`.
fn rows_of(rows: &[Signal], address: i64) -> Vec<Signal> {
    rows.iter()
        .filter(|s| s.address_id == address)
        .cloned()
        .collect()
}

/// A small address (30 m², 3 bedrooms) at house number `n`.
fn small_address(app: &TestApp, n: i64) -> i64 {
    let mut body = address_body(n);
    body["floorAreaM2"] = json!(30);
    body["bedrooms"] = json!(3);
    app.create_address(&body)["id"].as_i64().unwrap()
}

/// Files `count` workers of agency `agency` at house number `n`, the
/// `first`-th onwards.
fn file_workers(app: &TestApp, agency: &str, n: i64, first: usize, count: usize) {
    let token = app.agency_token(agency);
    for i in first..first + count {
        let mut body = declaration_body(n, None);
        body["worker"] = worker(&format!("Worker{n}x{i}"), None);
        body["household"] = json!(format!("h{n}"));
        body["separateRentalContract"] = json!(true);
        body["rentDeductedFromWages"] = json!(false);
        let reply = app.post("/api/v1/declarations", &token, &body);
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
    }
}

/// Two addresses housing workers of an agency in one group with the
/// landlord, and a third housing workers of an unrelated agency.
fn three_addresses(app: &TestApp) -> [i64; 3] {
    for (kvk, parent, is_agency) in [
        (HOLDING, None, false),
        (GROUP_AGENCY, Some(HOLDING), true),
        (LANDLORD, Some(HOLDING), false),
        (OTHER_AGENCY, None, true),
    ] {
        let mut body = organisation_body(kvk);
        body["parentKvkNumber"] = json!(parent);
        body["isAgency"] = json!(is_agency);
        body["certified"] = json!(false);
        app.create_organisation(&body);
    }
    let ids = [
        small_address(app, 1),
        small_address(app, 2),
        small_address(app, 3),
    ];
    file_workers(app, GROUP_AGENCY, 1, 0, 4);
    file_workers(app, GROUP_AGENCY, 2, 0, 4);
    file_workers(app, OTHER_AGENCY, 3, 0, 4);
    ids
}

#[test]
fn an_evaluation_that_finds_nothing_new_leaves_every_signal_row_as_it_was() {
    let app = TestApp::new();
    three_addresses(&app);
    let staff = app.token(Role::Staff);
    let before = signal_rows(&app);
    assert!(before.len() >= 9, "three signalled addresses: {before:?}");

    let reply = app.post("/api/v1/signal-evaluations", &staff, &json!({}));
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let report = reply.json();
    assert_eq!(
        (
            &report["signalsOpened"],
            &report["signalsRefreshed"],
            &report["signalsClosed"]
        ),
        (&json!(0), &json!(0), &json!(0)),
        "{report}"
    );
    assert_eq!(report["signalsOpen"], json!(before.len()));
    assert_eq!(signal_rows(&app), before, "timestamps included");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_woonregister"))
        .args(["signals", "evaluate"])
        .env("WOONREGISTER_DATABASE_URL", &app.config.database_url)
        .env("WOONREGISTER_DATA_DIR", &app.config.data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        signal_rows(&app),
        before,
        "the command writes nothing either"
    );
}

#[test]
fn a_filing_rewrites_only_its_own_addresses_signals() {
    let app = TestApp::new();
    let [first, second, third] = three_addresses(&app);
    let before = signal_rows(&app);

    file_workers(&app, GROUP_AGENCY, 1, 4, 1);

    let after = signal_rows(&app);
    for other in [second, third] {
        assert_eq!(rows_of(&after, other), rows_of(&before, other), "{other}");
    }
    let changed = rows_of(&after, first);
    assert_ne!(changed, rows_of(&before, first), "five now live on 30 m²");
    let overcrowding = changed
        .iter()
        .find(|s| s.rule == RuleId::OvercrowdingFloorArea && s.is_open())
        .unwrap();
    assert!(
        overcrowding.evidence.summary.contains('5'),
        "{overcrowding:?}"
    );
    assert!(overcrowding.last_seen_at > overcrowding.first_seen_at);
}

#[test]
fn an_organisation_change_rewrites_the_signals_of_its_groups_addresses_only() {
    let app = TestApp::new();
    let [first, second, third] = three_addresses(&app);
    let staff = app.token(Role::Staff);
    let before = signal_rows(&app);
    let agency = app
        .get(
            &format!("/api/v1/organisations?kvkNumber={GROUP_AGENCY}"),
            &staff,
        )
        .json();
    let agency_id = agency["items"][0]["id"].as_i64().unwrap();

    let reply = app.patch(
        &format!("/api/v1/organisations/{agency_id}"),
        &staff,
        &json!({"certified": true}),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);

    let after = signal_rows(&app);
    for linked in [first, second] {
        let closed: Vec<RuleId> = rows_of(&after, linked)
            .iter()
            .filter(|s| !s.is_open())
            .map(|s| s.rule)
            .collect();
        assert_eq!(closed, [RuleId::UncertifiedAgency], "{linked}");
    }
    assert_eq!(rows_of(&after, third), rows_of(&before, third));
}

/// The open signals as the rules found them: address, rule, severity,
/// score and evidence.
fn open_findings(app: &TestApp) -> BTreeSet<(i64, RuleId, String, i32, String)> {
    signal_rows(app)
        .into_iter()
        .filter(Signal::is_open)
        .map(|s| {
            (
                s.address_id,
                s.rule,
                s.severity.as_str().to_owned(),
                s.score,
                serde_json::to_string(&s.evidence).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_city_evaluated_in_small_chunks_gets_the_signals_of_one_chunk_and_of_each_address() {
    let app = TestApp::new();
    let mut conn = app.db();
    let rules = RuleSet::default();
    let options = DemoOptions {
        scale: 1,
        today: date("2026-11-27"),
        only_buurten: Some(
            ["BU06220101", "BU06220201", "BU06220301", "BU06220307"]
                .map(str::to_owned)
                .into(),
        ),
        ..DemoOptions::new(demo::DEFAULT_SEED)
    };
    demo::generate(&mut conn, &rules, &options, &|_| {}).unwrap();
    let on = options.today;
    let every: Vec<i64> = addresses::table
        .select(addresses::id)
        .load(&mut conn)
        .unwrap();
    assert!(every.len() > 1_000, "{} addresses", every.len());
    let mut found = Vec::new();
    let (mut first_reader, mut second_reader) = (app.db(), app.db());
    let mut readers = [&mut first_reader, &mut second_reader];
    for how in [
        "chunks of 97",
        "chunks of 97 on two readers",
        "one chunk",
        "each address by id",
    ] {
        diesel::delete(signals::table).execute(&mut conn).unwrap();
        let report = match how {
            "chunks of 97" => evaluate_all(&mut conn, &rules, on, 97, &|_, _| {}),
            "chunks of 97 on two readers" => {
                evaluate_with_readers(&mut conn, &mut readers, &rules, on, 97, &|_, _| {})
            }
            "one chunk" => evaluate_all(&mut conn, &rules, on, 10_000, &|_, _| {}),
            _ => reevaluate(&mut conn, &rules, Scope::Addresses(&every), on, &|_, _| {}),
        }
        .unwrap();
        assert_eq!(report.addresses_evaluated, every.len(), "{how}");
        found.push(open_findings(&app));
    }
    assert_eq!(found[0], found[1], "one connection against two readers");
    assert_eq!(found[0], found[2], "small chunks against one chunk");
    assert_eq!(found[0], found[3], "chunks against each address by id");
    let fired: BTreeSet<RuleId> = found[0].iter().map(|f| f.1).collect();
    assert!(
        fired.contains(&RuleId::AgencyIsLandlord) && fired.contains(&RuleId::RegisteredElsewhere),
        "the group and registration rules fire: {fired:?}"
    );
    let again = evaluate_all(&mut conn, &rules, on, 97, &|_, _| {}).unwrap();
    assert_eq!(
        (
            again.signals_opened,
            again.signals_refreshed,
            again.signals_closed
        ),
        (0, 0, 0)
    );
    assert_eq!(again.signals_open, i64::try_from(found[0].len()).unwrap());
}

#[test]
fn an_address_changed_after_its_chunk_was_judged_is_judged_again_before_its_signals_are_written() {
    let app = TestApp::new();
    let [first, ..] = three_addresses(&app);
    let rules = RuleSet::default();
    let on = woonregister::registry::evaluation::today();
    let mut conn = app.db();
    diesel::delete(signals::table.filter(signals::address_id.eq(first)))
        .execute(&mut conn)
        .unwrap();
    let ranges = woonregister::db::addresses::id_ranges(&mut conn, 10_000).unwrap();
    assert_eq!(ranges.len(), 1, "{ranges:?}");
    let verdict = judge_chunk(&mut conn, &rules, on, ranges[0]).unwrap();
    assert_eq!(verdict.differing, vec![first], "{verdict:?}");

    // Four more workers move in after the verdict was read; their filing
    // re-evaluates the address itself.
    file_workers(&app, GROUP_AGENCY, 1, 4, 4);
    let after_filing = signal_rows(&app);
    let report = settle(&mut conn, &rules, on, &verdict).unwrap();
    assert_eq!(
        (
            report.signals_opened,
            report.signals_refreshed,
            report.signals_closed
        ),
        (0, 0, 0),
        "the verdict's findings are stale, the filing's are current: {report:?}"
    );
    assert_eq!(signal_rows(&app), after_filing);
    let again = evaluate_all(&mut conn, &rules, on, 10_000, &|_, _| {}).unwrap();
    assert_eq!(
        (
            again.signals_opened,
            again.signals_refreshed,
            again.signals_closed
        ),
        (0, 0, 0)
    );
}

#[test]
fn an_evaluation_that_changes_nothing_does_not_wait_for_a_writer() {
    let app = TestApp::new();
    three_addresses(&app);
    let rules = RuleSet::default();
    let on = woonregister::registry::evaluation::today();
    let before = signal_rows(&app);
    let mut writer = app.db();
    writer
        .transaction(|writer| {
            woonregister::db::lock_for_writing(writer)?;
            let (done, finished) = std::sync::mpsc::channel();
            let mut conn = app.db();
            std::thread::spawn(move || {
                let report = evaluate_all(&mut conn, &rules, on, 2, &|_, _| {});
                done.send(report.map_err(|e| e.to_string())).unwrap();
            });
            let report = finished
                .recv_timeout(std::time::Duration::from_secs(5))
                .expect("the evaluation finishes while another writer holds the lock")
                .unwrap();
            assert_eq!(report.addresses_evaluated, 3);
            assert_eq!(
                (
                    report.signals_opened,
                    report.signals_refreshed,
                    report.signals_closed
                ),
                (0, 0, 0)
            );
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    assert_eq!(signal_rows(&app), before);
}
