//! Every endpoint with every role and with no token: 401 without a token,
//! 403 for a role that may not, success for a role that may. Each row of
//! the table names its route, the request body it sends and the status
//! each caller gets; the table must name every mounted API route.

use std::cell::Cell;

use rocket::http::{ContentType, Status};
use serde_json::{Value, json};
use woonregister::auth::Role;

use crate::support::{Reply, TestApp, address_body, declaration_body, organisation_body};

/// The callers of every row, in the order of a row's `expect` column.
const CALLERS: [Option<Role>; 5] = [
    Some(Role::Admin),
    Some(Role::Staff),
    Some(Role::Inspector),
    Some(Role::Agency),
    None,
];

/// An extract with a header and no residents.
const EMPTY_EXTRACT: &str =
    "bsn;familyName;givenNames;dateOfBirth;postcode;houseNumber;registeredSince\n";

const S200: Status = Status::Ok;
const S201: Status = Status::Created;
const S202: Status = Status::Accepted;
const S204: Status = Status::NoContent;
const S303: Status = Status::SeeOther;
const S401: Status = Status::Unauthorized;
const S403: Status = Status::Forbidden;

/// The request body a row sends.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// No body.
    Empty,
    /// A new address, another house number each time.
    NewAddress,
    /// `{"bedrooms": 3}`.
    AddressChange,
    /// An owner link to the organisation of the fixture.
    LandlordLink,
    /// A new organisation, another KvK number each time.
    NewOrganisation,
    /// `{"certified": true}`.
    OrganisationChange,
    /// A declaration for house number 1, on behalf of agency 11111111 when
    /// the caller is not that agency.
    Filing,
    /// `{"household": "changed"}`.
    DeclarationChange,
    /// A batch of one filing.
    Batch,
    /// `{}`.
    EmptyObject,
    /// A BRP extract with no residents, as `text/csv`.
    Extract,
    /// A planning request for the test inspector.
    NewInspectionList,
    /// A mailing to an inspector.
    Mailing,
    /// A visit's outcome.
    Outcome,
}

/// One row: the route as mounted, the request to send, and the status
/// each caller gets (admin, staff, inspector, agency, no token).
struct Row {
    method: &'static str,
    route: &'static str,
    path: String,
    body: Body,
    expect: [Status; 5],
}

fn row(
    method: &'static str,
    route: &'static str,
    path: impl Into<String>,
    body: Body,
    expect: [Status; 5],
) -> Row {
    Row {
        method,
        route,
        path: path.into(),
        body,
        expect,
    }
}

/// What the rows refer to: the ids of stored records and a counter that
/// keeps new addresses and organisations apart.
struct Fixture {
    organisation_id: i64,
    counter: Cell<i64>,
}

impl Fixture {
    fn next(&self) -> i64 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }

    /// The body `body` stands for, as `caller` sends it.
    fn make(&self, body: Body, caller: Option<Role>) -> Option<Value> {
        let filing = || {
            let on_behalf = (caller != Some(Role::Agency)).then_some("11111111");
            declaration_body(1, on_behalf)
        };
        match body {
            Body::Empty | Body::Extract => None,
            Body::NewAddress => Some(address_body(self.next())),
            Body::AddressChange => Some(json!({"bedrooms": 3})),
            Body::LandlordLink => Some(json!({
                "organisationId": self.organisation_id,
                "role": "owner",
                "startDate": "2026-01-01"
            })),
            Body::NewOrganisation => Some(organisation_body(&format!("{:08}", self.next()))),
            Body::OrganisationChange => Some(json!({"certified": true})),
            Body::Filing => Some(filing()),
            Body::DeclarationChange => Some(json!({"household": "changed"})),
            Body::Batch => Some(json!({"declarations": [filing()]})),
            Body::EmptyObject => Some(json!({})),
            Body::NewInspectionList => Some(json!({
                "date": "2026-12-01", "inspector": "test-inspector", "capacity": 8
            })),
            Body::Mailing => Some(json!({"to": "inspector@example.org"})),
            Body::Outcome => Some(json!({
                "visitedAt": "2026-11-20T10:00:00Z", "result": "no-access"
            })),
        }
    }
}

/// The person a declaration's worker was matched to, as staff see it.
fn person_of(app: &TestApp, declaration_id: i64) -> i64 {
    let staff_view = app.get(
        &format!("/api/v1/declarations/{declaration_id}"),
        &app.token(Role::Staff),
    );
    staff_view.json()["worker"]["personId"].as_i64().unwrap()
}

/// Sends a row's request: JSON, or `text/csv` for an extract.
fn send(app: &TestApp, row: &Row, token: Option<&str>, body: Option<&Value>) -> Reply {
    if matches!(row.body, Body::Extract) {
        app.post_raw(&row.path, token, ContentType::CSV, EMPTY_EXTRACT)
    } else {
        app.send(row.method, &row.path, token, body)
    }
}

#[test]
#[expect(clippy::too_many_lines, reason = "one table names every endpoint")]
fn every_endpoint_admits_exactly_its_roles() {
    let app = TestApp::new();
    let address_id = app.create_address(&address_body(1))["id"].as_i64().unwrap();
    let organisation_id = app.create_organisation(&organisation_body("12345678"))["id"]
        .as_i64()
        .unwrap();
    let declaration = app.post(
        "/api/v1/declarations",
        &app.token(Role::Agency),
        &declaration_body(1, None),
    );
    assert_eq!(declaration.status, Status::Created, "{}", declaration.body);
    let declaration = declaration.json();
    let declaration_id = declaration["id"].as_i64().unwrap();
    let person_id = person_of(&app, declaration_id);
    let fixture = Fixture {
        organisation_id,
        counter: Cell::new(100),
    };
    let address = format!("/api/v1/addresses/{address_id}");
    let organisation = format!("/api/v1/organisations/{organisation_id}");
    let declaration = format!("/api/v1/declarations/{declaration_id}");
    let person = format!("/api/v1/people/{person_id}");
    // A signalled address on a list for the test inspector: one visit.
    let planned = app.post(
        "/api/v1/inspection-lists",
        &app.token(Role::Staff),
        &json!({"date": "2026-12-01", "inspector": "test-inspector", "capacity": 1}),
    );
    assert_eq!(planned.status, Status::Created, "{}", planned.body);
    let planned = planned.json();
    let list = format!("/api/v1/inspection-lists/{}", planned["id"]);
    let inspection = format!(
        "/api/v1/inspections/{}/outcome",
        planned["items"][0]["inspectionId"]
            .as_i64()
            .expect("the declared address is planned")
    );

    #[rustfmt::skip]
    let table = [
        //  method    route as mounted                   path                                   body                      admin staff inspector agency no token
        row("GET",    "/api/v1",                         "/api/v1",                             Body::Empty,              [S303, S303, S303, S303, S303]),
        row("GET",    "/api/v1/health",                  "/api/v1/health",                      Body::Empty,              [S200, S200, S200, S200, S200]),
        row("POST",   "/api/v1/addresses",               "/api/v1/addresses",                   Body::NewAddress,         [S201, S201, S403, S403, S401]),
        row("GET",    "/api/v1/addresses?<query..>",     "/api/v1/addresses?postcode=3131AB&houseNumber=1",
                                                                                                Body::Empty,              [S200, S200, S200, S200, S401]),
        row("GET",    "/api/v1/addresses/<id>",          &address,                              Body::Empty,              [S200, S200, S200, S403, S401]),
        row("PATCH",  "/api/v1/addresses/<id>",          &address,                              Body::AddressChange,      [S200, S200, S403, S403, S401]),
        row("POST",   "/api/v1/addresses/<id>/landlords", format!("{address}/landlords"),       Body::LandlordLink,       [S201, S201, S403, S403, S401]),
        row("GET",    "/api/v1/addresses/<id>/landlords", format!("{address}/landlords"),       Body::Empty,              [S200, S200, S200, S403, S401]),
        row("POST",   "/api/v1/organisations",           "/api/v1/organisations",               Body::NewOrganisation,    [S201, S201, S403, S403, S401]),
        row("GET",    "/api/v1/organisations?<query..>", "/api/v1/organisations",               Body::Empty,              [S200, S200, S403, S403, S401]),
        row("GET",    "/api/v1/organisations/<id>",      &organisation,                         Body::Empty,              [S200, S200, S403, S403, S401]),
        row("PATCH",  "/api/v1/organisations/<id>",      &organisation,                         Body::OrganisationChange, [S200, S200, S403, S403, S401]),
        row("GET",    "/api/v1/neighbourhoods",          "/api/v1/neighbourhoods",              Body::Empty,              [S200, S200, S200, S403, S401]),
        row("POST",   "/api/v1/declarations",            "/api/v1/declarations",                Body::Filing,             [S201, S201, S403, S201, S401]),
        row("GET",    "/api/v1/declarations?<query..>",  "/api/v1/declarations",                Body::Empty,              [S200, S200, S403, S200, S401]),
        row("GET",    "/api/v1/declarations/<id>",       &declaration,                          Body::Empty,              [S200, S200, S403, S200, S401]),
        row("PATCH",  "/api/v1/declarations/<id>",       &declaration,                          Body::DeclarationChange,  [S200, S200, S403, S200, S401]),
        row("POST",   "/api/v1/declaration-batches",     "/api/v1/declaration-batches",         Body::Batch,              [S200, S200, S403, S200, S401]),
        row("GET",    "/api/v1/people/<id>",             &person,                               Body::Empty,              [S200, S200, S403, S403, S401]),
        row("GET",    "/api/v1/people/<id>/export",      format!("{person}/export"),            Body::Empty,              [S200, S403, S403, S403, S401]),
        row("GET",    "/api/v1/audit-events?<query..>",  "/api/v1/audit-events",                Body::Empty,              [S200, S403, S403, S403, S401]),
        row("GET",    "/api/v1/signals?<query..>",       "/api/v1/signals",                     Body::Empty,              [S200, S200, S200, S403, S401]),
        row("GET",    "/api/v1/addresses/<id>/signals",  format!("{address}/signals"),          Body::Empty,              [S200, S200, S200, S403, S401]),
        row("POST",   "/api/v1/signal-evaluations",      "/api/v1/signal-evaluations",          Body::EmptyObject,        [S200, S200, S403, S403, S401]),
        row("POST",   "/api/v1/resident-extracts?<query..>", "/api/v1/resident-extracts?asOf=2026-11-01",
                                                                                                Body::Extract,            [S200, S403, S403, S403, S401]),
        row("GET",    "/api/v1/hotspots?<query..>",      "/api/v1/hotspots",                    Body::Empty,              [S200, S200, S200, S403, S401]),
        row("GET",    "/api/v1/addresses/<id>/dossier",  format!("{address}/dossier"),          Body::Empty,              [S200, S200, S200, S403, S401]),
        row("POST",   "/api/v1/inspection-lists",        "/api/v1/inspection-lists",            Body::NewInspectionList,  [S201, S201, S403, S403, S401]),
        row("GET",    "/api/v1/inspection-lists?<query..>", "/api/v1/inspection-lists",         Body::Empty,              [S200, S200, S200, S403, S401]),
        row("GET",    "/api/v1/inspection-lists/<id>",   &list,                                 Body::Empty,              [S200, S200, S200, S403, S401]),
        row("POST",   "/api/v1/inspection-lists/<id>/mailings", format!("{list}/mailings"),     Body::Mailing,            [S202, S202, S403, S403, S401]),
        row("POST",   "/api/v1/inspections/<id>/outcome", &inspection,                          Body::Outcome,            [S200, S403, S200, S403, S401]),
        // Last: withdrawing ends what the rows above change.
        row("DELETE", "/api/v1/declarations/<id>",       &declaration,                          Body::Empty,              [S204, S204, S403, S204, S401]),
    ];

    let mounted: Vec<(String, String)> = app
        .client
        .rocket()
        .routes()
        .filter(|r| {
            r.uri.path().starts_with("/api/v1") && !r.uri.path().starts_with("/api/v1/docs")
        })
        .filter(|r| r.uri.path() != "/api/v1/openapi.json")
        .map(|r| (r.method.as_str().to_owned(), r.uri.to_string()))
        .collect();
    for (method, route) in &mounted {
        assert!(
            table.iter().any(|r| r.method == method && r.route == route),
            "{method} {route} is mounted but not in the authorisation matrix"
        );
    }
    assert_eq!(
        mounted.len(),
        table.len(),
        "the matrix names routes that are not mounted"
    );

    // No token first, then every role: a refused request changes nothing
    // that a later one depends on.
    for row in &table {
        for index in [4, 0, 1, 2, 3] {
            let caller = CALLERS[index];
            let expected = row.expect[index];
            let body = fixture.make(row.body, caller);
            let token = caller.map(|role| app.token(role));
            let reply = send(&app, row, token.as_deref(), body.as_ref());
            let who = caller.map_or_else(|| "no token".to_owned(), |role| format!("{role:?}"));
            assert_eq!(
                reply.status, expected,
                "{} {} as {who} with {:?}: {}",
                row.method, row.path, row.body, reply.body
            );
            if expected.class().is_client_error() || expected.class().is_server_error() {
                assert_eq!(
                    reply.content_type.as_deref(),
                    Some("application/problem+json"),
                    "{} {} as {who}",
                    row.method,
                    row.path
                );
            }
        }
    }
}
