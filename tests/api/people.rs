//! `/people`: masked reads for staff, the full subject-access export for
//! administrators, and both in the audit trail.

use rocket::http::{Header, Status};
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, declaration_body};

/// Registers house number 1, files one declaration for it as an agency
/// and reads it back as staff, who see the person it was matched to.
fn file_one(app: &TestApp) -> serde_json::Value {
    app.create_address(&address_body(1));
    let reply = app.post(
        "/api/v1/declarations",
        &app.agency_token("11111111"),
        &declaration_body(1, None),
    );
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    let read = app.get(
        &format!("/api/v1/declarations/{}", reply.json()["id"]),
        &app.token(Role::Staff),
    );
    assert_eq!(read.status, Status::Ok, "{}", read.body);
    read.json()
}

#[test]
fn staff_read_a_person_with_the_bsn_masked() {
    let app = TestApp::new();
    let filed = file_one(&app);
    let person_id = &filed["worker"]["personId"];
    let reply = app.get(
        &format!("/api/v1/people/{person_id}"),
        &app.token(Role::Staff),
    );
    assert_eq!(reply.status, Status::Ok);
    let person = reply.json();
    assert_eq!(person["bsnMasked"], "******782");
    assert_eq!(person["familyName"], "Nowak");
    assert!(!reply.body.contains("123456782"));
    assert_eq!(
        app.get("/api/v1/people/999", &app.token(Role::Staff))
            .status,
        Status::NotFound
    );
}

#[test]
fn an_admin_exports_everything_held_on_a_person() {
    let app = TestApp::new();
    let filed = file_one(&app);
    let person_id = filed["worker"]["personId"].as_i64().unwrap();
    let read = app.get(
        &format!("/api/v1/people/{person_id}"),
        &app.token(Role::Staff),
    );
    assert_eq!(read.status, Status::Ok, "{}", read.body);
    let reply = app
        .client
        .get(format!("/api/v1/people/{person_id}/export"))
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", app.token(Role::Admin)),
        ))
        .header(Header::new("X-Purpose", "verzoek om inzage 2026-117"))
        .dispatch();
    assert_eq!(reply.status(), Status::Ok);
    let export: serde_json::Value = reply.into_json().unwrap();
    assert_eq!(export["bsn"], "123456782");
    assert_eq!(export["person"]["id"], person_id);
    assert_eq!(export["declarations"].as_array().unwrap().len(), 1);
    assert_eq!(
        export["occupancies"][0]["subjectId"],
        filed["address"]["addressId"]
    );
    assert_eq!(export["employments"].as_array().unwrap().len(), 1);
    let actions: Vec<&str> = export["auditEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["person.export", "person.read"],
        "newest first, this export included"
    );
    assert_eq!(
        export["auditEvents"][0]["purpose"],
        "verzoek om inzage 2026-117"
    );
}
