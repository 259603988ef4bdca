//! The HTTP conventions of API.md that hold for every endpoint.

use rocket::http::{ContentType, Header, Status};
use serde_json::json;
use woonregister::auth::Role;

use crate::support::{TestApp, address_body};

#[test]
fn health_reports_the_database_and_needs_no_token() {
    let app = TestApp::new();
    let reply = app.send("GET", "/api/v1/health", None, None);
    assert_eq!(reply.status, Status::Ok);
    let body = reply.json();
    assert_eq!(body["status"], "ok");
    let expected = if app.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_response_carries_the_full_api_version() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for reply in [
        app.send("GET", "/api/v1/health", None, None),
        app.get("/api/v1/addresses", &staff),
        app.get("/api/v1/addresses/999", &staff),
        app.send("GET", "/api/v1/addresses", None, None),
        app.get("/api/v1/nothing-here", &staff),
        app.send("GET", "/api/v1/openapi.json", None, None),
    ] {
        assert_eq!(reply.header("API-Version"), Some("1.0.0"), "{}", reply.body);
    }
}

#[test]
fn an_unknown_path_is_a_problem_json_404() {
    let app = TestApp::new();
    let reply = app.get("/api/v1/nothing-here", &app.token(Role::Staff));
    assert_eq!(reply.status, Status::NotFound);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json")
    );
    let problem = reply.json();
    assert_eq!(problem["status"], 404);
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:woonregister:problem:")
    );
    assert!(problem["title"].is_string() && problem["detail"].is_string());
}

#[test]
fn a_body_that_is_not_json_is_a_400_naming_the_body() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for raw in ["{bad", "[1, 2]", "\"text\"", ""] {
        let reply = app
            .client
            .post("/api/v1/addresses")
            .header(Header::new("Authorization", format!("Bearer {staff}")))
            .header(ContentType::JSON)
            .body(raw)
            .dispatch();
        assert_eq!(reply.status(), Status::BadRequest, "{raw:?}");
        let problem: serde_json::Value =
            serde_json::from_str(&reply.into_string().unwrap()).unwrap();
        assert_eq!(problem["invalidParams"][0]["name"], "body", "{raw:?}");
    }
}

#[test]
fn a_body_over_the_limit_is_413_and_stores_nothing() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let mut body = address_body(1);
    body["street"] = json!("x".repeat(1024 * 1024 + 10));
    let reply = app.post("/api/v1/addresses", &staff, &body);
    assert_eq!(reply.status, Status::PayloadTooLarge);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(
        reply.header("Connection"),
        Some("close"),
        "the unread rest of the body ends the connection, and the client is told"
    );
    assert_eq!(app.get("/api/v1/addresses", &staff).json()["total"], 0);
}

#[test]
fn a_path_id_that_is_not_a_number_is_a_400() {
    let app = TestApp::new();
    let reply = app.get("/api/v1/addresses/abc", &app.token(Role::Staff));
    assert_eq!(reply.status, Status::BadRequest);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json")
    );
}

#[test]
fn the_openapi_document_describes_every_api_route() {
    let app = TestApp::new();
    let reply = app.send("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(reply.status, Status::Ok);
    let doc = reply.json();
    assert_eq!(doc["info"]["version"], "1.0.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let paths = doc["paths"].as_object().unwrap();
    for route in app.client.rocket().routes() {
        let path = route.uri.path().to_string();
        let Some(relative) = path.strip_prefix("/api/v1") else {
            continue;
        };
        // The base itself only leads to the docs.
        if relative.is_empty() || relative.starts_with("/docs") || relative == "/openapi.json" {
            continue;
        }
        let documented = relative.replace("<id>", "{id}");
        let method = route.method.as_str().to_lowercase();
        let operation = &paths
            .get(&documented)
            .unwrap_or_else(|| panic!("{documented} is not documented"))[&method];
        assert!(
            operation.is_object(),
            "{method} {documented} is not documented"
        );
        for (status, response) in operation["responses"].as_object().unwrap() {
            if status.starts_with('2') {
                assert!(
                    response["headers"]["API-Version"].is_object(),
                    "{method} {documented} {status}"
                );
            } else {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{method} {documented} {status} is not problem+json"
                );
            }
        }
    }
}

#[test]
fn the_swagger_ui_is_served_from_the_binary() {
    let app = TestApp::new();
    let reply = app.send("GET", "/api/v1/docs/", None, None);
    assert_eq!(reply.status, Status::Ok);
    assert!(
        reply.body.contains("swagger-ui"),
        "{}",
        &reply.body[..reply.body.len().min(300)]
    );
    let initializer = app.send("GET", "/api/v1/docs/swagger-initializer.js", None, None);
    assert_eq!(initializer.status, Status::Ok);
    assert!(initializer.body.contains("/api/v1/openapi.json"));
}

#[test]
fn the_data_directory_is_private_to_the_service_account() {
    use std::os::unix::fs::PermissionsExt as _;

    let app = TestApp::new();
    let mode = std::fs::metadata(&app.config.data_dir)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn the_api_base_leads_to_the_documentation() {
    let app = TestApp::new();
    let reply = app.send("GET", "/api/v1", None, None);
    assert_eq!(reply.status, Status::SeeOther);
    let location = reply
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("Location"))
        .map_or_else(
            || panic!("/api/v1 gives no Location"),
            |(_, value)| value.clone(),
        );
    assert_eq!(location, "/api/v1/docs/");
    let docs = app.send("GET", &location, None, None);
    assert_eq!(docs.status, Status::Ok, "{location}");
    assert!(
        docs.body.contains("swagger"),
        "{location} is not the Swagger UI"
    );
}

#[test]
fn printing_the_openapi_document_into_a_reader_that_stops_early_is_quiet() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_woonregister"))
        .arg("openapi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run woonregister openapi");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first_line)
        .expect("read the first line");
    // The reader is gone now, as after `| head -1`.
    let output = child.wait_with_output().expect("wait for woonregister");

    assert_eq!(first_line.trim(), "{");
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_query_key_given_twice_is_refused_naming_the_key() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    for path in [
        "/api/v1/addresses?postcode=3131AB&postcode=3132AB",
        "/api/v1/declarations?status=ended&status=accepted",
        "/api/v1/signals?pageSize=5&pageSize=6",
        "/api/v1/hotspots?radiusM=100&radiusM=200",
        "/api/v1/organisations?page=1&page=2",
    ] {
        let reply = app.get(path, &staff);
        assert_eq!(reply.status, Status::BadRequest, "{path}");
        assert_eq!(
            reply.invalid_param_names().len(),
            1,
            "{path}: {}",
            reply.body
        );
    }
}

#[test]
fn a_whole_number_written_with_a_fraction_of_zero_is_a_whole_number() {
    let app = TestApp::new();
    let mut body = address_body(7);
    body["houseNumber"] = json!(7.0);
    body["bedrooms"] = json!(2.0);

    let reply = app.post("/api/v1/addresses", &app.token(Role::Staff), &body);

    assert_eq!(reply.status, Status::Created, "{}", reply.body);
    assert_eq!(reply.json()["houseNumber"], 7);
    body["houseNumber"] = json!(7.5);
    let reply = app.post("/api/v1/addresses", &app.token(Role::Staff), &body);
    assert_eq!(reply.status, Status::BadRequest);
}
