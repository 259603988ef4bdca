//! Finds hotspots of signalled addresses: groups nearby points with DBSCAN in RD metres and
//! outlines every group as a WGS84 polygon for `GeoJSON` maps.
//!
//! Pure computation on plain values; the caller loads the addresses, validates the
//! parameters and decides what a hotspot means for its users.

use geo::orient::Direction;
use geo::{Area, ConvexHull, Coord, LineString, MultiPoint, Orient, Point, Polygon};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::rd::{RdPoint, Wgs84Point};

/// Number of vertices of the circle drawn around each point of a degenerate hull.
const CIRCLE_VERTICES: u32 = 16;

/// A hull whose mean width (area divided by its longest extent) is at most this many metres
/// is treated as degenerate: one building, a straight street, or a sliver no map would show.
const MIN_HULL_WIDTH_M: f64 = 1.0;

/// A point to cluster, with the caller's id and weight (risk score).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterInput {
    /// The caller's identifier, e.g. an address id; copied into [`Cluster::members`].
    pub id: i64,
    /// Location in RD New metres.
    pub point: RdPoint,
    /// Weight of the point, e.g. its risk score; summed into [`Cluster::total_weight`].
    pub weight: u32,
}

/// One hotspot found by [`dbscan`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Ids of the member points, sorted ascending.
    pub members: Vec<i64>,
    /// Sum of the members' weights.
    pub total_weight: u64,
    /// Outline in WGS84 (x = longitude, y = latitude), exterior ring counter-clockwise.
    ///
    /// The convex hull of the members; when that hull has (next to) no area, the hull of
    /// circles of half the clustering radius around its vertices, so every cluster has a
    /// visible area that still contains all members.
    pub hull: Polygon<f64>,
    /// Mean of the members' RD positions, converted to WGS84.
    pub centroid: Wgs84Point,
}

/// Groups points with DBSCAN: a point is a core point when at least `min_points` points
/// (itself included) lie within `radius_m` metres of it, boundary included; a cluster is
/// everything reachable from a core point through chains of core points, plus the border
/// points within `radius_m` of one of them. Other points are noise and are left out.
///
/// Points are visited in input order, so the result is deterministic: a border point within
/// reach of two clusters joins the one whose first core point comes first in `points`.
/// Clusters are sorted by total weight, heaviest first, then by smallest member id.
///
/// Returns no clusters when the parameters are invalid (`radius_m` not finite or not
/// positive, `min_points` zero); the caller is expected to validate and report those.
/// Points with a non-finite coordinate are treated as noise.
pub fn dbscan(points: &[ClusterInput], radius_m: f64, min_points: usize) -> Vec<Cluster> {
    if !(radius_m.is_finite() && radius_m > 0.0) || min_points == 0 {
        return Vec::new();
    }
    let tree = RTree::bulk_load(
        points
            .iter()
            .enumerate()
            // NaN would poison the tree's ordering; such a point cannot be near anything.
            .filter(|(_, input)| input.point.x.is_finite() && input.point.y.is_finite())
            .map(|(index, input)| GeomWithData::new([input.point.x, input.point.y], index))
            .collect(),
    );
    // rstar compares squared distances, so the radius is squared once here.
    let radius_squared = radius_m * radius_m;
    let neighbours = |index: usize, found: &mut Vec<usize>| {
        let point = points[index].point;
        found.clear();
        found.extend(
            tree.locate_within_distance([point.x, point.y], radius_squared)
                .map(|neighbour| neighbour.data),
        );
    };

    // `label[i]` is the cluster point i belongs to; `expanded[i]` records that its
    // neighbourhood has been looked up, so each point is queried at most once.
    let mut label: Vec<Option<usize>> = vec![None; points.len()];
    let mut expanded = vec![false; points.len()];
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut found = Vec::new();
    let mut pending = Vec::new();

    for start in 0..points.len() {
        if expanded[start] || label[start].is_some() {
            continue;
        }
        let point = points[start].point;
        if !(point.x.is_finite() && point.y.is_finite()) {
            // Not in the tree, hence noise.
            continue;
        }
        expanded[start] = true;
        neighbours(start, &mut found);
        if found.len() < min_points {
            // Noise for now; a later cluster may still claim it as a border point.
            continue;
        }
        let cluster = members.len();
        let mut cluster_members = Vec::new();
        // `found` is the neighbourhood of a core point each time round (`start` first, which
        // is in its own neighbourhood). Labelling on push keeps each point in `pending` at
        // most once, and the order of expansion does not matter because the whole cluster is
        // finished before the next one starts.
        let mut core_found = true;
        while core_found {
            for &n in &found {
                if label[n].is_none() {
                    label[n] = Some(cluster);
                    cluster_members.push(n);
                    pending.push(n);
                }
            }
            core_found = false;
            while let Some(current) = pending.pop() {
                if expanded[current] {
                    // Seen before as noise, so it is not a core point: a border point only.
                    continue;
                }
                expanded[current] = true;
                neighbours(current, &mut found);
                if found.len() >= min_points {
                    core_found = true;
                    break;
                }
            }
        }
        members.push(cluster_members);
    }

    let mut clusters: Vec<Cluster> = members
        .iter()
        .map(|indices| build_cluster(points, indices, radius_m))
        .collect();
    clusters.sort_by(|a, b| {
        b.total_weight
            .cmp(&a.total_weight)
            .then_with(|| a.members.first().cmp(&b.members.first()))
    });
    clusters
}

/// Builds the output record of one cluster from the indices (into `points`) of its members.
fn build_cluster(points: &[ClusterInput], indices: &[usize], radius_m: f64) -> Cluster {
    let mut ids: Vec<i64> = indices.iter().map(|&i| points[i].id).collect();
    ids.sort_unstable();
    let total_weight = indices
        .iter()
        .map(|&i| u64::from(points[i].weight))
        .fold(0, u64::saturating_add);
    let coords: Vec<Coord<f64>> = indices
        .iter()
        .map(|&i| Coord {
            x: points[i].point.x,
            y: points[i].point.y,
        })
        .collect();
    let hull_rd = outline(&coords, radius_m / 2.0);
    let hull = Polygon::new(
        hull_rd
            .exterior()
            .coords()
            .map(|&c| to_lon_lat(c))
            .collect(),
        Vec::new(),
    )
    // The RD-to-WGS84 map preserves orientation, but orienting makes the contract explicit.
    .orient(Direction::Default);
    Cluster {
        members: ids,
        total_weight,
        hull,
        centroid: mean(&coords).to_wgs84(),
    }
}

/// The convex hull of `coords` in RD metres, or, when that hull is degenerate, the hull of
/// circles of radius `pad_m` around its vertices (a disc for one location, a stadium for a
/// line), so the outline has a real area and still contains every point.
fn outline(coords: &[Coord<f64>], pad_m: f64) -> Polygon<f64> {
    let hull = MultiPoint::from(coords.iter().map(|&c| Point(c)).collect::<Vec<_>>()).convex_hull();
    let (min, max) = coords.iter().fold(
        (
            Coord {
                x: f64::INFINITY,
                y: f64::INFINITY,
            },
            Coord {
                x: f64::NEG_INFINITY,
                y: f64::NEG_INFINITY,
            },
        ),
        |(min, max), c| {
            (
                Coord {
                    x: min.x.min(c.x),
                    y: min.y.min(c.y),
                },
                Coord {
                    x: max.x.max(c.x),
                    y: max.y.max(c.y),
                },
            )
        },
    );
    let extent = (max.x - min.x).max(max.y - min.y);
    // Strictly greater, so a single location (area 0, extent 0) counts as degenerate.
    if hull.unsigned_area() > MIN_HULL_WIDTH_M * extent {
        return hull;
    }
    // The extremes of a (near-)straight set are vertices of its hull, so padding only the
    // vertices covers every point in between.
    let padded: Vec<Point<f64>> = hull
        .exterior()
        .coords()
        .flat_map(|&centre| circle(centre, pad_m))
        .map(Point)
        .collect();
    MultiPoint::from(padded).convex_hull()
}

/// The vertices of a regular polygon of [`CIRCLE_VERTICES`] corners approximating a circle.
fn circle(centre: Coord<f64>, radius: f64) -> impl Iterator<Item = Coord<f64>> {
    (0..CIRCLE_VERTICES).map(move |k| {
        let angle = std::f64::consts::TAU * f64::from(k) / f64::from(CIRCLE_VERTICES);
        Coord {
            x: centre.x + radius * angle.cos(),
            y: centre.y + radius * angle.sin(),
        }
    })
}

/// The mean of a non-empty set of RD coordinates.
#[expect(
    clippy::cast_precision_loss,
    reason = "a cluster has far fewer than 2^52 members, so the count is exact as f64"
)]
fn mean(coords: &[Coord<f64>]) -> RdPoint {
    let count = coords.len().max(1) as f64;
    let sum = coords
        .iter()
        .fold(Coord { x: 0.0, y: 0.0 }, |sum, &c| sum + c);
    RdPoint::new(sum.x / count, sum.y / count)
}

/// Converts an RD coordinate to a WGS84 coordinate in `GeoJSON` axis order (longitude, latitude).
fn to_lon_lat(c: Coord<f64>) -> Coord<f64> {
    let wgs = RdPoint::new(c.x, c.y).to_wgs84();
    Coord {
        x: wgs.longitude,
        y: wgs.latitude,
    }
}

/// The hull of `cluster` as an RFC 7946 `GeoJSON` Polygon: positions in longitude, latitude
/// order, rings closed, exterior counter-clockwise.
pub fn cluster_feature_geometry(cluster: &Cluster) -> geojson::Geometry {
    // `hull` is public and may have been replaced by the caller, so orient again here.
    let oriented = cluster.hull.orient(Direction::Default);
    let rings: Vec<Vec<[f64; 2]>> = std::iter::once(oriented.exterior())
        .chain(oriented.interiors())
        .map(|ring: &LineString<f64>| ring.coords().map(|c| [c.x, c.y]).collect())
        .collect();
    geojson::Geometry::new_polygon(rings)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use std::collections::BTreeSet;

    use geo::{Area, Distance, Euclidean, Point};

    use super::{Cluster, ClusterInput, RdPoint, Wgs84Point, cluster_feature_geometry, dbscan};

    /// RD x of a spot in central Vlaardingen.
    const X: f64 = 83_000.0;
    /// RD y of a spot in central Vlaardingen.
    const Y: f64 = 436_000.0;
    /// About 1 cm in degrees: slack for members on the hull boundary, which moves slightly
    /// because the RD-to-WGS84 map bends straight edges.
    const BOUNDARY_SLACK_DEG: f64 = 1e-7;

    /// A point `dx`, `dy` metres from the Vlaardingen reference spot.
    fn at(id: i64, dx: f64, dy: f64, weight: u32) -> ClusterInput {
        ClusterInput {
            id,
            point: RdPoint::new(X + dx, Y + dy),
            weight,
        }
    }

    /// Tiny seeded xorshift64 generator, so the tests need no extra dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// A float in [0, 1).
        #[expect(clippy::cast_precision_loss, reason = "53 random bits fit f64 exactly")]
        fn next_f64(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
        }

        /// An index in 0..len (slightly biased, which does not matter here).
        fn below(&mut self, len: usize) -> usize {
            usize::try_from(self.next_u64() % u64::try_from(len).unwrap()).unwrap()
        }
    }

    /// Random points scattered uniformly over a `width` x `height` metre box in Vlaardingen.
    fn random_points(rng: &mut XorShift, count: i64, width: f64, height: f64) -> Vec<ClusterInput> {
        (0..count)
            .map(|id| {
                let weight = u32::try_from(rng.next_u64() % 10).unwrap();
                at(id, rng.next_f64() * width, rng.next_f64() * height, weight)
            })
            .collect()
    }

    /// The member sets of `clusters`, independent of cluster order.
    fn member_sets(clusters: &[Cluster]) -> BTreeSet<Vec<i64>> {
        clusters.iter().map(|c| c.members.clone()).collect()
    }

    /// Asserts every input point with an id in `cluster.members` lies in or on its hull.
    fn assert_hull_contains_members(cluster: &Cluster, points: &[ClusterInput]) {
        for input in points.iter().filter(|p| cluster.members.contains(&p.id)) {
            let wgs = input.point.to_wgs84();
            let point = Point::new(wgs.longitude, wgs.latitude);
            let gap = Euclidean.distance(&point, &cluster.hull);
            assert!(
                gap <= BOUNDARY_SLACK_DEG,
                "member {} at {wgs:?} is {gap} degrees outside {:?}",
                input.id,
                cluster.hull
            );
        }
    }

    #[test]
    fn three_close_points_form_a_cluster_and_the_far_one_is_noise() {
        let points = [
            at(1, 0.0, 0.0, 1),
            at(2, 60.0, 20.0, 1),
            at(3, 30.0, 70.0, 1),
            at(4, 2_000.0, 0.0, 1),
        ];
        let clusters = dbscan(&points, 150.0, 3);
        assert_eq!(clusters.len(), 1, "{clusters:?}");
        assert_eq!(clusters[0].members, vec![1, 2, 3]);
    }

    #[test]
    fn a_chain_of_points_is_one_cluster_through_density_reachability() {
        let points: Vec<ClusterInput> = (0..10)
            .map(|i| at(i, 100.0 * f64::from(u32::try_from(i).unwrap()), 0.0, 1))
            .collect();
        let clusters = dbscan(&points, 150.0, 2);
        assert_eq!(clusters.len(), 1, "{clusters:?}");
        assert_eq!(clusters[0].members, (0..10).collect::<Vec<_>>());
        // The chain is 900 m long and straight, far beyond one radius: the padded outline
        // must still cover both ends.
        assert_hull_contains_members(&clusters[0], &points);
    }

    #[test]
    fn a_chain_spaced_wider_than_the_radius_has_no_clusters() {
        let points: Vec<ClusterInput> = (0..10)
            .map(|i| at(i, 100.0 * f64::from(u32::try_from(i).unwrap()), 0.0, 1))
            .collect();
        assert!(dbscan(&points, 90.0, 2).is_empty());
    }

    #[test]
    fn a_neighbour_exactly_at_the_radius_is_inside() {
        let along_x = [at(1, 0.0, 0.0, 1), at(2, 150.0, 0.0, 1)];
        assert_eq!(dbscan(&along_x, 150.0, 2).len(), 1);
        assert!(dbscan(&along_x, 149.9, 2).is_empty());
        // A 90-120-150 triangle: exactly 150 m on the diagonal as well.
        let diagonal = [at(1, 0.0, 0.0, 1), at(2, 90.0, 120.0, 1)];
        assert_eq!(dbscan(&diagonal, 150.0, 2).len(), 1);
        assert!(dbscan(&diagonal, 149.9, 2).is_empty());
    }

    #[test]
    fn min_points_one_puts_every_point_in_its_own_cluster_or_with_its_neighbours() {
        let points = [
            at(1, 0.0, 0.0, 1),
            at(2, 500.0, 0.0, 1),
            at(3, 1_000.0, 0.0, 1),
            at(4, 1_050.0, 0.0, 1),
        ];
        let clusters = dbscan(&points, 100.0, 1);
        let expected: BTreeSet<Vec<i64>> = [vec![1], vec![2], vec![3, 4]].into_iter().collect();
        assert_eq!(member_sets(&clusters), expected);
    }

    #[test]
    fn total_weight_is_the_sum_of_member_weights_and_orders_the_clusters() {
        let points = [
            // Light cluster first in the input...
            at(10, 0.0, 0.0, 1),
            at(11, 10.0, 0.0, 2),
            // ...heavy cluster second...
            at(20, 1_000.0, 0.0, 5),
            at(21, 1_010.0, 0.0, 7),
            // ...and a cluster that ties with the light one but has a smaller id.
            at(5, 2_000.0, 0.0, 2),
            at(30, 2_010.0, 0.0, 1),
        ];
        let clusters = dbscan(&points, 50.0, 2);
        let summary: Vec<(u64, Vec<i64>)> = clusters
            .iter()
            .map(|c| (c.total_weight, c.members.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![(12, vec![20, 21]), (3, vec![5, 30]), (3, vec![10, 11])]
        );
    }

    #[test]
    fn a_border_point_joins_the_first_cluster_that_reaches_it() {
        // Point 0 is within reach of a core point on each side but has only three
        // neighbours itself, so it is a border point the two clusters compete for.
        let left = [
            at(1, -100.0, 0.0, 1),
            at(2, -150.0, 0.0, 1),
            at(3, -175.0, 0.0, 1),
        ];
        let right = [
            at(4, 100.0, 0.0, 1),
            at(5, 150.0, 0.0, 1),
            at(6, 175.0, 0.0, 1),
        ];
        let border = at(0, 0.0, 0.0, 1);

        let left_first: Vec<ClusterInput> = left
            .iter()
            .chain(&right)
            .chain([&border])
            .copied()
            .collect();
        let expected: BTreeSet<Vec<i64>> = [vec![0, 1, 2, 3], vec![4, 5, 6]].into_iter().collect();
        assert_eq!(member_sets(&dbscan(&left_first, 100.0, 4)), expected);

        let right_first: Vec<ClusterInput> = right
            .iter()
            .chain(&left)
            .chain([&border])
            .copied()
            .collect();
        let expected: BTreeSet<Vec<i64>> = [vec![1, 2, 3], vec![0, 4, 5, 6]].into_iter().collect();
        assert_eq!(member_sets(&dbscan(&right_first, 100.0, 4)), expected);
    }

    #[test]
    fn the_hull_contains_every_member_point() {
        let mut rng = XorShift(0x5eed_1234_abcd_0001);
        // A 300 x 200 m blob dense enough to be one cluster.
        let points = random_points(&mut rng, 200, 300.0, 200.0);
        let clusters = dbscan(&points, 80.0, 3);
        assert_eq!(clusters.len(), 1, "{clusters:?}");
        assert_eq!(clusters[0].members.len(), 200);
        assert_hull_contains_members(&clusters[0], &points);
    }

    #[test]
    fn a_two_point_cluster_still_gets_a_polygon_with_area() {
        // Five flats in one building and one next door: two distinct locations, and the
        // centroid lies far from the midpoint.
        let mut points: Vec<ClusterInput> = (0..5).map(|id| at(id, 0.0, 0.0, 1)).collect();
        points.push(at(5, 140.0, 0.0, 1));
        let clusters = dbscan(&points, 150.0, 2);
        assert_eq!(clusters.len(), 1, "{clusters:?}");
        assert!(clusters[0].hull.unsigned_area() > 0.0);
        assert_hull_contains_members(&clusters[0], &points);
    }

    #[test]
    fn a_single_location_cluster_gets_a_disc_around_it() {
        let points = [at(1, 0.0, 0.0, 1), at(2, 0.0, 0.0, 1)];
        let clusters = dbscan(&points, 100.0, 2);
        assert_eq!(clusters.len(), 1);
        let hull = &clusters[0].hull;
        assert!(hull.unsigned_area() > 0.0);
        assert_hull_contains_members(&clusters[0], &points);
        // Every vertex lies about radius / 2 = 50 m from the point.
        let centre = points[0].point;
        for c in hull.exterior().coords() {
            let distance = centre.distance_m(Wgs84Point::new(c.y, c.x).to_rd());
            assert!(
                (distance - 50.0).abs() < 0.5,
                "vertex {c:?} is {distance} m away"
            );
        }
    }

    #[test]
    fn a_cluster_with_real_area_is_outlined_by_its_convex_hull() {
        // A triangle with an interior point: the outline is the triangle itself.
        let points = [
            at(1, 0.0, 0.0, 1),
            at(2, 120.0, 0.0, 1),
            at(3, 0.0, 120.0, 1),
            at(4, 30.0, 30.0, 1),
        ];
        let clusters = dbscan(&points, 150.0, 3);
        assert_eq!(clusters.len(), 1);
        let vertices: Vec<RdPoint> = clusters[0]
            .hull
            .exterior()
            .coords()
            .map(|c| Wgs84Point::new(c.y, c.x).to_rd())
            .collect();
        assert_eq!(vertices.len(), 4, "three corners plus the closing vertex");
        for corner in &points[..3] {
            assert!(
                vertices.iter().any(|v| v.distance_m(corner.point) < 0.01),
                "corner {corner:?} missing from {vertices:?}"
            );
        }
    }

    #[test]
    fn the_centroid_is_the_mean_of_the_members() {
        let points = [at(1, 0.0, 0.0, 1), at(2, 90.0, 0.0, 1), at(3, 0.0, 60.0, 1)];
        let clusters = dbscan(&points, 150.0, 3);
        assert_eq!(clusters.len(), 1);
        let centroid = clusters[0].centroid.to_rd();
        assert!(
            centroid.distance_m(RdPoint::new(X + 30.0, Y + 20.0)) < 0.01,
            "{centroid:?}"
        );
    }

    #[test]
    fn the_feature_geometry_is_a_closed_counter_clockwise_polygon() {
        let points = [
            at(1, 0.0, 0.0, 1),
            at(2, 100.0, 0.0, 1),
            at(3, 0.0, 100.0, 1),
        ];
        let clusters = dbscan(&points, 150.0, 3);
        assert_eq!(clusters.len(), 1);
        let geometry = cluster_feature_geometry(&clusters[0]);
        let geojson::GeometryValue::Polygon { coordinates } = &geometry.value else {
            panic!("not a polygon: {geometry:?}");
        };
        assert_eq!(coordinates.len(), 1, "no holes expected");
        let ring = &coordinates[0];
        assert!(ring.len() >= 4, "{ring:?}");
        assert_eq!(ring.first(), ring.last(), "ring must be closed");
        // Positive shoelace area means counter-clockwise with x = longitude, y = latitude.
        let twice_area: f64 = ring
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum();
        assert!(twice_area > 0.0, "exterior ring is clockwise: {ring:?}");
        // Longitude first: Vlaardingen is around 4.3°E, 51.9°N.
        assert!((4.2..4.5).contains(&ring[0][0]), "{ring:?}");
        assert!((51.8..52.0).contains(&ring[0][1]), "{ring:?}");
        let json = serde_json::to_value(&geometry).unwrap();
        assert_eq!(json["type"], "Polygon");
    }

    #[test]
    fn the_same_input_gives_the_same_output() {
        let mut rng = XorShift(0x0dd_ba11);
        let points = random_points(&mut rng, 2_000, 3_000.0, 2_000.0);
        let first = dbscan(&points, 60.0, 4);
        assert!(!first.is_empty());
        assert_eq!(first, dbscan(&points, 60.0, 4));
    }

    #[test]
    fn shuffled_input_gives_the_same_member_sets() {
        // Well-separated blobs, so no border point is within reach of two clusters and the
        // result cannot depend on the input order.
        let mut rng = XorShift(0xc0ff_ee00_1234);
        let mut points = Vec::new();
        for blob in 0..5_i32 {
            for k in 0..30 {
                points.push(at(
                    i64::from(blob * 100 + k),
                    f64::from(blob) * 1_000.0 + rng.next_f64() * 100.0,
                    rng.next_f64() * 100.0,
                    1,
                ));
            }
        }
        let original = dbscan(&points, 50.0, 3);
        assert_eq!(original.len(), 5, "{:?}", member_sets(&original));
        let mut shuffled = points.clone();
        // Fisher-Yates.
        for i in (1..shuffled.len()).rev() {
            let j = rng.below(i + 1);
            shuffled.swap(i, j);
        }
        assert_ne!(shuffled, points);
        assert_eq!(
            member_sets(&dbscan(&shuffled, 50.0, 3)),
            member_sets(&original)
        );
    }

    /// Not a timing assertion: a quadratic implementation would merely be slow, but the
    /// test documents the expected scale and checks every point is accounted for once.
    #[test]
    fn twenty_thousand_random_points_cluster_without_panicking() {
        let mut rng = XorShift(0x2000_0000_0000_0001);
        let points = random_points(&mut rng, 20_000, 6_000.0, 4_000.0);
        let clusters = dbscan(&points, 50.0, 4);
        assert!(!clusters.is_empty());
        let mut seen = BTreeSet::new();
        for cluster in &clusters {
            assert!(!cluster.members.is_empty());
            assert!(cluster.hull.unsigned_area() > 0.0);
            for &id in &cluster.members {
                assert!(seen.insert(id), "point {id} is in two clusters");
            }
        }
        assert!(
            clusters
                .windows(2)
                .all(|w| w[0].total_weight >= w[1].total_weight)
        );
    }

    #[test]
    fn invalid_parameters_give_no_clusters() {
        let points = [at(1, 0.0, 0.0, 1), at(2, 10.0, 0.0, 1)];
        for radius in [0.0, -5.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(dbscan(&points, radius, 2).is_empty(), "radius {radius}");
        }
        assert!(dbscan(&points, 50.0, 0).is_empty());
        assert!(dbscan(&[], 50.0, 1).is_empty());
    }

    #[test]
    fn points_with_non_finite_coordinates_are_noise() {
        let points = [
            at(1, 0.0, 0.0, 1),
            at(2, 10.0, 0.0, 1),
            ClusterInput {
                id: 3,
                point: RdPoint::new(f64::NAN, Y),
                weight: 1,
            },
            ClusterInput {
                id: 4,
                point: RdPoint::new(X, f64::INFINITY),
                weight: 1,
            },
        ];
        let clusters = dbscan(&points, 50.0, 1);
        assert_eq!(member_sets(&clusters), [vec![1, 2]].into_iter().collect());
    }
}
