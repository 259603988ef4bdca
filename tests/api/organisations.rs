//! `/organisations`: agencies and landlords with their KvK numbers.

use rocket::http::Status;
use serde_json::json;
use woonregister::auth::Role;

use crate::support::{TestApp, organisation_body};

#[test]
fn an_organisation_is_registered_read_and_found_by_kvk_number() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let mut body = organisation_body(" 12345678 ");
    body["parentKvkNumber"] = json!("87654321");
    let reply = app.post("/api/v1/organisations", &staff, &body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    let created = reply.json();
    assert_eq!(created["kvkNumber"], "12345678");
    assert_eq!(created["parentKvkNumber"], "87654321");
    assert_eq!(created["certified"], false);
    let location = reply.header("Location").unwrap().to_owned();
    assert_eq!(app.get(&location, &staff).json(), created);
    app.create_organisation(&organisation_body("23456789"));
    let found = app
        .get("/api/v1/organisations?kvkNumber=12345678", &staff)
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0], created);
    assert_eq!(app.get("/api/v1/organisations", &staff).json()["total"], 2);
}

#[test]
fn a_duplicate_kvk_number_is_a_conflict() {
    let app = TestApp::new();
    app.create_organisation(&organisation_body("12345678"));
    let reply = app.post(
        "/api/v1/organisations",
        &app.token(Role::Staff),
        &organisation_body("12345678"),
    );
    assert_eq!(reply.status, Status::Conflict);
}

#[test]
fn every_invalid_organisation_field_is_reported_at_once() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let reply = app.post(
        "/api/v1/organisations",
        &staff,
        &json!({"kvkNumber": "1234567", "name": "", "isAgency": "yes", "parentKvkNumber": "abc",
                "contactEmail": "not an address", "extra": 1}),
    );
    assert_eq!(reply.status, Status::BadRequest);
    let mut names = reply.invalid_param_names();
    names.sort();
    assert_eq!(
        names,
        [
            "certified",
            "contactEmail",
            "extra",
            "isAgency",
            "isLandlord",
            "kvkNumber",
            "name",
            "parentKvkNumber"
        ]
    );
    let own_parent = app.post(
        "/api/v1/organisations",
        &staff,
        &json!({"kvkNumber": "12345678", "name": "Self", "isAgency": true, "isLandlord": true,
                "certified": true, "parentKvkNumber": "12345678"}),
    );
    assert_eq!(own_parent.invalid_param_names(), ["parentKvkNumber"]);
    assert_eq!(app.get("/api/v1/organisations", &staff).json()["total"], 0);
    assert_eq!(
        app.get("/api/v1/organisations?kvkNumber=12", &staff)
            .invalid_param_names(),
        ["kvkNumber"]
    );
}

#[test]
fn changing_an_organisation_keeps_the_rest() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let created = app.create_organisation(&organisation_body("12345678"));
    let path = format!("/api/v1/organisations/{}", created["id"]);
    let reply = app.patch(
        &path,
        &staff,
        &json!({"certified": true, "contactEmail": null}),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let changed = reply.json();
    assert_eq!(changed["certified"], true);
    assert_eq!(changed["contactEmail"], json!(null));
    assert_eq!(changed["name"], created["name"]);
    let other = app.create_organisation(&organisation_body("23456789"));
    let clash = app.patch(
        &format!("/api/v1/organisations/{}", other["id"]),
        &staff,
        &json!({"kvkNumber": "12345678"}),
    );
    assert_eq!(clash.status, Status::Conflict);
    assert_eq!(
        app.get("/api/v1/organisations/999", &staff).status,
        Status::NotFound
    );
}
