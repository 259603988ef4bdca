//! What the map views read: the figures per buurt and the hotspots, each
//! address weighted by its risk score.
//!
//! Both are computed from the whole city, which takes from a tenth of a
//! second to seconds as the city grows, so [`MapCache`] keeps the latest
//! result in memory. A kept result is used while it is current: no write of
//! this service has committed since it was computed (the data generation,
//! [`crate::db::generation`]) and it is younger than [`MAX_AGE`], which
//! bounds how long a write by another process (the command line) takes to
//! show on the maps.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::result::QueryResult;
use rocket::tokio::sync::Mutex;

use crate::db::{DbConnection, addresses, generation, occupancies, signals};
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

/// The ids of each buurt's addresses, by buurt code: one of the two halves
/// [`neighbourhood_figures`] are computed from.
#[derive(Debug, Clone, Default)]
pub struct Buurten(pub Vec<(String, Vec<i64>)>);

/// Who lives where today and the open signals: the other half.
#[derive(Debug, Clone, Default)]
pub struct Occupation {
    /// Address and person of each current occupancy, in address order.
    pub residents: Vec<(i64, i64)>,
    /// Each open signal's address, buurt and weight.
    pub open_scores: Vec<(i64, Option<String>, u32)>,
}

/// Reads the addresses of each buurt.
pub fn read_buurten(conn: &mut DbConnection) -> QueryResult<Buurten> {
    addresses::ids_by_neighbourhood(conn).map(Buurten)
}

/// Reads who lives where today and the open signals.
pub fn read_occupation(conn: &mut DbConnection) -> QueryResult<Occupation> {
    Ok(Occupation {
        residents: occupancies::current_residents(conn, evaluation::today())?,
        open_scores: signals::open_scores(conn)?,
    })
}

/// The figures of every buurt that has any, by buurt code.
///
/// The two halves are read apart so that they can be read side by side on
/// two connections, and joined here: SQLite joining addresses to their
/// occupancies and counting distinct people per buurt took 30 ms at 40 000
/// addresses (a lookup per address, a B-tree per buurt), reading both
/// side by side and joining them here about half of that. Like any set of
/// separate statements they may see the data a commit apart; the maps are
/// kept for seconds anyway (see the module).
pub fn neighbourhood_figures(
    Buurten(buurten): Buurten,
    occupation: &Occupation,
    rules: &RuleSet,
) -> HashMap<String, Figures> {
    let mut counted: Vec<Figures> = buurten
        .iter()
        .map(|(_, ids)| Figures {
            addresses: i64::try_from(ids.len()).unwrap_or(i64::MAX),
            ..Figures::default()
        })
        .collect();
    // Each address with the number of its buurt, in id order, to join the
    // occupancies (in address order) to as they come.
    let mut buurt_of: Vec<(i64, usize)> = buurten
        .iter()
        .enumerate()
        .flat_map(|(number, (_, ids))| ids.iter().map(move |id| (*id, number)))
        .collect();
    buurt_of.sort_unstable();
    let mut places = buurt_of.iter().peekable();
    let mut residents: Vec<Vec<i64>> = vec![Vec::new(); buurten.len()];
    for (address_id, person_id) in &occupation.residents {
        while places.next_if(|(id, _)| id < address_id).is_some() {}
        if let Some((id, number)) = places.peek()
            && id == address_id
        {
            residents[*number].push(*person_id);
        }
    }
    // A person counts once in a buurt, whatever the number of sources or
    // addresses there.
    for (figures, mut people) in counted.iter_mut().zip(residents) {
        people.sort_unstable();
        people.dedup();
        figures.occupants = i64::try_from(people.len()).unwrap_or(i64::MAX);
    }
    let mut figures: HashMap<String, Figures> = buurten
        .into_iter()
        .map(|(code, _)| code)
        .zip(counted)
        .collect();
    let scores = &occupation.open_scores;
    for code in scores.iter().filter_map(|(_, code, _)| code.clone()) {
        figures.entry(code).or_default().open_signals += 1;
    }
    // An address lies in one buurt, so (id, buurt) names an address.
    let keyed = scores
        .iter()
        .map(|(address_id, code, weight)| ((*address_id, code.clone()), *weight));
    for ((_, code), address_risk) in risk_by_address(keyed, rules) {
        if let Some(code) = code {
            figures.entry(code).or_default().risk_score_sum += u64::from(address_risk);
        }
    }
    figures
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

/// The longest a kept map result is used: how long a write by another
/// process (the command line) may take to show on the maps.
pub const MAX_AGE: Duration = Duration::from_secs(2);

/// How many hotspot results, each for one radius and size, are kept.
const KEPT_HOTSPOT_QUERIES: usize = 8;

/// A result, with when and from which data generation it was computed.
#[derive(Debug)]
struct Kept<T> {
    generation: u64,
    at: Instant,
    value: Arc<T>,
}

impl<T> Kept<T> {
    fn current(&self) -> Option<Arc<T>> {
        (self.generation == generation::current() && self.at.elapsed() < MAX_AGE)
            .then(|| Arc::clone(&self.value))
    }
}

/// Hotspots kept for one radius (its bits) and size.
type KeptHotspots = ((u64, usize), Kept<Vec<Hotspot>>);

/// The map results of one database, kept while current (see the module).
/// One request computes a result while the others that need it wait for it.
#[derive(Debug, Default)]
pub struct MapCache {
    figures: Mutex<Option<Kept<HashMap<String, Figures>>>>,
    hotspots: Mutex<Vec<KeptHotspots>>,
}

impl MapCache {
    /// The figures per buurt: kept ones while current, else `compute`d.
    pub async fn figures<E, F, Fut>(&self, compute: F) -> Result<Arc<HashMap<String, Figures>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<HashMap<String, Figures>, E>>,
    {
        let mut kept = self.figures.lock().await;
        if let Some(value) = kept.as_ref().and_then(Kept::current) {
            return Ok(value);
        }
        let (generation, at) = (generation::current(), Instant::now());
        let value = Arc::new(compute().await?);
        *kept = Some(Kept {
            generation,
            at,
            value: Arc::clone(&value),
        });
        Ok(value)
    }

    /// The hotspots for this radius and size: kept ones while current,
    /// else `compute`d.
    pub async fn hotspots<E, F, Fut>(
        &self,
        radius_m: f64,
        min_addresses: usize,
        compute: F,
    ) -> Result<Arc<Vec<Hotspot>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Hotspot>, E>>,
    {
        let key = (radius_m.to_bits(), min_addresses);
        let mut kept = self.hotspots.lock().await;
        if let Some(value) = kept
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, kept)| kept.current())
        {
            return Ok(value);
        }
        let (generation, at) = (generation::current(), Instant::now());
        let value = Arc::new(compute().await?);
        kept.retain(|(k, kept)| *k != key && kept.current().is_some());
        if kept.len() >= KEPT_HOTSPOT_QUERIES {
            kept.remove(0);
        }
        kept.push((
            key,
            Kept {
                generation,
                at,
                value: Arc::clone(&value),
            },
        ));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    fn figures(addresses: i64) -> HashMap<String, Figures> {
        HashMap::from([(
            "BU06220101".to_owned(),
            Figures {
                addresses,
                ..Figures::default()
            },
        )])
    }

    async fn read(cache: &MapCache, addresses: i64) -> i64 {
        cache
            .figures(|| async { Ok::<_, ()>(figures(addresses)) })
            .await
            .unwrap()["BU06220101"]
            .addresses
    }

    #[test]
    fn a_person_counts_once_in_each_buurt_they_live_in() {
        let buurten = Buurten(vec![
            ("BU06220101".to_owned(), vec![3, 10, 11]),
            ("BU06220102".to_owned(), vec![1, 12]),
        ]);
        let occupation = Occupation {
            residents: vec![
                // Person 7 at address 1 in one buurt, and both registered
                // and declared at 10 and declared at 11 in the other.
                (1, 7),
                (2, 8), // an address in no buurt
                (10, 7),
                (10, 7),
                (10, 9),
                (11, 7),
                (12, 9),
            ],
            open_scores: vec![
                (10, Some("BU06220101".to_owned()), 30),
                (10, Some("BU06220101".to_owned()), 30),
            ],
        };
        let figures = neighbourhood_figures(buurten, &occupation, &RuleSet::default());
        let first = figures["BU06220101"];
        assert_eq!((first.addresses, first.occupants), (3, 2));
        assert_eq!((first.open_signals, first.risk_score_sum), (2, 60));
        let second = figures["BU06220102"];
        assert_eq!((second.addresses, second.occupants), (2, 2));
        assert_eq!((second.open_signals, second.risk_score_sum), (0, 0));
        assert_eq!(figures.len(), 2);
    }

    #[rocket::async_test]
    async fn kept_figures_are_used_until_a_write_commits() {
        let cache = MapCache::default();
        assert_eq!(read(&cache, 1).await, 1);
        assert_eq!(read(&cache, 2).await, 1, "kept");
        generation::bump();
        assert_eq!(read(&cache, 3).await, 3, "computed again after a write");
    }

    #[rocket::async_test]
    async fn kept_figures_are_computed_again_once_too_old() {
        let cache = MapCache::default();
        assert_eq!(read(&cache, 1).await, 1);
        if let Some(kept) = cache.figures.lock().await.as_mut() {
            kept.at = Instant::now().checked_sub(MAX_AGE).unwrap();
        }
        assert_eq!(read(&cache, 2).await, 2);
    }

    #[rocket::async_test]
    async fn hotspots_are_kept_per_radius_and_size_within_a_bound() {
        let cache = MapCache::default();
        for n in 0..20 {
            let got = cache
                .hotspots(150.0, n, || async { Ok::<_, ()>(Vec::new()) })
                .await
                .unwrap();
            assert!(got.is_empty());
        }
        let kept = cache.hotspots.lock().await;
        assert!(kept.len() <= KEPT_HOTSPOT_QUERIES);
    }
}
