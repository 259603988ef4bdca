//! What the map views read: the figures per buurt and the hotspots, each
//! address weighted by its risk score.

use std::collections::HashMap;

use diesel::result::QueryResult;

use crate::db::{DbConnection, addresses, occupancies, signals};
use crate::domain::rules::{RuleSet, risk_by_address};
use crate::geo::{Cluster, ClusterInput, RdPoint, dbscan};
use crate::registry::evaluation;

/// What the registry holds in one buurt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Addresses in it.
    pub addresses: i64,
    /// Current occupants.
    pub occupants: i64,
    /// Open signals.
    pub open_signals: i64,
    /// The sum of its addresses' risk scores.
    pub risk_score_sum: u64,
}

/// The figures of every buurt that has any, by buurt code.
pub fn neighbourhood_figures(
    conn: &mut DbConnection,
    rules: &RuleSet,
) -> QueryResult<HashMap<String, Figures>> {
    let mut figures: HashMap<String, Figures> = HashMap::new();
    for (code, count) in addresses::count_by_neighbourhood(conn)? {
        figures.entry(code).or_default().addresses = count;
    }
    for (code, count) in occupancies::count_current_by_neighbourhood(conn, evaluation::today())? {
        figures.entry(code).or_default().occupants = count;
    }
    let scores = signals::open_scores(conn)?;
    for code in scores.iter().filter_map(|(_, code, _)| code.clone()) {
        figures.entry(code).or_default().open_signals += 1;
    }
    // An address lies in one buurt, so (id, buurt) names an address.
    let keyed = scores
        .into_iter()
        .map(|(address_id, code, weight)| ((address_id, code), weight));
    for ((_, code), address_risk) in risk_by_address(keyed, rules) {
        if let Some(code) = code {
            figures.entry(code).or_default().risk_score_sum += u64::from(address_risk);
        }
    }
    Ok(figures)
}

/// A hotspot and how many open signals its addresses have.
#[derive(Debug, Clone)]
pub struct Hotspot {
    /// The cluster of addresses.
    pub cluster: Cluster,
    /// Open signals at its addresses.
    pub open_signals: usize,
}

/// Clusters of addresses with open signals, at most `radius_m` apart and
/// at least `min_addresses` strong, weighted by risk score.
pub fn hotspots(
    conn: &mut DbConnection,
    rules: &RuleSet,
    radius_m: f64,
    min_addresses: usize,
) -> QueryResult<Vec<Hotspot>> {
    let scores = signals::open_scores(conn)?;
    let mut ids: Vec<i64> = scores.iter().map(|(id, _, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let places = addresses::by_ids(conn, &ids)?;
    let mut open_count: HashMap<i64, usize> = HashMap::new();
    for (id, _, _) in &scores {
        *open_count.entry(*id).or_default() += 1;
    }
    let risk = risk_by_address(scores.iter().map(|(id, _, weight)| (*id, *weight)), rules);
    let inputs: Vec<ClusterInput> = places
        .iter()
        .map(|a| ClusterInput {
            id: a.id,
            point: RdPoint::new(a.rd_x, a.rd_y),
            weight: risk.get(&a.id).copied().unwrap_or(0),
        })
        .collect();
    Ok(dbscan(&inputs, radius_m, min_addresses)
        .into_iter()
        .map(|cluster| Hotspot {
            open_signals: cluster
                .members
                .iter()
                .map(|id| open_count.get(id).copied().unwrap_or(0))
                .sum(),
            cluster,
        })
        .collect())
}
