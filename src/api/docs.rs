//! The OpenAPI document and the Swagger UI. The generated document is
//! completed here with what holds for every operation, so that handlers do
//! not repeat it: the `API-Version` header on success, the problem+json
//! error responses that each operation can give, and the bearer security.

use rocket::response::Redirect;
use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Route, get};
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{
    API_VERSION, BASE_PATH, addresses, audit_events, declarations, health, neighbourhoods,
    organisations, people, resident_extracts, signals,
};
use crate::api::{dossiers, inspection_lists, inspections};
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
        dossiers::get_address_dossier,
        inspection_lists::create_inspection_list,
        inspection_lists::list_inspection_lists,
        inspection_lists::get_inspection_list,
        inspection_lists::create_inspection_list_mailing,
        inspections::record_inspection_outcome,
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
        (name = "inspection planning", description = "Walking lists, their exports and visit outcomes"),
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
    close_request_schemas(&mut doc);
    doc
}

/// The names of the schemas a `$ref` anywhere in `value` points to.
fn referenced_schemas(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(name) = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                names.push(name.to_owned());
            }
            object.values().for_each(|v| referenced_schemas(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| referenced_schemas(v, names)),
        _ => {}
    }
}

/// The characters single-line text may not hold (see
/// [`crate::domain::check_single_line`]), as a regular-expression class.
const FORBIDDEN_IN_TEXT: &str =
    "\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069";

/// The pattern of free text: no control or bidirectional formatting
/// character and, in a body (`may_be_blank` false), something besides
/// white space; a blank query value is taken as no filter.
fn single_line_pattern(may_be_blank: bool) -> String {
    let forbidden = FORBIDDEN_IN_TEXT;
    if may_be_blank {
        format!("^[^{forbidden}]*$")
    } else {
        format!("^[^{forbidden}]*[^\\s{forbidden}][^{forbidden}]*$")
    }
}

/// Gives a string schema without a pattern, format or enum the pattern
/// of single-line text, which is what the readers accept.
fn state_single_line(schema: &mut Value, may_be_blank: bool) {
    let is_string = schema["type"] == "string"
        || schema["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == "string"));
    let is_free = ["pattern", "format", "enum", "$ref"]
        .iter()
        .all(|key| schema.get(key).is_none());
    if is_string && is_free {
        schema["pattern"] = json!(single_line_pattern(may_be_blank));
    }
}

/// Marks every object schema a request body uses, nested ones included,
/// with `additionalProperties: false`: the readers refuse unknown fields,
/// and the document says so. Their free-text fields get the single-line
/// pattern.
fn close_request_schemas(doc: &mut Value) {
    let mut pending = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for operation in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
        {
            referenced_schemas(&operation["requestBody"], &mut pending);
        }
    }
    let mut closed: Vec<String> = Vec::new();
    while let Some(name) = pending.pop() {
        if closed.contains(&name) {
            continue;
        }
        // `get_mut`, not indexing, which would add the keys it looks for.
        let schema = doc
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
            .and_then(|s| s.get_mut(&name));
        if let Some(schema) = schema
            && let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut)
        {
            for property in properties.values_mut() {
                state_single_line(property, false);
            }
            referenced_schemas(&schema["properties"], &mut pending);
            schema["additionalProperties"] = json!(false);
        }
        closed.push(name);
    }
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
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters.iter_mut().filter(|p| p["in"] == "query") {
            state_single_line(&mut parameter["schema"], true);
        }
    }
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

/// Where `/api/v1` leads: the API's documentation (`/` is the web page).
#[get("/")]
pub fn landing() -> Redirect {
    Redirect::to(format!("{BASE_PATH}/docs/"))
}

/// The landing route, mounted at [`BASE_PATH`].
pub fn landing_routes() -> Vec<Route> {
    rocket::routes![landing]
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
    use crate::api::{addresses, declarations, inspection_lists, inspections, organisations};

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

    /// The paths of the members of `value` that are `null`.
    fn nulls(value: &Value, path: &str, found: &mut Vec<String>) {
        match value {
            Value::Null => found.push(path.to_owned()),
            Value::Object(object) => {
                for (key, member) in object {
                    nulls(member, &format!("{path}.{key}"), found);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    nulls(item, &format!("{path}[{i}]"), found);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn completing_the_document_leaves_no_empty_member_behind() {
        let mut found = Vec::new();
        nulls(&openapi_json(), "", &mut found);
        assert!(found.is_empty(), "null members: {found:?}");
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
            (
                "InspectionListInput",
                Box::new(|f| {
                    inspection_lists::read_inspection_list(f, 50);
                }),
            ),
            (
                "MailingInput",
                Box::new(|f| {
                    inspection_lists::read_mailing(f);
                }),
            ),
            (
                "OutcomeInput",
                Box::new(|f| {
                    inspections::read_outcome(f);
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
