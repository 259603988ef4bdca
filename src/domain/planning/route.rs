//! Ordering visits as a short open walk from a start point: nearest
//! neighbour, then local search (2-opt reversals and moves of segments of
//! up to three stops, also reversed) until nothing improves. Small lists
//! try every first stop; the best walk wins.

/// A position in RD New metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Easting.
    pub x: f64,
    /// Northing.
    pub y: f64,
}

impl Point {
    /// The straight-line distance to `other`, in metres.
    pub fn distance(self, other: Point) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// One stop of a walk: which point, and the walk to it from the stop
/// before (the start for the first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leg {
    /// The point's index in its input.
    pub index: usize,
    /// The leg's length in metres.
    pub distance_m: f64,
}

/// Up to this many stops, every stop is tried as the first one.
const EVERY_FIRST_STOP_UP_TO: usize = 30;
/// Above that, only this many stops nearest the start are tried first.
const FIRST_STOPS_TRIED: usize = 8;
/// Improvements smaller than this (metres) are rounding, not progress.
const EPSILON: f64 = 1e-9;

/// The length of the walk from `start` through `points` in `order`.
pub fn route_length(start: Point, points: &[Point], order: &[usize]) -> f64 {
    legs(start, points, order)
        .iter()
        .map(|leg| leg.distance_m)
        .sum()
}

/// The legs of the walk from `start` through `points` in `order`.
pub fn legs(start: Point, points: &[Point], order: &[usize]) -> Vec<Leg> {
    let mut at = start;
    order
        .iter()
        .map(|&index| {
            let distance_m = at.distance(points[index]);
            at = points[index];
            Leg { index, distance_m }
        })
        .collect()
}

/// The plain nearest-neighbour walk from `start`: always the closest
/// unvisited point next.
pub fn nearest_neighbour_route(start: Point, points: &[Point]) -> Vec<usize> {
    nearest_neighbour_from(start, points, None)
}

fn nearest_neighbour_from(start: Point, points: &[Point], first: Option<usize>) -> Vec<usize> {
    let mut visited = vec![false; points.len()];
    let mut order = Vec::with_capacity(points.len());
    let mut at = start;
    if let Some(first) = first {
        visited[first] = true;
        order.push(first);
        at = points[first];
    }
    while order.len() < points.len() {
        let mut best: Option<(usize, f64)> = None;
        for (i, point) in points.iter().enumerate() {
            if visited[i] {
                continue;
            }
            let d = at.distance(*point);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        let Some((next, _)) = best else { break };
        visited[next] = true;
        order.push(next);
        at = points[next];
    }
    order
}

/// A short walk from `start` through every point: nearest neighbour from
/// one or more first stops, each improved by local search; the shortest.
pub fn improved_route(start: Point, points: &[Point]) -> Vec<usize> {
    let n = points.len();
    if n < 2 {
        return (0..n).collect();
    }
    let mut firsts: Vec<usize> = (0..n).collect();
    if n > EVERY_FIRST_STOP_UP_TO {
        firsts.sort_by(|&a, &b| {
            start
                .distance(points[a])
                .total_cmp(&start.distance(points[b]))
        });
        firsts.truncate(FIRST_STOPS_TRIED);
    }
    let mut best: Option<(Vec<usize>, f64)> = None;
    for first in firsts {
        let mut order = nearest_neighbour_from(start, points, Some(first));
        improve(start, points, &mut order);
        let length = route_length(start, points, &order);
        if best.as_ref().is_none_or(|(_, b)| length < *b - EPSILON) {
            best = Some((order, length));
        }
    }
    best.map(|(order, _)| order).unwrap_or_default()
}

/// Local search on `order` until no 2-opt reversal or segment move
/// shortens the walk.
fn improve(start: Point, points: &[Point], order: &mut Vec<usize>) {
    let mut stops: Vec<Point> = Vec::with_capacity(order.len() + 1);
    loop {
        stops.clear();
        stops.push(start);
        stops.extend(order.iter().map(|&i| points[i]));
        if let Some((i, j)) = best_reversal(&stops) {
            order[i - 1..j].reverse();
            continue;
        }
        if let Some(shift) = first_segment_move(&stops) {
            shift.apply(order);
            continue;
        }
        break;
    }
}

/// The reversal `stops[i..=j]` (stop 0 is the fixed start) that shortens
/// the open walk most, if any does.
fn best_reversal(stops: &[Point]) -> Option<(usize, usize)> {
    let last = stops.len() - 1;
    let mut best: Option<(usize, usize, f64)> = None;
    for i in 1..last {
        for j in i + 1..=last {
            let mut delta = stops[i - 1].distance(stops[j]) - stops[i - 1].distance(stops[i]);
            if j < last {
                delta += stops[i].distance(stops[j + 1]) - stops[j].distance(stops[j + 1]);
            }
            if delta < -EPSILON && best.is_none_or(|(_, _, b)| delta < b) {
                best = Some((i, j, delta));
            }
        }
    }
    best.map(|(i, j, _)| (i, j))
}

/// Moving the stops `from..from + len` (of the order, not counting the
/// start) to after order position `after` (`None`: first), maybe reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SegmentMove {
    from: usize,
    len: usize,
    after: Option<usize>,
    reversed: bool,
}

impl SegmentMove {
    fn apply(self, order: &mut Vec<usize>) {
        let mut segment: Vec<usize> = order.drain(self.from..self.from + self.len).collect();
        if self.reversed {
            segment.reverse();
        }
        let at = match self.after {
            None => 0,
            Some(after) if after < self.from => after + 1,
            Some(after) => after + 1 - self.len,
        };
        order.splice(at..at, segment);
    }
}

/// The first move of a segment of one to three stops elsewhere in the walk
/// (possibly reversed) that shortens it.
fn first_segment_move(stops: &[Point]) -> Option<SegmentMove> {
    let last = stops.len() - 1;
    for len in 1..=3.min(last) {
        for i in 1..=last + 1 - len {
            let k = i + len - 1;
            let (head, tail) = (stops[i], stops[k]);
            let prev = stops[i - 1];
            let removed_gain = if k < last {
                prev.distance(head) + tail.distance(stops[k + 1]) - prev.distance(stops[k + 1])
            } else {
                prev.distance(head)
            };
            for j in 0..=last {
                if j + 1 >= i && j <= k {
                    continue;
                }
                for reversed in [false, true] {
                    let (a, b) = if reversed { (tail, head) } else { (head, tail) };
                    let added = if j < last {
                        stops[j].distance(a) + b.distance(stops[j + 1])
                            - stops[j].distance(stops[j + 1])
                    } else {
                        stops[j].distance(a)
                    };
                    if added - removed_gain < -EPSILON {
                        return Some(SegmentMove {
                            from: i - 1,
                            len,
                            after: j.checked_sub(1),
                            reversed,
                        });
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so that every run tests
    /// the same instances.
    struct Random(u64);

    impl Random {
        fn next_unit(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            f64::from(u32::try_from(self.0 >> 32).unwrap_or(0)) / f64::from(u32::MAX)
        }

        fn point(&mut self) -> Point {
            Point {
                x: 80_000.0 + self.next_unit() * 3_000.0,
                y: 435_000.0 + self.next_unit() * 3_000.0,
            }
        }
    }

    fn optimal_length(start: Point, points: &[Point]) -> f64 {
        fn search(at: Point, points: &[Point], used: &mut Vec<bool>, so_far: f64, best: &mut f64) {
            if so_far >= *best {
                return;
            }
            if used.iter().all(|u| *u) {
                *best = so_far;
                return;
            }
            for i in 0..points.len() {
                if !used[i] {
                    used[i] = true;
                    search(
                        points[i],
                        points,
                        used,
                        so_far + at.distance(points[i]),
                        best,
                    );
                    used[i] = false;
                }
            }
        }
        let mut best = f64::INFINITY;
        search(
            start,
            points,
            &mut vec![false; points.len()],
            0.0,
            &mut best,
        );
        best
    }

    fn is_permutation(order: &[usize], n: usize) -> bool {
        let mut sorted = order.to_vec();
        sorted.sort_unstable();
        sorted == (0..n).collect::<Vec<_>>()
    }

    #[test]
    fn on_random_instances_of_up_to_nine_visits_the_route_is_within_five_percent_of_optimal() {
        let mut random = Random(0x5eed_1234_abcd_0001);
        let mut worst: f64 = 1.0;
        for instance in 0..300 {
            let n = 2 + instance % 8;
            let start = random.point();
            let points: Vec<Point> = (0..n).map(|_| random.point()).collect();
            let order = improved_route(start, &points);
            assert!(is_permutation(&order, n));
            let ratio = route_length(start, &points, &order) / optimal_length(start, &points);
            worst = worst.max(ratio);
            assert!(
                ratio <= 1.05,
                "instance {instance} with {n} visits is {ratio:.4} times the optimum"
            );
        }
        assert!(worst >= 1.0);
    }

    #[test]
    fn on_fifty_visits_the_route_beats_plain_nearest_neighbour() {
        let mut random = Random(0x0bad_cafe_f00d_0050);
        for _ in 0..5 {
            let start = random.point();
            let points: Vec<Point> = (0..50).map(|_| random.point()).collect();
            let plain = route_length(start, &points, &nearest_neighbour_route(start, &points));
            let order = improved_route(start, &points);
            assert!(is_permutation(&order, 50));
            let improved = route_length(start, &points, &order);
            assert!(improved < plain, "{improved} is not shorter than {plain}");
        }
    }

    #[test]
    fn points_on_a_line_are_walked_outwards_from_the_start() {
        let points: Vec<Point> = [300.0, 100.0, 400.0, 200.0]
            .into_iter()
            .map(|x| Point { x, y: 0.0 })
            .collect();
        let start = Point { x: 0.0, y: 0.0 };
        assert_eq!(improved_route(start, &points), vec![1, 3, 0, 2]);
        assert!((route_length(start, &points, &[1, 3, 0, 2]) - 400.0).abs() < 1e-9);
    }

    #[test]
    fn a_segment_move_lands_where_it_says() {
        let mut order = vec![0, 1, 2, 3, 4];
        SegmentMove {
            from: 1,
            len: 2,
            after: Some(3),
            reversed: true,
        }
        .apply(&mut order);
        assert_eq!(order, vec![0, 3, 2, 1, 4]);
        let mut order = vec![0, 1, 2, 3, 4];
        SegmentMove {
            from: 3,
            len: 1,
            after: None,
            reversed: false,
        }
        .apply(&mut order);
        assert_eq!(order, vec![3, 0, 1, 2, 4]);
    }
}
