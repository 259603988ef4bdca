//! `/declarations` and `/declaration-batches`: filing, isolation between
//! agencies, amending, ending, withdrawing, retries and batches.

use rocket::http::{Header, Status};
use serde_json::{Value, json};
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, date, declaration_body, organisation_body, worker};

const AGENCY_A: &str = "11111111";
const AGENCY_B: &str = "22222222";

fn app_with_addresses(count: i64) -> TestApp {
    let app = TestApp::new();
    for n in 1..=count {
        app.create_address(&address_body(n));
    }
    app
}

fn file(app: &TestApp, token: &str, body: &Value) -> Value {
    let reply = app.post("/api/v1/declarations", token, body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    reply.json()
}

/// A declaration as staff read it, with the person it was matched to.
fn staff_view(app: &TestApp, filed: &Value) -> Value {
    let reply = app.get(
        &format!("/api/v1/declarations/{}", filed["id"]),
        &app.token(Role::Staff),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json()
}

fn count(app: &TestApp, table: &str) -> i64 {
    use diesel::RunQueryDsl as _;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut app.db())
        .unwrap()
        .n
}

#[test]
fn an_agency_files_a_declaration_and_every_fact_is_stored_with_it() {
    let app = app_with_addresses(1);
    let agency = app.agency_token(AGENCY_A);
    let reply = app.post("/api/v1/declarations", &agency, &declaration_body(1, None));
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    let declaration = reply.json();
    assert_eq!(
        reply.header("Location"),
        Some(format!("/api/v1/declarations/{}", declaration["id"]).as_str())
    );
    assert_eq!(declaration["status"], "accepted");
    assert_eq!(declaration["agencyKvkNumber"], AGENCY_A);
    assert_eq!(declaration["landlordKvkNumber"], "87654321");
    assert_eq!(declaration["worker"]["bsnMasked"], "******782");
    assert_eq!(declaration["address"]["postcode"], "3131AB");
    assert_eq!(declaration["rentPerMonthEur"], 450.0);
    assert!(!reply.body.contains("123456782"), "the BSN is never shown");
    for table in [
        "people",
        "declarations",
        "employments",
        "occupancies",
        "housing_provisions",
    ] {
        assert_eq!(count(&app, table), 1, "{table}");
    }
    let staff = app.token(Role::Staff);
    let landlord = app
        .get("/api/v1/organisations?kvkNumber=87654321", &staff)
        .json();
    assert_eq!(
        landlord["items"][0]["isLandlord"], true,
        "an unknown landlord is registered"
    );
    let agency_org = app
        .get(
            &format!("/api/v1/organisations?kvkNumber={AGENCY_A}"),
            &staff,
        )
        .json();
    assert_eq!(agency_org["items"][0]["isAgency"], true);
}

#[test]
fn every_problem_of_a_declaration_is_reported_at_once_and_nothing_is_stored() {
    let app = app_with_addresses(1);
    let body = json!({
        "worker": {"bsn": "123456789", "familyName": "", "dateOfBirth": "2020-13-01", "shoeSize": 44},
        "address": {"postcode": "3131 A", "houseNumber": 1},
        "landlordKvkNumber": "8765432",
        "startDate": "2099-01-01",
        "endDate": "2026-01-01",
        "rentPerMonthEur": -5,
        "rentDeductedFromWages": "yes",
        "separateRentalContract": false,
        "pets": true
    });
    let reply = app.post("/api/v1/declarations", &app.agency_token(AGENCY_A), &body);
    assert_eq!(reply.status, Status::BadRequest, "{}", reply.body);
    let mut names = reply.invalid_param_names();
    names.sort();
    assert_eq!(
        names,
        [
            "address.postcode",
            "endDate",
            "landlordKvkNumber",
            "pets",
            "rentDeductedFromWages",
            "rentPerMonthEur",
            "startDate",
            "worker.bsn",
            "worker.dateOfBirth",
            "worker.familyName",
            "worker.givenNames",
            "worker.shoeSize",
        ]
    );
    assert!(
        !reply.body.contains("123456789"),
        "a rejected BSN is not echoed"
    );
    assert_eq!(count(&app, "declarations"), 0);
    assert_eq!(count(&app, "people"), 0);
}

#[test]
fn a_declaration_for_an_unregistered_address_names_the_address() {
    let app = app_with_addresses(1);
    let reply = app.post(
        "/api/v1/declarations",
        &app.agency_token(AGENCY_A),
        &declaration_body(99, None),
    );
    assert_eq!(reply.status, Status::BadRequest);
    assert_eq!(reply.invalid_param_names(), ["address"]);
    assert_eq!(count(&app, "people"), 0);
    assert_eq!(count(&app, "organisations"), 0);
}

#[test]
fn a_worker_too_young_or_with_a_bad_nationality_is_refused() {
    let app = app_with_addresses(1);
    let mut body = declaration_body(1, None);
    body["worker"]["dateOfBirth"] = json!("2015-01-01");
    body["worker"]["nationality"] = json!("Polish");
    let reply = app.post("/api/v1/declarations", &app.agency_token(AGENCY_A), &body);
    assert_eq!(reply.status, Status::BadRequest, "{}", reply.body);
    let mut names = reply.invalid_param_names();
    names.sort();
    assert_eq!(names, ["worker.dateOfBirth", "worker.nationality"]);
}

#[test]
fn an_agency_is_known_by_its_token_and_staff_file_on_an_agencys_behalf() {
    let app = app_with_addresses(1);
    let own_claim = app.post(
        "/api/v1/declarations",
        &app.agency_token(AGENCY_A),
        &declaration_body(1, Some(AGENCY_B)),
    );
    assert_eq!(own_claim.status, Status::BadRequest);
    assert_eq!(own_claim.invalid_param_names(), ["agencyKvkNumber"]);
    let staff = app.token(Role::Staff);
    let missing = app.post("/api/v1/declarations", &staff, &declaration_body(1, None));
    assert_eq!(missing.invalid_param_names(), ["agencyKvkNumber"]);
    let on_behalf = file(&app, &staff, &declaration_body(1, Some(AGENCY_B)));
    assert_eq!(on_behalf["agencyKvkNumber"], AGENCY_B);
    assert_eq!(on_behalf["filedBy"], "test-staff");
}

#[test]
fn an_agency_never_sees_another_agencys_declarations() {
    let app = app_with_addresses(2);
    let a = app.agency_token(AGENCY_A);
    let b = app.agency_token(AGENCY_B);
    let of_a = file(&app, &a, &declaration_body(1, None));
    let mut body_b = declaration_body(2, None);
    body_b["worker"] = worker("Kowalska", None);
    let of_b = file(&app, &b, &body_b);

    let path = format!("/api/v1/declarations/{}", of_a["id"]);
    assert_eq!(app.get(&path, &b).status, Status::NotFound);
    assert_eq!(
        app.patch(&path, &b, &json!({"household": "x"})).status,
        Status::NotFound
    );
    assert_eq!(
        app.send("DELETE", &path, Some(&b), None).status,
        Status::NotFound
    );
    assert_eq!(
        app.get(&path, &a).json()["status"],
        "accepted",
        "untouched by B"
    );

    let listed = app.get("/api/v1/declarations", &b).json();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], of_b["id"]);
    let asked_for_a = app
        .get(
            &format!("/api/v1/declarations?agencyKvkNumber={AGENCY_A}"),
            &b,
        )
        .json();
    assert_eq!(asked_for_a["total"], 0);
    let by_address = app
        .get(
            &format!(
                "/api/v1/declarations?addressId={}",
                of_a["address"]["addressId"]
            ),
            &b,
        )
        .json();
    assert_eq!(by_address["total"], 0);

    let staff = app.token(Role::Staff);
    assert_eq!(app.get("/api/v1/declarations", &staff).json()["total"], 2);
    let only_a = app
        .get(
            &format!("/api/v1/declarations?agencyKvkNumber={AGENCY_A}"),
            &staff,
        )
        .json();
    assert_eq!(only_a["total"], 1);
    assert_eq!(only_a["items"][0]["id"], of_a["id"]);
}

#[test]
fn the_same_worker_is_one_person_by_bsn_or_by_names_and_birth_date() {
    let app = app_with_addresses(3);
    let a = app.agency_token(AGENCY_A);
    // Which person a worker is matched to is the municipality's view.
    let matched =
        |app: &TestApp, token: &str, body: &Value| staff_view(app, &file(app, token, body));
    let first = matched(&app, &a, &declaration_body(1, None));
    let mut again = declaration_body(2, None);
    again["worker"]["familyName"] = json!("Nowak-Kowalski");
    let second = matched(&app, &a, &again);
    assert_eq!(
        first["worker"]["personId"], second["worker"]["personId"],
        "same BSN"
    );

    let without_bsn = matched(
        &app,
        &a,
        &json!({
        "worker": worker("Popescu", None), "address": {"postcode": "3131AB", "houseNumber": 3},
        "landlordKvkNumber": "87654321", "startDate": "2026-10-01",
        "rentDeductedFromWages": false, "separateRentalContract": true}),
    );
    let mut with_bsn = declaration_body(3, None);
    with_bsn["worker"] = worker("Popescu", Some("111222333"));
    let later = matched(&app, &a, &with_bsn);
    assert_eq!(
        without_bsn["worker"]["personId"], later["worker"]["personId"],
        "names and date of birth"
    );
    assert_eq!(later["worker"]["bsnMasked"], "******333");
    assert_eq!(count(&app, "people"), 2);

    // Declared again without the BSN: still the same person, BSN kept.
    let mut again_without = declaration_body(1, None);
    again_without["worker"] = worker("Popescu", None);
    let again_without = matched(&app, &a, &again_without);
    assert_eq!(
        again_without["worker"]["personId"],
        later["worker"]["personId"]
    );
    assert_eq!(
        again_without["worker"]["bsnMasked"],
        Value::Null,
        "the declaration is the worker as declared, without a BSN"
    );
    let person = app.get(
        &format!("/api/v1/people/{}", later["worker"]["personId"]),
        &app.token(Role::Staff),
    );
    assert_eq!(
        person.json()["bsnMasked"],
        "******333",
        "the person keeps the BSN"
    );
    // Same names and birth date but another BSN: another person.
    let mut namesake = declaration_body(2, None);
    namesake["worker"] = worker("Popescu", Some("999999990"));
    let namesake = matched(&app, &a, &namesake);
    assert!(namesake["worker"]["personId"].is_i64(), "{namesake}");
    assert!(later["worker"]["personId"].is_i64(), "{later}");
    assert_ne!(namesake["worker"]["personId"], later["worker"]["personId"]);
    assert_eq!(count(&app, "people"), 3);
}

#[test]
fn amending_and_ending_a_declaration_changes_its_occupancy() {
    let app = app_with_addresses(2);
    let a = app.agency_token(AGENCY_A);
    let filed = file(&app, &a, &declaration_body(1, None));
    let path = format!("/api/v1/declarations/{}", filed["id"]);

    let moved = app.patch(
        &path,
        &a,
        &json!({"address": {"houseNumber": 2}, "household": "nowak-2"}),
    );
    assert_eq!(moved.status, Status::Ok, "{}", moved.body);
    let moved = moved.json();
    assert_eq!(moved["status"], "amended");
    assert_eq!(moved["address"]["houseNumber"], 2);
    assert_eq!(moved["worker"]["familyName"], "Nowak", "the rest is kept");

    let ended = app
        .patch(&path, &a, &json!({"endDate": "2026-12-15"}))
        .json();
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["endDate"], "2026-12-15");
    let address_id = moved["address"]["addressId"].as_i64().unwrap();
    let occupants = |d| {
        woonregister::db::occupancies::current_at_address(&mut app.db(), address_id, date(d))
            .unwrap()
            .len()
    };
    assert_eq!(occupants("2026-12-15"), 1);
    assert_eq!(occupants("2026-12-16"), 0);

    let bad = app.patch(
        &path,
        &a,
        &json!({"endDate": "2026-01-01", "rentPerMonthEur": 1.234}),
    );
    assert_eq!(bad.status, Status::BadRequest);
    let mut names = bad.invalid_param_names();
    names.sort();
    assert_eq!(names, ["endDate", "rentPerMonthEur"]);
    assert_eq!(
        app.get(&path, &a).json(),
        ended,
        "a refused change changes nothing"
    );
}

#[test]
fn a_withdrawn_declaration_no_longer_counts_and_cannot_be_changed() {
    let app = app_with_addresses(1);
    let a = app.agency_token(AGENCY_A);
    let filed = file(&app, &a, &declaration_body(1, None));
    let path = format!("/api/v1/declarations/{}", filed["id"]);
    let reply = app.send("DELETE", &path, Some(&a), None);
    assert_eq!(reply.status, Status::NoContent);
    assert_eq!(app.get(&path, &a).json()["status"], "withdrawn");
    let address_id = filed["address"]["addressId"].as_i64().unwrap();
    let today = chrono::Utc::now().date_naive();
    let start = date("2026-11-01");
    for day in [start, today.max(start)] {
        let current =
            woonregister::db::occupancies::current_at_address(&mut app.db(), address_id, day)
                .unwrap();
        assert!(current.is_empty());
    }
    assert_eq!(count(&app, "employments"), 0);
    assert_eq!(
        app.patch(&path, &a, &json!({"household": "x"})).status,
        Status::Conflict
    );
    assert_eq!(
        app.send("DELETE", &path, Some(&a), None).status,
        Status::NoContent,
        "withdrawing twice is harmless"
    );
    let staff = app.token(Role::Staff);
    assert_eq!(
        app.get("/api/v1/declarations?status=withdrawn", &staff)
            .json()["total"],
        1
    );
    assert_eq!(
        app.get("/api/v1/declarations?status=accepted", &staff)
            .json()["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/declarations?status=lost", &staff).status,
        Status::BadRequest
    );
}

#[test]
fn a_retry_with_the_same_idempotency_key_returns_the_first_filing() {
    let app = app_with_addresses(1);
    let a = app.agency_token(AGENCY_A);
    let send = |key: &str| {
        app.client
            .post("/api/v1/declarations")
            .header(Header::new("Authorization", format!("Bearer {a}")))
            .header(Header::new("Idempotency-Key", key.to_owned()))
            .header(rocket::http::ContentType::JSON)
            .body(declaration_body(1, None).to_string())
            .dispatch()
    };
    let first = send("retry-1");
    assert_eq!(first.status(), Status::Created);
    let first: Value = first.into_json().unwrap();
    let second = send("retry-1");
    assert_eq!(second.status(), Status::Created);
    let second: Value = second.into_json().unwrap();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(count(&app, "declarations"), 1);
    assert_eq!(count(&app, "occupancies"), 1);
    let other = send("retry-2");
    assert_eq!(other.status(), Status::Created, "another key files anew");
    let other: Value = other.into_json().unwrap();
    assert!(other["id"].is_i64(), "{other}");
    assert_ne!(other["id"], first["id"]);
    // Another agency's key space is its own.
    let b = app.agency_token(AGENCY_B);
    let of_b = app
        .client
        .post("/api/v1/declarations")
        .header(Header::new("Authorization", format!("Bearer {b}")))
        .header(Header::new("Idempotency-Key", "retry-1"))
        .header(rocket::http::ContentType::JSON)
        .body(declaration_body(1, None).to_string())
        .dispatch();
    assert_eq!(
        of_b.status(),
        Status::Created,
        "B files its own declaration"
    );
    let of_b: Value = of_b.into_json().unwrap();
    assert!(of_b["id"].is_i64(), "{of_b}");
    assert_ne!(of_b["id"], first["id"]);
    assert_eq!(of_b["agencyKvkNumber"], AGENCY_B);
}

#[test]
fn concurrent_requests_with_one_idempotency_key_store_one_declaration() {
    let app = app_with_addresses(1);
    let token = app.agency_token(AGENCY_A);
    let rocket = woonregister::rocket(
        woonregister::config::AppConfig::figment()
            .merge(("database_url", app.config.database_url.clone()))
            .merge(("data_dir", app.config.data_dir.clone()))
            .merge(("log_level", "off")),
    )
    .unwrap();
    let ids = rocket::execute(async move {
        let client = rocket::local::asynchronous::Client::untracked(rocket)
            .await
            .unwrap();
        let request = || {
            client
                .post("/api/v1/declarations")
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .header(Header::new("Idempotency-Key", "same-moment"))
                .header(rocket::http::ContentType::JSON)
                .body(declaration_body(1, None).to_string())
                .dispatch()
        };
        let (a, b, c) = rocket::tokio::join!(request(), request(), request());
        let mut ids = Vec::new();
        for response in [a, b, c] {
            assert_eq!(response.status(), Status::Created);
            ids.push(response.into_json::<Value>().await.unwrap()["id"].clone());
        }
        ids
    });
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[2]);
    assert_eq!(count(&app, "declarations"), 1);
    assert_eq!(count(&app, "people"), 1);
}

#[test]
fn a_batch_stores_the_valid_items_and_reports_every_problem_of_the_others() {
    let app = app_with_addresses(3);
    let mut agency = organisation_body(AGENCY_A);
    agency["contactEmail"] = json!("planning@agency.example");
    app.create_organisation(&agency);
    let a = app.agency_token(AGENCY_A);
    let mut second = declaration_body(2, None);
    second["worker"] = worker("Ionescu", None);
    let mut bad = declaration_body(99, None);
    bad["worker"]["bsn"] = json!("123456789");
    bad["rentPerMonthEur"] = json!(-1);
    let unknown_address = declaration_body(42, None);
    let body =
        json!({"declarations": [declaration_body(1, None), bad, second, "junk", unknown_address]});
    let reply = app.post("/api/v1/declaration-batches", &a, &body);
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let results = reply.json()["results"].as_array().unwrap().clone();
    let statuses: Vec<i64> = results
        .iter()
        .map(|r| r["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 400, 201, 400, 400]);
    let mut names: Vec<&str> = results[1]["problem"]["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "declarations[1].rentPerMonthEur",
            "declarations[1].worker.bsn"
        ]
    );
    assert_eq!(
        results[3]["problem"]["invalidParams"][0]["name"],
        "declarations[3]"
    );
    assert_eq!(
        results[4]["problem"]["invalidParams"][0]["name"],
        "declarations[4].address"
    );
    assert!(results[0]["id"].is_i64() && results[2]["id"].is_i64());
    assert_eq!(count(&app, "declarations"), 2);
    assert_eq!(count(&app, "occupancies"), 2);
    let mail = woonregister::db::outbox::all(&mut app.db()).unwrap();
    assert_eq!(mail.len(), 1, "one receipt per batch");
    assert_eq!(mail[0].recipient, "planning@agency.example");
    assert!(mail[0].subject.contains("2 huisvestingsmeldingen"));
}

#[test]
fn a_retried_batch_files_nothing_twice() {
    let app = app_with_addresses(2);
    let a = app.agency_token(AGENCY_A);
    let mut second = declaration_body(2, None);
    second["worker"] = worker("Ionescu", None);
    let body = json!({"declarations": [declaration_body(1, None), second]}).to_string();
    let send = || {
        let reply = app
            .client
            .post("/api/v1/declaration-batches")
            .header(Header::new("Authorization", format!("Bearer {a}")))
            .header(Header::new("Idempotency-Key", "batch-7"))
            .header(rocket::http::ContentType::JSON)
            .body(body.clone())
            .dispatch();
        assert_eq!(reply.status(), Status::Ok);
        reply.into_json::<Value>().unwrap()
    };
    let first = send();
    assert_eq!(first["results"][0]["status"], 201, "{first}");
    assert_eq!(first["results"][1]["status"], 201, "{first}");
    let again = send();
    assert_eq!(first, again);
    assert_eq!(count(&app, "declarations"), 2);
}

#[test]
fn a_batch_must_hold_one_to_a_thousand_declarations() {
    let app = app_with_addresses(1);
    let a = app.agency_token(AGENCY_A);
    let too_many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    for body in [
        json!({"declarations": []}),
        json!({"declarations": too_many}),
        json!({"items": []}),
    ] {
        let reply = app.post("/api/v1/declaration-batches", &a, &body);
        assert_eq!(reply.status, Status::BadRequest, "{body:.60}");
    }
}

#[test]
fn a_full_batch_of_a_thousand_is_filed() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let csv_rows: Vec<Value> = (1..=1000)
        .map(|n| {
            let mut body = declaration_body(1, None);
            body["worker"] = json!({"familyName": format!("Worker{n}"), "givenNames": "A",
                                    "dateOfBirth": "1990-01-01"});
            body
        })
        .collect();
    app.create_address(&address_body(1));
    let reply = app.post(
        "/api/v1/declaration-batches",
        &app.agency_token(AGENCY_A),
        &json!({"declarations": csv_rows}),
    );
    assert_eq!(reply.status, Status::Ok);
    let results = reply.json()["results"].as_array().unwrap().len();
    assert_eq!(results, 1000);
    assert_eq!(
        app.get("/api/v1/declarations?pageSize=1", &staff).json()["total"],
        1000
    );
}

/// Workers that name one another within one batch, in the order a batch
/// part matches them: the same new worker twice, a BSN learned, a namesake
/// with another BSN, the same BSN under another name, and an unknown
/// address among them.
fn workers_naming_one_another() -> Vec<Value> {
    let with_worker = |house: i64, worker: Value| {
        let mut body = declaration_body(house, None);
        body["worker"] = worker;
        body
    };
    let mut renamed = declaration_body(3, None);
    renamed["worker"]["familyName"] = json!("Nowak-Kowalski");
    vec![
        with_worker(1, worker("Popescu", None)),
        with_worker(2, worker("Popescu", None)),
        with_worker(99, worker("Ionescu", None)),
        with_worker(3, worker("Popescu", Some("111222333"))),
        with_worker(1, worker("Popescu", Some("999999990"))),
        with_worker(2, worker("Popescu", None)),
        declaration_body(1, None),
        renamed,
    ]
}

/// The person each filed item was matched to, `None` for a refused item.
fn matched_people(app: &TestApp, ids: &[Option<i64>]) -> Vec<Option<i64>> {
    ids.iter()
        .map(|id| {
            id.map(|id| {
                staff_view(app, &json!({"id": id}))["worker"]["personId"]
                    .as_i64()
                    .unwrap()
            })
        })
        .collect()
}

#[test]
fn workers_named_twice_in_one_batch_are_matched_as_single_filings_in_turn_would_be() {
    let items = workers_naming_one_another();
    let batched = app_with_addresses(3);
    let a = batched.agency_token(AGENCY_A);
    let reply = batched.post(
        "/api/v1/declaration-batches",
        &a,
        &json!({"declarations": items}),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let results = reply.json()["results"].as_array().unwrap().clone();
    let ids: Vec<Option<i64>> = results.iter().map(|r| r["id"].as_i64()).collect();
    assert_eq!(
        results[2]["problem"]["invalidParams"][0]["name"],
        "declarations[2].address"
    );
    let in_batch = matched_people(&batched, &ids);

    let single = app_with_addresses(3);
    let a = single.agency_token(AGENCY_A);
    let ids: Vec<Option<i64>> = items
        .iter()
        .map(|body| {
            let reply = single.post("/api/v1/declarations", &a, body);
            (reply.status == Status::Created).then(|| reply.json()["id"].as_i64().unwrap())
        })
        .collect();
    let one_by_one = matched_people(&single, &ids);

    let p = |i: usize| in_batch[i].unwrap();
    assert_eq!(in_batch[2], None, "the unknown address is refused");
    assert_eq!(p(0), p(1), "the same new worker twice is one person");
    assert_eq!(p(0), p(3), "a BSN learned within the batch");
    assert_ne!(p(3), p(4), "a namesake with another BSN is another person");
    assert_eq!(p(5), p(0), "without a BSN: the oldest compatible namesake");
    assert_eq!(p(6), p(7), "the same BSN under another name");
    assert_eq!(count(&batched, "people"), 3);
    assert_eq!(count(&single, "people"), 3);
    // The same grouping as single filings one after another.
    let groups = |people: &[Option<i64>]| -> Vec<Vec<usize>> {
        (0..people.len())
            .map(|i| {
                (0..people.len())
                    .filter(|j| people[*j] == people[i])
                    .collect()
            })
            .collect()
    };
    assert_eq!(groups(&in_batch), groups(&one_by_one));
    let person = batched.get(
        &format!("/api/v1/people/{}", p(0)),
        &batched.token(Role::Staff),
    );
    assert_eq!(person.json()["bsnMasked"], "******333");
}
