//! Converts points between the Dutch RD New grid (EPSG:28992, metres) and WGS84
//! latitude/longitude.
//!
//! Uses the approximation polynomials of F.H. Schreutelkamp and G.L. Strang van Hees,
//! "Benaderingsformules voor de transformatie tussen RD- en WGS84-kaartcoördinaten".
//! Within the Netherlands they agree with the official RDNAPTRANS™ procedure to about
//! a metre, which is far finer than the generalised CBS polygons this crate works with.
//! Outside the Netherlands the polynomials are meaningless; see [`Wgs84Point::in_rd_domain`].

/// RD x of the reference point (Onze Lieve Vrouwetoren, Amersfoort), in metres.
const X0: f64 = 155_000.0;
/// RD y of the reference point, in metres.
const Y0: f64 = 463_000.0;
/// WGS84 latitude of the reference point, in degrees.
const PHI0: f64 = 52.155_174_40;
/// WGS84 longitude of the reference point, in degrees.
const LAM0: f64 = 5.387_206_21;

/// Latitude terms `(p, q, K_pq)`: Δφ″ = Σ `K_pq` · dXᵖ · dYᑫ, with dX, dY in units of 100 km.
const K: [(i32, i32, f64); 11] = [
    (0, 1, 3_235.653_89),
    (2, 0, -32.582_97),
    (0, 2, -0.247_50),
    (2, 1, -0.849_78),
    (0, 3, -0.065_50),
    (2, 2, -0.017_09),
    (1, 0, -0.007_38),
    (4, 0, 0.005_30),
    (2, 3, -0.000_39),
    (4, 1, 0.000_33),
    (1, 1, -0.000_12),
];

/// Longitude terms `(p, q, L_pq)`: Δλ″ = Σ `L_pq` · dXᵖ · dYᑫ.
const L: [(i32, i32, f64); 12] = [
    (1, 0, 5_260.529_16),
    (1, 1, 105.946_84),
    (1, 2, 2.456_56),
    (3, 0, -0.818_85),
    (1, 3, 0.055_94),
    (3, 1, -0.056_07),
    (0, 1, 0.011_99),
    (3, 2, -0.002_56),
    (1, 4, 0.001_28),
    (0, 2, 0.000_22),
    (2, 0, -0.000_22),
    (5, 0, 0.000_26),
];

/// RD x terms `(p, q, R_pq)`: x = X0 + Σ `R_pq` · dφᵖ · dλᑫ, with dφ, dλ in units of 10 000″.
const R: [(i32, i32, f64); 9] = [
    (0, 1, 190_094.945),
    (1, 1, -11_832.228),
    (2, 1, -114.221),
    (0, 3, -32.391),
    (1, 0, -0.705),
    (3, 1, -2.340),
    (1, 3, -0.608),
    (0, 2, -0.008),
    (2, 3, 0.148),
];

/// RD y terms `(p, q, S_pq)`: y = Y0 + Σ `S_pq` · dφᵖ · dλᑫ.
const S: [(i32, i32, f64); 10] = [
    (1, 0, 309_056.544),
    (0, 2, 3_638.893),
    (2, 0, 73.077),
    (1, 2, -157.984),
    (3, 0, 59.788),
    (0, 1, 0.433),
    (2, 2, -6.439),
    (1, 1, -0.032),
    (0, 4, 0.092),
    (1, 4, -0.054),
];

/// Latitude range (degrees) in which the polynomials are trusted: the Netherlands plus a
/// generous margin. Far outside it they are not injective, so a point in another country
/// could land on Dutch RD coordinates.
const DOMAIN_LATITUDE: std::ops::RangeInclusive<f64> = 50.0..=54.5;
/// Longitude range (degrees) in which the polynomials are trusted.
const DOMAIN_LONGITUDE: std::ops::RangeInclusive<f64> = 2.0..=8.5;

/// Evaluates Σ c · aᵖ · bᑫ over a coefficient table.
fn polynomial(terms: &[(i32, i32, f64)], a: f64, b: f64) -> f64 {
    terms
        .iter()
        .map(|&(p, q, coefficient)| coefficient * a.powi(p) * b.powi(q))
        .sum()
}

/// A point in the RD New grid (EPSG:28992).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdPoint {
    /// Easting in metres.
    pub x: f64,
    /// Northing in metres.
    pub y: f64,
}

impl RdPoint {
    /// Creates a point from easting `x` and northing `y` in metres.
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// Converts to WGS84 with the Schreutelkamp / Strang van Hees polynomials.
    pub fn to_wgs84(self) -> Wgs84Point {
        let dx = (self.x - X0) * 1e-5;
        let dy = (self.y - Y0) * 1e-5;
        // The K and L tables yield arc-seconds.
        Wgs84Point {
            latitude: PHI0 + polynomial(&K, dx, dy) / 3_600.0,
            longitude: LAM0 + polynomial(&L, dx, dy) / 3_600.0,
        }
    }

    /// Straight-line distance in metres; RD is a conformal grid, so this is accurate
    /// to well under a metre per kilometre anywhere in the Netherlands.
    pub fn distance_m(&self, other: Self) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// A WGS84 point in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wgs84Point {
    /// Latitude in degrees north.
    pub latitude: f64,
    /// Longitude in degrees east.
    pub longitude: f64,
}

impl Wgs84Point {
    /// Creates a point from latitude and longitude in degrees (note the order: latitude first,
    /// unlike `GeoJSON` positions).
    pub const fn new(latitude: f64, longitude: f64) -> Self {
        Self {
            latitude,
            longitude,
        }
    }

    /// Converts to RD New with the Schreutelkamp / Strang van Hees polynomials.
    ///
    /// Only meaningful where [`Self::in_rd_domain`] holds.
    pub fn to_rd(self) -> RdPoint {
        // The R and S tables expect offsets in units of 10 000 arc-seconds.
        let dphi = 0.36 * (self.latitude - PHI0);
        let dlam = 0.36 * (self.longitude - LAM0);
        RdPoint {
            x: X0 + polynomial(&R, dphi, dlam),
            y: Y0 + polynomial(&S, dphi, dlam),
        }
    }

    /// Whether the point lies in or near the Netherlands (latitude 50–54.5°N, longitude
    /// 2–8.5°E), where the conversion polynomials are valid. `NaN` is never in the domain.
    pub fn in_rd_domain(&self) -> bool {
        DOMAIN_LATITUDE.contains(&self.latitude) && DOMAIN_LONGITUDE.contains(&self.longitude)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::{RdPoint, Wgs84Point};

    /// Metres per degree of latitude, close enough to turn small angular differences into
    /// metres for tolerance checks.
    const M_PER_DEGREE: f64 = 111_200.0;

    /// Approximate ground distance in metres between two nearby WGS84 points.
    fn gap_m(a: Wgs84Point, b: Wgs84Point) -> f64 {
        let north = (a.latitude - b.latitude) * M_PER_DEGREE;
        let east = (a.longitude - b.longitude) * M_PER_DEGREE * a.latitude.to_radians().cos();
        north.hypot(east)
    }

    /// Checks a published reference point in both directions, each to within `tolerance_m`.
    fn assert_reference(rd: RdPoint, wgs: Wgs84Point, tolerance_m: f64) {
        let to_wgs = rd.to_wgs84();
        assert!(
            gap_m(to_wgs, wgs) < tolerance_m,
            "RD {rd:?} -> {to_wgs:?}, expected {wgs:?}"
        );
        let to_rd = wgs.to_rd();
        assert!(
            to_rd.distance_m(rd) < tolerance_m,
            "WGS84 {wgs:?} -> {to_rd:?}, expected {rd:?}"
        );
    }

    #[test]
    fn amersfoort_reference_point_is_exact() {
        let wgs = RdPoint::new(155_000.0, 463_000.0).to_wgs84();
        assert!((wgs.latitude - 52.155_17).abs() < 1e-5, "{wgs:?}");
        assert!((wgs.longitude - 5.387_21).abs() < 1e-5, "{wgs:?}");
        let rd = Wgs84Point::new(52.155_174_40, 5.387_206_21).to_rd();
        assert!(
            rd.distance_m(RdPoint::new(155_000.0, 463_000.0)) < 0.01,
            "{rd:?}"
        );
    }

    /// Westertoren, Amsterdam: the worked example in the Schreutelkamp / Strang van Hees paper.
    #[test]
    fn westertoren_amsterdam_matches_published_coordinates() {
        assert_reference(
            RdPoint::new(120_700.723, 487_525.501),
            Wgs84Point::new(52.374_532_53, 4.883_525_59),
            1.0,
        );
    }

    /// Martinitoren, Groningen: the second worked example in the same paper.
    #[test]
    fn martinitoren_groningen_matches_published_coordinates() {
        assert_reference(
            RdPoint::new(233_883.131, 582_065.167),
            Wgs84Point::new(53.219_383_17, 6.568_200_53),
            1.0,
        );
    }

    /// Walks a grid over a latitude/longitude box and checks WGS84 -> RD -> WGS84.
    fn assert_round_trip(lat: (f64, f64), lon: (f64, f64), steps: u32, tolerance_m: f64) {
        for i in 0..=steps {
            for j in 0..=steps {
                let original = Wgs84Point::new(
                    lat.0 + (lat.1 - lat.0) * f64::from(i) / f64::from(steps),
                    lon.0 + (lon.1 - lon.0) * f64::from(j) / f64::from(steps),
                );
                let back = original.to_rd().to_wgs84();
                let gap = gap_m(original, back);
                assert!(
                    gap < tolerance_m,
                    "{original:?} came back as {back:?} ({gap} m)"
                );
            }
        }
    }

    #[test]
    fn round_trip_stays_within_a_metre_over_vlaardingen() {
        assert_round_trip((51.89, 51.96), (4.26, 4.38), 20, 1.0);
    }

    #[test]
    fn round_trip_stays_within_a_metre_over_the_netherlands() {
        assert_round_trip((50.75, 53.55), (3.35, 7.25), 40, 1.0);
    }

    #[test]
    fn distance_is_euclidean_in_metres() {
        let a = RdPoint::new(80_000.0, 435_000.0);
        let b = RdPoint::new(80_300.0, 435_400.0);
        assert!((a.distance_m(b) - 500.0).abs() < 1e-9);
    }

    #[test]
    fn rd_domain_covers_the_netherlands_only() {
        assert!(Wgs84Point::new(51.9093, 4.3421).in_rd_domain());
        assert!(Wgs84Point::new(53.47, 6.2).in_rd_domain());
        assert!(!Wgs84Point::new(48.85, 2.35).in_rd_domain());
        assert!(!Wgs84Point::new(f64::NAN, 4.0).in_rd_domain());
    }

    /// Reads the vertices of the first feature's outer ring from a `GeoJSON` text.
    fn first_ring(text: &str) -> Vec<(String, f64, f64)> {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let feature = &json["features"][0];
        let code = feature["properties"]["code"].as_str().unwrap().to_owned();
        feature["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (code.clone(), p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect()
    }

    /// The RD copy of the Vlaardingen buurten was produced with these same polynomials and
    /// rounded to 0.1 m, so converting the WGS84 file must reproduce it.
    #[test]
    fn vlaardingen_buurt_vertices_match_the_rd_file() {
        let wgs = first_ring(include_str!(
            "../../geodata/vlaardingen_buurten_2024.geojson"
        ));
        let rd = first_ring(include_str!(
            "../../geodata/vlaardingen_buurten_2024_rd.geojson"
        ));
        assert_eq!(wgs.len(), rd.len());
        assert!(wgs.len() >= 4);
        for ((wgs_code, lon, lat), (rd_code, x, y)) in wgs.into_iter().zip(rd) {
            assert_eq!(wgs_code, rd_code);
            let converted = Wgs84Point::new(lat, lon).to_rd();
            let expected = RdPoint::new(x, y);
            assert!(
                converted.distance_m(expected) < 1.0,
                "{wgs_code}: ({lon}, {lat}) -> {converted:?}, RD file has {expected:?}"
            );
            // Also guards against swapped axes: Vlaardingen lies around x 78–85 km, y 434–441 km.
            assert!((77_000.0..86_000.0).contains(&converted.x), "{converted:?}");
            assert!(
                (434_000.0..442_000.0).contains(&converted.y),
                "{converted:?}"
            );
        }
    }
}
