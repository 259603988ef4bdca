//! Finds the CBS buurt (neighbourhood) that contains a point, using an R-tree over the buurt
//! polygons projected to RD New so that every distance is in metres.
//!
//! The bundled polygons are generalised (3 to 29 vertices per buurt): neighbouring buurten
//! overlap slightly in places and leave small gaps in others. [`NeighbourhoodIndex::locate`]
//! therefore resolves overlaps deterministically and bridges gaps up to [`MAX_GAP_M`].

use std::str::FromStr;

use geo::{
    BoundingRect, Coord, Distance, Euclidean, Intersects, LineString, MapCoords, MultiPolygon,
    Point, Polygon,
};
use geojson::{FeatureCollection, GeometryValue, JsonObject, Position};
use rstar::{AABB, PointDistance, RTree, RTreeObject};

use super::rd::{RdPoint, Wgs84Point};

/// How far (in metres) a point outside every polygon may lie from the nearest buurt.
///
/// Within this distance the point is assigned to that buurt. It covers the slivers between
/// separately generalised polygons, whose boundaries are only accurate to a few tens of metres.
pub const MAX_GAP_M: f64 = 250.0;

/// The bundled Vlaardingen buurten (CBS Wijk- en Buurtkaart 2024, WGS84).
const VLAARDINGEN_GEOJSON: &str = include_str!("../../geodata/vlaardingen_buurten_2024.geojson");

/// The bundled buurten of Schiedam, Maassluis and Hoek van Holland (same source).
const NEIGHBOURS_GEOJSON: &str =
    include_str!("../../geodata/buurten_2024_schiedam_maassluis_hoekvanholland.geojson");

/// One CBS buurt with its identity and outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    /// CBS buurt code, e.g. `BU06220101`.
    pub code: String,
    /// Buurt name as CBS spells it, e.g. "Indische Buurt".
    pub name: String,
    /// CBS wijk (district) code, e.g. `WK062201`, when the source gives one.
    pub wijk_code: Option<String>,
    /// CBS gemeente code, e.g. `GM0622`.
    pub gemeente_code: String,
    /// Gemeente name, e.g. "Vlaardingen".
    pub gemeente_name: String,
    /// Outline in WGS84, with x = longitude and y = latitude.
    pub geometry: MultiPolygon<f64>,
}

impl Neighbourhood {
    /// The outline as an RFC 7946 `GeoJSON` `MultiPolygon` (longitude, latitude order).
    pub fn geometry_geojson(&self) -> geojson::Geometry {
        geojson::Geometry::from(&self.geometry)
    }
}

/// Why a `GeoJSON` text could not be turned into buurten.
#[derive(Debug, thiserror::Error)]
pub enum GeoDataError {
    /// The text is not JSON, or not a `GeoJSON` `FeatureCollection`.
    #[error("GeoJSON text #{text} is not a valid FeatureCollection: {source}")]
    InvalidGeoJson {
        /// Zero-based position of the text in the input slice.
        text: usize,
        /// What the `GeoJSON` parser reported.
        source: Box<geojson::Error>,
    },
    /// A required property is absent or null.
    #[error("feature {feature} lacks the required property `{property}`")]
    MissingProperty {
        /// The feature's buurt code, or its position if the code itself is missing.
        feature: String,
        /// Name of the missing property.
        property: &'static str,
    },
    /// A property that must be text has another JSON type.
    #[error("feature {feature} has a non-string value for property `{property}`")]
    InvalidProperty {
        /// The feature's buurt code, or its position if the code itself is unusable.
        feature: String,
        /// Name of the offending property.
        property: &'static str,
    },
    /// The feature has no geometry at all.
    #[error("buurt {code} has no geometry")]
    MissingGeometry {
        /// Buurt code.
        code: String,
    },
    /// The geometry is neither a `Polygon` nor a `MultiPolygon`.
    #[error("buurt {code} has a {kind} geometry; only Polygon and MultiPolygon are supported")]
    UnsupportedGeometry {
        /// Buurt code.
        code: String,
        /// The `GeoJSON` geometry type found.
        kind: &'static str,
    },
    /// A polygon has no rings, or a ring has fewer than the four positions a closed ring needs.
    #[error("buurt {code} has an empty polygon or a ring with fewer than four positions")]
    DegenerateGeometry {
        /// Buurt code.
        code: String,
    },
    /// A position is not a longitude/latitude pair in or near the Netherlands (for instance
    /// RD metres were supplied instead of WGS84 degrees).
    #[error(
        "buurt {code} has position {position:?}, which is not a WGS84 longitude/latitude in or near the Netherlands"
    )]
    InvalidCoordinate {
        /// Buurt code.
        code: String,
        /// The offending position as given.
        position: Vec<f64>,
    },
    /// Two features share a buurt code.
    #[error("buurt code {code} occurs more than once")]
    DuplicateCode {
        /// The repeated code.
        code: String,
    },
}

/// A buurt outline in RD metres, as stored in the R-tree.
#[derive(Debug, Clone)]
struct RdArea {
    /// Position of the buurt in [`NeighbourhoodIndex::neighbourhoods`].
    index: usize,
    /// The outline converted vertex by vertex to RD New.
    outline: MultiPolygon<f64>,
    /// Bounding box of `outline`, computed once because the tree asks for it often.
    envelope: AABB<[f64; 2]>,
}

impl RdArea {
    /// Distance from a point inside the outline to the nearest edge of the polygon containing
    /// it; zero if no polygon of the outline contains the point.
    fn depth(&self, point: &Point<f64>) -> f64 {
        self.outline
            .iter()
            .filter(|polygon| polygon.intersects(point))
            .flat_map(|polygon| std::iter::once(polygon.exterior()).chain(polygon.interiors()))
            .map(|ring| Euclidean.distance(point, ring))
            .fold(None, |nearest: Option<f64>, d| {
                Some(nearest.map_or(d, |n| n.min(d)))
            })
            .unwrap_or(0.0)
    }
}

impl RTreeObject for RdArea {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

impl PointDistance for RdArea {
    fn distance_2(&self, point: &[f64; 2]) -> f64 {
        let d = Euclidean.distance(&self.outline, &Point::from(*point));
        d * d
    }

    // Exact containment (boundary included) is cheaper than a distance computation.
    fn contains_point(&self, point: &[f64; 2]) -> bool {
        self.outline.intersects(&Point::from(*point))
    }
}

/// All loaded buurten, with a spatial index for point lookups.
#[derive(Debug, Clone)]
pub struct NeighbourhoodIndex {
    /// Sorted by code, so that `get` can binary-search and ties break on the lowest code.
    neighbourhoods: Vec<Neighbourhood>,
    /// RD outlines; each refers back into `neighbourhoods` by position.
    tree: RTree<RdArea>,
}

impl NeighbourhoodIndex {
    /// Builds the index from `GeoJSON` `FeatureCollection` texts in WGS84 (RFC 7946 axis order).
    ///
    /// Every feature needs the string properties `code`, `naam`, `gemeentecode` and
    /// `gemeentenaam`; `wijkcode` may be absent or null. Geometries must be `Polygon` or
    /// `MultiPolygon`. Codes must be unique across all texts.
    pub fn from_geojson(texts: &[&str]) -> Result<Self, GeoDataError> {
        let mut neighbourhoods = Vec::new();
        for (text_number, text) in texts.iter().enumerate() {
            let collection = FeatureCollection::from_str(text).map_err(|source| {
                GeoDataError::InvalidGeoJson {
                    text: text_number,
                    source: Box::new(source),
                }
            })?;
            for (feature_number, feature) in collection.features.into_iter().enumerate() {
                let fallback_name = format!("#{feature_number} of text #{text_number}");
                let properties = feature.properties.unwrap_or_default();
                let code = required_string(&properties, "code", &fallback_name)?;
                let geometry = feature
                    .geometry
                    .ok_or_else(|| GeoDataError::MissingGeometry { code: code.clone() })?;
                neighbourhoods.push(Neighbourhood {
                    name: required_string(&properties, "naam", &code)?,
                    wijk_code: optional_string(&properties, "wijkcode", &code)?,
                    gemeente_code: required_string(&properties, "gemeentecode", &code)?,
                    gemeente_name: required_string(&properties, "gemeentenaam", &code)?,
                    geometry: multi_polygon(&code, &geometry.value)?,
                    code,
                });
            }
        }

        neighbourhoods.sort_by(|a, b| a.code.cmp(&b.code));
        if let Some(pair) = neighbourhoods.windows(2).find(|w| w[0].code == w[1].code) {
            return Err(GeoDataError::DuplicateCode {
                code: pair[0].code.clone(),
            });
        }

        let areas = neighbourhoods
            .iter()
            .enumerate()
            .map(|(index, neighbourhood)| rd_area(index, neighbourhood))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            neighbourhoods,
            tree: RTree::bulk_load(areas),
        })
    }

    /// Builds the index from the buurten bundled in the binary: the 40 of Vlaardingen plus the
    /// 92 of Schiedam, Maassluis and Hoek van Holland.
    pub fn bundled() -> Result<Self, GeoDataError> {
        Self::from_geojson(&[VLAARDINGEN_GEOJSON, NEIGHBOURS_GEOJSON])
    }

    /// The buurt at a WGS84 point; see [`Self::locate_rd`] for the rules.
    ///
    /// Returns `None` for points outside the Netherlands, where RD is undefined.
    pub fn locate(&self, point: Wgs84Point) -> Option<&Neighbourhood> {
        if !point.in_rd_domain() {
            return None;
        }
        self.locate_rd(point.to_rd())
    }

    /// The buurt at an RD New point (as used by the BAG), chosen as follows:
    ///
    /// 1. If exactly one outline contains the point (boundary included), that buurt.
    /// 2. If several overlapping outlines contain it, the one the point lies deepest inside,
    ///    i.e. whose nearest edge is farthest away. In a sliver where two generalised
    ///    outlines overlap, the true boundary is most likely halfway between their edges,
    ///    and this rule picks the side of that midline the point is on. Exact ties go to the
    ///    lowest code.
    /// 3. If none contains it, the nearest buurt provided it is at most [`MAX_GAP_M`] away
    ///    (ties to the lowest code); otherwise `None`.
    pub fn locate_rd(&self, point: RdPoint) -> Option<&Neighbourhood> {
        if !(point.x.is_finite() && point.y.is_finite()) {
            return None;
        }
        let query = [point.x, point.y];
        let geo_point = Point::new(point.x, point.y);

        let containing = self
            .tree
            .locate_all_at_point(&query)
            .map(|area| (area.depth(&geo_point), area.index))
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
        let chosen = containing.map(|(_, index)| index).or_else(|| {
            self.tree
                .locate_within_distance(query, MAX_GAP_M * MAX_GAP_M)
                .map(|area| (area.distance_2(&query), area.index))
                .min_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)))
                .map(|(_, index)| index)
        })?;
        self.neighbourhoods.get(chosen)
    }

    /// Every buurt, sorted by code.
    pub fn all(&self) -> &[Neighbourhood] {
        &self.neighbourhoods
    }

    /// The buurt with this CBS code (e.g. `BU06220101`), if loaded.
    pub fn get(&self, code: &str) -> Option<&Neighbourhood> {
        self.neighbourhoods
            .binary_search_by(|n| n.code.as_str().cmp(code))
            .ok()
            .and_then(|index| self.neighbourhoods.get(index))
    }

    /// Number of buurten loaded.
    pub const fn len(&self) -> usize {
        self.neighbourhoods.len()
    }

    /// Whether no buurten are loaded.
    pub const fn is_empty(&self) -> bool {
        self.neighbourhoods.is_empty()
    }
}

/// Reads a property that must be a string.
fn required_string(
    properties: &JsonObject,
    property: &'static str,
    feature: &str,
) -> Result<String, GeoDataError> {
    optional_string(properties, property, feature)?.ok_or_else(|| GeoDataError::MissingProperty {
        feature: feature.to_owned(),
        property,
    })
}

/// Reads a property that may be absent or null but must otherwise be a string.
fn optional_string(
    properties: &JsonObject,
    property: &'static str,
    feature: &str,
) -> Result<Option<String>, GeoDataError> {
    match properties.get(property) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(GeoDataError::InvalidProperty {
            feature: feature.to_owned(),
            property,
        }),
    }
}

/// Converts a `GeoJSON` `Polygon` or `MultiPolygon` into a validated WGS84 multipolygon.
///
/// Done by hand rather than with the `geojson` crate's `TryFrom`, because that conversion
/// panics on positions with fewer than two numbers.
fn multi_polygon(code: &str, value: &GeometryValue) -> Result<MultiPolygon<f64>, GeoDataError> {
    let polygons = match value {
        GeometryValue::Polygon { coordinates } => vec![polygon(code, coordinates)?],
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .map(|rings| polygon(code, rings))
            .collect::<Result<_, _>>()?,
        other => {
            return Err(GeoDataError::UnsupportedGeometry {
                code: code.to_owned(),
                kind: other.type_name(),
            });
        }
    };
    if polygons.is_empty() {
        return Err(GeoDataError::DegenerateGeometry {
            code: code.to_owned(),
        });
    }
    Ok(MultiPolygon::new(polygons))
}

/// Converts one polygon's rings (exterior first, then holes).
fn polygon(code: &str, rings: &[Vec<Position>]) -> Result<Polygon<f64>, GeoDataError> {
    let mut rings = rings.iter().map(|ring| line_string(code, ring));
    let exterior = rings
        .next()
        .ok_or_else(|| GeoDataError::DegenerateGeometry {
            code: code.to_owned(),
        })??;
    let interiors = rings.collect::<Result<_, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

/// Converts one ring, checking that each position is a plausible Dutch longitude/latitude.
fn line_string(code: &str, ring: &[Position]) -> Result<LineString<f64>, GeoDataError> {
    if ring.len() < 4 {
        return Err(GeoDataError::DegenerateGeometry {
            code: code.to_owned(),
        });
    }
    ring.iter()
        .map(|position| match position.as_slice() {
            &[longitude, latitude, ..] if Wgs84Point::new(latitude, longitude).in_rd_domain() => {
                Ok(Coord {
                    x: longitude,
                    y: latitude,
                })
            }
            other => Err(GeoDataError::InvalidCoordinate {
                code: code.to_owned(),
                position: other.to_vec(),
            }),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(LineString::new)
}

/// Projects a buurt's outline to RD New and wraps it for the R-tree.
fn rd_area(index: usize, neighbourhood: &Neighbourhood) -> Result<RdArea, GeoDataError> {
    let outline = neighbourhood.geometry.map_coords(|c| {
        let rd = Wgs84Point::new(c.y, c.x).to_rd();
        Coord { x: rd.x, y: rd.y }
    });
    let bounds = outline
        .bounding_rect()
        .ok_or_else(|| GeoDataError::DegenerateGeometry {
            code: neighbourhood.code.clone(),
        })?;
    Ok(RdArea {
        index,
        envelope: AABB::from_corners(
            [bounds.min().x, bounds.min().y],
            [bounds.max().x, bounds.max().y],
        ),
        outline,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use geo::{InteriorPoint, Point};
    use rstar::PointDistance;
    use serde_json::json;

    use super::{GeoDataError, MAX_GAP_M, NeighbourhoodIndex, RdArea, VLAARDINGEN_GEOJSON};
    use crate::geo::rd::{RdPoint, Wgs84Point};

    /// The RD area stored for a buurt code.
    fn area<'a>(index: &'a NeighbourhoodIndex, code: &str) -> &'a RdArea {
        let position = index.all().iter().position(|n| n.code == code).unwrap();
        index.tree.iter().find(|a| a.index == position).unwrap()
    }

    /// Codes of every buurt whose RD outline contains the point.
    fn containing(index: &NeighbourhoodIndex, point: RdPoint) -> Vec<&str> {
        index
            .tree
            .locate_all_at_point(&[point.x, point.y])
            .map(|a| index.all()[a.index].code.as_str())
            .collect()
    }

    /// Distance in metres from a point to a buurt's RD outline.
    fn distance_m(index: &NeighbourhoodIndex, code: &str, point: RdPoint) -> f64 {
        area(index, code).distance_2(&[point.x, point.y]).sqrt()
    }

    fn located_code(index: &NeighbourhoodIndex, point: RdPoint) -> Option<&str> {
        index.locate(point.to_wgs84()).map(|n| n.code.as_str())
    }

    #[test]
    fn bundled_index_has_40_vlaardingen_and_92_neighbouring_buurten() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        assert_eq!(index.len(), 132);
        assert!(!index.is_empty());
        let count = |gemeente: &str| {
            index
                .all()
                .iter()
                .filter(|n| n.gemeente_code == gemeente)
                .count()
        };
        assert_eq!(count("GM0622"), 40);
        assert_eq!(count("GM0606"), 70);
        assert_eq!(count("GM0556"), 19);
        assert_eq!(count("GM0599"), 3);
        let vlaardingen = index.all().iter().filter(|n| n.code.starts_with("BU0622"));
        for n in vlaardingen {
            assert_eq!(n.gemeente_name, "Vlaardingen");
            assert!(
                n.wijk_code.as_deref().unwrap().starts_with("WK0622"),
                "{n:?}"
            );
        }
    }

    #[test]
    fn all_is_sorted_by_code_and_get_finds_every_code() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        assert!(index.all().windows(2).all(|w| w[0].code < w[1].code));
        for n in index.all() {
            assert_eq!(index.get(&n.code), Some(n));
        }
        let indische_buurt = index.get("BU06220101").unwrap();
        assert_eq!(indische_buurt.name, "Indische Buurt");
        assert_eq!(indische_buurt.wijk_code.as_deref(), Some("WK062201"));
        assert_eq!(index.get("BU99999999"), None);
    }

    /// Near the Markt in the old town; the point is about 140 m inside buurt Centrum.
    #[test]
    fn vlaardingen_markt_is_in_buurt_centrum() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        let buurt = index.locate(Wgs84Point::new(51.9093, 4.3421)).unwrap();
        assert_eq!(buurt.code, "BU06220103");
        assert_eq!(buurt.name, "Centrum");
        assert_eq!(buurt.wijk_code.as_deref(), Some("WK062201"));
        assert_eq!(buurt.gemeente_code, "GM0622");
    }

    #[test]
    fn points_far_away_are_not_located() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        // Amsterdam: inside the RD domain, far from every bundled buurt.
        assert_eq!(index.locate(Wgs84Point::new(52.37, 4.89)), None);
        // North Sea off Hoek van Holland.
        assert_eq!(index.locate(Wgs84Point::new(52.05, 3.9)), None);
        // Outside the RD domain altogether.
        assert_eq!(index.locate(Wgs84Point::new(48.85, 2.35)), None);
        assert_eq!(index.locate(Wgs84Point::new(0.0, 0.0)), None);
        assert_eq!(index.locate(Wgs84Point::new(f64::NAN, 4.34)), None);
        assert_eq!(
            index.locate_rd(RdPoint::new(f64::INFINITY, 436_000.0)),
            None
        );
    }

    /// South of the southernmost Vlaardingen vertex lies the Nieuwe Maas, which no bundled
    /// buurt covers: 100 m out still belongs to that buurt, 300 m out to none.
    #[test]
    fn point_just_beyond_the_river_edge_snaps_to_nearest_buurt() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        let (code, vertex) = index
            .all()
            .iter()
            .filter(|n| n.code.starts_with("BU0622"))
            .flat_map(|n| {
                area(&index, &n.code)
                    .outline
                    .iter()
                    .flat_map(|p| p.exterior().0.iter().copied())
                    .map(move |c| (n.code.as_str(), c))
            })
            .min_by(|a, b| a.1.y.total_cmp(&b.1.y))
            .unwrap();

        let near = RdPoint::new(vertex.x, vertex.y - 100.0);
        assert!(containing(&index, near).is_empty());
        assert!((distance_m(&index, code, near) - 100.0).abs() < 1e-6);
        assert_eq!(located_code(&index, near), Some(code));

        let far = RdPoint::new(vertex.x, vertex.y - (MAX_GAP_M + 50.0));
        assert!(containing(&index, far).is_empty());
        assert_eq!(located_code(&index, far), None);
    }

    /// A sliver between two generalised Vlaardingen buurten (Broekpolder and Holy-Noord) that
    /// neither polygon covers.
    #[test]
    fn point_in_gap_between_buurten_goes_to_the_nearer_one() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        let gap = RdPoint::new(79_740.0, 437_620.0);
        assert!(containing(&index, gap).is_empty());
        let to_broekpolder = distance_m(&index, "BU06220801", gap);
        let to_other = distance_m(&index, "BU06220205", gap);
        assert!(to_broekpolder < to_other, "{to_broekpolder} vs {to_other}");
        assert!(to_broekpolder < MAX_GAP_M);
        assert_eq!(located_code(&index, gap), Some("BU06220801"));
    }

    #[test]
    fn interior_point_of_every_vlaardingen_buurt_locates_to_a_buurt_containing_it() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        let mut exact = 0;
        for n in index.all().iter().filter(|n| n.code.starts_with("BU0622")) {
            let inner = n.geometry.interior_point().unwrap();
            let point = Wgs84Point::new(inner.y(), inner.x());
            let found = index.locate(point).unwrap();
            if found.code == n.code {
                exact += 1;
            } else {
                let rd = point.to_rd();
                assert!(
                    containing(&index, rd).contains(&found.code.as_str()),
                    "interior point of {} located in {}, which does not contain it",
                    n.code,
                    found.code
                );
            }
        }
        // In the 2024 data every interior point lands in its own buurt.
        assert_eq!(exact, 40);
    }

    #[test]
    fn overlap_between_real_buurten_resolves_to_one_of_them() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        // Inside the ~1 ha overlap of Vlaardingen buurten BU06220701 and BU06220707.
        let point = RdPoint::new(82_893.5, 439_654.1);
        let mut both = containing(&index, point);
        both.sort_unstable();
        assert_eq!(both, ["BU06220701", "BU06220707"]);
        let geo_point = Point::new(point.x, point.y);
        let deeper = if area(&index, "BU06220701").depth(&geo_point)
            >= area(&index, "BU06220707").depth(&geo_point)
        {
            "BU06220701"
        } else {
            "BU06220707"
        };
        assert_eq!(
            index.locate_rd(point).map(|n| n.code.as_str()),
            Some(deeper)
        );
    }

    /// A synthetic buurt: an RD rectangle converted to a WGS84 `GeoJSON` feature.
    fn rectangle(code: &str, x: (f64, f64), y: (f64, f64)) -> serde_json::Value {
        let corners = [(x.0, y.0), (x.1, y.0), (x.1, y.1), (x.0, y.1), (x.0, y.0)];
        let ring: Vec<[f64; 2]> = corners
            .iter()
            .map(|&(cx, cy)| {
                let wgs = RdPoint::new(cx, cy).to_wgs84();
                [wgs.longitude, wgs.latitude]
            })
            .collect();
        json!({
            "type": "Feature",
            "properties": {
                "code": code,
                "naam": format!("Test {code}"),
                "wijkcode": null,
                "gemeentecode": "GM9999",
                "gemeentenaam": "Testdorp"
            },
            "geometry": { "type": "Polygon", "coordinates": [ring] }
        })
    }

    fn collection(features: &[serde_json::Value]) -> String {
        json!({ "type": "FeatureCollection", "features": features }).to_string()
    }

    /// A and B overlap in the strip x 80 900–81 000; B and C are 100 m apart.
    fn synthetic_index() -> NeighbourhoodIndex {
        let y = (435_000.0, 436_000.0);
        let text = collection(&[
            rectangle("BU99990003", (82_000.0, 83_000.0), y),
            rectangle("BU99990001", (80_000.0, 81_000.0), y),
            rectangle("BU99990002", (80_900.0, 81_900.0), y),
        ]);
        NeighbourhoodIndex::from_geojson(&[&text]).unwrap()
    }

    #[test]
    fn overlap_goes_to_the_buurt_the_point_is_deepest_inside() {
        let index = synthetic_index();
        assert_eq!(
            index
                .all()
                .iter()
                .map(|n| n.code.as_str())
                .collect::<Vec<_>>(),
            ["BU99990001", "BU99990002", "BU99990003"]
        );
        assert_eq!(index.all()[0].wijk_code, None);
        // 70 m inside A but only 30 m inside B: west of the strip's midline.
        let west = RdPoint::new(80_930.0, 435_500.0);
        assert_eq!(containing(&index, west).len(), 2);
        assert_eq!(located_code(&index, west), Some("BU99990001"));
        let east = RdPoint::new(80_970.0, 435_500.0);
        assert_eq!(located_code(&index, east), Some("BU99990002"));
        // Outside the strip only one buurt contains the point.
        let only_a = RdPoint::new(80_500.0, 435_500.0);
        assert_eq!(containing(&index, only_a), ["BU99990001"]);
        assert_eq!(located_code(&index, only_a), Some("BU99990001"));
    }

    #[test]
    fn gap_goes_to_the_nearest_buurt_within_max_gap() {
        let index = synthetic_index();
        let nearer_b = RdPoint::new(81_930.0, 435_500.0);
        assert!(containing(&index, nearer_b).is_empty());
        assert_eq!(located_code(&index, nearer_b), Some("BU99990002"));
        let nearer_c = RdPoint::new(81_980.0, 435_500.0);
        assert_eq!(located_code(&index, nearer_c), Some("BU99990003"));
        let within = RdPoint::new(83_000.0 + MAX_GAP_M - 10.0, 435_500.0);
        assert_eq!(located_code(&index, within), Some("BU99990003"));
        let beyond = RdPoint::new(83_000.0 + MAX_GAP_M + 10.0, 435_500.0);
        assert_eq!(located_code(&index, beyond), None);
    }

    #[test]
    fn geometry_geojson_is_a_lon_lat_multipolygon() {
        let index = NeighbourhoodIndex::bundled().unwrap();
        let geometry = index.get("BU06220101").unwrap().geometry_geojson();
        let geojson::GeometryValue::MultiPolygon { coordinates } = &geometry.value else {
            panic!(
                "expected a MultiPolygon, got {}",
                geometry.value.type_name()
            );
        };
        assert_eq!(coordinates.len(), 1);
        // First vertex of BU06220101 in the source file, in RFC 7946 (lon, lat) order.
        assert_eq!(
            coordinates[0][0][0].as_slice(),
            &[4.331_093_4, 51.916_944_4]
        );
        let json = serde_json::to_value(&geometry).unwrap();
        assert_eq!(json["type"], "MultiPolygon");
    }

    #[test]
    fn multipolygon_features_are_accepted() {
        let mut feature = rectangle("BU99990001", (80_000.0, 81_000.0), (435_000.0, 436_000.0));
        let ring = feature["geometry"]["coordinates"][0].clone();
        feature["geometry"] = json!({ "type": "MultiPolygon", "coordinates": [[ring]] });
        let index = NeighbourhoodIndex::from_geojson(&[&collection(&[feature])]).unwrap();
        assert_eq!(
            located_code(&index, RdPoint::new(80_500.0, 435_500.0)),
            Some("BU99990001")
        );
    }

    fn load_error(feature: serde_json::Value) -> GeoDataError {
        NeighbourhoodIndex::from_geojson(&[&collection(&[feature])]).unwrap_err()
    }

    #[test]
    fn malformed_input_is_rejected_with_a_clear_error() {
        let valid = collection(&[]);
        let error = NeighbourhoodIndex::from_geojson(&[&valid, "{ not json"]).unwrap_err();
        assert!(matches!(
            error,
            GeoDataError::InvalidGeoJson { text: 1, .. }
        ));
        assert!(
            error
                .to_string()
                .starts_with("GeoJSON text #1 is not a valid")
        );
        let point = r#"{"type": "Point", "coordinates": [4.3, 51.9]}"#;
        assert!(matches!(
            NeighbourhoodIndex::from_geojson(&[point]),
            Err(GeoDataError::InvalidGeoJson { text: 0, .. })
        ));

        let square = || rectangle("BU99990001", (80_000.0, 81_000.0), (435_000.0, 436_000.0));

        let mut feature = square();
        feature["properties"]
            .as_object_mut()
            .unwrap()
            .remove("naam");
        let error = load_error(feature);
        assert!(matches!(
            error,
            GeoDataError::MissingProperty { ref feature, property: "naam" } if feature == "BU99990001"
        ));
        assert_eq!(
            error.to_string(),
            "feature BU99990001 lacks the required property `naam`"
        );

        let mut feature = square();
        feature["properties"]["code"] = json!(622);
        assert!(matches!(
            load_error(feature),
            GeoDataError::InvalidProperty { ref feature, property: "code" } if feature == "#0 of text #0"
        ));

        let mut feature = square();
        feature["geometry"] = json!({ "type": "Point", "coordinates": [4.3, 51.9] });
        assert!(matches!(
            load_error(feature),
            GeoDataError::UnsupportedGeometry { kind: "Point", .. }
        ));

        let mut feature = square();
        feature["geometry"] = serde_json::Value::Null;
        assert!(matches!(
            load_error(feature),
            GeoDataError::MissingGeometry { .. }
        ));

        let mut feature = square();
        feature["geometry"]["coordinates"][0][1] = json!([4.3]);
        assert!(matches!(
            load_error(feature),
            GeoDataError::InvalidCoordinate { .. }
        ));

        let mut feature = square();
        feature["geometry"]["coordinates"] = json!([[[4.3, 51.9], [4.31, 51.9], [4.3, 51.9]]]);
        assert!(matches!(
            load_error(feature),
            GeoDataError::DegenerateGeometry { .. }
        ));
    }

    #[test]
    fn rd_coordinates_and_duplicate_codes_are_rejected() {
        let rd = include_str!("../../geodata/vlaardingen_buurten_2024_rd.geojson");
        assert!(matches!(
            NeighbourhoodIndex::from_geojson(&[rd]),
            Err(GeoDataError::InvalidCoordinate { .. })
        ));
        assert!(matches!(
            NeighbourhoodIndex::from_geojson(&[VLAARDINGEN_GEOJSON, VLAARDINGEN_GEOJSON]),
            Err(GeoDataError::DuplicateCode { ref code }) if code == "BU06220101"
        ));
    }
}
