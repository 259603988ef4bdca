//! Inspection planning, pure: which open-signal addresses an inspector
//! visits on a day and in which order. [`select()`] trades risk against
//! walking distance to fill the capacity; [`route`] orders the chosen
//! visits as a short walk from the start (nearest neighbour, then 2-opt
//! and segment moves). Positions are RD New metres; nothing here knows of
//! the database or the web.

pub mod route;
pub mod select;

pub use route::{Leg, Point, improved_route, nearest_neighbour_route, route_length};
pub use select::{Candidate, METRES_PER_RISK_POINT, select};

/// A planned walking list: the chosen candidates in route order with the
/// distance of each leg, and the total.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The chosen candidates (indexes into the input) in visiting order,
    /// each with the walk from the previous stop (the start for the first).
    pub visits: Vec<Leg>,
    /// The whole walk from the start to the last visit, in metres.
    pub total_distance_m: f64,
}

/// Plans a list: at most `capacity` of `candidates` (those at or above
/// their caller's minimum score already), chosen by risk and distance from
/// `start`, ordered as a short route.
pub fn plan(start: Point, candidates: &[Candidate], capacity: usize) -> Plan {
    let chosen = select(start, candidates, capacity);
    let points: Vec<Point> = chosen.iter().map(|&i| candidates[i].position).collect();
    let order = improved_route(start, &points);
    let legs = route::legs(start, &points, &order);
    let total_distance_m = legs.iter().map(|leg| leg.distance_m).sum();
    Plan {
        visits: legs
            .into_iter()
            .map(|leg| Leg {
                index: chosen[leg.index],
                distance_m: leg.distance_m,
            })
            .collect(),
        total_distance_m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, x: f64, y: f64, risk: u32) -> Candidate {
        Candidate {
            id,
            position: Point { x, y },
            risk,
        }
    }

    #[test]
    fn a_plan_holds_at_most_the_capacity_and_its_legs_add_up_to_the_total() {
        let candidates: Vec<Candidate> = (0..30_u32)
            .map(|i| candidate(i64::from(i), f64::from(i) * 100.0, 0.0, 10 + i % 7))
            .collect();
        let plan = plan(Point { x: 0.0, y: 0.0 }, &candidates, 8);
        assert_eq!(plan.visits.len(), 8);
        let sum: f64 = plan.visits.iter().map(|v| v.distance_m).sum();
        assert!((sum - plan.total_distance_m).abs() < 1e-6);
        let mut seen: Vec<usize> = plan.visits.iter().map(|v| v.index).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 8, "no candidate is visited twice");
    }

    #[test]
    fn a_plan_with_fewer_candidates_than_capacity_visits_them_all() {
        let candidates = vec![candidate(1, 10.0, 0.0, 5), candidate(2, 20.0, 0.0, 5)];
        let plan = plan(Point { x: 0.0, y: 0.0 }, &candidates, 8);
        assert_eq!(
            plan.visits.iter().map(|v| v.index).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert!((plan.total_distance_m - 20.0).abs() < 1e-9);
    }

    #[test]
    fn no_candidates_make_an_empty_plan() {
        let plan = plan(Point { x: 0.0, y: 0.0 }, &[], 8);
        assert!(plan.visits.is_empty());
        assert!(plan.total_distance_m.abs() < f64::EPSILON);
    }
}
