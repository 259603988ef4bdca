//! Assembles the service: configuration, database and migrations, the
//! neighbourhood index, the token keys, routes, catchers and the
//! `API-Version` header.

use std::sync::Arc;

use rocket::fairing::{AdHoc, Fairing, Info, Kind};
use rocket::figment::Figment;
use rocket::http::{Header, Status};
use rocket::shield::{Frame, Shield};
use rocket::{Build, Request, Response, Rocket, catch, catchers};

use crate::api::{self, API_VERSION, BASE_PATH};
use crate::auth::{KeySet, Revocations, VerifiedTokens};
use crate::config::AppConfig;
use crate::db::{self, Backend, DbPool, neighbourhoods::NeighbourhoodRow};
use crate::error::{GuardFailure, Problem};
use crate::geo::NeighbourhoodIndex;
use crate::mail::{self, Outgoing};
use crate::web;

/// Why the service could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration does not parse.
    #[error("configuration: {0}")]
    Config(#[from] Box<rocket::figment::Error>),
    /// A directory could not be created.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database cannot be reached.
    #[error("database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// Migrations or loading base data failed.
    #[error("database setup: {0}")]
    Setup(String),
    /// The bundled geodata does not load.
    #[error("geodata: {0}")]
    GeoData(#[from] crate::geo::GeoDataError),
    /// The token keys do not load.
    #[error("keys: {0}")]
    Keys(#[from] crate::auth::keys::KeyError),
    /// The mail transport cannot be set up.
    #[error("mail: {0}")]
    Mail(#[from] crate::mail::MailSetupError),
}

/// Everything the service shares between requests.
pub struct Services {
    /// The configuration.
    pub config: AppConfig,
    /// The connection pool.
    pub pool: DbPool,
    /// The buurt index.
    pub neighbourhoods: Arc<NeighbourhoodIndex>,
}

/// Opens the database named in `config` (creating the SQLite directory),
/// applies migrations and loads the buurten.
pub fn open_services(config: AppConfig) -> Result<Services, StartError> {
    create_dir(&config.data_dir)?;
    if Backend::of_url(&config.database_url) == Backend::Sqlite {
        let path = std::path::Path::new(db::connection::sqlite_path(&config.database_url));
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_dir(parent)?;
        }
    }
    let pool = db::open_pool(&config.database_url, config.database_pool_size)?;
    let index = NeighbourhoodIndex::bundled()?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn).map_err(|e| StartError::Setup(e.to_string()))?;
    let added = store_neighbourhoods(&mut conn, &index)?;
    if added > 0 {
        log::info!("loaded {added} neighbourhoods from the bundled CBS geodata");
    }
    Ok(Services {
        config,
        pool,
        neighbourhoods: Arc::new(index),
    })
}

/// Stores the buurten of `index` that the database does not hold yet;
/// returns how many were added.
pub fn store_neighbourhoods(
    conn: &mut db::DbConnection,
    index: &NeighbourhoodIndex,
) -> Result<usize, StartError> {
    let rows = index
        .all()
        .iter()
        .map(|n| {
            Ok(NeighbourhoodRow {
                code: n.code.clone(),
                name: n.name.clone(),
                wijk_code: n.wijk_code.clone(),
                gemeente_code: n.gemeente_code.clone(),
                gemeente_name: n.gemeente_name.clone(),
                geometry: serde_json::to_string(&n.geometry_geojson())
                    .map_err(|e| StartError::Setup(e.to_string()))?,
            })
        })
        .collect::<Result<Vec<_>, StartError>>()?;
    db::neighbourhoods::insert_missing(conn, &rows).map_err(|e| StartError::Setup(e.to_string()))
}

/// Creates a directory (and its parents) readable by the owner only: it
/// holds the database, the signing key and mail with personal data. An
/// existing directory keeps its permissions.
fn create_dir(path: &std::path::Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt as _;

    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| StartError::DataDir {
            path: path.display().to_string(),
            source,
        })
}

/// The service, ready to launch, configured by `figment`.
pub fn rocket(figment: Figment) -> Result<Rocket<Build>, StartError> {
    let config = AppConfig::from_figment(&figment)?;
    let keys = KeySet::load_or_generate(&config.auth, &config.signing_key_path())?;
    let backend = Backend::of_url(&config.database_url);
    let outgoing = Outgoing::from_config(&config)?;
    let page = web::WebPage::new(&config.web);
    let services = open_services(config)?;
    let revocations = Revocations::start(services.pool.clone()).map_err(StartError::Setup)?;
    let read_slots = api::short_read::ReadSlots::new(&services.config.database_url);
    let worker_pool = services.pool.clone();
    let writer = api::Writer::start(&services.config.database_url)
        .map_err(|e| StartError::Setup(e.to_string()))?;
    Ok(rocket::custom(figment)
        .attach(AdHoc::on_liftoff("mail worker", move |_| {
            Box::pin(async move { mail::spawn_worker(worker_pool, outgoing) })
        }))
        .manage(services.config)
        .manage(services.pool)
        .manage(services.neighbourhoods)
        .manage(writer)
        .manage(backend)
        .manage(keys)
        .manage(page)
        .manage(VerifiedTokens::new())
        .manage(revocations)
        .manage(read_slots)
        .manage(crate::registry::maps::MapCache::default())
        .mount(BASE_PATH, api::routes())
        .mount("/", api::docs::ui_routes())
        .mount("/", web::routes())
        .mount(BASE_PATH, api::docs::landing_routes())
        .register("/", catchers![problem_catcher])
        // Rocket's shield sets `X-Content-Type-Options: nosniff` on every
        // answer; framing is refused outright (the page has no reason to be
        // framed, and neither has the API).
        .attach(Shield::default().enable(Frame::Deny))
        .attach(ApiVersionHeader))
}

/// Renders every error Rocket itself produces as problem+json. A failure
/// in one of our guards was remembered on the request and is shown as is.
#[catch(default)]
fn problem_catcher(status: Status, request: &Request<'_>) -> Problem {
    if let GuardFailure(Some(problem)) = request.local_cache(GuardFailure::default) {
        return problem.clone();
    }
    match status.code {
        // Rocket answers 400 itself when the request line cannot be read
        // (an unknown method, a target it cannot parse).
        400 => Problem::for_status(
            Status::BadRequest,
            "The request's method or target could not be read.".to_owned(),
            vec![crate::error::InvalidParam::new(
                "request",
                "has a malformed method or target",
            )],
        ),
        // Rocket answers 422 when a path or query value does not parse.
        422 => Problem::for_status(
            Status::BadRequest,
            "The request's path or query could not be read.".to_owned(),
            vec![crate::error::InvalidParam::new(
                "path",
                "a value in the path or query has the wrong type",
            )],
        ),
        404 => Problem::for_status(
            Status::NotFound,
            format!("There is nothing at {}.", request.uri().path()),
            Vec::new(),
        ),
        _ => Problem::for_status(status, status.reason_lossy().to_owned(), Vec::new()),
    }
}

/// Adds `API-Version` to every response.
struct ApiVersionHeader;

#[rocket::async_trait]
impl Fairing for ApiVersionHeader {
    fn info(&self) -> Info {
        Info {
            name: "API-Version header",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, _request: &'r Request<'_>, response: &mut Response<'r>) {
        response.set_header(Header::new("API-Version", API_VERSION));
    }
}
