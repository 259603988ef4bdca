//! `woonregister import addresses`: all rows checked first, one
//! transaction, and the same file twice changes nothing.

use std::fmt::Write as _;

use indicatif::ProgressBar;
use rocket::http::Status;
use woonregister::auth::Role;
use woonregister::cli::import::{ImportError, import_addresses};
use woonregister::geo::NeighbourhoodIndex;
use woonregister::registry::addresses::ImportReport;

use crate::support::TestApp;

const HEADER: &str = "bagId,postcode,houseNumber,houseLetter,houseNumberAddition,street,city,usagePurpose,floorAreaM2,bedrooms,latitude,longitude\n";

/// `rows` addresses spread over central Vlaardingen.
fn csv_of(rows: usize) -> String {
    let mut csv = HEADER.to_owned();
    for i in 0..rows {
        let number = i % 500 + 1;
        let addition = i / 500;
        let lat = 51.905 + f64::from(u8::try_from(i % 37).unwrap()) * 0.0004;
        let lon = 4.330 + f64::from(u8::try_from(i % 41).unwrap()) * 0.0005;
        writeln!(
            csv,
            "0622200000{i:06},3131 AB,{number},,{},Hoogstraat,Vlaardingen,residential,{},{},{lat},{lon}",
            if addition == 0 { String::new() } else { addition.to_string() },
            40 + i % 60,
            1 + i % 4
        )
        .unwrap();
    }
    csv
}

fn run(app: &TestApp, csv: &str) -> Result<ImportReport, ImportError> {
    let index = NeighbourhoodIndex::bundled().unwrap();
    let mut conn = app.db();
    import_addresses(
        &mut conn,
        &app.config.rules,
        &index,
        csv.as_bytes(),
        &ProgressBar::hidden(),
    )
}

#[test]
fn thousands_of_addresses_import_once_and_a_second_import_changes_nothing() {
    let app = TestApp::new();
    let csv = csv_of(2_000);
    let first = run(&app, &csv).unwrap();
    assert_eq!(
        first,
        ImportReport {
            inserted: 2_000,
            updated: 0,
            unchanged: 0
        }
    );
    let staff = app.token(Role::Staff);
    let listed = app.get("/api/v1/addresses?pageSize=500", &staff).json();
    assert_eq!(listed["total"], 2_000);
    let located = listed["items"].as_array().unwrap().iter().all(|a| {
        a["neighbourhoodCode"]
            .as_str()
            .is_some_and(|c| c.starts_with("BU0622"))
    });
    assert!(
        located,
        "every imported address lies in a Vlaardingen buurt"
    );
    let before = app.get("/api/v1/addresses/1", &staff).json();

    let second = run(&app, &csv).unwrap();
    assert_eq!(
        second,
        ImportReport {
            inserted: 0,
            updated: 0,
            unchanged: 2_000
        }
    );
    assert_eq!(
        app.get("/api/v1/addresses/1", &staff).json(),
        before,
        "not even updatedAt moved"
    );
}

#[test]
fn a_changed_row_updates_its_address() {
    let app = TestApp::new();
    run(&app, &csv_of(3)).unwrap();
    let changed = csv_of(3).replacen(
        "Hoogstraat,Vlaardingen,residential,40",
        "Hoogstraat,Vlaardingen,lodging,90",
        1,
    );
    assert_eq!(
        run(&app, &changed).unwrap(),
        ImportReport {
            inserted: 0,
            updated: 1,
            unchanged: 2
        }
    );
    let first = app
        .get("/api/v1/addresses/1", &app.token(Role::Staff))
        .json();
    assert_eq!(first["usagePurpose"], "lodging");
    assert_eq!(first["floorAreaM2"], 90.0);
}

#[test]
fn bad_rows_are_reported_by_line_and_nothing_is_stored() {
    let app = TestApp::new();
    let mut csv = csv_of(10);
    csv.push_str(",9999 ZZ,0,,,,Vlaardingen,palace,big,,51.9,4.34\n");
    csv.push_str(&csv_of(1)[HEADER.len()..].replace("0622200000000000", "0622200000999999"));
    let Err(ImportError::Rows(errors)) = run(&app, &csv) else {
        panic!("the import should fail");
    };
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, 12);
    let mut names: Vec<&str> = errors[0].problems.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["floorAreaM2", "houseNumber", "street", "usagePurpose"]
    );
    assert_eq!(errors[1].line, 13);
    assert!(
        errors[1]
            .to_string()
            .contains("repeats the address on line 2"),
        "{}",
        errors[1]
    );
    let reply = app.get("/api/v1/addresses", &app.token(Role::Staff));
    assert_eq!(reply.status, Status::Ok);
    assert_eq!(reply.json()["total"], 0);
}

#[test]
fn a_file_that_is_not_csv_of_addresses_stores_nothing() {
    let app = TestApp::new();
    let Err(ImportError::Rows(errors)) = run(&app, "postcode,street\n3131AB,Markt\n") else {
        panic!("the import should fail");
    };
    assert_eq!(errors[0].line, 2);
    assert!(errors[0].problems.iter().any(|p| p.name == "houseNumber"));
    assert!(matches!(
        run(&app, "a,b\n1,2,3\n"),
        Err(ImportError::Csv(_))
    ));
}

fn one_address_csv(floor_area: u32) -> String {
    format!("{HEADER},3131AB,7,,,Markt,Vlaardingen,residential,{floor_area},3,51.9093,4.3421\n")
}

fn open_rules_at(app: &TestApp, id: i64) -> Vec<String> {
    let reply = app.get(
        &format!("/api/v1/addresses/{id}/signals"),
        &app.token(Role::Inspector),
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

#[test]
fn importing_a_changed_floor_area_reevaluates_the_addresses_signals() {
    let app = TestApp::new();
    run(&app, &one_address_csv(38)).unwrap();
    let token = app.agency_token("11111111");
    for i in 0..5 {
        let mut body = crate::support::declaration_body(7, None);
        body["worker"] = crate::support::worker(&format!("Worker{i}"), None);
        let reply = app.post("/api/v1/declarations", &token, &body);
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
    }
    let listed = app.get(
        "/api/v1/addresses?postcode=3131AB&houseNumber=7",
        &app.token(Role::Staff),
    );
    assert_eq!(listed.status, Status::Ok, "{}", listed.body);
    let id = listed.json()["items"][0]["id"].as_i64().unwrap();
    assert!(open_rules_at(&app, id).contains(&"overcrowding-floor-area".to_owned()));

    let report = run(&app, &one_address_csv(400)).unwrap();

    assert_eq!(report.updated, 1);
    assert!(!open_rules_at(&app, id).contains(&"overcrowding-floor-area".to_owned()));
}

#[test]
fn a_dutch_excel_file_with_semicolons_a_bom_and_decimal_commas_imports_alike() {
    let app = TestApp::new();
    let excel = format!(
        "\u{feff}{}",
        csv_of(3)
            .replace(',', ";")
            .replace("51.9", "51,9")
            .replace("4.3", "4,3")
    );

    let report = run(&app, &excel).unwrap();

    assert_eq!(report.inserted, 3);
    assert_eq!(
        run(&app, &csv_of(3)).unwrap().unchanged,
        3,
        "the same addresses as the comma-separated file"
    );
}

#[test]
fn a_file_with_neither_separator_is_refused_with_one_message() {
    let app = TestApp::new();
    let tabbed = csv_of(3).replace(',', "\t");

    let error = run(&app, &tabbed).unwrap_err();

    assert!(matches!(error, ImportError::NotCsv(_)), "{error}");
    assert!(error.to_string().contains("neither `,` nor `;`"), "{error}");
}
