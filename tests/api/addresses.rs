//! `/addresses`: registering, finding, listing and changing addresses, and
//! linking landlords.

use rocket::http::Status;
use serde_json::json;
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, organisation_body};

#[test]
fn a_registered_address_gets_a_canonical_postcode_rd_coordinates_and_its_buurt() {
    let app = TestApp::new();
    let reply = app.post(
        "/api/v1/addresses",
        &app.token(Role::Staff),
        &address_body(12),
    );
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    let address = reply.json();
    assert_eq!(
        reply.header("Location"),
        Some(format!("/api/v1/addresses/{}", address["id"]).as_str())
    );
    assert_eq!(address["postcode"], "3131AB");
    assert_eq!(address["houseNumber"], 12);
    assert_eq!(address["houseLetter"], json!(null));
    assert_eq!(address["neighbourhoodCode"], "BU06220103");
    // The Markt lies about 83 km east and 436 km north of the RD origin.
    let (x, y) = (
        address["rdX"].as_f64().unwrap(),
        address["rdY"].as_f64().unwrap(),
    );
    assert!((83_000.0..83_200.0).contains(&x), "rdX {x}");
    assert!((436_100.0..436_250.0).contains(&y), "rdY {y}");
    let read = app.get(
        &format!("/api/v1/addresses/{}", address["id"]),
        &app.token(Role::Inspector),
    );
    assert_eq!(read.json(), address);
}

#[test]
fn the_same_address_twice_is_a_conflict_also_without_letter_or_addition() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    app.create_address(&address_body(12));
    let again = app.post("/api/v1/addresses", &staff, &address_body(12));
    assert_eq!(again.status, Status::Conflict);
    assert_eq!(
        again.content_type.as_deref(),
        Some("application/problem+json")
    );
    let mut with_letter = address_body(12);
    with_letter["houseLetter"] = json!("a");
    assert_eq!(
        app.post("/api/v1/addresses", &staff, &with_letter).status,
        Status::Created
    );
    with_letter["houseLetter"] = json!("A");
    assert_eq!(
        app.post("/api/v1/addresses", &staff, &with_letter).status,
        Status::Conflict
    );
    assert_eq!(app.get("/api/v1/addresses", &staff).json()["total"], 2);
}

#[test]
fn every_invalid_field_is_reported_at_once_and_nothing_is_stored() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let body = json!({
        "bagId": "123",
        "postcode": "0131 SA",
        "houseNumber": 0,
        "houseLetter": "ab",
        "houseNumberAddition": "toolong",
        "street": "",
        "usagePurpose": "castle",
        "floorAreaM2": -5,
        "bedrooms": -1,
        "latitude": 40.0,
        "longitude": "east",
        "colour": "red"
    });
    let reply = app.post("/api/v1/addresses", &staff, &body);
    assert_eq!(reply.status, Status::BadRequest);
    let mut names = reply.invalid_param_names();
    names.sort();
    assert_eq!(
        names,
        [
            "bagId",
            "bedrooms",
            "city",
            "colour",
            "floorAreaM2",
            "houseLetter",
            "houseNumber",
            "houseNumberAddition",
            "longitude",
            "postcode",
            "street",
            "usagePurpose"
        ]
    );
    assert_eq!(app.get("/api/v1/addresses", &staff).json()["total"], 0);
}

#[test]
fn a_position_outside_the_netherlands_is_refused() {
    let app = TestApp::new();
    let mut body = address_body(1);
    body["latitude"] = json!(48.85);
    body["longitude"] = json!(2.35);
    let reply = app.post("/api/v1/addresses", &app.token(Role::Staff), &body);
    assert_eq!(reply.status, Status::BadRequest);
    assert_eq!(reply.invalid_param_names(), ["latitude"]);
}

#[test]
fn addresses_are_found_by_postcode_house_number_letter_and_neighbourhood() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for n in 1..=3 {
        app.create_address(&address_body(n));
    }
    let mut lettered = address_body(2);
    lettered["houseLetter"] = json!("b");
    app.create_address(&lettered);
    let mut elsewhere = address_body(7);
    elsewhere["postcode"] = json!("3132AA");
    elsewhere["latitude"] = json!(51.9254);
    elsewhere["longitude"] = json!(4.3273);
    let elsewhere = app.create_address(&elsewhere);

    let total =
        |query: &str| app.get(&format!("/api/v1/addresses{query}"), &staff).json()["total"].clone();
    assert_eq!(total(""), 5);
    assert_eq!(total("?postcode=3131%20ab"), 4);
    assert_eq!(total("?postcode=3131AB&houseNumber=2"), 2);
    assert_eq!(total("?postcode=3131AB&houseNumber=2&houseLetter=B"), 1);
    assert_eq!(total("?postcode=3131AB&houseNumber=2&houseLetter="), 1);
    assert_eq!(total("?neighbourhood=BU06220103"), 4);
    let code = elsewhere["neighbourhoodCode"].as_str().unwrap();
    assert_ne!(code, "BU06220103");
    assert_eq!(total(&format!("?neighbourhood={code}")), 1);
}

#[test]
fn lists_are_paged_and_bad_paging_is_reported() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for n in 1..=5 {
        app.create_address(&address_body(n));
    }
    let page = app
        .get("/api/v1/addresses?page=2&pageSize=2", &staff)
        .json();
    assert_eq!(page["page"], 2);
    assert_eq!(page["pageSize"], 2);
    assert_eq!(page["total"], 5);
    let numbers: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["houseNumber"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 4]);
    let default = app.get("/api/v1/addresses", &staff).json();
    assert_eq!(default["pageSize"], 50);
    let bad = app.get(
        "/api/v1/addresses?page=0&pageSize=501&postcode=12&houseNumber=x",
        &staff,
    );
    assert_eq!(bad.status, Status::BadRequest);
    let mut names = bad.invalid_param_names();
    names.sort();
    assert_eq!(names, ["houseNumber", "page", "pageSize", "postcode"]);
}

#[test]
fn an_agency_may_only_look_up_an_address_by_postcode_and_house_number() {
    let app = TestApp::new();
    let id = app.create_address(&address_body(4))["id"].clone();
    let agency = app.agency_token("22222222");
    let found = app.get("/api/v1/addresses?postcode=3131AB&houseNumber=4", &agency);
    assert_eq!(found.status, Status::Ok);
    assert_eq!(found.json()["items"][0]["id"], id);
    for query in ["", "?postcode=3131AB", "?neighbourhood=BU06220103"] {
        let reply = app.get(&format!("/api/v1/addresses{query}"), &agency);
        assert_eq!(reply.status, Status::Forbidden, "{query}");
    }
}

#[test]
fn an_unknown_address_is_404() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    assert_eq!(
        app.get("/api/v1/addresses/4040", &staff).status,
        Status::NotFound
    );
    assert_eq!(
        app.patch("/api/v1/addresses/4040", &staff, &json!({"bedrooms": 1}))
            .status,
        Status::NotFound
    );
    assert_eq!(
        app.get("/api/v1/addresses/4040/landlords", &staff).status,
        Status::NotFound
    );
}

#[test]
fn changing_an_address_keeps_the_rest_and_moves_its_coordinates() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let created = app.create_address(&address_body(9));
    let path = format!("/api/v1/addresses/{}", created["id"]);
    let reply = app.patch(
        &path,
        &staff,
        &json!({"floorAreaM2": 38, "bedrooms": null, "usagePurpose": "lodging"}),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let changed = reply.json();
    assert_eq!(changed["floorAreaM2"], 38.0);
    assert_eq!(changed["bedrooms"], json!(null));
    assert_eq!(changed["usagePurpose"], "lodging");
    assert_eq!(changed["street"], created["street"]);
    assert_eq!(changed["createdAt"], created["createdAt"]);

    let moved = app.patch(
        &path,
        &staff,
        &json!({"latitude": 51.9254, "longitude": 4.3273}),
    );
    assert_eq!(moved.status, Status::Ok, "{}", moved.body);
    let moved = moved.json();
    assert!(moved["neighbourhoodCode"].is_string(), "{moved}");
    assert_ne!(moved["neighbourhoodCode"], created["neighbourhoodCode"]);
    assert!((moved["rdY"].as_f64().unwrap() - created["rdY"].as_f64().unwrap()) > 1000.0);
}

#[test]
fn a_bad_change_is_refused_whole() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let created = app.create_address(&address_body(9));
    let path = format!("/api/v1/addresses/{}", created["id"]);
    let reply = app.patch(
        &path,
        &staff,
        &json!({"bedrooms": 3, "floorAreaM2": 0, "postcode": null, "id": 5}),
    );
    assert_eq!(reply.status, Status::BadRequest);
    let mut names = reply.invalid_param_names();
    names.sort();
    assert_eq!(names, ["floorAreaM2", "id", "postcode"]);
    assert_eq!(app.get(&path, &staff).json(), created);
}

#[test]
fn changing_an_address_into_another_one_is_a_conflict() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    app.create_address(&address_body(1));
    let second = app.create_address(&address_body(2));
    let reply = app.patch(
        &format!("/api/v1/addresses/{}", second["id"]),
        &staff,
        &json!({"houseNumber": 1}),
    );
    assert_eq!(reply.status, Status::Conflict);
}

#[test]
fn a_landlord_is_linked_to_an_address_and_listed() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let address = app.create_address(&address_body(5));
    let mut body = organisation_body("33333333");
    body["isAgency"] = json!(false);
    let owner = app.create_organisation(&body);
    assert_eq!(owner["isLandlord"], false);
    let path = format!("/api/v1/addresses/{}/landlords", address["id"]);
    let reply = app.post(
        &path,
        &staff,
        &json!({"organisationId": owner["id"], "role": "lessor", "startDate": "2026-01-01"}),
    );
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    let link = reply.json();
    assert_eq!(link["kvkNumber"], "33333333");
    assert_eq!(link["role"], "lessor");
    assert_eq!(link["endDate"], json!(null));
    let listed = app.get(&path, &app.token(Role::Inspector)).json();
    assert_eq!(listed, json!([link]));
    let organisation = app
        .get(&format!("/api/v1/organisations/{}", owner["id"]), &staff)
        .json();
    assert_eq!(organisation["isLandlord"], true);
}

#[test]
fn a_bad_landlord_link_names_every_problem() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let address = app.create_address(&address_body(5));
    let path = format!("/api/v1/addresses/{}/landlords", address["id"]);
    let reply = app.post(
        &path,
        &staff,
        &json!({"role": "tenant", "startDate": "2026-02-01", "endDate": "2026-01-01"}),
    );
    assert_eq!(reply.status, Status::BadRequest);
    let mut names = reply.invalid_param_names();
    names.sort();
    assert_eq!(names, ["endDate", "organisationId", "role"]);
    let unknown = app.post(
        &path,
        &staff,
        &json!({"organisationId": 999, "role": "owner", "startDate": "2026-01-01"}),
    );
    assert_eq!(unknown.status, Status::BadRequest);
    assert_eq!(unknown.invalid_param_names(), ["organisationId"]);
    let no_address = app.post(
        "/api/v1/addresses/999/landlords",
        &staff,
        &json!({"organisationId": 1, "role": "owner", "startDate": "2026-01-01"}),
    );
    assert_eq!(no_address.status, Status::NotFound);
    assert_eq!(app.get(&path, &staff).json(), json!([]));
}
