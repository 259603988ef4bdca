//! Planning one walking list of 20 visits in a city of 40 000 addresses
//! of which 2 000 have open signals: the risk per address from the signal
//! weights, the choice by risk and walking distance, and the route
//! (nearest neighbour, then local search), without the database.
//! Run: `cargo bench --bench planning`. Target: under 50 ms.

use std::collections::HashMap;

use criterion::{Criterion, criterion_group, criterion_main};
use woonregister::domain::planning::{self, Candidate, Point};
use woonregister::domain::rules::{RuleSet, risk_by_address};
use woonregister::registry::synthetic::Rng;

const ADDRESSES: usize = 40_000;
const SIGNALS: usize = 2_000;

/// Vlaardingen's extent in RD New metres, roughly.
fn point(rng: &mut Rng) -> Point {
    Point {
        x: 80_500.0 + rng.unit() * 5_500.0,
        y: 433_500.0 + rng.unit() * 3_500.0,
    }
}

fn planning_of_twenty(c: &mut Criterion) {
    let mut rng = Rng::new(7);
    let positions: Vec<Point> = (0..ADDRESSES).map(|_| point(&mut rng)).collect();
    // Signals on 2 000 draws of addresses (some get two), weights 5..=40.
    let signals: Vec<(i64, u32)> = (0..SIGNALS)
        .map(|_| {
            let address = i64::try_from(rng.below(ADDRESSES)).unwrap_or(0);
            let weight = 5 + u32::try_from(rng.below(36)).unwrap_or(0);
            (address, weight)
        })
        .collect();
    let rules = RuleSet::default();
    let start = Point {
        x: 83_000.0,
        y: 435_500.0,
    };

    let plan = || {
        let risk: HashMap<i64, u32> = risk_by_address(signals.iter().copied(), &rules);
        let mut candidates: Vec<Candidate> = risk
            .iter()
            .map(|(&id, &risk)| Candidate {
                id,
                position: positions[usize::try_from(id).unwrap_or(0)],
                risk,
            })
            .collect();
        candidates.sort_by_key(|c| c.id);
        planning::plan(start, &candidates, 20)
    };
    let sample = plan();
    println!(
        "{} visits, {:.0} m walking",
        sample.visits.len(),
        sample.total_distance_m
    );

    c.bench_function("plan 20 visits, 40k addresses, 2k open signals", |b| {
        b.iter(plan);
    });
}

criterion_group!(benches, planning_of_twenty);
criterion_main!(benches);
