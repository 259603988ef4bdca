//! The pure rules engine over 40 000 synthetic address snapshots.
//! Run: `cargo bench --bench rules`. Target: at least a million snapshots
//! per second on one core.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use woonregister::domain::rules::{RuleSet, evaluate};
use woonregister::registry::synthetic::{CityPlan, snapshots};

fn evaluate_city(c: &mut Criterion) {
    let on = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    let plan = CityPlan::vlaardingen(42);
    let city = snapshots(&plan, on);
    let rules = RuleSet::default();
    let findings: usize = city.iter().map(|s| evaluate(s, &rules, on).len()).sum();
    println!(
        "{} snapshots, {} occupied, {findings} findings",
        city.len(),
        city.iter().filter(|s| !s.occupants.is_empty()).count()
    );
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(city.len() as u64));
    group.bench_function("evaluate 40k snapshots", |b| {
        b.iter(|| {
            let mut fired = 0;
            for snapshot in &city {
                fired += evaluate(black_box(snapshot), &rules, on).len();
            }
            black_box(fired)
        });
    });
    group.finish();
}

criterion_group!(benches, evaluate_city);
criterion_main!(benches);
