//! The shape of the main response bodies and of the e-mail receipt, kept as
//! `insta` snapshots under `tests/api/snapshots/`. Ids, times and versions
//! are redacted so that one set of snapshots holds on SQLite and on
//! PostgreSQL; the facts that matter are asserted beside each snapshot.

use rocket::http::Status;
use serde_json::{Value, json};
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, declaration_body, organisation_body, worker};

const AGENCY: &str = "11111111";

/// An app with house numbers 1 and 2 registered and an agency with a
/// contact address, so that a filing queues a receipt.
fn app_with_agency() -> TestApp {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    app.create_address(&address_body(2));
    let mut agency = organisation_body(AGENCY);
    agency["contactEmail"] = json!("planning@agency.example");
    app.create_organisation(&agency);
    app
}

/// Files a declaration as the agency and returns the 201 body.
fn file(app: &TestApp, body: &Value) -> Value {
    let reply = app.post("/api/v1/declarations", &app.agency_token(AGENCY), body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    reply.json()
}

#[test]
fn an_address_keeps_its_shape_when_registered_and_read() {
    let app = TestApp::new();
    let created = app.post(
        "/api/v1/addresses",
        &app.token(Role::Staff),
        &address_body(12),
    );
    assert_eq!(created.status, Status::Created, "{}", created.body);
    let created = created.json();
    insta::assert_json_snapshot!("address_created", created, {
        ".id" => "[id]",
        ".rdX" => insta::rounded_redaction(2),
        ".rdY" => insta::rounded_redaction(2),
        ".createdAt" => "[timestamp]",
        ".updatedAt" => "[timestamp]",
    });
    let read = app.get(
        &format!("/api/v1/addresses/{}", created["id"]),
        &app.token(Role::Inspector),
    );
    assert_eq!(read.status, Status::Ok, "{}", read.body);
    let read = read.json();
    assert_eq!(read, created);
    insta::assert_json_snapshot!("address_read", read, {
        ".id" => "[id]",
        ".rdX" => insta::rounded_redaction(2),
        ".rdY" => insta::rounded_redaction(2),
        ".createdAt" => "[timestamp]",
        ".updatedAt" => "[timestamp]",
    });
}

#[test]
fn an_organisation_keeps_its_shape() {
    let app = TestApp::new();
    let mut body = organisation_body("12345678");
    body["parentKvkNumber"] = json!("87654321");
    let reply = app.post("/api/v1/organisations", &app.token(Role::Staff), &body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    insta::assert_json_snapshot!("organisation_created", reply.json(), {
        ".id" => "[id]",
        ".createdAt" => "[timestamp]",
        ".updatedAt" => "[timestamp]",
    });
}

#[test]
fn a_declaration_keeps_its_shape_when_filed_and_read() {
    let app = app_with_agency();
    let filed = file(&app, &declaration_body(1, None));
    assert_eq!(filed["status"], "accepted");
    assert!(filed["worker"].get("personId").is_none(), "{filed}");
    insta::assert_json_snapshot!("declaration_filed", filed, {
        ".id" => "[id]",
        ".address.addressId" => "[id]",
        ".filedAt" => "[timestamp]",
        ".updatedAt" => "[timestamp]",
    });
    let read = app.get(
        &format!("/api/v1/declarations/{}", filed["id"]),
        &app.token(Role::Staff),
    );
    assert_eq!(read.status, Status::Ok, "{}", read.body);
    let read = read.json();
    let mut as_filed = read.clone();
    as_filed["worker"]
        .as_object_mut()
        .unwrap()
        .remove("personId");
    assert_eq!(
        as_filed, filed,
        "staff see what the agency filed, and the person"
    );
    assert!(read["worker"]["personId"].is_i64());
    insta::assert_json_snapshot!("declaration_read", read, {
        ".id" => "[id]",
        ".worker.personId" => "[id]",
        ".address.addressId" => "[id]",
        ".filedAt" => "[timestamp]",
        ".updatedAt" => "[timestamp]",
    });
}

#[test]
fn the_declaration_list_keeps_its_shape() {
    let app = app_with_agency();
    file(&app, &declaration_body(1, None));
    let mut second = declaration_body(2, None);
    second["worker"] = worker("Popescu", None);
    file(&app, &second);
    let reply = app.get("/api/v1/declarations", &app.token(Role::Staff));
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let list = reply.json();
    assert_eq!(list["total"], 2);
    insta::assert_json_snapshot!("declaration_list", list, {
        ".items[].id" => "[id]",
        ".items[].worker.personId" => "[id]",
        ".items[].address.addressId" => "[id]",
        ".items[].filedAt" => "[timestamp]",
        ".items[].updatedAt" => "[timestamp]",
    });
}

#[test]
fn a_batch_result_keeps_its_shape() {
    let app = app_with_agency();
    let mut bad = declaration_body(2, None);
    bad["worker"]["bsn"] = json!("123456789");
    bad["startDate"] = json!("2026-02-30");
    let reply = app.post(
        "/api/v1/declaration-batches",
        &app.agency_token(AGENCY),
        &json!({"declarations": [declaration_body(1, None), bad]}),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let results = reply.json();
    assert_eq!(results["results"][0]["status"], 201);
    assert_eq!(results["results"][1]["status"], 400);
    insta::assert_json_snapshot!("batch_results", results, {
        ".results[].id" => "[id]",
    });
}

#[test]
fn an_addresss_signals_keep_their_shape() {
    let app = TestApp::new();
    let mut body = address_body(1);
    body["floorAreaM2"] = json!(38.0);
    body["bedrooms"] = json!(3);
    let id = app.create_address(&body)["id"].clone();
    for i in 0..5 {
        let mut filing = declaration_body(1, None);
        filing["worker"] = worker(&format!("Worker{i}"), None);
        filing["household"] = json!("h1");
        file(&app, &filing);
    }
    let reply = app.get(
        &format!("/api/v1/addresses/{id}/signals"),
        &app.token(Role::Inspector),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let signals = reply.json();
    assert!(
        signals["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["rule"] == "overcrowding-floor-area" && s["status"] == "open"),
        "{signals}"
    );
    insta::assert_json_snapshot!("address_signals", signals, {
        ".addressId" => "[id]",
        ".signals[].id" => "[id]",
        ".signals[].addressId" => "[id]",
        ".signals[].ruleSetVersion" => "[version]",
        ".signals[].firstSeenAt" => "[timestamp]",
        ".signals[].lastSeenAt" => "[timestamp]",
    });
}

#[test]
fn a_refused_body_is_problem_json_naming_every_invalid_param() {
    let app = TestApp::new();
    let mut body = address_body(1);
    body["postcode"] = json!("0131 SA");
    body["houseNumber"] = json!(0);
    body["colour"] = json!("red");
    let reply = app.post("/api/v1/addresses", &app.token(Role::Staff), &body);
    assert_eq!(reply.status, Status::BadRequest, "{}", reply.body);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json")
    );
    insta::assert_json_snapshot!("problem_invalid_params", reply.json());
}

#[test]
fn the_health_body_keeps_its_shape() {
    let app = TestApp::new();
    let reply = app.send("GET", "/api/v1/health", None, None);
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let health = reply.json();
    let database = if app.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(health["database"], database);
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    insta::assert_json_snapshot!("health", health, {
        ".database" => "[database]",
        ".version" => "[version]",
    });
}

#[test]
fn the_receipt_an_agency_gets_after_filing_keeps_its_shape() {
    let app = app_with_agency();
    let filed = file(&app, &declaration_body(1, None));
    let queued = woonregister::db::outbox::all(&mut app.db()).unwrap();
    assert_eq!(queued.len(), 1, "one receipt per filing");
    let receipt = &queued[0];
    assert_eq!(receipt.recipient, "planning@agency.example");
    assert_eq!(receipt.sent_at, None);
    let filed_at = chrono::DateTime::parse_from_rfc3339(filed["filedAt"].as_str().unwrap())
        .unwrap_or_else(|e| panic!("filedAt {} is not RFC 3339: {e}", filed["filedAt"]))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let mail = format!(
        "To: {}\nSubject: {}\n\n{}",
        receipt.recipient, receipt.subject, receipt.body
    );
    let mail = redact(
        &mail,
        &format!("huisvestingsmelding {}\n", filed["id"]),
        "huisvestingsmelding [id]\n",
    );
    let mail = redact(&mail, &format!("\n  {}: ", filed["id"]), "\n  [id]: ");
    let mail = redact(&mail, &format!("{filed_at} UTC"), "[timestamp] UTC");
    assert!(!mail.contains("123456782"), "no BSN in the receipt");
    insta::assert_snapshot!("receipt", mail);
}

/// `text` with `found` replaced by `placeholder`; `found` must be there,
/// for a redaction that matches nothing would hide a changed fact.
fn redact(text: &str, found: &str, placeholder: &str) -> String {
    assert!(text.contains(found), "{found:?} is not in {text:?}");
    text.replace(found, placeholder)
}
