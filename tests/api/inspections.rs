//! Inspection planning end to end: the address dossier, planning a walking
//! list, its CSV and GeoJSON exports, mailing it, an inspector's own lists
//! and recording what a visit found.

use rocket::http::{Header, Status};
use serde_json::{Value, json};
use woonregister::auth::Role;
use woonregister::db::occupancies::{self, NewOccupancy};
use woonregister::db::outbox;
use woonregister::domain::OccupancySource;
use woonregister::mail::{self, DeliveryReport, Outgoing};

use crate::smtp::SmtpServer;
use crate::support::{TestApp, date, declaration_body, organisation_body, worker};

/// A residential address of `floor_area` m² at house number `number` of
/// 3131AB, `north_m` metres north and `east_m` east of a point in the centre.
fn address_at(number: i64, north_m: f64, east_m: f64, floor_area: f64) -> Value {
    json!({
        "postcode": "3131AB", "houseNumber": number, "street": "Hoogstraat",
        "city": "Vlaardingen", "usagePurpose": "residential", "floorAreaM2": floor_area,
        "bedrooms": 2,
        "latitude": 51.9093 + north_m / 111_200.0,
        "longitude": 4.3421 + east_m / 68_700.0,
    })
}

/// Files a declaration for a worker at house number `number` on behalf of
/// agency 11111111, as staff; returns its JSON.
fn declare(app: &TestApp, number: i64, family_name: &str, bsn: Option<&str>) -> Value {
    let mut body = declaration_body(number, Some("11111111"));
    body["worker"] = worker(family_name, bsn);
    let reply = app.post("/api/v1/declarations", &app.token(Role::Staff), &body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    reply.json()
}

/// Sends a GET with extra headers; the status, content type and body.
fn get_with(
    app: &TestApp,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> (Status, Option<String>, String) {
    let mut request = app
        .client
        .get(path.to_owned())
        .header(Header::new("Authorization", format!("Bearer {token}")));
    for (name, value) in headers {
        request = request.header(Header::new((*name).to_owned(), (*value).to_owned()));
    }
    let response = request.dispatch();
    let status = response.status();
    let content_type = response.content_type().map(|c| c.to_string());
    (
        status,
        content_type,
        response.into_string().unwrap_or_default(),
    )
}

fn plan(app: &TestApp, body: &Value) -> Value {
    let reply = app.post("/api/v1/inspection-lists", &app.token(Role::Staff), body);
    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    reply.json()
}

/// Five addresses on a line going east, 100 m apart, each with one
/// declared worker (so open signals); the start is 50 m west of the first.
fn city_of_five(app: &TestApp) -> Vec<i64> {
    (1..=5_u8)
        .map(|n| {
            let number = i64::from(n);
            let address = app.create_address(&address_at(number, 0.0, f64::from(n) * 100.0, 64.0));
            declare(app, number, &format!("Worker{n}"), None);
            address["id"].as_i64().unwrap()
        })
        .collect()
}

fn start_west() -> Value {
    json!({"latitude": 51.9093, "longitude": 4.3421 + 50.0 / 68_700.0})
}

#[test]
fn a_dossier_shows_occupants_by_source_with_counts_landlord_links_signals_and_declarations() {
    let app = TestApp::new();
    let address = app.create_address(&address_at(1, 0.0, 0.0, 64.0));
    let address_id = address["id"].as_i64().unwrap();
    app.create_organisation(&organisation_body("11111111"));
    // The agency lets the dwelling itself: the landlord is the employer.
    let mut body = declaration_body(1, Some("11111111"));
    body["landlordKvkNumber"] = json!("11111111");
    let filed = app.post("/api/v1/declarations", &app.token(Role::Staff), &body);
    assert_eq!(filed.status, Status::Created, "{}", filed.body);
    let person_id = filed.json()["worker"]["personId"].as_i64().unwrap();
    // The same person is also registered there in the BRP.
    occupancies::insert(
        &mut app.db(),
        &NewOccupancy {
            person_id,
            address_id,
            start_date: date("2026-10-01"),
            end_date: None,
            household: None,
            source: OccupancySource::Registry,
            declaration_id: None,
        },
    )
    .unwrap();

    let reply = app.get(
        &format!("/api/v1/addresses/{address_id}/dossier"),
        &app.token(Role::Inspector),
    );

    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let dossier = reply.json();
    assert_eq!(dossier["address"]["id"], json!(address_id));
    assert_eq!(dossier["address"]["floorAreaM2"], json!(64.0));
    let occupants = dossier["occupants"].as_array().unwrap();
    assert_eq!(occupants.len(), 1, "one person, known from two sources");
    let occupant = &occupants[0];
    assert_eq!(occupant["personId"], json!(person_id));
    assert_eq!(occupant["sources"], json!(["registered", "declared"]));
    assert_eq!(occupant["household"], json!("nowak"));
    assert_eq!(occupant["since"], json!("2026-10-01"));
    assert_eq!(occupant["bsn"], json!("******782"), "{occupant}");
    assert!(!reply.body.contains("123456782"), "the BSN is masked");
    assert_eq!(occupant["employer"]["kvkNumber"], json!("11111111"));
    assert!(occupant["age"].as_u64().unwrap() >= 32);
    assert_eq!(
        dossier["occupantCounts"],
        json!({"registered": 1, "declared": 1, "combined": 1})
    );
    assert_eq!(
        dossier["households"],
        json!([{"household": "nowak", "personIds": [person_id]}])
    );
    let landlord = &dossier["landlords"][0];
    assert_eq!(landlord["organisation"]["kvkNumber"], json!("11111111"));
    assert_eq!(
        landlord["employerLinks"][0]["link"],
        json!("same-organisation")
    );
    let rules: Vec<&str> = dossier["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"agency-is-landlord"), "{rules:?}");
    assert!(dossier["signals"][0]["evidence"]["summary"].is_string());
    let score_sum: i64 = dossier["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["score"].as_i64().unwrap())
        .sum();
    assert_eq!(dossier["riskScore"].as_i64().unwrap(), score_sum.min(100));
    assert_eq!(
        dossier["declarations"][0]["agency"]["kvkNumber"],
        json!("11111111")
    );
    assert_eq!(dossier["declarations"][0]["filedBy"], json!("test-staff"));
    assert_eq!(dossier["declarations"][0]["familyName"], json!("Nowak"));
    assert_eq!(dossier["inspections"], json!([]));
}

#[test]
fn a_dossier_read_is_audit_logged_with_its_purpose() {
    let app = TestApp::new();
    let address_id = app.create_address(&address_at(1, 0.0, 0.0, 64.0))["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/addresses/{address_id}/dossier");
    let (status, _, _) = get_with(
        &app,
        &path,
        &app.token(Role::Inspector),
        &[("X-Purpose", "visit on Tuesday")],
    );
    assert_eq!(status, Status::Ok);
    let events = app
        .get(
            "/api/v1/audit-events?actor=test-inspector",
            &app.token(Role::Admin),
        )
        .json();
    let event = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == json!("dossier.read"))
        .unwrap_or_else(|| panic!("no dossier.read event: {events}"));
    assert_eq!(
        event["resource"],
        json!(format!("addresses/{address_id}/dossier"))
    );
    assert_eq!(event["purpose"], json!("visit on Tuesday"));
}

#[test]
fn a_dossier_lists_open_signals_within_250_metres_and_none_farther() {
    let app = TestApp::new();
    let here = app.create_address(&address_at(1, 0.0, 0.0, 64.0))["id"]
        .as_i64()
        .unwrap();
    let near = app.create_address(&address_at(2, 200.0, 0.0, 64.0))["id"]
        .as_i64()
        .unwrap();
    app.create_address(&address_at(3, 0.0, 400.0, 64.0));
    declare(&app, 2, "Near", None);
    declare(&app, 3, "Far", None);

    let dossier = app
        .get(
            &format!("/api/v1/addresses/{here}/dossier"),
            &app.token(Role::Staff),
        )
        .json();

    let nearby = dossier["nearbySignals"].as_array().unwrap();
    assert!(!nearby.is_empty());
    for signal in nearby {
        assert_eq!(signal["address"]["id"], json!(near), "{signal}");
        let distance = signal["distanceM"].as_f64().unwrap();
        assert!((190.0..=210.0).contains(&distance), "{distance}");
    }
}

#[test]
fn a_dossier_lists_the_open_signals_of_an_address_that_moved_near_and_not_once_it_moved_away() {
    let app = TestApp::new();
    let here = app.create_address(&address_at(1, 0.0, 0.0, 64.0))["id"]
        .as_i64()
        .unwrap();
    let other = app.create_address(&address_at(2, 0.0, 3000.0, 64.0))["id"]
        .as_i64()
        .unwrap();
    declare(&app, 2, "Mover", None);
    let nearby = |app: &TestApp| {
        app.get(
            &format!("/api/v1/addresses/{here}/dossier"),
            &app.token(Role::Staff),
        )
        .json()["nearbySignals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["address"]["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let move_to = |app: &TestApp, north_m: f64, east_m: f64| {
        let place = address_at(2, north_m, east_m, 64.0);
        let body = json!({"latitude": place["latitude"], "longitude": place["longitude"]});
        let reply = app.patch(
            &format!("/api/v1/addresses/{other}"),
            &app.token(Role::Staff),
            &body,
        );
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    };
    assert_eq!(nearby(&app), Vec::<i64>::new(), "3 km away");

    move_to(&app, -120.0, 150.0);
    let found = nearby(&app);
    assert!(!found.is_empty(), "about 190 m away");
    assert!(found.iter().all(|id| *id == other), "{found:?}");

    move_to(&app, 0.0, -3000.0);
    assert_eq!(nearby(&app), Vec::<i64>::new(), "3 km away again");
}

#[test]
fn every_stored_signal_is_filed_under_the_grid_cell_of_its_address() {
    use diesel::prelude::*;
    use woonregister::db::schema::{addresses, signals};

    let app = TestApp::new();
    for (number, north_m, east_m) in [(1, 0.0, 0.0), (2, 249.9, -0.1), (3, -1234.5, 877.7)] {
        app.create_address(&address_at(number, north_m, east_m, 64.0));
        declare(&app, number, "Gridded", None);
    }
    let rows: Vec<(f64, f64, i64)> = signals::table
        .inner_join(addresses::table)
        .select((addresses::rd_x, addresses::rd_y, signals::rd_cell))
        .load(&mut app.db())
        .unwrap();

    assert!(rows.len() >= 3, "{rows:?}");
    for (x, y, cell) in rows {
        assert_eq!(
            cell,
            woonregister::db::signals::rd_cell(x, y),
            "at ({x}, {y})"
        );
    }
}

#[test]
fn a_dossier_of_an_unknown_address_is_not_found() {
    let app = TestApp::new();
    let reply = app.get("/api/v1/addresses/999/dossier", &app.token(Role::Inspector));
    assert_eq!(reply.status, Status::NotFound);
}

#[test]
fn a_planned_list_visits_signalled_addresses_in_a_short_route_whose_legs_add_up() {
    let app = TestApp::new();
    let ids = city_of_five(&app);

    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector",
                                  "capacity": 3, "start": start_west()}),
    );

    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let orders: Vec<i64> = items.iter().map(|i| i["order"].as_i64().unwrap()).collect();
    assert_eq!(orders, vec![1, 2, 3]);
    // Equal risk everywhere: the three nearest the start, walked eastwards.
    let visited: Vec<i64> = items
        .iter()
        .map(|i| i["addressId"].as_i64().unwrap())
        .collect();
    assert_eq!(visited, ids[..3].to_vec());
    let legs: Vec<f64> = items
        .iter()
        .map(|i| i["legDistanceM"].as_f64().unwrap())
        .collect();
    assert!((legs[0] - 50.0).abs() < 2.0, "{legs:?}");
    assert!((legs[1] - 100.0).abs() < 2.0, "{legs:?}");
    let total = list["totalDistanceM"].as_f64().unwrap();
    assert!((legs.iter().sum::<f64>() - total).abs() < 1e-6);
    assert!(items.iter().all(
        |i| i["riskScore"].as_i64().unwrap() > 0 && !i["rules"].as_array().unwrap().is_empty()
    ));
    assert!(
        items
            .iter()
            .all(|i| i["inspectionId"].is_i64() && i["street"] == json!("Hoogstraat"))
    );
    assert_eq!(list["inspector"], json!("test-inspector"));
}

#[test]
fn a_list_without_a_start_starts_at_the_configured_town_hall() {
    let app = TestApp::with(|figment| {
        figment
            .merge(("planning.start_latitude", 51.9093))
            .merge(("planning.start_longitude", 4.3421 + 550.0 / 68_700.0))
    });
    let ids = city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "i", "capacity": 1}),
    );
    assert_eq!(
        list["items"][0]["addressId"],
        json!(ids[4]),
        "the one nearest the start in the east"
    );
    assert!((list["start"]["latitude"].as_f64().unwrap() - 51.9093).abs() < 1e-9);
}

#[test]
fn an_address_on_an_open_list_or_visited_recently_is_not_planned_again() {
    let app = TestApp::new();
    let ids = city_of_five(&app);
    let first = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 2, "start": start_west()}),
    );
    let inspection_id = first["items"][0]["inspectionId"].as_i64().unwrap();
    let outcome = app.post(
        &format!("/api/v1/inspections/{inspection_id}/outcome"),
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-20T10:00:00Z", "result": "no-violation"}),
    );
    assert_eq!(outcome.status, Status::Ok, "{}", outcome.body);

    let second = plan(
        &app,
        &json!({"date": "2026-12-02", "inspector": "other", "capacity": 5, "start": start_west()}),
    );

    let visited: Vec<i64> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["addressId"].as_i64().unwrap())
        .collect();
    assert_eq!(
        visited,
        ids[2..].to_vec(),
        "the first two are visited or waiting"
    );
}

#[test]
fn a_list_keeps_to_its_neighbourhoods_and_minimum_score() {
    let app = TestApp::new();
    city_of_five(&app);
    let none = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "i", "capacity": 5, "neighbourhoods": ["BU99999999"]}),
    );
    assert_eq!(none["items"], json!([]));
    let too_high = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "i", "capacity": 5, "minScore": 101}),
    );
    assert_eq!(too_high["items"], json!([]));
}

#[test]
fn a_planning_request_with_bad_fields_names_every_problem() {
    let app = TestApp::new();
    let reply = app.post(
        "/api/v1/inspection-lists",
        &app.token(Role::Staff),
        &json!({"date": "1-12-2026", "inspector": "a\u{0}b", "capacity": 0, "minScore": -1,
                "neighbourhoods": ["Centrum"], "start": {"latitude": 10.0, "longitude": 4.0}}),
    );
    assert_eq!(reply.status, Status::BadRequest, "{}", reply.body);
    let mut names = reply.invalid_param_names();
    names.sort();
    assert_eq!(
        names,
        [
            "capacity",
            "date",
            "inspector",
            "minScore",
            "neighbourhoods",
            "start.latitude"
        ]
    );
}

#[test]
fn the_csv_export_opens_in_dutch_excel_with_one_row_per_visit_in_route_order() {
    let app = TestApp::new();
    city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 3, "start": start_west()}),
    );
    let id = list["id"].as_i64().unwrap();

    let (status, content_type, body) = get_with(
        &app,
        &format!("/api/v1/inspection-lists/{id}"),
        &app.token(Role::Staff),
        &[("Accept", "text/csv")],
    );

    assert_eq!(status, Status::Ok);
    assert_eq!(content_type.as_deref(), Some("text/csv; charset=utf-8"));
    let text = body
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark first");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "order",
            "address",
            "postcode",
            "buurt",
            "risk score",
            "rules",
            "occupant count",
            "landlord",
            "leg distance (m)"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for (row, item) in rows.iter().zip(list["items"].as_array().unwrap()) {
        assert_eq!(row[0], item["order"].to_string());
        assert_eq!(
            row[1],
            format!("Hoogstraat {}, Vlaardingen", item["houseNumber"])
        );
        assert_eq!(&row[2], "3131AB");
        assert_eq!(row[4], item["riskScore"].to_string());
        assert!(row[5].contains("uncertified-agency"), "{}", &row[5]);
        assert_eq!(&row[6], "1");
        assert_eq!(&row[7], "Landlord KvK 87654321");
        assert_eq!(
            row[8],
            format!("{:.0}", item["legDistanceM"].as_f64().unwrap())
        );
    }
}

#[test]
fn the_geojson_export_has_lon_lat_points_and_the_route_as_a_line_string() {
    let app = TestApp::new();
    city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 3, "start": start_west()}),
    );
    let id = list["id"].as_i64().unwrap();

    let (status, content_type, body) = get_with(
        &app,
        &format!("/api/v1/inspection-lists/{id}"),
        &app.token(Role::Inspector),
        &[("Accept", "application/geo+json")],
    );

    assert_eq!(status, Status::Ok);
    assert_eq!(content_type.as_deref(), Some("application/geo+json"));
    let document: geojson::GeoJson = body.parse().expect("valid GeoJSON");
    let geojson::GeoJson::FeatureCollection(collection) = document else {
        panic!("not a FeatureCollection: {body}");
    };
    assert_eq!(collection.features.len(), 4);
    let items = list["items"].as_array().unwrap();
    let mut route = None;
    let mut points = Vec::new();
    for feature in &collection.features {
        match &feature.geometry.as_ref().unwrap().value {
            geojson::GeometryValue::Point { coordinates } => {
                points.push(coordinates.as_slice().to_vec());
            }
            geojson::GeometryValue::LineString { coordinates } => {
                route = Some(
                    coordinates
                        .iter()
                        .map(|p| p.as_slice().to_vec())
                        .collect::<Vec<_>>(),
                );
            }
            other => panic!("unexpected geometry {other:?}"),
        }
    }
    for (position, item) in points.iter().zip(items) {
        assert!(
            (position[0] - item["longitude"].as_f64().unwrap()).abs() < 1e-12,
            "longitude first"
        );
        assert!((position[1] - item["latitude"].as_f64().unwrap()).abs() < 1e-12);
        assert!((51.0..52.0).contains(&position[1]) && (4.0..5.0).contains(&position[0]));
    }
    let route = route.expect("the route");
    assert_eq!(route.len(), 4, "the start and three visits");
    assert_eq!(
        route[0],
        vec![start_west()["longitude"].as_f64().unwrap(), 51.9093]
    );
    assert_eq!(&route[1..], &points[..]);
}

#[test]
fn an_inspector_sees_only_their_own_lists() {
    let app = TestApp::new();
    let own = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 3}),
    );
    let other = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "insp-02", "capacity": 3}),
    );

    let seen = app
        .get(
            "/api/v1/inspection-lists?inspector=insp-02",
            &app.token(Role::Inspector),
        )
        .json();
    let all = app
        .get(
            "/api/v1/inspection-lists?date=2026-12-01",
            &app.token(Role::Staff),
        )
        .json();
    let another = app.get(
        &format!("/api/v1/inspection-lists/{}", other["id"]),
        &app.token(Role::Inspector),
    );

    assert_eq!(seen["total"], json!(1));
    assert_eq!(seen["items"][0]["id"], own["id"]);
    assert_eq!(all["total"], json!(2));
    assert_eq!(another.status, Status::NotFound);
    let bad = app.get(
        "/api/v1/inspection-lists?date=2026-13-01",
        &app.token(Role::Staff),
    );
    assert_eq!(bad.invalid_param_names(), ["date"]);
}

#[test]
fn an_outcome_with_more_people_than_known_fires_undeclared_occupants_and_sets_the_bedrooms() {
    let app = TestApp::new();
    let ids = city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 1, "start": start_west()}),
    );
    let inspection_id = list["items"][0]["inspectionId"].as_i64().unwrap();
    let address_id = ids[0];

    let reply = app.post(
        &format!("/api/v1/inspections/{inspection_id}/outcome"),
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-26T10:15:00Z", "result": "violation",
                "personsFound": 6, "bedroomsFound": 1, "notes": "Six mattresses in two rooms."}),
    );

    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    assert_eq!(reply.json()["personsFound"], json!(6));
    assert_eq!(reply.json()["recordedBy"], json!("test-inspector"));
    let address = app
        .get(
            &format!("/api/v1/addresses/{address_id}"),
            &app.token(Role::Staff),
        )
        .json();
    assert_eq!(address["bedrooms"], json!(1));
    let signals = app
        .get(
            &format!("/api/v1/addresses/{address_id}/signals"),
            &app.token(Role::Staff),
        )
        .json();
    let undeclared = signals["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule"] == json!("undeclared-occupants") && s["status"] == json!("open"));
    assert!(undeclared.is_some(), "{signals}");
    let dossier = app
        .get(
            &format!("/api/v1/addresses/{address_id}/dossier"),
            &app.token(Role::Inspector),
        )
        .json();
    assert_eq!(dossier["inspections"][0]["result"], json!("violation"));
    assert_eq!(
        dossier["inspections"][0]["notes"],
        json!("Six mattresses in two rooms.")
    );
}

#[test]
fn an_outcome_as_many_people_as_known_fires_nothing_new() {
    let app = TestApp::new();
    let ids = city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 1, "start": start_west()}),
    );
    let inspection_id = list["items"][0]["inspectionId"].as_i64().unwrap();
    let reply = app.post(
        &format!("/api/v1/inspections/{inspection_id}/outcome"),
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-26T10:15:00Z", "result": "no-violation", "personsFound": 1}),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let signals = app
        .get(
            &format!("/api/v1/addresses/{}/signals", ids[0]),
            &app.token(Role::Staff),
        )
        .json();
    assert!(
        !signals["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["rule"] == json!("undeclared-occupants")),
        "{signals}"
    );
}

#[test]
fn an_outcome_names_every_bad_field_and_another_inspectors_visit_is_refused() {
    let app = TestApp::new();
    city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "insp-02", "capacity": 1}),
    );
    let inspection_id = list["items"][0]["inspectionId"].as_i64().unwrap();
    let path = format!("/api/v1/inspections/{inspection_id}/outcome");

    let bad = app.post(
        &path,
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-26", "result": "closed", "personsFound": -2}),
    );
    let theirs = app.post(
        &path,
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-26T10:00:00Z", "result": "no-access"}),
    );
    let unknown = app.post(
        "/api/v1/inspections/999/outcome",
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-26T10:00:00Z", "result": "no-access"}),
    );

    let mut names = bad.invalid_param_names();
    names.sort();
    assert_eq!(names, ["personsFound", "result", "visitedAt"]);
    assert_eq!(theirs.status, Status::Forbidden);
    assert_eq!(unknown.status, Status::NotFound);
}

#[test]
fn a_mailed_list_is_delivered_over_smtp_with_the_csv_attached() {
    let app = TestApp::new();
    city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 2}),
    );
    let id = list["id"].as_i64().unwrap();

    let reply = app.post(
        &format!("/api/v1/inspection-lists/{id}/mailings"),
        &app.token(Role::Staff),
        &json!({"to": "inspector@example.org"}),
    );

    assert_eq!(reply.status, Status::Accepted, "{}", reply.body);
    let queued: Vec<_> = outbox::all(&mut app.db())
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient == "inspector@example.org")
        .collect();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].attachment_name.as_deref(),
        Some(format!("inspection-list-{id}.csv").as_str())
    );
    assert!(
        queued[0]
            .attachment
            .as_deref()
            .unwrap()
            .starts_with("\u{feff}order;address;")
    );
    let server = SmtpServer::start();
    let mut config = app.config.clone();
    config.smtp.transport = woonregister::config::MailTransportKind::Smtp;
    "127.0.0.1".clone_into(&mut config.smtp.host);
    config.smtp.port = server.port;
    let outgoing = Outgoing::from_config(&config).unwrap();
    let report = mail::deliver_due(&mut app.db(), &outgoing, woonregister::db::now()).unwrap();
    assert!(report.sent >= 1 && report.failed == 0, "{report:?}");
    let received = server.messages();
    let message = received
        .iter()
        .find(|m| m.to == ["<inspector@example.org>"])
        .expect("the list's e-mail");
    assert!(
        message
            .data
            .contains(&format!("filename=\"inspection-list-{id}.csv\"")),
        "{}",
        message.data
    );
    assert!(
        message.data.contains("Content-Type: text/csv"),
        "{}",
        message.data
    );
    let bad = app.post(
        &format!("/api/v1/inspection-lists/{id}/mailings"),
        &app.token(Role::Staff),
        &json!({"to": "not an address"}),
    );
    assert_eq!(bad.invalid_param_names(), ["to"]);
    let _ = DeliveryReport::default();
}

#[test]
fn the_export_command_writes_the_list_as_csv_and_geojson() {
    let app = TestApp::new();
    city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 2, "start": start_west()}),
    );
    let id = list["id"].to_string();
    let export = |format: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_woonregister"))
            .args(["export", "inspection-list", &id, "--format", format])
            .env("WOONREGISTER_DATABASE_URL", &app.config.database_url)
            .env("WOONREGISTER_DATA_DIR", &app.config.data_dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };

    let csv_text = export("csv");
    let geojson_text = export("geojson");

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv_text.strip_prefix('\u{feff}').unwrap().as_bytes());
    let orders: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(orders, ["1", "2"]);
    let document: geojson::FeatureCollection = geojson_text.parse().unwrap();
    assert_eq!(document.features.len(), 3, "two points and the route");
}

#[test]
fn a_planned_list_its_csv_and_a_dossier_keep_their_shape() {
    let app = TestApp::new();
    let ids = city_of_five(&app);
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 2, "start": start_west()}),
    );
    insta::assert_json_snapshot!("inspection_list_planned", list, {
        ".id" => "[id]",
        ".createdAt" => "[timestamp]",
        ".items[].inspectionId" => "[id]",
        ".items[].addressId" => "[id]",
        ".items[].signals[].signalId" => "[id]",
        ".items[].legDistanceM" => insta::rounded_redaction(0),
        ".totalDistanceM" => insta::rounded_redaction(0),
    });
    let (_, _, csv_text) = get_with(
        &app,
        &format!("/api/v1/inspection-lists/{}", list["id"]),
        &app.token(Role::Staff),
        &[("Accept", "text/csv")],
    );
    insta::assert_snapshot!("inspection_list_csv", csv_text);
    let dossier = app
        .get(
            &format!("/api/v1/addresses/{}/dossier", ids[0]),
            &app.token(Role::Inspector),
        )
        .json();
    insta::assert_json_snapshot!("address_dossier", dossier, {
        ".address.id" => "[id]",
        ".address.rdX" => insta::rounded_redaction(0),
        ".address.rdY" => insta::rounded_redaction(0),
        ".address.createdAt" => "[timestamp]",
        ".address.updatedAt" => "[timestamp]",
        ".occupants[].personId" => "[id]",
        ".occupants[].age" => "[age]",
        ".occupants[].employer.organisationId" => "[id]",
        ".occupants[].employers[].organisationId" => "[id]",
        ".households[].personIds[]" => "[id]",
        ".landlords[].organisation.organisationId" => "[id]",
        ".signals[].id" => "[id]",
        ".signals[].addressId" => "[id]",
        ".signals[].ruleSetVersion" => "[version]",
        ".signals[].firstSeenAt" => "[timestamp]",
        ".signals[].lastSeenAt" => "[timestamp]",
        ".declarations[].id" => "[id]",
        ".declarations[].personId" => "[id]",
        ".declarations[].agency.organisationId" => "[id]",
        ".declarations[].filedAt" => "[timestamp]",
        ".inspections[].id" => "[id]",
        ".inspections[].inspectionListId" => "[id]",
        ".inspections[].addressId" => "[id]",
        ".nearbySignals[].signal.id" => "[id]",
        ".nearbySignals[].signal.addressId" => "[id]",
        ".nearbySignals[].signal.ruleSetVersion" => "[version]",
        ".nearbySignals[].signal.firstSeenAt" => "[timestamp]",
        ".nearbySignals[].signal.lastSeenAt" => "[timestamp]",
        ".nearbySignals[].address.id" => "[id]",
        ".nearbySignals[].distanceM" => insta::rounded_redaction(0),
    });
}

#[test]
fn undeclared_occupants_counts_registered_and_declared_people_together() {
    let app = TestApp::new();
    let ids = city_of_five(&app);
    let registered = woonregister::db::people::insert(
        &mut app.db(),
        &woonregister::db::people::PersonFields {
            bsn: None,
            family_name: "Jansen".to_owned(),
            given_names: "Piet".to_owned(),
            date_of_birth: date("1980-02-03"),
            nationality: None,
        },
    )
    .unwrap();
    occupancies::insert(
        &mut app.db(),
        &NewOccupancy {
            person_id: registered.id,
            address_id: ids[0],
            start_date: date("2025-01-01"),
            end_date: None,
            household: Some("jansen".to_owned()),
            source: OccupancySource::Registry,
            declaration_id: None,
        },
    )
    .unwrap();
    let list = plan(
        &app,
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 1, "start": start_west()}),
    );
    let path = format!(
        "/api/v1/inspections/{}/outcome",
        list["items"][0]["inspectionId"]
    );
    let undeclared_is_open = || {
        let signals = app
            .get(
                &format!("/api/v1/addresses/{}/signals", ids[0]),
                &app.token(Role::Staff),
            )
            .json();
        signals["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["rule"] == json!("undeclared-occupants") && s["status"] == json!("open"))
    };

    let two = app.post(
        &path,
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-26T10:00:00Z", "result": "no-violation", "personsFound": 2}),
    );
    let two_fires = undeclared_is_open();
    let three = app.post(
        &path,
        &app.token(Role::Inspector),
        &json!({"visitedAt": "2026-11-26T10:00:00Z", "result": "violation", "personsFound": 3}),
    );
    let three_fires = undeclared_is_open();

    assert_eq!((two.status, three.status), (Status::Ok, Status::Ok));
    assert!(
        !two_fires,
        "one declared and one registered person make two known"
    );
    assert!(three_fires, "three found is more than the two known");
}
