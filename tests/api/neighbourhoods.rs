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
