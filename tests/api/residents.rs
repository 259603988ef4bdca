//! The registered residents: a BRP extract imported by command and over
//! HTTP as the truth as of its date; people matched on BSN across declared
//! and registered; everybody counted once; the address-quality rules.

use chrono::{Days, NaiveDate};
use indicatif::ProgressBar;
use rocket::http::{ContentType, Status};
use serde_json::{Value, json};
use woonregister::auth::Role;
use woonregister::cli::import::{ResidentsImportError, import_residents, residents_summary};
use woonregister::db::{occupancies, people};
use woonregister::domain::Bsn;
use woonregister::registry::Actor;
use woonregister::registry::residents::{ExtractError, ImportSummary};

use crate::support::{TestApp, address_body, date, declaration_body};

const HEADER: &str = "BSN;familyName;GivenNames;dateOfBirth;nationality;postcode;houseNumber;houseLetter;houseNumberAddition;registeredSince;household;placeOfBirth\n";

/// Valid BSNs (11-proef), one per test person.
const A: &str = "100000009";
const B: &str = "100000010";
const C: &str = "100000022";
const D: &str = "100000034";

/// One extract line: `bsn` registered at 3131AB `number` since `since`.
fn line(bsn: &str, number: u32, since: &str) -> String {
    format!("{bsn};Jansen;Piet;1980-02-03;NL;3131 AB;{number};;;{since};h{number};Schiedam\n")
}

/// A semicolon extract with a byte-order mark, as Dutch Excel writes it.
fn extract(lines: &[String]) -> String {
    format!("\u{feff}{HEADER}{}", lines.concat())
}

fn actor() -> Actor {
    Actor {
        subject: "test-admin".to_owned(),
        role: Role::Admin,
        purpose: None,
        trace_id: "0af7651916cd43dd8448eb211c80319c".to_owned(),
        deferred: None,
    }
}

/// Imports by command.
fn import(app: &TestApp, csv: &str, as_of: &str) -> Result<ImportSummary, ResidentsImportError> {
    let mut conn = app.db();
    import_residents(
        &mut conn,
        &actor(),
        &app.config.rules,
        csv.as_bytes(),
        date(as_of),
        &ProgressBar::hidden(),
    )
    .map(|(_, summary)| summary)
}

/// Imports over HTTP as an administrator.
fn post(app: &TestApp, csv: &str, as_of: &str) -> crate::support::Reply {
    app.post_raw(
        &format!("/api/v1/resident-extracts?asOf={as_of}"),
        Some(&app.token(Role::Admin)),
        ContentType::CSV,
        csv,
    )
}

fn counts(app: &TestApp, id: i64) -> Value {
    let reply = app.get(&format!("/api/v1/addresses/{id}"), &app.token(Role::Staff));
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json()["occupants"].clone()
}

fn addresses(app: &TestApp, numbers: std::ops::RangeInclusive<i64>) -> Vec<i64> {
    numbers
        .map(|n| app.create_address(&address_body(n))["id"].as_i64().unwrap())
        .collect()
}

fn person_id(app: &TestApp, bsn: &str) -> i64 {
    let bsn = Bsn::parse(bsn).unwrap();
    people::find_by_bsn(&mut app.db(), &bsn)
        .unwrap()
        .unwrap()
        .id
}

/// The person's registry occupancies as (house id, first day, last day).
fn registrations(app: &TestApp, bsn: &str) -> Vec<(i64, NaiveDate, Option<NaiveDate>)> {
    occupancies::for_person(&mut app.db(), person_id(app, bsn))
        .unwrap()
        .into_iter()
        .filter(|o| o.source == woonregister::domain::OccupancySource::Registry)
        .map(|o| (o.address_id, o.start_date, o.end_date))
        .collect()
}

fn signal_rules(app: &TestApp, id: i64) -> Vec<String> {
    let reply = app.get(
        &format!("/api/v1/addresses/{id}/signals"),
        &app.token(Role::Staff),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json()["signals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "open")
        .map(|s| s["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn signal(app: &TestApp, id: i64, rule: &str) -> Value {
    let reply = app.get(
        &format!("/api/v1/addresses/{id}/signals"),
        &app.token(Role::Staff),
    );
    reply.json()["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule"] == rule && s["status"] == "open")
        .cloned()
        .unwrap_or_else(|| panic!("no {rule} signal: {}", reply.body))
}

#[test]
fn an_extract_registers_new_residents_and_the_same_file_twice_changes_nothing() {
    let app = TestApp::new();
    let ids = addresses(&app, 1..=2);
    let csv = extract(&[
        line(A, 1, "2020-01-01"),
        line(B, 1, "2021-05-01"),
        line(C, 2, "2019-03-03"),
    ]);
    let first = import(&app, &csv, "2026-10-01").unwrap();
    assert_eq!(
        (first.new, first.moved, first.ended, first.unchanged),
        (3, 0, 0, 0)
    );
    assert_eq!(
        counts(&app, ids[0]),
        json!({"registered": 2, "declared": 0, "combined": 2})
    );
    assert_eq!(registrations(&app, A), [(ids[0], date("2020-01-01"), None)]);
    let nationality = people::find_by_bsn(&mut app.db(), &Bsn::parse(A).unwrap())
        .unwrap()
        .unwrap()
        .nationality;
    assert_eq!(nationality, None, "the nationality column is not stored");

    let second = import(&app, &csv, "2026-10-01").unwrap();
    assert_eq!(
        second,
        ImportSummary {
            unchanged: 3,
            ..ImportSummary::default()
        }
    );
    assert_eq!(registrations(&app, A), [(ids[0], date("2020-01-01"), None)]);
    let events = app.get(
        "/api/v1/audit-events?action=resident-extract.import",
        &app.token(Role::Admin),
    );
    let body = events.body.clone();
    assert!(
        body.contains("resident-extracts/2026-10-01?new=3&moved=0&ended=0&corrected=0&unchanged=0&unknownAddresses=0"),
        "{body}"
    );
    assert!(
        body.contains("new=0&moved=0&ended=0&corrected=0&unchanged=3"),
        "{body}"
    );
}

#[test]
fn a_later_extract_moves_ends_corrects_and_keeps_registrations() {
    let app = TestApp::new();
    let ids = addresses(&app, 1..=3);
    let first = extract(&[
        line(A, 1, "2020-01-01"),
        line(B, 1, "2020-01-01"),
        line(C, 2, "2020-01-01"),
    ]);
    import(&app, &first, "2026-09-01").unwrap();
    let corrected_c = format!("{C};Jansen;Piet;1980-02-03;NL;3131AB;2;;;2019-12-01;h2;\n");
    let second = extract(&[
        line(A, 2, "2026-09-20"),
        corrected_c,
        line(D, 3, "2026-09-15"),
    ]);
    let summary = import(&app, &second, "2026-10-01").unwrap();
    assert_eq!(
        (
            summary.new,
            summary.moved,
            summary.ended,
            summary.corrected,
            summary.unchanged
        ),
        (1, 1, 1, 1, 0)
    );
    assert_eq!(
        registrations(&app, A),
        [
            (ids[0], date("2020-01-01"), Some(date("2026-09-19"))),
            (ids[1], date("2026-09-20"), None)
        ],
        "the old registration ends the day before the move"
    );
    assert_eq!(
        registrations(&app, B),
        [(ids[0], date("2020-01-01"), Some(date("2026-09-30")))],
        "no longer in the extract: ends the day before its date"
    );
    assert_eq!(registrations(&app, C), [(ids[1], date("2019-12-01"), None)]);
    assert_eq!(
        counts(&app, ids[0]),
        json!({"registered": 0, "declared": 0, "combined": 0})
    );
    assert_eq!(
        counts(&app, ids[1]),
        json!({"registered": 2, "declared": 0, "combined": 2})
    );
    let again = import(&app, &second, "2026-10-01").unwrap();
    assert_eq!(again.unchanged, 3);
    assert!(!again.changed_anything());
}

#[test]
fn a_bad_file_stores_nothing_and_lists_every_bad_line() {
    let app = TestApp::new();
    let ids = addresses(&app, 1..=1);
    let csv = extract(&[
        line(A, 1, "2020-01-01"),
        "123456789;Jansen;Piet;1980-02-30;NL;3131AB;1;;;2020-01-01;;\n".to_owned(),
        line(A, 1, "2020-01-01"),
        line(B, 1, "2030-01-01"),
    ]);
    let reply = post(&app, &csv, "2026-10-01");
    assert_eq!(reply.status, Status::BadRequest, "{}", reply.body);
    assert_eq!(
        reply.invalid_param_names(),
        [
            "line 3: bsn",
            "line 3: dateOfBirth",
            "line 4: bsn",
            "line 5: registeredSince"
        ]
    );
    assert_eq!(
        counts(&app, ids[0]),
        json!({"registered": 0, "declared": 0, "combined": 0})
    );
    assert!(
        people::find_by_bsn(&mut app.db(), &Bsn::parse(A).unwrap())
            .unwrap()
            .is_none()
    );
    let Err(ResidentsImportError::Extract(ExtractError::Rows(rows))) =
        import(&app, &csv, "2026-10-01")
    else {
        panic!("the command refuses the same file");
    };
    assert_eq!(rows.len(), 3);
}

#[test]
fn the_endpoint_answers_with_the_summary_and_names_the_dropped_columns() {
    let app = TestApp::new();
    addresses(&app, 1..=1);
    let csv = extract(&[line(A, 1, "2020-01-01"), line(B, 77, "2020-01-01")]);
    let reply = post(&app, &csv, "2026-10-01");
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let summary = reply.json();
    assert_eq!(summary["new"], 1);
    assert_eq!(summary["unknownAddresses"], 1);
    assert_eq!(summary["unknownAddressLines"], json!([3]));
    assert_eq!(summary["separator"], ";");
    assert_eq!(summary["byteOrderMark"], true);
    let dropped: Vec<&str> = summary["droppedColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["column"].as_str().unwrap())
        .collect();
    assert_eq!(dropped, ["nationality", "placeOfBirth"]);
    assert!(
        summary["droppedColumns"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("never an input")
    );
    assert!(
        people::find_by_bsn(&mut app.db(), &Bsn::parse(B).unwrap())
            .unwrap()
            .is_none(),
        "a resident at an unknown address is not stored"
    );
}

#[test]
fn the_endpoint_takes_only_text_csv_and_a_strict_as_of_date() {
    let app = TestApp::new();
    let admin = app.token(Role::Admin);
    let csv = extract(&[]);
    let json = app.post_raw(
        "/api/v1/resident-extracts?asOf=2026-10-01",
        Some(&admin),
        ContentType::JSON,
        "{}",
    );
    assert_eq!(json.status, Status::UnsupportedMediaType, "{}", json.body);
    for query in ["", "?asOf=2026-1-1", "?asOf=tomorrow"] {
        let reply = app.post_raw(
            &format!("/api/v1/resident-extracts{query}"),
            Some(&admin),
            ContentType::CSV,
            &csv,
        );
        assert_eq!(reply.status, Status::BadRequest, "{query}: {}", reply.body);
        assert_eq!(reply.invalid_param_names(), ["asOf"], "{query}");
    }
    let comma = "bsn,familyName,givenNames,dateOfBirth,postcode,houseNumber,registeredSince\n";
    let reply = post(&app, comma, "2026-10-01");
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    assert_eq!(reply.json()["separator"], ",");
    assert_eq!(reply.json()["byteOrderMark"], false);
}

#[test]
fn a_declared_worker_registered_at_the_address_is_one_person_counted_once() {
    let app = TestApp::new();
    let ids = addresses(&app, 1..=1);
    let filed = app.post(
        "/api/v1/declarations",
        &app.token(Role::Staff),
        &declaration_body(1, Some("11111111")),
    );
    assert_eq!(filed.status, Status::Created, "{}", filed.body);
    let worker = filed.json()["worker"]["personId"].as_i64().unwrap();
    // The declaration's worker has BSN 123456782.
    let csv = extract(&[line("123456782", 1, "2026-11-02"), line(A, 1, "2020-01-01")]);
    let summary = import(&app, &csv, "2026-11-05").unwrap();
    assert_eq!(summary.new, 2);
    assert_eq!(person_id(&app, "123456782"), worker, "matched on BSN");
    assert_eq!(
        counts(&app, ids[0]),
        json!({"registered": 2, "declared": 1, "combined": 2})
    );
}

fn days_ago(days: u64) -> String {
    chrono::Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(days))
        .unwrap()
        .to_string()
}

/// Files a declaration for `bsn` at house `number` starting `start`.
fn declare(app: &TestApp, number: i64, bsn: &str, start: &str) {
    let mut body = declaration_body(number, Some("11111111"));
    body["worker"]["bsn"] = json!(bsn);
    body["startDate"] = json!(start);
    let reply = app.post("/api/v1/declarations", &app.token(Role::Staff), &body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
}

#[test]
fn a_worker_declared_beyond_the_grace_period_and_not_registered_fires_declared_not_registered() {
    let app = TestApp::new();
    let ids = addresses(&app, 1..=3);
    declare(&app, 1, A, &days_ago(200));
    declare(&app, 2, B, &days_ago(30));
    declare(&app, 3, C, &days_ago(200));
    assert!(
        !signal_rules(&app, ids[0]).contains(&"declared-not-registered".to_owned()),
        "without an extract nobody is known to be registered"
    );
    // C is registered at house 3; A and B nowhere.
    import(&app, &extract(&[line(C, 3, "2024-01-01")]), &days_ago(1)).unwrap();
    let evidence = signal(&app, ids[0], "declared-not-registered")["evidence"].clone();
    assert_eq!(evidence["measured"]["declaredNotRegistered"], 1);
    assert_eq!(evidence["measured"]["earliestDeclaredSince"], days_ago(200));
    assert!(!evidence["summary"].as_str().unwrap().contains("Nowak"));
    assert!(!signal_rules(&app, ids[1]).contains(&"declared-not-registered".to_owned()));
    assert!(!signal_rules(&app, ids[2]).contains(&"declared-not-registered".to_owned()));
}

#[test]
fn a_declared_worker_registered_at_another_address_fires_registered_elsewhere() {
    let app = TestApp::new();
    let ids = addresses(&app, 1..=2);
    declare(&app, 1, A, &days_ago(10));
    import(&app, &extract(&[line(A, 2, "2024-01-01")]), &days_ago(1)).unwrap();
    let fired = signal(&app, ids[0], "registered-elsewhere");
    assert_eq!(fired["evidence"]["measured"]["registeredElsewhere"], 1);
    assert!(!signal_rules(&app, ids[1]).contains(&"registered-elsewhere".to_owned()));
    // Registered where declared: the signal closes.
    import(&app, &extract(&[line(A, 1, &days_ago(5))]), &days_ago(1)).unwrap();
    assert!(!signal_rules(&app, ids[0]).contains(&"registered-elsewhere".to_owned()));
}

#[test]
fn many_registered_residents_fire_overcrowding_naming_the_brp_as_the_source() {
    let app = TestApp::new();
    let ids = addresses(&app, 1..=1);
    // 64 m²: 5 people have 12.8 m² each, 6 have 10.7 m².
    let bsns = [A, B, C, D, "100000046", "100000058"];
    let five: Vec<String> = bsns[..5].iter().map(|b| line(b, 1, "2020-01-01")).collect();
    import(&app, &extract(&five), &days_ago(1)).unwrap();
    assert!(!signal_rules(&app, ids[0]).contains(&"overcrowding-floor-area".to_owned()));
    let six: Vec<String> = bsns.iter().map(|b| line(b, 1, "2020-01-01")).collect();
    import(&app, &extract(&six), &days_ago(1)).unwrap();
    let fired = signal(&app, ids[0], "overcrowding-floor-area");
    assert!(
        fired["evidence"]["summary"]
            .as_str()
            .unwrap()
            .contains("counted from 6 registered in the BRP"),
        "{fired}"
    );
    assert_eq!(
        fired["evidence"]["measured"]["countedFrom"]["registered"],
        6
    );
}

#[test]
fn the_command_summary_says_which_separator_and_columns_it_found() {
    let app = TestApp::new();
    addresses(&app, 1..=1);
    let csv = extract(&[line(A, 1, "2020-01-01"), line(B, 9, "2020-01-01")]);
    let mut conn = app.db();
    let (extract, summary) = import_residents(
        &mut conn,
        &actor(),
        &app.config.rules,
        csv.as_bytes(),
        date("2026-10-01"),
        &ProgressBar::hidden(),
    )
    .unwrap();
    let text = residents_summary(std::path::Path::new("brp.csv"), &extract, &summary);
    assert!(
        text.contains("separator ';', UTF-8 byte-order mark, 2 resident(s)"),
        "{text}"
    );
    assert!(
        text.contains("1 new, 0 moved, 0 ended, 0 corrected, 0 unchanged"),
        "{text}"
    );
    assert!(
        text.contains("1 row(s) name an address the registry does not know (first lines: 3)"),
        "{text}"
    );
    assert!(
        text.contains("dropped column nationality: nationality is never an input"),
        "{text}"
    );
    assert!(
        text.contains("dropped column placeOfBirth: not used by the registry"),
        "{text}"
    );
}

#[test]
fn an_extract_larger_than_the_csv_limit_is_413_and_stores_nothing() {
    let app = TestApp::with(|figment| figment.merge(("limits.csv", "200 B")));
    let ids = addresses(&app, 1..=1);
    let lines: Vec<String> = [A, B, C].iter().map(|b| line(b, 1, "2020-01-01")).collect();
    let csv = extract(&lines);
    assert!(csv.len() > 200);
    let reply = post(&app, &csv, "2026-10-01");
    assert_eq!(reply.status, Status::PayloadTooLarge, "{}", reply.body);
    assert!(
        reply.body.contains("woonregister import residents"),
        "{}",
        reply.body
    );
    assert_eq!(
        counts(&app, ids[0]),
        json!({"registered": 0, "declared": 0, "combined": 0})
    );
}
