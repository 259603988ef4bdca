//! Every endpoint with every role and with no token: 401 without a token,
//! 403 for a role that may not, success for a role that may. The table
//! must name every mounted API route.

use std::cell::Cell;

use rocket::http::Status;
use serde_json::{Value, json};
use woonregister::auth::Role;

use crate::support::{TestApp, address_body, declaration_body, organisation_body};

const ALL: &[Role] = &[Role::Admin, Role::Staff, Role::Inspector, Role::Agency];
const STAFF: &[Role] = &[Role::Admin, Role::Staff];
const OFFICIALS: &[Role] = &[Role::Admin, Role::Staff, Role::Inspector];
const FILERS: &[Role] = &[Role::Admin, Role::Staff, Role::Agency];
const ADMIN: &[Role] = &[Role::Admin];

/// One row: the route as mounted, the request to send, who may.
struct Endpoint {
    method: &'static str,
    route: &'static str,
    path: String,
    body: Option<Box<dyn Fn(Role) -> Value>>,
    allowed: Option<&'static [Role]>,
}

fn endpoint(
    method: &'static str,
    route: &'static str,
    path: impl Into<String>,
    allowed: Option<&'static [Role]>,
) -> Endpoint {
    Endpoint {
        method,
        route,
        path: path.into(),
        body: None,
        allowed,
    }
}

#[test]
#[expect(clippy::too_many_lines, reason = "the table is the test")]
fn every_endpoint_admits_exactly_its_roles() {
    let app = TestApp::new();
    let address_id = app.create_address(&address_body(1))["id"].as_i64().unwrap();
    let organisation_id = app.create_organisation(&organisation_body("12345678"))["id"]
        .as_i64()
        .unwrap();
    let counter = std::rc::Rc::new(Cell::new(100));

    let next = counter.clone();
    let new_address = move || {
        next.set(next.get() + 1);
        address_body(next.get())
    };
    let next = counter.clone();
    let new_organisation = move || {
        next.set(next.get() + 1);
        organisation_body(&format!("{:08}", next.get()))
    };
    let landlord = move |_: Role| json!({"organisationId": organisation_id, "role": "owner", "startDate": "2026-01-01"});
    let declaration = app.post(
        "/api/v1/declarations",
        &app.token(Role::Agency),
        &declaration_body(1, None),
    );
    assert_eq!(declaration.status, Status::Created, "{}", declaration.body);
    let declaration = declaration.json();
    let declaration_id = declaration["id"].as_i64().unwrap();
    let person_id = declaration["worker"]["personId"].as_i64().unwrap();
    let filing = |role: Role| {
        let on_behalf = (role != Role::Agency).then_some("11111111");
        declaration_body(1, on_behalf)
    };

    let mut table = vec![
        endpoint("GET", "/api/v1/health", "/api/v1/health", None),
        endpoint(
            "POST",
            "/api/v1/addresses",
            "/api/v1/addresses",
            Some(STAFF),
        ),
        endpoint(
            "GET",
            "/api/v1/addresses?<query..>",
            "/api/v1/addresses?postcode=3131AB&houseNumber=1",
            Some(ALL),
        ),
        endpoint(
            "GET",
            "/api/v1/addresses/<id>",
            format!("/api/v1/addresses/{address_id}"),
            Some(OFFICIALS),
        ),
        endpoint(
            "PATCH",
            "/api/v1/addresses/<id>",
            format!("/api/v1/addresses/{address_id}"),
            Some(STAFF),
        ),
        endpoint(
            "POST",
            "/api/v1/addresses/<id>/landlords",
            format!("/api/v1/addresses/{address_id}/landlords"),
            Some(STAFF),
        ),
        endpoint(
            "GET",
            "/api/v1/addresses/<id>/landlords",
            format!("/api/v1/addresses/{address_id}/landlords"),
            Some(OFFICIALS),
        ),
        endpoint(
            "POST",
            "/api/v1/organisations",
            "/api/v1/organisations",
            Some(STAFF),
        ),
        endpoint(
            "GET",
            "/api/v1/organisations?<query..>",
            "/api/v1/organisations",
            Some(STAFF),
        ),
        endpoint(
            "GET",
            "/api/v1/organisations/<id>",
            format!("/api/v1/organisations/{organisation_id}"),
            Some(STAFF),
        ),
        endpoint(
            "PATCH",
            "/api/v1/organisations/<id>",
            format!("/api/v1/organisations/{organisation_id}"),
            Some(STAFF),
        ),
        endpoint(
            "GET",
            "/api/v1/neighbourhoods",
            "/api/v1/neighbourhoods",
            Some(OFFICIALS),
        ),
        endpoint(
            "POST",
            "/api/v1/declarations",
            "/api/v1/declarations",
            Some(FILERS),
        ),
        endpoint(
            "GET",
            "/api/v1/declarations?<query..>",
            "/api/v1/declarations",
            Some(FILERS),
        ),
        endpoint(
            "GET",
            "/api/v1/declarations/<id>",
            format!("/api/v1/declarations/{declaration_id}"),
            Some(FILERS),
        ),
        endpoint(
            "PATCH",
            "/api/v1/declarations/<id>",
            format!("/api/v1/declarations/{declaration_id}"),
            Some(FILERS),
        ),
        endpoint(
            "POST",
            "/api/v1/declaration-batches",
            "/api/v1/declaration-batches",
            Some(FILERS),
        ),
        endpoint(
            "GET",
            "/api/v1/people/<id>",
            format!("/api/v1/people/{person_id}"),
            Some(STAFF),
        ),
        endpoint(
            "GET",
            "/api/v1/people/<id>/export",
            format!("/api/v1/people/{person_id}/export"),
            Some(ADMIN),
        ),
        endpoint(
            "GET",
            "/api/v1/audit-events?<query..>",
            "/api/v1/audit-events",
            Some(ADMIN),
        ),
        endpoint(
            "GET",
            "/api/v1/signals?<query..>",
            "/api/v1/signals",
            Some(OFFICIALS),
        ),
        endpoint(
            "GET",
            "/api/v1/addresses/<id>/signals",
            format!("/api/v1/addresses/{address_id}/signals"),
            Some(OFFICIALS),
        ),
        endpoint(
            "POST",
            "/api/v1/signal-evaluations",
            "/api/v1/signal-evaluations",
            Some(STAFF),
        ),
        endpoint(
            "GET",
            "/api/v1/hotspots?<query..>",
            "/api/v1/hotspots",
            Some(OFFICIALS),
        ),
        // Last: withdrawing ends what the rows above change.
        endpoint(
            "DELETE",
            "/api/v1/declarations/<id>",
            format!("/api/v1/declarations/{declaration_id}"),
            Some(FILERS),
        ),
    ];
    table[1].body = Some(Box::new(move |_| new_address()));
    table[4].body = Some(Box::new(|_| json!({"bedrooms": 3})));
    table[5].body = Some(Box::new(landlord));
    table[7].body = Some(Box::new(move |_| new_organisation()));
    table[10].body = Some(Box::new(|_| json!({"certified": true})));
    table[12].body = Some(Box::new(filing));
    table[15].body = Some(Box::new(|_| json!({"household": "changed"})));
    table[16].body = Some(Box::new(
        move |role| json!({"declarations": [filing(role)]}),
    ));

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
            table.iter().any(|e| e.method == method && e.route == route),
            "{method} {route} is mounted but not in the authorisation matrix"
        );
    }
    assert_eq!(
        mounted.len(),
        table.len(),
        "the matrix names routes that are not mounted"
    );

    for e in &table {
        let body = e.body.as_ref().map(|make| make(Role::Staff));
        let anonymous = app.send(e.method, &e.path, None, body.as_ref());
        match e.allowed {
            None => assert!(
                anonymous.status.class().is_success(),
                "{} {}: {}",
                e.method,
                e.path,
                anonymous.status
            ),
            Some(_) => assert_eq!(
                anonymous.status,
                Status::Unauthorized,
                "{} {} without a token",
                e.method,
                e.path
            ),
        }
        for role in ALL {
            let body = e.body.as_ref().map(|make| make(*role));
            let reply = app.send(e.method, &e.path, Some(&app.token(*role)), body.as_ref());
            let may = e.allowed.is_none_or(|allowed| allowed.contains(role));
            if may {
                assert!(
                    reply.status.class().is_success(),
                    "{} {} as {role:?}: {} {}",
                    e.method,
                    e.path,
                    reply.status,
                    reply.body
                );
            } else {
                assert_eq!(
                    reply.status,
                    Status::Forbidden,
                    "{} {} as {role:?}: {}",
                    e.method,
                    e.path,
                    reply.body
                );
                assert_eq!(
                    reply.content_type.as_deref(),
                    Some("application/problem+json")
                );
            }
        }
    }
}
