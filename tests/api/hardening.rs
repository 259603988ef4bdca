//! Hostile input at the HTTP edge: NUL and other control characters,
//! bodies without a JSON media type, bodies that never finish arriving,
//! loose dates, and errors that must still be problem+json.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::http::{Header, Status};
use serde_json::{Value, json};
use woonregister::auth::{KeySet, Role, token};
use woonregister::config::AppConfig;

use crate::support::{TestApp, address_body, declaration_body, organisation_body};

/// Sets `value` at the dotted `path` (e.g. `worker.familyName`) of `body`.
fn with_field(body: &Value, path: &str, value: &str) -> Value {
    let mut body = body.clone();
    let mut target = &mut body;
    for key in path.split('.') {
        target = &mut target[key];
    }
    *target = json!(value);
    body
}

/// Sends a body with an explicit (or no) Content-Type header.
fn send_raw(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: &str,
) -> (Status, Option<String>, Value) {
    let mut request = app
        .client
        .post(path)
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header(Header::new("Content-Type", content_type.to_owned()));
    }
    let response = request.dispatch();
    let status = response.status();
    let media = response.content_type().map(|c| c.to_string());
    let text = response.into_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, media, json)
}

fn assert_problem(status: Status, media: Option<&str>, body: &Value, expected: Status) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(media, Some("application/problem+json"), "{body}");
    assert_eq!(body["status"], expected.code, "{body}");
}

#[test]
fn nul_in_any_free_text_field_of_a_body_is_a_400_naming_the_field() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let address = app.create_address(&address_body(1));
    let organisation = app.create_organisation(&organisation_body("87654321"));
    let address_path = format!("/api/v1/addresses/{}", address["id"]);
    let organisation_path = format!("/api/v1/organisations/{}", organisation["id"]);
    let declaration = declaration_body(1, None);
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        ("POST", "/api/v1/addresses", address_body(2), "street"),
        ("POST", "/api/v1/addresses", address_body(2), "city"),
        ("POST", "/api/v1/addresses", address_body(2), "postcode"),
        ("PATCH", &address_path, json!({"street": "x"}), "street"),
        ("PATCH", &address_path, json!({"city": "x"}), "city"),
        (
            "POST",
            "/api/v1/organisations",
            organisation_body("12345678"),
            "name",
        ),
        (
            "POST",
            "/api/v1/organisations",
            organisation_body("12345678"),
            "contactEmail",
        ),
        ("PATCH", &organisation_path, json!({"name": "x"}), "name"),
        (
            "PATCH",
            &organisation_path,
            json!({"contactEmail": "x"}),
            "contactEmail",
        ),
        (
            "POST",
            "/api/v1/declarations",
            declaration.clone(),
            "worker.familyName",
        ),
        (
            "POST",
            "/api/v1/declarations",
            declaration.clone(),
            "worker.givenNames",
        ),
        (
            "POST",
            "/api/v1/declarations",
            declaration.clone(),
            "worker.nationality",
        ),
        (
            "POST",
            "/api/v1/declarations",
            declaration.clone(),
            "household",
        ),
        (
            "POST",
            "/api/v1/declarations",
            declaration,
            "landlordKvkNumber",
        ),
    ];
    let agency = app.token(Role::Agency);
    for (method, path, body, field) in cases {
        let token = if path.contains("declarations") {
            &agency
        } else {
            &staff
        };
        let body = with_field(&body, field, "Nowak\u{0}x");
        let reply = app.send(method, path, Some(token), Some(&body));
        assert_eq!(
            reply.status,
            Status::BadRequest,
            "{method} {path} {field}: {}",
            reply.body
        );
        assert_eq!(
            reply.content_type.as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(reply.invalid_param_names(), [field], "{method} {path}");
    }
}

#[test]
fn control_and_bidi_characters_in_names_are_refused_but_accents_are_kept() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for bad in [
        "Markt\nstraat",
        "Markt\tstraat",
        "Mar\u{85}kt",
        "Markt\u{7f}",
        "\u{202E}tkram",
        "Markt\u{2066}",
        "Markt\u{200F}",
        "Markt\u{061C}",
    ] {
        let reply = app.post(
            "/api/v1/addresses",
            &staff,
            &with_field(&address_body(1), "street", bad),
        );
        assert_eq!(reply.status, Status::BadRequest, "{bad:?}: {}", reply.body);
        assert_eq!(reply.invalid_param_names(), ["street"], "{bad:?}");
    }
    let created = app.create_address(&with_field(&address_body(1), "street", "Ŝtraße ’t Hoogt"));
    assert_eq!(created["street"], "Ŝtraße ’t Hoogt");
}

#[test]
fn nul_in_any_query_value_of_any_list_endpoint_is_a_400_naming_the_parameter() {
    let app = TestApp::new();
    let table: &[(&str, Role, &[&str])] = &[
        (
            "/api/v1/addresses",
            Role::Staff,
            &[
                "postcode",
                "houseNumber",
                "houseLetter",
                "houseNumberAddition",
                "neighbourhood",
                "page",
                "pageSize",
            ],
        ),
        (
            "/api/v1/organisations",
            Role::Staff,
            &["kvkNumber", "page", "pageSize"],
        ),
        (
            "/api/v1/signals",
            Role::Staff,
            &[
                "neighbourhood",
                "rule",
                "minScore",
                "status",
                "page",
                "pageSize",
            ],
        ),
        (
            "/api/v1/hotspots",
            Role::Staff,
            &["radiusM", "minAddresses"],
        ),
        (
            "/api/v1/audit-events",
            Role::Admin,
            &["actor", "from", "to", "page", "pageSize"],
        ),
        (
            "/api/v1/declarations",
            Role::Staff,
            &[
                "status",
                "agencyKvkNumber",
                "addressId",
                "activeOn",
                "page",
                "pageSize",
            ],
        ),
    ];
    // Every query parameter the OpenAPI document lists is tried as well, so
    // a parameter added later is covered without touching this table.
    let doc = app.send("GET", "/api/v1/openapi.json", None, None).json();
    let mut cases: Vec<(String, Role, String)> = table
        .iter()
        .flat_map(|(path, role, parameters)| {
            parameters
                .iter()
                .map(|parameter| ((*path).to_owned(), *role, (*parameter).to_owned()))
        })
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for parameter in item["get"]["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "query" {
                let path = format!("/api/v1{path}");
                let name = parameter["name"].as_str().unwrap().to_owned();
                if !cases.iter().any(|(p, _, n)| *p == path && *n == name) {
                    cases.push((path, Role::Admin, name));
                }
            }
        }
    }
    assert!(cases.len() >= 29, "only {} query parameters", cases.len());
    for (path, role, parameter) in &cases {
        let token = app.token(*role);
        for value in ["a%00b", "%00", "1%0A2", "x%E2%80%AEy"] {
            let reply = app.get(&format!("{path}?{parameter}={value}"), &token);
            assert_eq!(
                reply.status,
                Status::BadRequest,
                "{path}?{parameter}={value}: {}",
                reply.body
            );
            assert_eq!(
                reply.content_type.as_deref(),
                Some("application/problem+json")
            );
            assert_eq!(
                reply.invalid_param_names(),
                std::slice::from_ref(parameter),
                "{path} {value}"
            );
        }
    }
}

#[test]
fn a_json_body_without_a_json_content_type_is_a_415() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let body = address_body(1).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/xml"),
    ] {
        let (status, media, problem) =
            send_raw(&app, "/api/v1/addresses", &staff, content_type, &body);
        assert_problem(
            status,
            media.as_deref(),
            &problem,
            Status::UnsupportedMediaType,
        );
        assert_eq!(
            problem["type"], "urn:woonregister:problem:unsupported-media-type",
            "{content_type:?}"
        );
    }
    let reply = app.get("/api/v1/addresses", &staff);
    assert_eq!(reply.json()["total"], 0, "nothing was stored");
}

#[test]
fn json_with_a_charset_or_a_json_suffix_type_is_accepted() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for (n, content_type) in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ]
    .into_iter()
    .enumerate()
    {
        let number = i64::try_from(n).unwrap() + 1;
        let (status, _, body) = send_raw(
            &app,
            "/api/v1/addresses",
            &staff,
            Some(content_type),
            &address_body(number).to_string(),
        );
        assert_eq!(status, Status::Created, "{content_type}: {body}");
    }
}

#[test]
fn an_agency_may_not_read_an_address_by_id_only_look_it_up() {
    let app = TestApp::new();
    let address = app.create_address(&address_body(1));
    let agency = app.token(Role::Agency);
    let reply = app.get(&format!("/api/v1/addresses/{}", address["id"]), &agency);
    assert_eq!(reply.status, Status::Forbidden, "{}", reply.body);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json")
    );
    let lookup = app.get("/api/v1/addresses?postcode=3131AB&houseNumber=1", &agency);
    assert_eq!(lookup.status, Status::Ok);
    assert_eq!(lookup.json()["items"][0]["id"], address["id"]);
}

#[test]
fn dates_that_are_not_exactly_yyyy_mm_dd_are_refused() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let address = app.create_address(&address_body(1));
    let organisation = app.create_organisation(&organisation_body("87654321"));
    for date in [
        "2026-11-1",
        "2026-1-01",
        "+2026-11-01",
        "2026-02-30",
        "26-11-01",
    ] {
        let reply = app.post(
            &format!("/api/v1/addresses/{}/landlords", address["id"]),
            &staff,
            &json!({"organisationId": organisation["id"], "role": "owner", "startDate": date}),
        );
        assert_eq!(reply.status, Status::BadRequest, "{date}: {}", reply.body);
        assert_eq!(reply.invalid_param_names(), ["startDate"], "{date}");

        let body = with_field(&declaration_body(1, None), "worker.dateOfBirth", date);
        let reply = app.post("/api/v1/declarations", &app.token(Role::Agency), &body);
        assert_eq!(reply.status, Status::BadRequest, "{date}: {}", reply.body);
        assert_eq!(
            reply.invalid_param_names(),
            ["worker.dateOfBirth"],
            "{date}"
        );

        let reply = app.get(
            &format!("/api/v1/audit-events?from={date}"),
            &app.token(Role::Admin),
        );
        assert_eq!(reply.status, Status::BadRequest, "{date}: {}", reply.body);
        assert_eq!(reply.invalid_param_names(), ["from"], "{date}");
    }
    let reply = app.get(
        "/api/v1/audit-events?from=2026-11-01&to=2026-11-30T12:00:00Z",
        &app.token(Role::Admin),
    );
    assert_eq!(reply.status, Status::Ok, "{}", reply.body);
}

#[test]
fn a_missing_docs_asset_and_an_unreadable_path_value_are_problem_json() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for (path, expected) in [
        ("/api/v1/docs/no-such-file.js", Status::NotFound),
        ("/api/v1/addresses/abc", Status::BadRequest),
        ("/api/v1/addresses/99999999999999999999", Status::BadRequest),
        ("/api/v1/addresses/%ZZ", Status::BadRequest),
        ("/api/v1/addresses?page=%ZZ", Status::BadRequest),
    ] {
        let reply = app.get(path, &staff);
        assert_eq!(reply.status, expected, "{path}: {}", reply.body);
        assert_eq!(
            reply.content_type.as_deref(),
            Some("application/problem+json"),
            "{path}: {}",
            reply.body
        );
        assert_eq!(reply.json()["status"], expected.code, "{path}");
    }
}

/// A server listening on a loopback port, stopped when dropped.
struct LaunchedServer {
    port: u16,
    staff_token: String,
    shutdown: rocket::Shutdown,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl LaunchedServer {
    /// Launches the service on SQLite with `adjust` applied to its figment.
    fn start(adjust: impl FnOnce(Figment) -> Figment) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let figment = AppConfig::figment()
            .merge((
                "database_url",
                dir.path().join("db.sqlite3").display().to_string(),
            ))
            .merge(("data_dir", dir.path().join("data")))
            .merge(("log_level", "off"))
            .merge(("address", "127.0.0.1"))
            .merge(("port", 0));
        let figment = adjust(figment);
        let config = AppConfig::from_figment(&figment).unwrap();
        let rocket = woonregister::rocket(figment).unwrap();
        let keys = KeySet::load_or_generate(&config.auth, &config.signing_key_path()).unwrap();
        let staff_token = token::issue(
            &keys,
            &config.auth,
            "test-staff",
            Role::Staff,
            None,
            chrono::TimeDelta::hours(1),
        )
        .unwrap()
        .token;
        let (sender, receiver) = std::sync::mpsc::channel();
        let rocket = rocket.attach(AdHoc::on_liftoff("report port", move |rocket| {
            let _ = sender.send((rocket.config().port, rocket.shutdown()));
            Box::pin(async {})
        }));
        let thread = std::thread::spawn(move || {
            let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let _ = runtime.block_on(rocket.launch());
        });
        let (port, shutdown) = receiver.recv_timeout(Duration::from_secs(30)).unwrap();
        Self {
            port,
            staff_token,
            shutdown,
            thread: Some(thread),
            _dir: dir,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    }
}

impl Drop for LaunchedServer {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads until the peer closes the connection (or the read timeout).
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn a_body_that_stalls_halfway_is_answered_408_and_the_connection_is_closed() {
    let server = LaunchedServer::start(|f| f.merge(("body_timeout_seconds", 1)));
    let mut stream = server.connect();
    let body = address_body(1).to_string();
    let half = &body[..body.len() / 2];
    write!(
        stream,
        "POST /api/v1/addresses HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{half}",
        server.staff_token,
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    let started = Instant::now();
    let reply = read_to_close(&mut stream);
    let waited = started.elapsed();
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("application/problem+json"), "{reply}");
    assert!(
        reply.contains("urn:woonregister:problem:request-timeout"),
        "{reply}"
    );
    assert!(waited < Duration::from_secs(8), "closed after {waited:?}");
}

#[test]
fn a_malformed_request_uri_is_answered_with_problem_json() {
    let server = LaunchedServer::start(|f| f);
    for target in [
        "/api/v1/health?%",
        "/api/v1/health?a=%ZZ",
        "/api/v1/%ZZ/health",
        "//api/v1/../../health",
        "/api/v1/he{lth",
        "*",
        "example.org:443",
        "http://example.org/api/v1/addresses/1",
    ] {
        let mut stream = server.connect();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let reply = read_to_close(&mut stream);
        let status_line = reply.lines().next().unwrap_or_default().to_owned();
        assert!(!status_line.starts_with("HTTP/1.1 5"), "{target}: {reply}");
        if !status_line.starts_with("HTTP/1.1 2") {
            assert!(
                reply.contains("application/problem+json"),
                "{target}: {reply}"
            );
        }
    }
    let mut stream = server.connect();
    write!(
        stream,
        "FROB /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let reply = read_to_close(&mut stream);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("application/problem+json"), "{reply}");
    assert!(reply.contains(r#""name":"request""#), "{reply}");
}

/// A query value just outside (or, with `inside`, at) a documented bound.
fn bound_values(schema: &Value) -> Vec<(String, bool)> {
    let is_integer = schema["type"] == "integer";
    let mut values = Vec::new();
    if let Some(min) = schema["minimum"].as_f64() {
        values.push((format!("{min}"), true));
        values.push((format!("{}", min - 1.0), false));
    }
    if let Some(max) = schema["maximum"].as_f64() {
        values.push((format!("{max}"), true));
        values.push((format!("{}", max + 1.0), false));
    }
    if let Some(options) = schema["enum"].as_array() {
        for option in options {
            values.push((option.as_str().unwrap().to_owned(), true));
        }
        values.push(("no-such-value".to_owned(), false));
    }
    if is_integer {
        values.push(("1.5".to_owned(), false));
    }
    values
}

#[test]
fn the_bounds_and_enums_the_openapi_document_states_for_query_values_are_the_ones_enforced() {
    let app = TestApp::new();
    let admin = app.token(Role::Admin);
    let doc = app.send("GET", "/api/v1/openapi.json", None, None).json();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(parameters) = item["get"]["parameters"].as_array() else {
            continue;
        };
        if path.contains('{') {
            continue;
        }
        for parameter in parameters.iter().filter(|p| p["in"] == "query") {
            let name = parameter["name"].as_str().unwrap();
            for (value, is_allowed) in bound_values(&parameter["schema"]) {
                let reply = app.get(&format!("/api/v1{path}?{name}={value}"), &admin);
                if is_allowed {
                    assert_eq!(
                        reply.status,
                        Status::Ok,
                        "{path}?{name}={value}: {}",
                        reply.body
                    );
                } else {
                    assert_eq!(reply.status, Status::BadRequest, "{path}?{name}={value}");
                    assert_eq!(reply.invalid_param_names(), [name], "{path}?{name}={value}");
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 30,
        "only {checked} documented bounds were checked"
    );
}

#[test]
fn the_length_and_range_limits_the_openapi_document_states_for_bodies_are_the_ones_enforced() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let doc = app.send("GET", "/api/v1/openapi.json", None, None).json();
    let schemas = &doc["components"]["schemas"];
    // House numbers from 1000 on, clear of the bounds 1 and 99999 tried.
    let mut number = 1000;
    let mut kvk = 10_000_000;
    let mut checked = 0;
    for (schema, path) in [
        ("AddressInput", "/api/v1/addresses"),
        ("OrganisationInput", "/api/v1/organisations"),
    ] {
        for (field, property) in schemas[schema]["properties"].as_object().unwrap() {
            let mut cases = Vec::new();
            if let Some(max) = property["maxLength"].as_u64() {
                let max = usize::try_from(max).unwrap();
                let text = if property["format"] == "email" {
                    format!("{}@example.org", "a".repeat(max - 12))
                } else {
                    "x".repeat(max)
                };
                cases.push((json!(text), true));
                cases.push((json!(format!("{text}x")), false));
            }
            // Written as text first, so that 500.0 becomes the integer 500.
            let number_value = |n: f64| serde_json::from_str::<Value>(&format!("{n}")).unwrap();
            if let Some(max) = property["maximum"].as_f64() {
                cases.push((number_value(max), true));
                cases.push((number_value(max + 1.0), false));
            }
            if let Some(min) = property["minimum"].as_f64() {
                cases.push((number_value(min), true));
                cases.push((number_value(min - 1.0), false));
            }
            if let Some(min) = property["exclusiveMinimum"].as_f64() {
                cases.push((number_value(min), false));
            }
            for (value, is_allowed) in cases {
                number += 1;
                kvk += 1;
                let mut body = if schema == "AddressInput" {
                    address_body(number)
                } else {
                    organisation_body(&kvk.to_string())
                };
                body[field] = value.clone();
                let reply = app.post(path, &staff, &body);
                if is_allowed {
                    assert_eq!(
                        reply.status,
                        Status::Created,
                        "{field}={value}: {}",
                        reply.body
                    );
                } else {
                    assert_eq!(reply.status, Status::BadRequest, "{field}={value}");
                    // A position outside the Netherlands is blamed on latitude.
                    let blamed = if field == "longitude" {
                        "latitude"
                    } else {
                        field
                    };
                    assert_eq!(reply.invalid_param_names(), [blamed], "{field}={value}");
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 15,
        "only {checked} documented limits were checked"
    );
}

#[test]
fn a_purpose_header_with_bidi_or_control_characters_is_refused_before_anything_is_audited() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for purpose in ["inzage\u{202E}gezien", "inzage\u{2066}x", "a\u{7f}b"] {
        let response = app
            .client
            .get("/api/v1/declarations")
            .header(Header::new("Authorization", format!("Bearer {staff}")))
            .header(Header::new("X-Purpose", purpose))
            .dispatch();
        assert_eq!(response.status(), Status::BadRequest, "{purpose:?}");
        let problem: Value = response.into_json().unwrap();
        assert_eq!(
            problem["invalidParams"][0]["name"], "X-Purpose",
            "{purpose:?}"
        );
    }
    let log = app
        .get("/api/v1/audit-events", &app.token(Role::Admin))
        .json();
    assert_eq!(log["total"], 0);
}
