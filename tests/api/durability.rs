//! Nothing is lost and nothing is half-stored: a fault half-way through a
//! filing stores none of it, and an acknowledged filing survives the
//! process being killed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use rocket::http::Status;
use serde_json::Value;
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, declaration_body};

#[test]
fn a_fault_half_way_through_a_filing_stores_none_of_it() {
    let app = TestApp::new();
    app.create_address(&address_body(1));
    let sql = if app.is_postgres() {
        "CREATE FUNCTION simulated_fault() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'simulated disk fault'; END; $$;
         CREATE TRIGGER fault BEFORE INSERT ON occupancies FOR EACH ROW EXECUTE FUNCTION simulated_fault();"
    } else {
        "CREATE TRIGGER fault BEFORE INSERT ON occupancies
         BEGIN SELECT RAISE(ABORT, 'simulated disk fault'); END;"
    };
    app.db().batch_execute(sql).unwrap();
    let reply = app.post(
        "/api/v1/declarations",
        &app.agency_token("11111111"),
        &declaration_body(1, None),
    );
    assert_eq!(reply.status, Status::InternalServerError);
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/problem+json")
    );
    assert!(
        !reply.body.contains("simulated"),
        "the cause is logged, not shown"
    );
    let staff = app.token(Role::Staff);
    assert_eq!(app.get("/api/v1/declarations", &staff).json()["total"], 0);
    assert_eq!(
        app.get("/api/v1/organisations", &staff).json()["total"],
        0,
        "not even the agency"
    );
    assert!(
        woonregister::db::outbox::all(&mut app.db())
            .unwrap()
            .is_empty()
    );
    let audited = woonregister::audit::verify(&mut app.db()).unwrap().events;
    assert_eq!(audited, 1, "only the list above");
}

/// The service as a separate process on a free port.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(app: &TestApp) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_woonregister"))
            .arg("serve")
            .env("WOONREGISTER_DATABASE_URL", &app.config.database_url)
            .env("WOONREGISTER_DATA_DIR", &app.config.data_dir)
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_LOG_LEVEL", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child, port };
        let started = Instant::now();
        while server.request("GET", "/api/v1/health", None, None).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// One HTTP/1.1 request; the status and body of the answer.
    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("no status line"))?;
        let (_, body) = answer
            .split_once("\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("no end of the headers"))?;
        Ok((status, body.to_owned()))
    }

    /// Ends the process the hard way, as a crash or power cut would.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

#[test]
fn an_acknowledged_filing_survives_the_process_being_killed() {
    let app = TestApp::new();
    let staff = app.token(Role::Staff);
    let agency = app.agency_token("11111111");
    let server = Server::start(&app);
    let (status, _) = server
        .request(
            "POST",
            "/api/v1/addresses",
            Some(&staff),
            Some(&address_body(1)),
        )
        .unwrap();
    assert_eq!(status, 201);
    let (status, body) = server
        .request(
            "POST",
            "/api/v1/declarations",
            Some(&agency),
            Some(&declaration_body(1, None)),
        )
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"].clone();
    server.kill();

    let restarted = Server::start(&app);
    let (status, body) = restarted
        .request(
            "GET",
            &format!("/api/v1/declarations/{id}"),
            Some(&agency),
            None,
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "accepted"
    );
    restarted.kill();
}
