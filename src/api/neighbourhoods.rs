//! `/neighbourhoods`: the CBS buurten as a `GeoJSON` `FeatureCollection`
//! with what the registry holds in each, for a choropleth map.

use std::sync::Arc;

use rocket::{Route, State, get, routes};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{Db, GeoJson};
use crate::auth::Official;
use crate::config::AppConfig;
use crate::error::ApiError;
use crate::geo::{Neighbourhood, NeighbourhoodIndex};
use crate::registry::maps::{self, Figures, MapCache};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    routes![list_neighbourhoods]
}

/// An RFC 7946 `FeatureCollection` of buurten.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NeighbourhoodCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(example = "FeatureCollection")]
    pub kind: String,
    /// One feature per buurt, by code.
    pub features: Vec<NeighbourhoodFeature>,
}

/// One buurt as a `GeoJSON` feature.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NeighbourhoodFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    #[schema(example = "Feature")]
    pub kind: String,
    /// The CBS buurt code.
    pub id: String,
    /// The (generalised) buurt polygon in WGS84 longitude/latitude.
    #[schema(value_type = Object)]
    pub geometry: geojson::Geometry,
    /// What the registry holds in the buurt.
    pub properties: NeighbourhoodProperties,
}

/// The properties of a buurt feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NeighbourhoodProperties {
    /// CBS buurt code, e.g. `BU06220103`.
    pub code: String,
    /// Buurt name.
    pub name: String,
    /// CBS wijk code.
    pub wijk_code: Option<String>,
    /// CBS gemeente code.
    pub gemeente_code: String,
    /// Gemeente name.
    pub gemeente_name: String,
    /// Registered addresses in the buurt.
    pub addresses: i64,
    /// People declared to live there today.
    pub occupants: i64,
    /// Open signals at its addresses.
    pub open_signals: i64,
    /// The sum of its addresses' risk scores.
    pub risk_score_sum: u64,
}

impl NeighbourhoodFeature {
    fn new(neighbourhood: &Neighbourhood, figures: Figures) -> Self {
        Self {
            kind: "Feature".to_owned(),
            id: neighbourhood.code.clone(),
            geometry: neighbourhood.geometry_geojson(),
            properties: NeighbourhoodProperties {
                code: neighbourhood.code.clone(),
                name: neighbourhood.name.clone(),
                wijk_code: neighbourhood.wijk_code.clone(),
                gemeente_code: neighbourhood.gemeente_code.clone(),
                gemeente_name: neighbourhood.gemeente_name.clone(),
                addresses: figures.addresses,
                occupants: figures.occupants,
                open_signals: figures.open_signals,
                risk_score_sum: figures.risk_score_sum,
            },
        }
    }
}

/// The buurten with their addresses, declared occupants, open signals and
/// summed risk, for a choropleth. Boundaries: Kadaster / Centraal Bureau
/// voor de Statistiek, 2024 (CC BY 4.0).
#[utoipa::path(
    get, path = "/neighbourhoods", tag = "neighbourhoods", operation_id = "listNeighbourhoods",
    responses((status = 200, description = "The buurten", body = NeighbourhoodCollection, content_type = "application/geo+json"))
)]
#[get("/neighbourhoods")]
pub async fn list_neighbourhoods(
    _official: Official,
    db: Db,
    index: &State<Arc<NeighbourhoodIndex>>,
    config: &State<AppConfig>,
    kept: &State<MapCache>,
) -> Result<GeoJson<NeighbourhoodCollection>, ApiError> {
    let rules = config.rules.clone();
    // The two halves of the figures are read side by side, on two of the
    // pool's connections.
    let figures = kept
        .figures(|| async {
            let (buurten, occupation) = rocket::tokio::try_join!(
                db.run(|conn| Ok(maps::read_buurten(conn)?)),
                db.run(|conn| Ok(maps::read_occupation(conn)?)),
            )?;
            Ok::<_, ApiError>(maps::neighbourhood_figures(buurten, &occupation, &rules))
        })
        .await?;
    let features = index
        .all()
        .iter()
        .map(|n| NeighbourhoodFeature::new(n, figures.get(&n.code).copied().unwrap_or_default()))
        .collect();
    Ok(GeoJson(NeighbourhoodCollection {
        kind: "FeatureCollection".to_owned(),
        features,
    }))
}
