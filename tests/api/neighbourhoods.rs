//! `/neighbourhoods`: the CBS buurten with registry figures.

use rocket::http::Status;
use serde_json::json;
use woonregister::auth::Role;

use crate::support::{TestApp, address_body};

#[test]
fn the_buurten_come_as_geojson_with_their_address_counts() {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    app.create_address(&address_body(2));
    let reply = app.get("/api/v1/neighbourhoods", &app.token(Role::Inspector));
    assert_eq!(reply.status, Status::Ok);
    assert_eq!(reply.content_type.as_deref(), Some("application/geo+json"));
    let collection = reply.json();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    assert_eq!(
        features.len(),
        132,
        "40 Vlaardingen buurten and 92 of the neighbours"
    );
    let vlaardingen = features
        .iter()
        .filter(|f| f["properties"]["gemeenteCode"] == "GM0622")
        .count();
    assert_eq!(vlaardingen, 40);
    let centrum = features.iter().find(|f| f["id"] == "BU06220103").unwrap();
    assert_eq!(centrum["properties"]["addresses"], 2);
    assert_eq!(centrum["properties"]["wijkCode"], "WK062201");
    assert_eq!(centrum["geometry"]["type"], "MultiPolygon");
    let empty = features.iter().find(|f| f["id"] == "BU06220101").unwrap();
    assert_eq!(empty["properties"]["addresses"], json!(0));
}

#[test]
fn the_buurten_are_stored_once_however_often_the_service_starts() {
    let app = TestApp::new();
    let mut conn = app.db();
    assert_eq!(
        woonregister::db::neighbourhoods::all(&mut conn)
            .unwrap()
            .len(),
        132
    );
    let services = woonregister::app::open_services(app.config.clone()).unwrap();
    drop(services);
    assert_eq!(
        woonregister::db::neighbourhoods::all(&mut conn)
            .unwrap()
            .len(),
        132
    );
}

fn centrum_addresses(app: &TestApp) -> serde_json::Value {
    let reply = app.get("/api/v1/neighbourhoods", &app.token(Role::Inspector));
    assert_eq!(reply.status, Status::Ok);
    let collection = reply.json();
    let features = collection["features"].as_array().unwrap();
    let centrum = features.iter().find(|f| f["id"] == "BU06220103").unwrap();
    centrum["properties"]["addresses"].clone()
}

#[test]
fn a_write_through_the_service_shows_in_the_buurt_figures_at_once() {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    assert_eq!(centrum_addresses(&app), json!(1));
    app.create_address(&address_body(2));
    assert_eq!(centrum_addresses(&app), json!(2));
}

#[test]
fn a_write_by_another_process_shows_in_the_buurt_figures_within_their_maximum_age() {
    use diesel::RunQueryDsl as _;
    use woonregister::registry::maps::MAX_AGE;

    let app = TestApp::new();
    let id = app.create_address(&address_body(1))["id"].as_i64().unwrap();
    assert_eq!(centrum_addresses(&app), json!(1));
    // Straight into the database, as another process would write: this
    // service is not told.
    diesel::sql_query(format!(
        "UPDATE addresses SET neighbourhood_code = 'BU06220101' WHERE id = {id}"
    ))
    .execute(&mut app.db())
    .unwrap();
    let written = std::time::Instant::now();
    let bound = MAX_AGE + std::time::Duration::from_secs(2);
    while centrum_addresses(&app) != json!(0) {
        assert!(
            written.elapsed() < bound,
            "not shown {bound:?} after the write"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
