//! A declaration is the agency's own statement: an agency reads back
//! exactly the worker it declared, its corrections change only its own
//! declaration, and nothing it is told reveals what another agency or the
//! registry knows about a person or a BSN.

use rocket::http::Status;
use serde_json::{Value, json};
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, declaration_body, worker};

const AGENCY_A: &str = "11111111";
const AGENCY_B: &str = "22222222";
/// A BSN agency A declares.
const KNOWN_BSN: &str = "111222333";
/// A valid BSN nobody declares.
const UNKNOWN_BSN: &str = "999999990";

fn app_with_address() -> TestApp {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    app
}

fn file(app: &TestApp, agency: &str, family_name: &str, bsn: Option<&str>) -> Value {
    let mut body = declaration_body(1, None);
    body["worker"] = worker(family_name, bsn);
    let reply = app.post("/api/v1/declarations", &app.agency_token(agency), &body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    reply.json()
}

fn read(app: &TestApp, token: &str, declaration: &Value) -> Value {
    let reply = app.get(
        &format!("/api/v1/declarations/{}", declaration["id"]),
        token,
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json()
}

#[test]
fn an_agency_filing_a_known_bsn_sees_only_the_worker_it_declared() {
    let app = app_with_address();
    let of_a = file(&app, AGENCY_A, "Kowalska", Some(KNOWN_BSN));

    let reply = app.post("/api/v1/declarations", &app.agency_token(AGENCY_B), &{
        let mut body = declaration_body(1, None);
        body["worker"] = worker("Nowak", Some(KNOWN_BSN));
        body
    });

    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    assert!(!reply.body.contains("Kowalska"), "{}", reply.body);
    let of_b = reply.json();
    assert_eq!(of_b["worker"]["familyName"], "Nowak");
    assert!(of_b["worker"].get("personId").is_none(), "{of_b}");
    let staff = app.token(Role::Staff);
    assert_eq!(
        read(&app, &staff, &of_a)["worker"]["personId"],
        read(&app, &staff, &of_b)["worker"]["personId"],
        "the municipality sees that both declare one person"
    );
}

#[test]
fn an_agencys_correction_changes_its_own_declaration_only() {
    let app = app_with_address();
    let of_a = file(&app, AGENCY_A, "Kowalska", Some(KNOWN_BSN));
    let of_b = file(&app, AGENCY_B, "Kowalska", Some(KNOWN_BSN));
    let a = app.agency_token(AGENCY_A);
    let before = read(&app, &a, &of_a);

    let b = app.agency_token(AGENCY_B);
    let corrected = app.patch(
        &format!("/api/v1/declarations/{}", of_b["id"]),
        &b,
        &json!({"worker": {"familyName": "Nowakowska", "bsn": null, "nationality": "UA"}}),
    );

    assert_eq!(corrected.status, Status::Ok, "{}", corrected.body);
    assert_eq!(corrected.json()["worker"]["familyName"], "Nowakowska");
    assert_eq!(
        read(&app, &a, &of_a),
        before,
        "A's declaration is unchanged"
    );
    let person = app.get(
        &format!(
            "/api/v1/people/{}",
            read(&app, &app.token(Role::Staff), &of_a)["worker"]["personId"]
        ),
        &app.token(Role::Staff),
    );
    assert_eq!(
        person.json()["familyName"],
        "Kowalska",
        "A's person is unchanged"
    );
}

#[test]
fn a_correction_answers_alike_whether_or_not_another_source_knows_the_bsn() {
    let app = app_with_address();
    file(&app, AGENCY_A, "Kowalska", Some(KNOWN_BSN));
    let of_b = file(&app, AGENCY_B, "Nowak", None);
    let b = app.agency_token(AGENCY_B);
    let path = format!("/api/v1/declarations/{}", of_b["id"]);

    let to_known = app.patch(&path, &b, &json!({"worker": {"bsn": KNOWN_BSN}}));
    let known_view = to_known.json();
    let to_unknown = app.patch(&path, &b, &json!({"worker": {"bsn": UNKNOWN_BSN}}));
    let unknown_view = to_unknown.json();

    assert_eq!(to_known.status, Status::Ok, "{}", to_known.body);
    assert_eq!(to_unknown.status, to_known.status);
    let shape = |view: &Value| {
        let mut view = view.clone();
        view["worker"]["bsnMasked"] = Value::Null;
        view["updatedAt"] = Value::Null;
        view
    };
    assert_eq!(shape(&known_view), shape(&unknown_view));
    assert_eq!(known_view["worker"]["familyName"], "Nowak");
    assert_eq!(unknown_view["worker"]["bsnMasked"], "******990");
}
