//! The OpenAPI document and the Swagger UI. The generated document is
//! completed here with what holds for every operation, so that handlers do
//! not repeat it: the `API-Version` header on success, the problem+json
//! error responses that each operation can give, and the bearer security.

use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Route};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{
    API_VERSION, BASE_PATH, addresses, audit_events, declarations, health, neighbourhoods,
    organisations, people, resident_extracts, signals,
};
use crate::error::{InvalidParam, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "woonregister",
        description = "Housing-occupancy registry: addresses, the people who live there, who employs them and who lets the dwelling to them, and the signals staff plan inspections from.",
        contact(name = "woonregister", email = "woonregister@vlaardingen.nl", url = "https://www.vlaardingen.nl"),
        license(name = "EUPL-1.2", url = "https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12")
    ),
    servers((url = "/api/v1", description = "This service")),
    paths(
        health::get_health,
        addresses::create_address,
        addresses::list_addresses,
        addresses::get_address,
        addresses::update_address,
        addresses::create_landlord,
        addresses::list_landlords,
        organisations::create_organisation,
        organisations::list_organisations,
        organisations::get_organisation,
        organisations::update_organisation,
        neighbourhoods::list_neighbourhoods,
        declarations::create_declaration,
        declarations::list_declarations,
        declarations::get_declaration,
        declarations::update_declaration,
        declarations::withdraw_declaration,
        declarations::create_declaration_batch,
        people::get_person,
        people::export_person,
        resident_extracts::create_resident_extract,
        audit_events::list_audit_events,
        signals::list_signals,
        signals::list_address_signals,
        signals::create_signal_evaluation,
        signals::list_hotspots,
    ),
    components(schemas(Problem, InvalidParam)),
    tags(
        (name = "health", description = "Is the service up"),
        (name = "addresses", description = "Addresses and their landlords"),
        (name = "organisations", description = "Agencies, landlords and their groups"),
        (name = "neighbourhoods", description = "CBS buurten with registry figures"),
        (name = "declarations", description = "Agencies' housing declarations"),
        (name = "people", description = "People in the registry and subject access"),
        (name = "residents", description = "The registered residents from the BRP extract"),
        (name = "audit", description = "The audit trail of personal data"),
        (name = "signals", description = "Explained signals, evaluation and hotspots"),
    )
)]
struct ApiDoc;

/// Operations anyone may call without a token.
const PUBLIC_OPERATIONS: &[&str] = &["getHealth"];

/// The generated document with each `ListBody_X` schema named `XList`, as
/// schema names are upper camel case in the ADR.
fn generated() -> Value {
    let mut text = serde_json::to_string(&ApiDoc::openapi()).unwrap_or_default();
    let generic: Vec<String> = ApiDoc::openapi()
        .components
        .map(|c| {
            c.schemas
                .into_keys()
                .filter(|k| k.starts_with("ListBody_"))
                .collect()
        })
        .unwrap_or_default();
    for name in generic {
        let item = name.trim_start_matches("ListBody_");
        text = text.replace(&format!("\"{name}\""), &format!("\"{item}List\""));
        text = text.replace(&format!("/{name}\""), &format!("/{item}List\""));
    }
    serde_json::from_str(&text).unwrap_or_else(|_| json!({}))
}

/// The completed OpenAPI document.
pub fn openapi_json() -> Value {
    let mut doc = generated();
    doc["info"]["version"] = json!(API_VERSION);
    doc["components"]["securitySchemes"] = json!({
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                       "description": "An EdDSA-signed token issued with `woonregister token issue`."}
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                complete_operation(path, method, operation);
            }
        }
    }
    doc
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn complete_operation(path: &str, method: &str, operation: &mut Value) {
    let is_public = operation["operationId"]
        .as_str()
        .is_some_and(|id| PUBLIC_OPERATIONS.contains(&id));
    operation["security"] = if is_public {
        json!([])
    } else {
        json!([{"bearerAuth": []}])
    };
    let has_body = operation.get("requestBody").is_some();
    let has_input = has_body
        || operation["parameters"]
            .as_array()
            .is_some_and(|p| !p.is_empty());
    let Some(responses) = operation["responses"].as_object_mut() else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2') || status.starts_with('3') {
            response["headers"]["API-Version"] = json!({
                "description": "The full version of the API that answered.",
                "schema": {"type": "string", "example": API_VERSION}
            });
        }
    }
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status)
            .or_insert_with(|| problem_response(description));
    };
    if has_input || matches!(method, "post" | "put" | "patch") {
        add("400", "Bad input; every problem is listed in invalidParams");
    }
    if !is_public {
        add("401", "No valid bearer token");
        add("403", "The token's role may not do this");
    }
    if path.contains('{') {
        add("404", "No such resource");
    }
    if matches!(method, "post" | "put" | "patch") {
        add("413", "The body is larger than the limit");
    }
    if has_body {
        add("408", "The body did not arrive in time");
        add("415", "The body is not sent as application/json");
    }
    add("500", "A fault of the service; it has been logged");
}

/// Sends a `GET` of `/` or `/api/v1`, which no route serves, on to the API
/// documentation (303) instead of a 404. A fairing rather than routes, so
/// that the API's own route list stays the documented endpoints.
#[derive(Debug, Clone, Copy, Default)]
pub struct RootRedirect;

#[rocket::async_trait]
impl rocket::fairing::Fairing for RootRedirect {
    fn info(&self) -> rocket::fairing::Info {
        rocket::fairing::Info {
            name: "redirect / and /api/v1 to the documentation",
            kind: rocket::fairing::Kind::Response,
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut rocket::Response<'r>) {
        let path = request.uri().path();
        let is_root = path == "/" || path.as_str().trim_end_matches('/') == BASE_PATH;
        if request.method() == rocket::http::Method::Get
            && is_root
            && response.status() == rocket::http::Status::NotFound
        {
            *response = rocket::Response::build()
                .status(rocket::http::Status::SeeOther)
                .raw_header("Location", format!("{BASE_PATH}/docs/"))
                .finalize();
        }
    }
}

/// The Swagger UI at `/api/v1/docs`, which also serves the document at
/// `/api/v1/openapi.json`; mounted at the root. Its assets are built in, so
/// it works offline.
pub fn ui_routes() -> Vec<Route> {
    let routes: Vec<Route> = SwaggerUi::new(format!("{BASE_PATH}/docs/<_..>"))
        .external_url_unchecked(format!("{BASE_PATH}/openapi.json"), openapi_json())
        .into();
    routes
        .into_iter()
        .map(|mut route| {
            route.handler = Box::new(ErrorsToCatcher(route.handler));
            route
        })
        .collect()
}

/// Wraps a handler that answers errors with its own plain-text body (the
/// Swagger UI's "file not found"), so that the error goes to the
/// problem+json catcher instead.
#[derive(Clone)]
struct ErrorsToCatcher(Box<dyn Handler>);

#[rocket::async_trait]
impl Handler for ErrorsToCatcher {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        match self.0.handle(request, data).await {
            Outcome::Success(response) if response.status().code >= 400 => {
                Outcome::Error(response.status())
            }
            outcome => outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use chrono::NaiveDate;
    use serde_json::Value;

    use super::openapi_json;
    use crate::api::request::{Fields, fields_read_by};
    use crate::api::{addresses, declarations, organisations};

    /// The property paths of a schema, nested objects as `outer.inner`.
    fn schema_paths(document: &Value, name: &str, prefix: &str) -> Vec<String> {
        let schema = &document["components"]["schemas"][name];
        let properties = schema["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("schema {name} has no properties"));
        let mut paths = Vec::new();
        for (property, definition) in properties {
            let path = format!("{prefix}{property}");
            let reference = definition["$ref"].as_str().or_else(|| {
                definition["oneOf"]
                    .as_array()
                    .and_then(|options| options.iter().find_map(|o| o["$ref"].as_str()))
            });
            if let Some(inner) = reference.and_then(|r| r.rsplit('/').next())
                && document["components"]["schemas"][inner]["properties"].is_object()
            {
                paths.extend(schema_paths(document, inner, &format!("{path}.")));
            }
            paths.push(path);
        }
        paths.sort();
        paths
    }

    #[test]
    fn every_request_body_schema_names_exactly_the_fields_its_parser_reads() {
        type Reader = Box<dyn Fn(&mut Fields<'_>)>;
        let document = openapi_json();
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let bodies: Vec<(&str, Reader)> = vec![
            (
                "DeclarationInput",
                Box::new(move |f| {
                    declarations::read_declaration(f, today, false);
                }),
            ),
            (
                "DeclarationChanges",
                Box::new(|f| {
                    declarations::read_corrections(f);
                }),
            ),
            (
                "AddressInput",
                Box::new(|f| {
                    addresses::read_address(f);
                }),
            ),
            (
                "AddressChanges",
                Box::new(|f| {
                    addresses::read_address(f);
                }),
            ),
            (
                "LandlordInput",
                Box::new(|f| {
                    addresses::read_landlord(f);
                }),
            ),
            (
                "OrganisationInput",
                Box::new(|f| {
                    organisations::read_organisation(f);
                }),
            ),
            (
                "OrganisationChanges",
                Box::new(|f| {
                    organisations::read_organisation(f);
                }),
            ),
        ];
        for (schema, read) in bodies {
            assert_eq!(
                schema_paths(&document, schema, ""),
                fields_read_by(|f| read(f)),
                "the {schema} schema and its parser disagree"
            );
        }
    }
}
