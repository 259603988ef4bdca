//! `/declarations` and `/declaration-batches`: agencies file, read, amend,
//! end and withdraw their own housing declarations; staff and admins see
//! all of them. The use cases are in [`crate::registry::filing`].

mod caller;
mod input;
mod views;

use chrono::Utc;
use rocket::response::status::{Created, NoContent};
use rocket::serde::json::Json;
use rocket::{Route, State, delete, get, patch, post, routes};

pub use caller::{DeclarationCaller, IdempotencyKey};
pub use input::{
    AddressRefInput, DeclarationBatchInput, DeclarationChanges, DeclarationInput,
    DeclarationParams, MAX_BATCH, WorkerInput, read_corrections, read_declaration,
};
pub use views::{BatchItemResult, BatchResults, DeclarationView, DeclaredAddressView, WorkerView};

use crate::api::context::RequestContext;
use crate::api::request::{JsonObject, OneValuePerKey, read_partially};
use crate::api::{Db, ListBody, location};
use crate::config::AppConfig;
use crate::db::declarations::Declaration;
use crate::domain::rules::RuleSet;
use crate::error::{ApiError, Problem};
use crate::registry::Actor;
use crate::registry::filing::{self, Submission};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![
        create_declaration,
        list_declarations,
        get_declaration,
        update_declaration,
        withdraw_declaration,
        create_declaration_batch
    ]
}

/// Files a housing declaration.
#[utoipa::path(
    post, path = "/declarations", tag = "declarations", operation_id = "createDeclaration",
    request_body = DeclarationInput,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Retry key of 1 to 200 visible ASCII characters: the same key returns the first result and stores nothing new", min_length = 1, max_length = 200),
        ("X-Purpose" = Option<String>, Header, description = "Processing purpose for the audit log"),
        ("traceparent" = Option<String>, Header, description = "W3C trace context"),
    ),
    responses((status = 201, description = "Filed (or the first filing with this Idempotency-Key)", body = DeclarationView))
)]
#[post("/declarations", data = "<body>")]
pub async fn create_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    idempotency_key: IdempotencyKey,
    config: &State<AppConfig>,
    db: Db,
    body: JsonObject,
) -> Result<Created<Json<DeclarationView>>, ApiError> {
    let rules = &config.rules;
    let submission = input::parse_submission(&caller, &body.0, "", Utc::now().date_naive())?;
    let actor = caller.actor(&context);
    let visibility = caller.visibility.clone();
    let filed =
        once_more_on_conflict(|| file_once(&db, rules, &actor, &submission, &idempotency_key))
            .await?;
    // Read once committed, beside the writer rather than on its turn.
    let record = db.run(move |conn| filing::record_of(conn, filed)).await?;
    let path = format!("/declarations/{}", record.declaration.id);
    Ok(Created::new(location(&path)).body(Json(DeclarationView::of(&record, &visibility))))
}

/// Runs `write` once more when it lost a race on a unique index to another
/// process (the same retry key, or the same new worker, at the same
/// moment): the second run finds the winner's rows.
async fn once_more_on_conflict<T, F, W>(mut write: W) -> Result<T, ApiError>
where
    W: FnMut() -> F,
    F: std::future::Future<Output = Result<T, ApiError>>,
{
    match write().await {
        Err(ApiError::Conflict(_)) => write().await,
        other => other,
    }
}

/// Files one declaration as a write transaction of its own.
async fn file_once(
    db: &Db,
    rules: &RuleSet,
    actor: &Actor,
    submission: &Submission,
    key: &IdempotencyKey,
) -> Result<Declaration, ApiError> {
    let (rules, actor, submission) = (rules.clone(), actor.clone(), submission.clone());
    let key = key.0.clone();
    db.transaction(move |conn| {
        filing::file_declaration(conn, &rules, &actor, &submission, key.as_deref())
    })
    .await
}

/// Lists declarations: an agency its own, staff and admins all.
#[utoipa::path(
    get, path = "/declarations", tag = "declarations", operation_id = "listDeclarations",
    params(DeclarationParams),
    responses((status = 200, description = "One page of declarations, newest first", body = ListBody<DeclarationView>))
)]
#[get("/declarations?<query..>")]
pub async fn list_declarations(
    caller: DeclarationCaller,
    _one_value_per_key: OneValuePerKey,
    context: RequestContext,
    db: Db,
    query: DeclarationParams,
) -> Result<Json<ListBody<DeclarationView>>, ApiError> {
    let (query, page) = query.parse()?;
    let actor = caller.actor(&context);
    let visibility = caller.visibility.clone();
    let (records, total) = db
        .audited_read(actor, move |conn, actor| {
            filing::list_declarations(conn, actor, &caller.visibility, &query, page)
        })
        .await?;
    let views: Vec<DeclarationView> = records
        .iter()
        .map(|record| DeclarationView::of(record, &visibility))
        .collect();
    Ok(Json(ListBody::new(views, page, total)))
}

/// Reads one declaration; another agency's is not found.
#[utoipa::path(
    get, path = "/declarations/{id}", tag = "declarations", operation_id = "getDeclaration",
    params(("id" = i64, Path, description = "Declaration id")),
    responses((status = 200, description = "The declaration", body = DeclarationView))
)]
#[get("/declarations/<id>")]
pub async fn get_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    db: Db,
    id: i64,
) -> Result<Json<DeclarationView>, ApiError> {
    let actor = caller.actor(&context);
    let visibility = caller.visibility.clone();
    let record = db
        .audited_read(actor, move |conn, actor| {
            filing::read_declaration(conn, actor, &caller.visibility, id)
        })
        .await?;
    Ok(Json(DeclarationView::of(&record, &visibility)))
}

/// Amends or ends a declaration (set `endDate` to end it).
#[utoipa::path(
    patch, path = "/declarations/{id}", tag = "declarations", operation_id = "updateDeclaration",
    params(("id" = i64, Path, description = "Declaration id")),
    request_body = DeclarationChanges,
    responses(
        (status = 200, description = "The amended or ended declaration", body = DeclarationView),
        (status = 409, description = "The declaration was withdrawn", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/declarations/<id>", data = "<body>")]
pub async fn update_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    config: &State<AppConfig>,
    db: Db,
    id: i64,
    body: JsonObject,
) -> Result<Json<DeclarationView>, ApiError> {
    let rules = config.rules.clone();
    let (corrections, problems) = read_partially(&body.0, read_corrections);
    let actor = caller.actor(&context);
    let visibility = caller.visibility.clone();
    let today = Utc::now().date_naive();
    let record = db
        .transaction(move |conn| {
            let visibility = &caller.visibility;
            let corrections = (corrections.clone(), problems.clone());
            filing::correct_declaration(conn, &rules, &actor, visibility, id, corrections, today)
        })
        .await?;
    Ok(Json(DeclarationView::of(&record, &visibility)))
}

/// Withdraws a declaration filed in error; its occupancy no longer counts.
#[utoipa::path(
    delete, path = "/declarations/{id}", tag = "declarations", operation_id = "withdrawDeclaration",
    params(("id" = i64, Path, description = "Declaration id")),
    responses((status = 204, description = "Withdrawn"))
)]
#[delete("/declarations/<id>")]
pub async fn withdraw_declaration(
    caller: DeclarationCaller,
    context: RequestContext,
    config: &State<AppConfig>,
    db: Db,
    id: i64,
) -> Result<NoContent, ApiError> {
    let rules = config.rules.clone();
    let actor = caller.actor(&context);
    db.transaction(move |conn| {
        filing::withdraw_declaration(conn, &rules, &actor, &caller.visibility, id)
    })
    .await?;
    Ok(NoContent)
}

/// Files up to 1000 declarations: valid ones are stored, invalid ones are
/// reported with every problem, none half-stored. The batch is filed in
/// parts of [`filing::BATCH_PART`], each its own transaction, so single
/// filings are answered in between; should a part fail, the parts before
/// it stay filed, and a retry with the same `Idempotency-Key` files only
/// the rest. One e-mail receipt per agency per batch.
#[utoipa::path(
    post, path = "/declaration-batches", tag = "declarations", operation_id = "createDeclarationBatch",
    request_body = DeclarationBatchInput,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Retry key for the whole batch, 1 to 200 visible ASCII characters", min_length = 1, max_length = 200),
        ("X-Purpose" = Option<String>, Header, description = "Processing purpose for the audit log"),
        ("traceparent" = Option<String>, Header, description = "W3C trace context"),
    ),
    responses((status = 200, description = "One result per item", body = BatchResults))
)]
#[post("/declaration-batches", data = "<body>")]
pub async fn create_declaration_batch(
    caller: DeclarationCaller,
    context: RequestContext,
    idempotency_key: IdempotencyKey,
    config: &State<AppConfig>,
    db: Db,
    body: JsonObject,
) -> Result<Json<BatchResults>, ApiError> {
    let items = input::parse_batch(&caller, &body.0, Utc::now().date_naive())?;
    let actor = caller.actor(&context);
    let mut results = Vec::with_capacity(items.len());
    let mut filed = Vec::new();
    for (part, items) in items.chunks(filing::BATCH_PART).enumerate() {
        let first = part * filing::BATCH_PART;
        let key = &idempotency_key;
        let done =
            once_more_on_conflict(|| file_part(&db, &config.rules, &actor, first, items, key))
                .await?;
        results.extend(done.results);
        filed.extend(done.filed);
    }
    db.transaction(move |conn| filing::queue_batch_receipts(conn, &filed))
        .await?;
    Ok(Json(BatchResults::of(&results, |d| d.id)))
}

/// Files part of a batch, whose first item is item `first`, as a write
/// transaction of its own.
async fn file_part(
    db: &Db,
    rules: &RuleSet,
    actor: &Actor,
    first: usize,
    items: &[Result<Submission, ApiError>],
    key: &IdempotencyKey,
) -> Result<filing::BatchPart, ApiError> {
    let (rules, actor, items) = (rules.clone(), actor.clone(), items.to_vec());
    let key = key.0.clone();
    db.transaction(move |conn| {
        filing::file_batch_part(conn, &rules, &actor, first, &items, key.as_deref())
    })
    .await
}
