//! `woonregister retention apply`: people past the retention period lose
//! their occupancies, employments and personal fields; everyone else and
//! the aggregate facts stay; a dry run changes nothing; all is audited.

use diesel::RunQueryDsl as _;
use rocket::http::Status;
use serde_json::json;
use woonregister::auth::Role;
use woonregister::db::{occupancies, people};

use crate::support::{TestApp, address_body, date, declaration_body, worker};

fn retention(app: &TestApp, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_woonregister"))
        .args(["retention", "apply"])
        .args(args)
        .env("WOONREGISTER_DATABASE_URL", &app.config.database_url)
        .env("WOONREGISTER_DATA_DIR", &app.config.data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Files a declaration as staff; gives the person's and the declaration's id.
fn file(app: &TestApp, family_name: &str, start: &str, end: Option<&str>) -> (i64, i64) {
    let mut body = declaration_body(1, Some("11111111"));
    body["worker"] = worker(family_name, None);
    body["startDate"] = json!(start);
    body["endDate"] = json!(end);
    let reply = app.post("/api/v1/declarations", &app.token(Role::Staff), &body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    let filed = reply.json();
    (
        filed["worker"]["personId"].as_i64().unwrap(),
        filed["id"].as_i64().unwrap(),
    )
}

#[test]
fn retention_removes_only_people_whose_last_occupancy_ended_before_the_period() {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    let (gone, gone_declaration) = file(&app, "Gone", "2020-01-01", Some("2021-06-30"));
    let (staying, _) = file(&app, "Staying", "2026-01-01", None);
    diesel::sql_query("UPDATE people SET updated_at = '2021-07-01 00:00:00'")
        .execute(&mut app.db())
        .unwrap();

    let dry = retention(&app, &["--dry-run"]);
    let gone_before = people::find(&mut app.db(), gone).unwrap().unwrap();
    let applied = retention(&app, &[]);

    assert!(dry.contains("would remove: 1 people"), "{dry}");
    assert_eq!(gone_before.family_name, "Gone", "a dry run changes nothing");
    assert!(applied.contains("removed: 1 people"), "{applied}");
    let removed = people::find(&mut app.db(), gone).unwrap().unwrap();
    assert_eq!(removed.family_name, "(removed)");
    assert_eq!(removed.given_names, "");
    assert_eq!(removed.nationality, None);
    assert_eq!(
        removed.date_of_birth,
        date("1990-01-01"),
        "only the year of birth stays"
    );
    assert!(
        occupancies::for_person(&mut app.db(), gone)
            .unwrap()
            .is_empty()
    );
    let declared = app
        .get(
            &format!("/api/v1/declarations/{gone_declaration}"),
            &app.token(Role::Staff),
        )
        .json();
    assert_eq!(
        declared["worker"],
        json!({"personId": gone, "bsnMasked": null, "familyName": "(removed)",
               "givenNames": "", "dateOfBirth": "1990-01-01", "nationality": null}),
        "the worker as declared is removed too"
    );
    let kept = people::find(&mut app.db(), staying).unwrap().unwrap();
    assert_eq!(kept.family_name, "Staying");
    assert_eq!(
        occupancies::for_person(&mut app.db(), staying)
            .unwrap()
            .len(),
        1
    );
    let events = app
        .get("/api/v1/audit-events?pageSize=500", &app.token(Role::Admin))
        .json();
    let resources: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == json!("retention.apply"))
        .map(|e| e["resource"].as_str().unwrap())
        .collect();
    assert!(
        resources.contains(&format!("people/{gone}").as_str()),
        "{resources:?}"
    );
    assert_eq!(
        resources.len(),
        2,
        "one per person and a summary: {resources:?}"
    );
    let again = retention(&app, &[]);
    assert!(again.contains("removed: 0 people"), "{again}");
}
