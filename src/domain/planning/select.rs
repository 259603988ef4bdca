//! Choosing which addresses fill a list: the riskiest first, but a slightly
//! less risky address next door beats a slightly riskier one across town.
//! Each next pick maximises its risk minus its detour (the walk from the
//! nearest stop already chosen, or the start) priced at
//! [`METRES_PER_RISK_POINT`].

use super::route::Point;

/// How many metres of extra walking one risk point is worth.
pub const METRES_PER_RISK_POINT: f64 = 50.0;
/// Only the riskiest candidates, this many per place on the list (and at
/// least [`MIN_POOL`]), are considered at all.
const POOL_PER_PLACE: usize = 4;
/// The smallest pool considered.
const MIN_POOL: usize = 24;

/// An address that could be visited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The address's id.
    pub id: i64,
    /// Where it is (RD New metres).
    pub position: Point,
    /// Its risk score.
    pub risk: u32,
}

/// The indexes of at most `capacity` of `candidates`, in the order picked.
pub fn select(start: Point, candidates: &[Candidate], capacity: usize) -> Vec<usize> {
    if capacity == 0 || candidates.is_empty() {
        return Vec::new();
    }
    let pool = riskiest(start, candidates, capacity);
    let mut chosen: Vec<usize> = Vec::with_capacity(capacity.min(pool.len()));
    // The walk to each pooled candidate from the nearest chosen stop.
    let mut detour: Vec<f64> = pool
        .iter()
        .map(|&i| start.distance(candidates[i].position))
        .collect();
    let mut taken = vec![false; pool.len()];
    while chosen.len() < capacity {
        let mut best: Option<(usize, f64)> = None;
        for (slot, &i) in pool.iter().enumerate() {
            if taken[slot] {
                continue;
            }
            let value = f64::from(candidates[i].risk) - detour[slot] / METRES_PER_RISK_POINT;
            if best.is_none_or(|(_, b)| value > b) {
                best = Some((slot, value));
            }
        }
        let Some((slot, _)) = best else { break };
        taken[slot] = true;
        let picked = candidates[pool[slot]].position;
        chosen.push(pool[slot]);
        for (other, &i) in pool.iter().enumerate() {
            detour[other] = detour[other].min(picked.distance(candidates[i].position));
        }
    }
    chosen
}

/// The indexes of the riskiest candidates (ties: nearest the start first),
/// as many as the pool for `capacity` holds.
fn riskiest(start: Point, candidates: &[Candidate], capacity: usize) -> Vec<usize> {
    let size = capacity.saturating_mul(POOL_PER_PLACE).max(MIN_POOL);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    let key = |i: usize| {
        (
            std::cmp::Reverse(candidates[i].risk),
            start.distance(candidates[i].position),
        )
    };
    let compare = |a: &usize, b: &usize| {
        let (ra, da) = key(*a);
        let (rb, db) = key(*b);
        ra.cmp(&rb).then(da.total_cmp(&db))
    };
    if order.len() > size {
        order.select_nth_unstable_by(size - 1, compare);
        order.truncate(size);
    }
    order.sort_by(compare);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: i64, x: f64, risk: u32) -> Candidate {
        Candidate {
            id,
            position: Point { x, y: 0.0 },
            risk,
        }
    }

    const START: Point = Point { x: 0.0, y: 0.0 };

    #[test]
    fn the_riskiest_candidates_are_chosen_when_they_lie_together() {
        let candidates = vec![
            at(1, 100.0, 10),
            at(2, 110.0, 90),
            at(3, 120.0, 80),
            at(4, 130.0, 5),
        ];
        let mut chosen = select(START, &candidates, 2);
        chosen.sort_unstable();
        assert_eq!(chosen, vec![1, 2]);
    }

    #[test]
    fn a_nearby_address_beats_a_slightly_riskier_one_far_away() {
        // After the riskiest (id 1 at 100 m), id 2 lies 20 m on and id 3
        // 5 km away with one point more.
        let candidates = vec![at(1, 100.0, 60), at(2, 120.0, 40), at(3, 5_100.0, 41)];
        assert_eq!(select(START, &candidates, 2), vec![0, 1]);
    }

    #[test]
    fn a_far_address_is_still_chosen_when_its_risk_outweighs_the_walk() {
        let candidates = vec![at(1, 100.0, 60), at(2, 120.0, 10), at(3, 1_100.0, 50)];
        assert_eq!(select(START, &candidates, 2), vec![0, 2]);
    }

    #[test]
    fn the_pool_keeps_the_riskiest_of_many() {
        let mut candidates: Vec<Candidate> = (0..1_000).map(|i| at(i, 10.0, 1)).collect();
        candidates.push(at(5_000, 3_000.0, 100));
        assert!(select(START, &candidates, 3).contains(&1_000));
    }

    #[test]
    fn zero_capacity_chooses_nothing() {
        assert!(select(START, &[at(1, 1.0, 1)], 0).is_empty());
    }
}
