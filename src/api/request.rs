//! Reading untrusted input at the edge: the JSON body guard (media type,
//! size limit, read timeout, syntax), a field reader that turns a JSON
//! object into domain values while collecting every problem, so that a
//! client learns of all of them at once, and the readers of query values,
//! which refuse control characters in every one of them.

use std::time::Duration;

use chrono::NaiveDate;
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::request::{FromRequest, Outcome, Request};
use serde_json::{Map, Value};

use crate::config::AppConfig;
use crate::db::Page;
use crate::domain::{self, ValueError};
use crate::error::{ApiError, GuardFailure, InvalidParam};
use crate::registry::Change;

/// Default page size of lists.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// Largest page size a client may ask for.
pub const MAX_PAGE_SIZE: i64 = 500;

/// A request body that is a JSON object, sent as `application/json` (or
/// an `application/*+json` type), read within the `json` size limit and
/// the configured body timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonObject(pub Map<String, Value>);

/// Refuses a body: the problem is remembered for the catcher.
pub fn refuse<'r, T>(request: &Request<'_>, error: ApiError) -> data::Outcome<'r, T, ApiError> {
    GuardFailure::remember(request, &error);
    data::Outcome::Error((error.status(), error))
}

/// Reads a whole body within the named size limit (`default` when none is
/// configured) and the configured body timeout: the bytes, or a 413 when
/// it is larger, a 408 when it stalls.
pub async fn read_body(
    request: &Request<'_>,
    data: Data<'_>,
    limit_name: &str,
    default: rocket::data::ByteUnit,
) -> Result<Vec<u8>, ApiError> {
    let limit = request.limits().get(limit_name).unwrap_or(default);
    let timeout = Duration::from_secs(request.rocket().state::<AppConfig>().map_or_else(
        || AppConfig::default().body_timeout_seconds,
        |config| config.body_timeout_seconds,
    ));
    let bytes = match rocket::tokio::time::timeout(timeout, data.open(limit).into_bytes()).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return Err(ApiError::internal(format!("reading body: {e}"))),
        Err(_) => {
            return Err(ApiError::RequestTimeout(format!(
                "The body did not arrive within {} seconds.",
                timeout.as_secs()
            )));
        }
    };
    if bytes.is_complete() {
        Ok(bytes.into_inner())
    } else {
        Err(ApiError::PayloadTooLarge(format!(
            "The body is larger than {limit}."
        )))
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for JsonObject {
    type Error = ApiError;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        if !is_json(request) {
            return refuse(
                request,
                ApiError::UnsupportedMediaType(
                    "The body must be sent with Content-Type: application/json.".to_owned(),
                ),
            );
        }
        let bytes = match read_body(request, data, "json", 1.mebibytes()).await {
            Ok(bytes) => bytes,
            Err(error) => return refuse(request, error),
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(object)) => data::Outcome::Success(JsonObject(object)),
            Ok(_) => refuse(
                request,
                ApiError::invalid_field("body", "must be a JSON object"),
            ),
            Err(e) => refuse(
                request,
                ApiError::invalid_field("body", &format!("is not valid JSON: {e}")),
            ),
        }
    }
}

/// Whether the request says its body is JSON: `application/json` or an
/// `application/*+json` type, with any parameters (such as `charset`).
fn is_json(request: &Request<'_>) -> bool {
    request.content_type().is_some_and(|content_type| {
        let media = content_type.media_type();
        media.top() == "application"
            && (media.sub() == "json"
                || media.sub().as_str().to_ascii_lowercase().ends_with("+json"))
    })
}

/// Reads the fields of one JSON object, remembering every problem.
#[derive(Debug)]
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    known: Vec<&'static str>,
    errors: Vec<InvalidParam>,
    /// Set when the reader runs only to list the fields it reads.
    is_survey: bool,
    /// The full path of every field read, nested ones included.
    read_paths: Vec<String>,
}

/// The full paths of the fields `read` reads (`worker.familyName`), found
/// by running it over an empty object; nested readers are entered too.
/// Tests hold these against the OpenAPI schema of the same body.
pub fn fields_read_by<T>(read: impl FnOnce(&mut Fields<'_>) -> T) -> Vec<String> {
    let empty = Map::new();
    let mut fields = Fields::new(&empty, "");
    fields.is_survey = true;
    read(&mut fields);
    let mut paths = fields.read_paths;
    paths.sort();
    paths.dedup();
    paths
}

/// Reads a JSON object with `read`, giving what it read and every problem,
/// for callers that check more (across stored values) before refusing.
pub fn read_partially<T>(
    object: &Map<String, Value>,
    read: impl FnOnce(&mut Fields<'_>) -> T,
) -> (T, Vec<InvalidParam>) {
    let mut fields = Fields::new(object, "");
    let value = read(&mut fields);
    (value, fields.finish())
}

/// Reads a whole JSON object with `read`: its value when every field is
/// good, else every problem at once.
pub fn read_object<T>(
    object: &Map<String, Value>,
    prefix: &str,
    read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
) -> Result<T, Vec<InvalidParam>> {
    let mut fields = Fields::new(object, prefix);
    let value = read(&mut fields);
    let problems = fields.finish();
    match value {
        Some(value) if problems.is_empty() => Ok(value),
        _ => Err(problems),
    }
}

impl<'a> Fields<'a> {
    /// A reader over `object`; field paths in errors start with `prefix`.
    pub fn new(object: &'a Map<String, Value>, prefix: &str) -> Self {
        Self {
            object,
            prefix: prefix.to_owned(),
            known: Vec::new(),
            errors: Vec::new(),
            is_survey: false,
            read_paths: Vec::new(),
        }
    }

    fn note(&mut self, name: &'static str) {
        self.known.push(name);
        let path = self.path(name);
        self.read_paths.push(path);
    }

    fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// Records a problem with the field `name`.
    pub fn reject(&mut self, name: &str, reason: impl Into<String>) {
        let path = self.path(name);
        self.errors.push(InvalidParam::new(path, reason));
    }

    /// A field that must be present and not null.
    pub fn required<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        self.note(name);
        match self.object.get(name) {
            None | Some(Value::Null) => {
                self.reject(name, "is required");
                None
            }
            Some(value) => self.accept(name, parse(value)),
        }
    }

    /// A field that may be absent or null (both give `None`).
    pub fn optional<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        self.note(name);
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(value) => self.accept(name, parse(value)),
        }
    }

    fn accept<T>(&mut self, name: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(reason) => {
                self.reject(name, reason);
                None
            }
        }
    }

    /// A required nested object, read by `read` with its own field paths
    /// (`name.field`); its problems join this reader's.
    pub fn nested<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
    ) -> Option<T> {
        self.note(name);
        match self.object.get(name) {
            None | Some(Value::Null) if self.is_survey => self.read_inner(name, &Map::new(), read),
            None | Some(Value::Null) => {
                self.reject(name, "is required");
                None
            }
            Some(Value::Object(inner)) => self.read_inner(name, inner, read),
            Some(_) => {
                self.reject(name, "must be an object");
                None
            }
        }
    }

    /// An optional nested object: absent or `null` gives `None`, an object
    /// is read by `read` like [`Self::nested`].
    pub fn optional_nested<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
    ) -> Option<T> {
        if self.is_survey || self.object.get(name).is_some_and(|v| !v.is_null()) {
            return self.nested(name, read);
        }
        self.note(name);
        None
    }

    /// Corrections to a nested object in a PATCH body: absent gives `None`
    /// (nothing changes), an object is read by `read` (its own fields may
    /// be absent too), `null` is a problem, as the object is required.
    pub fn nested_changes<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
    ) -> Option<T> {
        if self.is_survey || self.object.get(name).is_some() {
            return self.nested(name, read);
        }
        self.note(name);
        None
    }

    fn read_inner<T>(
        &mut self,
        name: &str,
        inner: &Map<String, Value>,
        read: impl FnOnce(&mut Fields<'_>) -> Option<T>,
    ) -> Option<T> {
        let path = self.path(name);
        let mut fields = Fields::new(inner, &path);
        fields.is_survey = self.is_survey;
        let value = read(&mut fields);
        self.read_paths.append(&mut fields.read_paths);
        let problems = fields.finish();
        let is_clean = problems.is_empty();
        self.errors.extend(problems);
        value.filter(|_| is_clean)
    }

    /// A PATCH replacement of a required field: absent gives `None`
    /// (keep), `null` is a problem, a value is parsed.
    pub fn replacement<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        if self.object.get(name).is_some() {
            return self.required(name, parse);
        }
        self.note(name);
        None
    }

    /// A PATCH change of an optional field: absent keeps, `null` clears.
    pub fn change<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Change<T> {
        self.note(name);
        match self.object.get(name) {
            None => Change::Keep,
            Some(Value::Null) => Change::Clear,
            Some(value) => self
                .accept(name, parse(value))
                .map_or(Change::Keep, Change::Set),
        }
    }

    /// The raw value of a field, for checks across fields.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.object.get(name)
    }

    /// Whether the object has this field (with any value, `null` included).
    pub fn has(&self, name: &str) -> bool {
        self.object.contains_key(name)
    }

    /// Ends reading: unknown fields are problems too. Returns every problem.
    pub fn finish(mut self) -> Vec<InvalidParam> {
        let mut unknown: Vec<&String> = self
            .object
            .keys()
            .filter(|key| !self.known.contains(&key.as_str()))
            .collect();
        unknown.sort();
        for key in unknown {
            self.reject(key, "is not a known field");
        }
        self.errors
    }
}

/// Parsers of single JSON values, each giving a client-facing reason.
pub mod value {
    use super::{NaiveDate, Value, ValueError, domain};

    /// A non-empty single line of at most `max_chars` characters, trimmed:
    /// no control characters (NUL, line breaks, tabs, C1) and no
    /// bidirectional formatting characters.
    pub fn text(max_chars: usize) -> impl FnOnce(&Value) -> Result<String, String> {
        move |value| {
            let text = value.as_str().ok_or("must be a string")?.trim();
            if text.is_empty() {
                Err("must not be empty".to_owned())
            } else if text.chars().count() > max_chars {
                Err(format!("must be at most {max_chars} characters"))
            } else {
                domain::check_single_line(text).map_err(|e| e.to_string())?;
                Ok(text.to_owned())
            }
        }
    }

    /// A string parsed by a domain type's `parse`.
    pub fn parsed<T>(
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> impl FnOnce(&Value) -> Result<T, String> {
        move |value| {
            let text = value.as_str().ok_or("must be a string")?;
            parse(text).map_err(|e| e.to_string())
        }
    }

    /// A whole number (`2` or `2.0`: JSON does not tell them apart).
    pub fn integer(value: &Value) -> Result<i64, String> {
        value
            .as_i64()
            .or_else(|| {
                let n = value
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)?;
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "a whole number below 2^53, checked just above"
                )]
                Some(n as i64)
            })
            .ok_or_else(|| "must be a whole number".to_owned())
    }

    /// A finite number.
    pub fn number(value: &Value) -> Result<f64, String> {
        value
            .as_f64()
            .filter(|n| n.is_finite())
            .ok_or_else(|| "must be a number".to_owned())
    }

    /// `true` or `false`.
    pub fn boolean(value: &Value) -> Result<bool, String> {
        value
            .as_bool()
            .ok_or_else(|| "must be true or false".to_owned())
    }

    /// A calendar date, exactly `YYYY-MM-DD`.
    pub fn date(value: &Value) -> Result<NaiveDate, String> {
        let text = value.as_str().ok_or("must be a date string, YYYY-MM-DD")?;
        domain::parse_date(text).map_err(|e| e.to_string())
    }
}

/// Reads `page` and `pageSize` query values, remembering problems.
pub fn page(page: Option<&str>, page_size: Option<&str>, errors: &mut Vec<InvalidParam>) -> Page {
    let page = single_line_query("page", page, errors);
    let page_size = single_line_query("pageSize", page_size, errors);
    let number = match page.map(str::parse::<i64>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            errors.push(InvalidParam::new("page", "must be a whole number from 1"));
            1
        }
    };
    let size = match page_size.map(str::parse::<i64>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => {
            errors.push(InvalidParam::new(
                "pageSize",
                format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
            ));
            DEFAULT_PAGE_SIZE
        }
    };
    Page { number, size }
}

/// A query value that holds a control or bidirectional formatting
/// character is refused before any parser sees it (PostgreSQL cannot even
/// compare a string with NUL); gives the value only when it is clean.
fn single_line_query<'v>(
    name: &str,
    raw: Option<&'v str>,
    errors: &mut Vec<InvalidParam>,
) -> Option<&'v str> {
    match raw.map(|text| (text, domain::check_single_line(text))) {
        None => None,
        Some((text, Ok(()))) => Some(text),
        Some((_, Err(e))) => {
            errors.push(InvalidParam::new(name, e.to_string()));
            None
        }
    }
}

/// Reads an optional query value with a domain parser, remembering problems.
/// Every query value of every route is read through here (or [`page`] or
/// [`query_text`]), so control characters are refused in one place.
pub fn query_value<T, E: std::fmt::Display>(
    name: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
    errors: &mut Vec<InvalidParam>,
) -> Option<T> {
    match single_line_query(name, raw, errors).map(parse) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(e)) => {
            errors.push(InvalidParam::new(name, e.to_string()));
            None
        }
    }
}

/// Reads an optional free-text query value (an exact-match filter), kept as
/// sent; an empty value means no filter.
pub fn query_text(name: &str, raw: Option<&str>, errors: &mut Vec<InvalidParam>) -> Option<String> {
    single_line_query(name, raw, errors)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// Reads the `neighbourhood` query value: a CBS buurt code, `BU` and eight
/// digits.
pub fn neighbourhood_code(raw: Option<&str>, errors: &mut Vec<InvalidParam>) -> Option<String> {
    query_value(
        "neighbourhood",
        raw,
        |text| {
            let is_code = text.len() == 10
                && text.starts_with("BU")
                && text[2..].bytes().all(|b| b.is_ascii_digit());
            if is_code {
                Ok(text.to_owned())
            } else {
                Err("must be a CBS buurt code, BU and eight digits, like BU06220101")
            }
        },
        errors,
    )
}

/// `Ok(())` when nothing was rejected, else a 400 listing every problem.
pub fn no_problems(errors: Vec<InvalidParam>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// Refuses a query string that names a key more than once: every query
/// value of the API is a single value, and a repeated one is a mistake the
/// client should hear of rather than have one of them silently win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneValuePerKey;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OneValuePerKey {
    type Error = ApiError;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let mut seen = std::collections::HashSet::new();
        for field in request.query_fields() {
            let key = field.name.source().as_str();
            if !seen.insert(key) {
                let error = ApiError::invalid_field(key, "must be given once");
                GuardFailure::remember(request, &error);
                return Outcome::Error((error.status(), error));
            }
        }
        Outcome::Success(Self)
    }
}
