//! The audit trail: every read and write of personal data records who, what,
//! why and the trace, in one hash chain that shows tampering.

use diesel::RunQueryDsl as _;
use diesel::connection::SimpleConnection as _;
use rocket::http::{Header, Status};
use serde_json::{Value, json};
use woonregister::audit;
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, declaration_body};

fn events(app: &TestApp, query: &str) -> Value {
    let reply = app.get(
        &format!("/api/v1/audit-events{query}"),
        &app.token(Role::Admin),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json()
}

/// An app with one filed, read, listed and amended declaration.
fn app_with_history() -> (TestApp, Value) {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    let agency = app.agency_token("11111111");
    let filed = app
        .client
        .post("/api/v1/declarations")
        .header(Header::new("Authorization", format!("Bearer {agency}")))
        .header(Header::new(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ))
        .header(Header::new("X-Purpose", "weekly housing declaration"))
        .header(rocket::http::ContentType::JSON)
        .body(declaration_body(1, None).to_string())
        .dispatch();
    assert_eq!(filed.status(), Status::Created);
    let filed: Value = filed.into_json().unwrap();
    let path = format!("/api/v1/declarations/{}", filed["id"]);
    let read = app.get(&path, &app.token(Role::Staff));
    assert_eq!(read.status, Status::Ok, "{}", read.body);
    let listed = app.get("/api/v1/declarations", &agency);
    assert_eq!(listed.status, Status::Ok, "{}", listed.body);
    let amended = app.patch(&path, &agency, &json!({"household": "nowak-2"}));
    assert_eq!(amended.status, Status::Ok, "{}", amended.body);
    (app, filed)
}

#[test]
fn every_read_and_write_of_a_declaration_is_audited_with_purpose_and_trace() {
    let (app, filed) = app_with_history();
    let log = events(&app, "");
    assert_eq!(log["total"], 4);
    let items = log["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "declaration.update",
            "declaration.list",
            "declaration.read",
            "declaration.create"
        ]
    );
    let create = &items[3];
    assert_eq!(create["actor"], "test-agency");
    assert_eq!(create["role"], "agency");
    assert_eq!(create["resource"], format!("declarations/{}", filed["id"]));
    assert_eq!(create["purpose"], "weekly housing declaration");
    assert_eq!(create["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(create["outcome"], "success");
    let read = &items[1 + 1];
    assert_eq!(read["role"], "staff");
    assert_eq!(
        read["purpose"], "supervision of housing of labour migrants",
        "the endpoint's default purpose"
    );
    assert_eq!(
        read["traceId"].as_str().unwrap().len(),
        32,
        "a generated trace id"
    );
    assert!(
        !log.to_string().contains("123456782"),
        "no BSN in the audit trail"
    );
}

#[test]
fn the_audit_log_filters_by_actor_and_time() {
    let (app, _) = app_with_history();
    assert_eq!(events(&app, "?actor=test-staff")["total"], 1);
    assert_eq!(events(&app, "?actor=test-agency")["total"], 3);
    assert_eq!(events(&app, "?from=2000-01-01&to=2999-01-01")["total"], 4);
    assert_eq!(events(&app, "?from=2999-01-01")["total"], 0);
    assert_eq!(events(&app, "?to=2000-01-01T00:00:00Z")["total"], 0);
    let bad = app.get(
        "/api/v1/audit-events?from=yesterday",
        &app.token(Role::Admin),
    );
    assert_eq!(bad.status, Status::BadRequest, "{}", bad.body);
    assert_eq!(bad.invalid_param_names(), ["from"]);
}

#[test]
fn an_invalid_purpose_header_is_refused() {
    let app = TestApp::new();
    let reply = app
        .client
        .get("/api/v1/declarations")
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", app.token(Role::Staff)),
        ))
        .header(Header::new("X-Purpose", "x".repeat(201)))
        .dispatch();
    assert_eq!(reply.status(), Status::BadRequest);
}

#[test]
fn the_database_refuses_to_change_or_remove_an_audit_event() {
    let (app, _) = app_with_history();
    let mut conn = app.db();
    assert!(
        diesel::sql_query("UPDATE audit_events SET actor = 'x'")
            .execute(&mut conn)
            .is_err()
    );
    assert!(
        diesel::sql_query("DELETE FROM audit_events")
            .execute(&mut conn)
            .is_err()
    );
    assert_eq!(events(&app, "")["total"], 4);
}

fn drop_guards(app: &TestApp) -> woonregister::db::DbConnection {
    let mut conn = app.db();
    let sql = if app.is_postgres() {
        "DROP TRIGGER audit_events_no_update ON audit_events; DROP TRIGGER audit_events_no_delete ON audit_events;"
    } else {
        "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
    };
    conn.batch_execute(sql).unwrap();
    conn
}

#[test]
fn the_chain_verifies_and_a_changed_event_is_found() {
    let (app, _) = app_with_history();
    let report = audit::verify(&mut app.db()).unwrap();
    assert_eq!(report.events, 4);
    assert_eq!(report.first_broken, None);
    let mut conn = drop_guards(&app);
    let second = events(&app, "")["items"][2]["id"].as_i64().unwrap();
    diesel::sql_query(format!(
        "UPDATE audit_events SET actor = 'someone-else' WHERE id = {second}"
    ))
    .execute(&mut conn)
    .unwrap();
    let broken = audit::verify(&mut conn).unwrap().first_broken.unwrap();
    assert_eq!(broken.id, second);
    assert!(broken.reason.contains("changed"), "{}", broken.reason);
}

#[test]
fn a_removed_event_breaks_the_chain_at_the_next_one() {
    let (app, _) = app_with_history();
    let ids: Vec<i64> = events(&app, "")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let mut conn = drop_guards(&app);
    let (removed, next) = (ids[2], ids[1]);
    diesel::sql_query(format!("DELETE FROM audit_events WHERE id = {removed}"))
        .execute(&mut conn)
        .unwrap();
    let broken = audit::verify(&mut conn).unwrap().first_broken.unwrap();
    assert_eq!(broken.id, next);
}

#[test]
fn the_verify_command_reports_an_intact_chain_and_fails_on_a_broken_one() {
    let (app, _) = app_with_history();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_woonregister"))
            .args(["audit", "verify"])
            .env("WOONREGISTER_DATABASE_URL", &app.config.database_url)
            .env("WOONREGISTER_DATA_DIR", &app.config.data_dir)
            .output()
            .unwrap()
    };
    let intact = run();
    assert!(
        intact.status.success(),
        "{}",
        String::from_utf8_lossy(&intact.stderr)
    );
    assert!(String::from_utf8_lossy(&intact.stdout).contains("4 events verified"));
    let mut conn = drop_guards(&app);
    diesel::sql_query("UPDATE audit_events SET purpose = 'curiosity' WHERE id = (SELECT MIN(id) FROM audit_events)")
        .execute(&mut conn)
        .unwrap();
    let broken = run();
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("audit trail broken at event"));
}

#[test]
fn a_batchs_filings_extend_the_chain_one_event_each_in_order() {
    let app = TestApp::new();
    for n in 1..=3 {
        app.create_address(&address_body(n));
    }
    let agency = app.agency_token("11111111");
    let batch = json!({"declarations": [
        declaration_body(1, None),
        declaration_body(99, None),
        declaration_body(2, None),
        declaration_body(3, None),
    ]});
    let reply = app.post("/api/v1/declaration-batches", &agency, &batch);
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let results = reply.json()["results"].clone();
    let filed: Vec<String> = results
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .map(|id| format!("declarations/{id}"))
        .collect();
    assert_eq!(
        filed.len(),
        3,
        "the item at an unknown address is refused: {results}"
    );
    let log = events(&app, "?pageSize=100");
    let mut resources: Vec<String> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "declaration.create")
        .map(|e| e["resource"].as_str().unwrap().to_owned())
        .collect();
    resources.reverse(); // the log is newest first
    assert_eq!(
        resources, filed,
        "one event per filing, in the batch's order"
    );
    let report = audit::verify(&mut app.db()).unwrap();
    assert_eq!(report.first_broken, None);
}
