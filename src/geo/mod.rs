//! Pure geometry: converts coordinates between RD New and WGS84 and finds the CBS buurt
//! (neighbourhood) a point lies in.
//!
//! Knows nothing of the web framework or the database: it works on plain values and on the
//! `GeoJSON` files bundled in `geodata/` (CBS Wijk- en Buurtkaart 2024, attribution
//! "Kadaster / Centraal Bureau voor de Statistiek, 2024").

pub mod clusters;
pub mod neighbourhoods;
pub mod rd;

pub use clusters::{Cluster, ClusterInput, cluster_feature_geometry, dbscan};
pub use neighbourhoods::{GeoDataError, MAX_GAP_M, Neighbourhood, NeighbourhoodIndex};
pub use rd::{RdPoint, Wgs84Point};
