//! The test harness: every test builds its own app with its own database,
//! SQLite in a temporary directory, or a fresh PostgreSQL database when
//! `WOONREGISTER_TEST_POSTGRES_URL` names a server.

use chrono::{NaiveDate, TimeDelta};
use diesel::Connection as _;
use diesel::RunQueryDsl as _;
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use serde_json::Value;
use woonregister::auth::{KeySet, Role, token};
use woonregister::config::AppConfig;
use woonregister::domain::KvkNumber;

/// The server every PostgreSQL test database is created on, if any. A
/// variable that is set but unreadable fails the test rather than quietly
/// running it on SQLite.
pub fn postgres_server_url() -> Option<String> {
    match std::env::var("WOONREGISTER_TEST_POSTGRES_URL") {
        Ok(url) if url.is_empty() => None,
        Ok(url) => Some(url),
        Err(std::env::VarError::NotPresent) => None,
        Err(e) => panic!("WOONREGISTER_TEST_POSTGRES_URL: {e}"),
    }
}

/// A calendar date written as `YYYY-MM-DD` in a test; a mistyped one
/// fails the test that wrote it.
pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("the test date {text:?} is not YYYY-MM-DD: {e}"))
}

/// A PostgreSQL database that exists for one test only.
pub struct PostgresDatabase {
    server_url: String,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    fn create(server_url: &str) -> Self {
        let name = format!("woonregister_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            diesel::PgConnection::establish(server_url).expect("connect to the test server");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create the test database");
        let (base, _) = server_url
            .rsplit_once('/')
            .expect("a URL with a database path");
        let url = format!("{base}/{name}");
        Self {
            server_url: server_url.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = diesel::PgConnection::establish(&self.server_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

/// One app with its own database and keys.
pub struct TestApp {
    pub client: Client,
    pub config: AppConfig,
    pub keys: KeySet,
    // Dropped after the client: the database outlives its connections.
    postgres: Option<PostgresDatabase>,
    _dir: tempfile::TempDir,
}

/// A response read to the end.
pub struct Reply {
    pub status: Status,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    fn read(response: LocalResponse<'_>) -> Self {
        let status = response.status();
        let content_type = response.content_type().map(|c| c.to_string());
        let headers = response
            .headers()
            .iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect();
        let has_body = !response.body().is_none();
        let body = match response.into_string() {
            Some(body) => body,
            None if !has_body => String::new(),
            None => panic!("the {status} response body is not readable UTF-8"),
        };
        Self {
            status,
            content_type,
            headers,
            body,
        }
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// A response header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The names of the rejected fields of a problem+json body; a body
    /// without `invalidParams`, or a parameter without a name, fails the
    /// test.
    pub fn invalid_param_names(&self) -> Vec<String> {
        let body = self.json();
        let params = body["invalidParams"].as_array().unwrap_or_else(|| {
            panic!(
                "a {} response without invalidParams: {}",
                self.status, self.body
            )
        });
        params
            .iter()
            .map(|p| {
                p["name"]
                    .as_str()
                    .unwrap_or_else(|| panic!("an invalid parameter without a name: {p}"))
                    .to_owned()
            })
            .collect()
    }
}

impl TestApp {
    /// A fresh app on the test backend.
    pub fn new() -> Self {
        Self::with(|figment| figment)
    }

    /// A fresh app whose figment `adjust` may change.
    pub fn with(adjust: impl FnOnce(Figment) -> Figment) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let postgres = postgres_server_url().map(|server| PostgresDatabase::create(&server));
        let database_url = match &postgres {
            Some(db) => db.url.clone(),
            None => dir.path().join("test.sqlite3").display().to_string(),
        };
        let figment = AppConfig::figment()
            .merge(("database_url", database_url))
            .merge(("database_pool_size", 4))
            .merge(("data_dir", dir.path().join("data")))
            .merge(("log_level", "off"));
        let figment = adjust(figment);
        let config = AppConfig::from_figment(&figment).expect("config");
        let rocket = woonregister::rocket(figment).expect("the app assembles");
        let client = Client::tracked(rocket).expect("the app ignites");
        let keys =
            KeySet::load_or_generate(&config.auth, &config.signing_key_path()).expect("keys");
        Self {
            client,
            config,
            keys,
            postgres,
            _dir: dir,
        }
    }

    /// Whether this app runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// A valid token for a municipal role.
    pub fn token(&self, role: Role) -> String {
        let org = (role == Role::Agency).then(|| KvkNumber::parse("11111111").expect("kvk"));
        self.issue(role, org.as_ref())
    }

    /// A valid agency token for the agency with this KvK number.
    pub fn agency_token(&self, kvk: &str) -> String {
        self.issue(Role::Agency, Some(&KvkNumber::parse(kvk).expect("kvk")))
    }

    fn issue(&self, role: Role, org: Option<&KvkNumber>) -> String {
        token::issue(
            &self.keys,
            &self.config.auth,
            &format!("test-{}", role.as_str()),
            role,
            org,
            TimeDelta::hours(1),
        )
        .expect("issue")
        .token
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = match method {
            "GET" => self.client.get(path),
            "POST" => self.client.post(path),
            "PATCH" => self.client.patch(path),
            "PUT" => self.client.put(path),
            "DELETE" => self.client.delete(path),
            other => panic!("unsupported method {other}"),
        };
        if let Some(token) = token {
            request = request.header(Header::new("Authorization", format!("Bearer {token}")));
        }
        if let Some(body) = body {
            request = request.header(ContentType::JSON).body(body.to_string());
        }
        Reply::read(request.dispatch())
    }

    /// POST a body with this content type (e.g. `text/csv`) and a token.
    pub fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: ContentType,
        body: &str,
    ) -> Reply {
        let mut request = self.client.post(path).header(content_type).body(body);
        if let Some(token) = token {
            request = request.header(Header::new("Authorization", format!("Bearer {token}")));
        }
        Reply::read(request.dispatch())
    }

    /// GET with a token.
    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.send("GET", path, Some(token), None)
    }

    /// POST JSON with a token.
    pub fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(token), Some(body))
    }

    /// PATCH JSON with a token.
    pub fn patch(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send("PATCH", path, Some(token), Some(body))
    }

    /// Registers an address as staff and returns its JSON.
    pub fn create_address(&self, body: &Value) -> Value {
        let reply = self.post("/api/v1/addresses", &self.token(Role::Staff), body);
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        reply.json()
    }

    /// Registers an organisation as staff and returns its JSON.
    pub fn create_organisation(&self, body: &Value) -> Value {
        let reply = self.post("/api/v1/organisations", &self.token(Role::Staff), body);
        assert_eq!(reply.status, Status::Created, "{}", reply.body);
        reply.json()
    }

    /// A pooled connection to this app's database.
    pub fn db(&self) -> woonregister::db::DbConnection {
        woonregister::db::connect(&self.config.database_url).expect("connect")
    }
}

/// A valid address body in the centre of Vlaardingen.
pub fn address_body(house_number: i64) -> Value {
    serde_json::json!({
        "postcode": "3131 ab",
        "houseNumber": house_number,
        "street": "Markt",
        "city": "Vlaardingen",
        "usagePurpose": "residential",
        "floorAreaM2": 64,
        "bedrooms": 2,
        "latitude": 51.9093,
        "longitude": 4.3421
    })
}

/// A valid organisation body.
pub fn organisation_body(kvk: &str) -> Value {
    serde_json::json!({
        "kvkNumber": kvk,
        "name": format!("Organisation {kvk}"),
        "isAgency": true,
        "isLandlord": false,
        "certified": false,
        "contactEmail": "planning@example.org"
    })
}

/// A valid declaration body for house number `house_number` of
/// `3131AB` (the address must be registered), filed on behalf of
/// `agency` when staff file it.
pub fn declaration_body(house_number: i64, agency: Option<&str>) -> Value {
    let mut body = serde_json::json!({
        "worker": {"bsn": "123456782", "familyName": "Nowak", "givenNames": "Jan",
                   "dateOfBirth": "1994-03-02", "nationality": "PL"},
        "address": {"postcode": "3131AB", "houseNumber": house_number, "houseLetter": null,
                    "houseNumberAddition": null},
        "landlordKvkNumber": "87654321",
        "household": "nowak",
        "startDate": "2026-11-01",
        "endDate": null,
        "rentPerMonthEur": 450.00,
        "rentDeductedFromWages": true,
        "separateRentalContract": false
    });
    if let Some(kvk) = agency {
        body["agencyKvkNumber"] = serde_json::json!(kvk);
    }
    body
}

/// A worker body with these names and optional BSN.
pub fn worker(family_name: &str, bsn: Option<&str>) -> Value {
    serde_json::json!({"bsn": bsn, "familyName": family_name, "givenNames": "Ana",
                       "dateOfBirth": "1990-05-17", "nationality": "RO"})
}
