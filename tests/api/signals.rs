//! Signals: found when declarations, addresses and organisations change,
//! closed when they no longer hold, explained, filtered, mapped and
//! clustered; never influenced by nationality.

use rocket::http::{Accept, Header, Status};
use serde_json::{Value, json};
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, declaration_body, organisation_body, worker};

const AGENCY: &str = "11111111";

/// An address of `area` m² at house number `n`.
fn small_address(app: &TestApp, n: i64, area: f64) -> i64 {
    let mut body = address_body(n);
    body["floorAreaM2"] = json!(area);
    body["bedrooms"] = json!(3);
    app.create_address(&body)["id"].as_i64().unwrap()
}

/// Files `count` workers of one household at house number `n`.
fn house_workers(app: &TestApp, n: i64, count: usize) -> Vec<Value> {
    let token = app.agency_token(AGENCY);
    (0..count)
        .map(|i| {
            let mut body = declaration_body(n, None);
            body["worker"] = worker(&format!("Worker{n}x{i}"), None);
            body["household"] = json!(format!("h{n}"));
            body["separateRentalContract"] = json!(true);
            body["rentDeductedFromWages"] = json!(false);
            let reply = app.post("/api/v1/declarations", &token, &body);
            assert_eq!(reply.status, Status::Created, "{}", reply.body);
            reply.json()
        })
        .collect()
}

fn address_signals(app: &TestApp, id: i64) -> Value {
    let reply = app.get(
        &format!("/api/v1/addresses/{id}/signals"),
        &app.token(Role::Inspector),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    reply.json()
}

fn open_rules(app: &TestApp, id: i64) -> Vec<String> {
    address_signals(app, id)["signals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "open")
        .map(|s| s["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn filing_declarations_raises_an_explained_overcrowding_signal() {
    let app = TestApp::new();
    let id = small_address(&app, 1, 38.0);
    house_workers(&app, 1, 5);
    let signals = address_signals(&app, id);
    let overcrowding = signals["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule"] == "overcrowding-floor-area")
        .expect("5 on 38 m² is overcrowded");
    assert_eq!(overcrowding["status"], "open");
    assert_eq!(overcrowding["severity"], "high");
    assert_eq!(
        overcrowding["evidence"]["summary"],
        "5 occupants on 38 m² = 7.6 m² per person; norm 12 m² per person; counted from 5 declared, each person once"
    );
    assert!(
        overcrowding["evidence"]["norm"]
            .as_str()
            .unwrap()
            .contains("Bouwbesluit 2012 art. 7.18")
    );
    assert!(
        overcrowding["ruleSetVersion"]
            .as_str()
            .unwrap()
            .starts_with("default+")
    );
    let expected_risk: i64 = signals["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["score"].as_i64().unwrap())
        .sum();
    assert_eq!(signals["riskScore"], expected_risk.min(100));
}

#[test]
fn a_signal_that_no_longer_holds_is_closed_and_kept() {
    let app = TestApp::new();
    let id = small_address(&app, 1, 38.0);
    let filed = house_workers(&app, 1, 4);
    let first = address_signals(&app, id);
    let floor = |signals: &Value| {
        signals["signals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["rule"] == "overcrowding-floor-area")
            .cloned()
            .expect("a floor-area signal")
    };
    assert_eq!(floor(&first)["evidence"]["measured"]["occupants"], 4);
    let token = app.agency_token(AGENCY);
    let withdrawn = app.send(
        "DELETE",
        &format!("/api/v1/declarations/{}", filed[0]["id"]),
        Some(&token),
        None,
    );
    assert_eq!(withdrawn.status, Status::NoContent);
    // 3 on 38 m² is 12.7 m² each: the norm holds again.
    let after = address_signals(&app, id);
    let closed = floor(&after);
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["id"], floor(&first)["id"], "the same signal, kept");
    assert_eq!(closed["firstSeenAt"], floor(&first)["firstSeenAt"]);
    assert!(closed["closedAt"].is_string());
}

#[test]
fn changing_the_address_or_the_organisation_reevaluates_in_the_same_request() {
    let app = TestApp::new();
    let id = small_address(&app, 1, 30.0);
    house_workers(&app, 1, 4);
    let staff = app.token(Role::Staff);
    assert!(open_rules(&app, id).contains(&"overcrowding-floor-area".to_owned()));
    assert!(open_rules(&app, id).contains(&"uncertified-agency".to_owned()));
    assert!(open_rules(&app, id).contains(&"employer-concentration".to_owned()));

    let reply = app.patch(
        &format!("/api/v1/addresses/{id}"),
        &staff,
        &json!({"floorAreaM2": 60}),
    );
    assert_eq!(reply.status, Status::Ok);
    assert!(!open_rules(&app, id).contains(&"overcrowding-floor-area".to_owned()));

    let agency = app
        .get(&format!("/api/v1/organisations?kvkNumber={AGENCY}"), &staff)
        .json();
    let agency_id = agency["items"][0]["id"].as_i64().unwrap();
    let reply = app.patch(
        &format!("/api/v1/organisations/{agency_id}"),
        &staff,
        &json!({"certified": true}),
    );
    assert_eq!(reply.status, Status::Ok);
    assert!(!open_rules(&app, id).contains(&"uncertified-agency".to_owned()));
}

#[test]
fn an_employer_in_the_landlords_group_is_found_through_the_parent_chain() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let id = small_address(&app, 1, 100.0);
    for (kvk, parent) in [
        ("44444444", None),
        (AGENCY, Some("44444444")),
        ("87654321", Some("44444444")),
    ] {
        let mut body = organisation_body(kvk);
        body["parentKvkNumber"] = json!(parent);
        body["isAgency"] = json!(kvk == AGENCY);
        body["certified"] = json!(true);
        app.create_organisation(&body);
    }
    house_workers(&app, 1, 1);
    let signals = address_signals(&app, id);
    let link = signals["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule"] == "agency-is-landlord")
        .cloned()
        .expect("agency and landlord share the holding");
    assert_eq!(
        link["evidence"]["measured"]["sharedGroupKvkNumber"],
        "44444444"
    );
    // Cutting the landlord loose from the group closes the signal.
    let landlord = app
        .get("/api/v1/organisations?kvkNumber=87654321", &staff)
        .json();
    let landlord_id = landlord["items"][0]["id"].as_i64().unwrap();
    let reply = app.patch(
        &format!("/api/v1/organisations/{landlord_id}"),
        &staff,
        &json!({"parentKvkNumber": null}),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    assert!(!open_rules(&app, id).contains(&"agency-is-landlord".to_owned()));
}

#[test]
fn a_worker_whose_declaration_has_ended_no_longer_counts() {
    let app = TestApp::new();
    let id = small_address(&app, 1, 50.0);
    let filed = house_workers(&app, 1, 5);
    assert!(
        open_rules(&app, id).contains(&"overcrowding-floor-area".to_owned()),
        "5 on 50 m²"
    );
    let token = app.agency_token(AGENCY);
    for declaration in &filed[..2] {
        let reply = app.patch(
            &format!("/api/v1/declarations/{}", declaration["id"]),
            &token,
            &json!({"endDate": "2026-11-02"}),
        );
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    }
    assert!(
        !open_rules(&app, id).contains(&"overcrowding-floor-area".to_owned()),
        "3 on 50 m² today"
    );
}

#[test]
fn nationality_changes_no_signal_or_score() {
    use diesel::connection::SimpleConnection as _;

    let app = TestApp::new();
    let ids: Vec<i64> = (1..=4)
        .map(|n| small_address(&app, n, f64::from(u8::try_from(20 + 10 * n).unwrap())))
        .collect();
    for n in 1..=4 {
        house_workers(&app, n, usize::try_from(n + 1).unwrap());
    }
    let staff = app.token(Role::Staff);
    let snapshot = |app: &TestApp| -> Vec<(String, i64, Value, Value)> {
        let mut all: Vec<_> = ids
            .iter()
            .flat_map(|id| {
                let signals = address_signals(app, *id);
                let risk = signals["riskScore"].clone();
                signals["signals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        (
                            s["rule"].as_str().unwrap().to_owned(),
                            s["score"].as_i64().unwrap(),
                            s["evidence"].clone(),
                            risk.clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        all
    };
    let before = snapshot(&app);
    assert!(!before.is_empty());
    for nationality in ["NL", "SY", "BG", "UA"] {
        app.db()
            .batch_execute(&format!("UPDATE people SET nationality = '{nationality}'"))
            .unwrap();
        let reply = app.post("/api/v1/signal-evaluations", &staff, &json!({}));
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        let report = reply.json();
        assert_eq!(report["signalsOpened"], 0, "{nationality}");
        assert_eq!(report["signalsClosed"], 0, "{nationality}");
        assert_eq!(report["signalsRefreshed"], 0, "{nationality}");
        assert_eq!(snapshot(&app), before, "{nationality}");
    }
}

#[test]
fn a_full_evaluation_reports_its_counts_and_is_stable() {
    let app = TestApp::new();
    small_address(&app, 1, 30.0);
    small_address(&app, 2, 200.0);
    house_workers(&app, 1, 4);
    let staff = app.token(Role::Staff);
    let reply = app.post("/api/v1/signal-evaluations", &staff, &json!({}));
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    let report = reply.json();
    assert_eq!(report["addressesEvaluated"], 2);
    assert_eq!(
        report["signalsOpened"], 0,
        "the filings already evaluated the address"
    );
    assert_eq!(report["signalsClosed"], 0);
    let open = report["signalsOpen"].as_i64().unwrap();
    assert!(
        open >= 3,
        "overcrowding, employer concentration, uncertified agency: {report}"
    );
    assert!(report["durationMs"].is_u64());
    let again = app
        .post("/api/v1/signal-evaluations", &staff, &json!({}))
        .json();
    assert_eq!(again["signalsOpen"], open);
}

#[test]
fn local_rules_come_from_configuration_and_are_versioned() {
    let app = TestApp::with(|figment| {
        figment
            .merge(("rules.label", "vlaardingen-test"))
            .merge(("rules.min_floor_area_per_occupant_m2", 5.0))
            .merge(("rules.uncertified-agency.enabled", false))
    });
    let id = small_address(&app, 1, 30.0);
    house_workers(&app, 1, 4);
    let rules = open_rules(&app, id);
    assert!(
        !rules.contains(&"overcrowding-floor-area".to_owned()),
        "7.5 m² is enough under the local norm"
    );
    assert!(
        !rules.contains(&"uncertified-agency".to_owned()),
        "switched off"
    );
    let signals = address_signals(&app, id);
    assert!(
        signals["signals"][0]["ruleSetVersion"]
            .as_str()
            .unwrap()
            .starts_with("vlaardingen-test+")
    );
}

#[test]
fn signals_are_filtered_by_rule_score_status_and_neighbourhood() {
    let app = TestApp::new();
    small_address(&app, 1, 30.0);
    house_workers(&app, 1, 4);
    let inspector = app.token(Role::Inspector);
    let total = |query: &str| {
        let reply = app.get(&format!("/api/v1/signals{query}"), &inspector);
        assert_eq!(reply.status, Status::Ok, "{}", reply.body);
        reply.json()["total"].as_i64().unwrap()
    };
    let all_open = total("");
    assert!(all_open >= 3);
    assert_eq!(total("?rule=overcrowding-floor-area"), 1);
    assert_eq!(
        total("?minScore=30"),
        1,
        "only the floor-area signal weighs 30"
    );
    assert_eq!(total("?status=closed"), 0);
    assert_eq!(total("?status=all"), all_open);
    assert_eq!(total("?neighbourhood=BU06220103"), all_open);
    assert_eq!(total("?neighbourhood=BU06220101"), 0);
    let listed = app
        .get("/api/v1/signals?rule=overcrowding-floor-area", &inspector)
        .json();
    assert_eq!(listed["items"][0]["address"]["postcode"], "3131AB");
    let bad = app.get(
        "/api/v1/signals?rule=nationality&status=maybe&minScore=x",
        &inspector,
    );
    let mut names = bad.invalid_param_names();
    names.sort();
    assert_eq!(names, ["minScore", "rule", "status"]);
}

#[test]
fn signals_come_as_geojson_points_for_qgis() {
    let app = TestApp::new();
    small_address(&app, 1, 30.0);
    house_workers(&app, 1, 4);
    let reply = app
        .client
        .get("/api/v1/signals")
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", app.token(Role::Staff)),
        ))
        .header(Accept::new([rocket::http::QMediaType(
            rocket::http::MediaType::new("application", "geo+json"),
            None,
        )]))
        .dispatch();
    assert_eq!(reply.status(), Status::Ok);
    assert_eq!(
        reply.content_type().map(|c| c.to_string()).as_deref(),
        Some("application/geo+json")
    );
    let collection: Value = reply.into_json().unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "one point per address");
    assert_eq!(features[0]["geometry"]["type"], "Point");
    assert_eq!(
        features[0]["geometry"]["coordinates"],
        json!([4.3421, 51.9093])
    );
    assert!(
        features[0]["properties"]["signals"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    assert!(features[0]["properties"]["riskScore"].as_i64().unwrap() > 0);
}

#[test]
fn neighbourhoods_carry_occupants_open_signals_and_summed_risk() {
    let app = TestApp::new();
    small_address(&app, 1, 30.0);
    house_workers(&app, 1, 4);
    let collection = app
        .get("/api/v1/neighbourhoods", &app.token(Role::Staff))
        .json();
    let centrum = collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "BU06220103")
        .unwrap()
        .clone();
    let signals = app.get("/api/v1/signals", &app.token(Role::Staff)).json();
    assert_eq!(centrum["properties"]["occupants"], 4);
    assert_eq!(centrum["properties"]["openSignals"], signals["total"]);
    let risk = address_signals(&app, 1)["riskScore"].clone();
    assert_eq!(centrum["properties"]["riskScoreSum"], risk);
}

#[test]
fn hotspots_cluster_nearby_signalled_addresses_into_hulls() {
    let app = TestApp::new();
    let token = app.agency_token(AGENCY);
    // Three overcrowded homes within 100 m of each other, one far away.
    let places = [
        (51.9093, 4.3421),
        (51.9097, 4.3425),
        (51.9090, 4.3428),
        (51.9254, 4.3273),
    ];
    let mut ids = Vec::new();
    for (n, (lat, lon)) in (1..).zip(places) {
        let mut body = address_body(n);
        body["floorAreaM2"] = json!(20.0);
        body["latitude"] = json!(lat);
        body["longitude"] = json!(lon);
        ids.push(app.create_address(&body)["id"].as_i64().unwrap());
        let mut filing = declaration_body(n, None);
        filing["worker"] = worker(&format!("Solo{n}"), None);
        for i in 0..2 {
            filing["worker"]["familyName"] = json!(format!("Solo{n}x{i}"));
            assert_eq!(
                app.post("/api/v1/declarations", &token, &filing).status,
                Status::Created
            );
        }
    }
    let reply = app.get(
        "/api/v1/hotspots?radiusM=150&minAddresses=3",
        &app.token(Role::Inspector),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
    assert_eq!(reply.content_type.as_deref(), Some("application/geo+json"));
    let collection = reply.json();
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), 1);
    assert_eq!(features[0]["geometry"]["type"], "Polygon");
    assert_eq!(features[0]["properties"]["addressIds"], json!(ids[..3]));
    assert_eq!(features[0]["properties"]["addresses"], 3);
    assert!(features[0]["properties"]["riskScoreSum"].as_u64().unwrap() > 0);
    let none = app
        .get(
            "/api/v1/hotspots?radiusM=10&minAddresses=3",
            &app.token(Role::Staff),
        )
        .json();
    assert_eq!(none["features"], json!([]));
    let bad = app.get(
        "/api/v1/hotspots?radiusM=0&minAddresses=many",
        &app.token(Role::Staff),
    );
    let mut names = bad.invalid_param_names();
    names.sort();
    assert_eq!(names, ["minAddresses", "radiusM"]);
}

#[test]
fn the_evaluate_command_reports_what_it_did() {
    let app = TestApp::new();
    small_address(&app, 1, 30.0);
    house_workers(&app, 1, 4);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_woonregister"))
        .args(["signals", "evaluate"])
        .env("WOONREGISTER_DATABASE_URL", &app.config.database_url)
        .env("WOONREGISTER_DATA_DIR", &app.config.data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("evaluated 1 addresses with rule set default+"),
        "{text}"
    );
    assert!(text.contains("0 new"), "{text}");
}

#[test]
fn an_address_says_which_rules_lack_data() {
    let app = TestApp::new();
    let mut body = address_body(1);
    body["bedrooms"] = json!(null);
    let id = app.create_address(&body)["id"].as_i64().unwrap();
    assert_eq!(
        address_signals(&app, id)["notEvaluated"],
        json!([]),
        "nobody lives there"
    );
    house_workers(&app, 1, 5);
    let signals = address_signals(&app, id);
    let missing = signals["notEvaluated"].as_array().unwrap();
    assert!(missing.contains(
        &json!({"rule": "overcrowding-bedrooms", "missing": "the number of bedrooms is unknown"})
    ));
    assert!(
        !open_rules(&app, id).contains(&"overcrowding-bedrooms".to_owned()),
        "missing data never fires"
    );
}
