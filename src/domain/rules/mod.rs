//! The signal rules: pure functions from an address snapshot on a day to
//! explained findings. Each rule compares plain numbers with a configured
//! threshold and says which norm it applies; missing data never fires a
//! rule. Nothing here reads a database, and the snapshot has no
//! nationality, so no rule can use it.

mod dependency;
pub mod group;
mod households;
mod inspection;
mod overcrowding;
mod registration;
mod ruleset;
mod snapshot;
mod turnover;
mod usage;

use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::wire_name::wire_enum;

pub use ruleset::{RuleSet, RuleSetting};
pub use snapshot::{
    AddressSnapshot, DeclaredTerms, InspectionFinding, Occupant, OrganisationFacts,
};

wire_enum! {
    /// The rules, by their stable names, in the order findings are
    /// reported. `ALL`, `as_str` and `parse` come from this one list, so a
    /// new rule cannot be left out of an evaluation.
    pub enum RuleId as "rule" {
        /// Fewer square metres per occupant than the norm.
        OvercrowdingFloorArea = "overcrowding-floor-area",
        /// More occupants per bedroom than the norm.
        OvercrowdingBedrooms = "overcrowding-bedrooms",
        /// More adults not forming one household than the local plan allows.
        UnrelatedAdults = "unrelated-adults",
        /// People housed in a building not meant for living.
        NonResidentialUse = "non-residential-use",
        /// An occupant's employer is the landlord, or in its group.
        AgencyIsLandlord = "agency-is-landlord",
        /// A lease that is not separate from the work contract.
        CoupledContracts = "coupled-contracts",
        /// Rent deducted from wages for uncertified housing.
        WageDeductionUncertified = "wage-deduction-uncertified",
        /// Many occupants with one employer.
        EmployerConcentration = "employer-concentration",
        /// Many move-ins in a short time.
        HighTurnover = "high-turnover",
        /// An occupant's employer is an uncertified agency.
        UncertifiedAgency = "uncertified-agency",
        /// The last inspection found more people than were declared.
        UndeclaredOccupants = "undeclared-occupants",
        /// A worker declared here for longer than the grace period is not
        /// registered here in the BRP.
        DeclaredNotRegistered = "declared-not-registered",
        /// A declared worker is registered in the BRP at another address.
        RegisteredElsewhere = "registered-elsewhere",
    }
}

wire_enum! {
    /// How serious a finding is.
    pub enum Severity as "severity" {
        /// Worth a look.
        Low = "low",
        /// Worth a visit.
        Medium = "medium",
        /// Visit first.
        High = "high",
    }
}

/// Why a rule fired, in plain numbers, and the norm it applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// One sentence a person reads, e.g. "5 occupants on 38 m² = 7.6 m² per person; norm 12 m² per person".
    pub summary: String,
    /// The measured values by name.
    pub measured: serde_json::Value,
    /// The threshold that was crossed.
    pub threshold: serde_json::Value,
    /// The source of the norm.
    pub norm: String,
}

/// A rule that fires for an address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Which rule.
    pub rule: RuleId,
    /// How serious.
    pub severity: Severity,
    /// Its weight in the address's risk score.
    pub score: u32,
    /// Why.
    pub evidence: Evidence,
}

/// What one rule concluded about one address.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The rule fires.
    Fires(Finding),
    /// The rule holds: nothing to report.
    Holds,
    /// The rule cannot be judged: this data is missing.
    Missing(&'static str),
}

/// A rule's finding before the configured severity and weight are added.
pub(crate) struct Fired {
    summary: String,
    measured: serde_json::Value,
    threshold: serde_json::Value,
}

impl Fired {
    pub(crate) fn new(
        summary: String,
        measured: serde_json::Value,
        threshold: serde_json::Value,
    ) -> Self {
        Self {
            summary,
            measured,
            threshold,
        }
    }
}

/// What a rule function returns.
pub(crate) enum Judgement {
    Fires(Fired),
    Holds,
    Missing(&'static str),
}

fn judge(rule: RuleId, snapshot: &AddressSnapshot, rules: &RuleSet, on: NaiveDate) -> Judgement {
    match rule {
        RuleId::OvercrowdingFloorArea => overcrowding::floor_area(snapshot, rules),
        RuleId::OvercrowdingBedrooms => overcrowding::bedrooms(snapshot, rules),
        RuleId::UnrelatedAdults => households::unrelated_adults(snapshot, rules, on),
        RuleId::NonResidentialUse => usage::non_residential_use(snapshot),
        RuleId::AgencyIsLandlord => dependency::agency_is_landlord(snapshot),
        RuleId::CoupledContracts => dependency::coupled_contracts(snapshot),
        RuleId::WageDeductionUncertified => dependency::wage_deduction_uncertified(snapshot),
        RuleId::EmployerConcentration => dependency::employer_concentration(snapshot, rules),
        RuleId::HighTurnover => turnover::high_turnover(snapshot, rules, on),
        RuleId::UncertifiedAgency => dependency::uncertified_agency(snapshot),
        RuleId::UndeclaredOccupants => inspection::undeclared_occupants(snapshot),
        RuleId::DeclaredNotRegistered => registration::declared_not_registered(snapshot, rules, on),
        RuleId::RegisteredElsewhere => registration::registered_elsewhere(snapshot, rules),
    }
}

/// What `rule` concludes about the address on day `on`.
pub fn judge_rule(
    rule: RuleId,
    snapshot: &AddressSnapshot,
    rules: &RuleSet,
    on: NaiveDate,
) -> Outcome {
    match judge(rule, snapshot, rules, on) {
        Judgement::Fires(fired) => {
            let setting = rules.setting(rule);
            Outcome::Fires(Finding {
                rule,
                severity: setting.severity,
                score: setting.weight,
                evidence: Evidence {
                    summary: fired.summary,
                    measured: fired.measured,
                    threshold: fired.threshold,
                    norm: setting.source.clone(),
                },
            })
        }
        Judgement::Holds => Outcome::Holds,
        Judgement::Missing(what) => Outcome::Missing(what),
    }
}

/// Every enabled rule that fires for the address on day `on`.
pub fn evaluate(snapshot: &AddressSnapshot, rules: &RuleSet, on: NaiveDate) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in RuleId::ALL {
        if !rules.setting(rule).enabled {
            continue;
        }
        if let Outcome::Fires(finding) = judge_rule(rule, snapshot, rules, on) {
            findings.push(finding);
        }
    }
    findings
}

/// Every enabled rule's conclusion, fired or not, for explaining an address.
pub fn explain(
    snapshot: &AddressSnapshot,
    rules: &RuleSet,
    on: NaiveDate,
) -> Vec<(RuleId, Outcome)> {
    RuleId::ALL
        .into_iter()
        .filter(|rule| rules.setting(*rule).enabled)
        .map(|rule| (rule, judge_rule(rule, snapshot, rules, on)))
        .collect()
}

/// The risk score of each address: the sum of the weights of its open
/// signals (or findings), capped at the configured maximum. `K` names the
/// address, e.g. its id; every place that shows a risk score calls this.
pub fn risk_by_address<K: Eq + Hash>(
    weights: impl IntoIterator<Item = (K, u32)>,
    rules: &RuleSet,
) -> HashMap<K, u32> {
    let mut sums: HashMap<K, u32> = HashMap::new();
    for (address, weight) in weights {
        let sum = sums.entry(address).or_default();
        *sum = sum.saturating_add(weight);
    }
    for sum in sums.values_mut() {
        *sum = (*sum).min(rules.max_risk_score);
    }
    sums
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders of snapshots for the rules' tests.

    use chrono::NaiveDate;

    use super::group::chain;
    use super::{AddressSnapshot, DeclaredTerms, Occupant, OrganisationFacts};
    use crate::domain::UsagePurpose;

    /// A residential address with these occupants and nothing else known.
    pub fn snapshot_with(occupants: Vec<Occupant>) -> AddressSnapshot {
        let mut snapshot = AddressSnapshot::empty(1, UsagePurpose::Residential);
        snapshot.occupants = occupants;
        snapshot
    }

    /// `n` unrelated adult occupants.
    pub fn occupied(n: usize) -> AddressSnapshot {
        snapshot_with((0..n).map(|i| occupant(i, "1990-01-01", None)).collect())
    }

    /// An occupant born on `born` (YYYY-MM-DD).
    pub fn occupant(id: usize, born: &str, household: Option<&str>) -> Occupant {
        Occupant {
            person_id: i64::try_from(id).unwrap_or_default(),
            date_of_birth: NaiveDate::parse_from_str(born, "%Y-%m-%d").unwrap_or_default(),
            household: household.map(str::to_owned),
            employers: Vec::new(),
            registered: false,
            declared_since: None,
            registered_elsewhere: false,
        }
    }

    /// An organisation whose parents, from near to far, are `parents`.
    pub fn organisation(id: i64, kvk: &str, parents: &[&str]) -> OrganisationFacts {
        let mut links: Vec<(&str, &str)> = Vec::new();
        let mut child = kvk;
        for parent in parents {
            links.push((child, parent));
            child = parent;
        }
        OrganisationFacts {
            id,
            kvk_number: kvk.to_owned(),
            name: format!("Org {kvk}"),
            is_agency: false,
            is_certified: false,
            group: chain(kvk, |k| {
                links.iter().find(|(c, _)| *c == k).map(|(_, p)| *p)
            }),
        }
    }

    /// An agency.
    pub fn agency(id: i64, kvk: &str, parents: &[&str], is_certified: bool) -> OrganisationFacts {
        OrganisationFacts {
            is_agency: true,
            is_certified,
            ..organisation(id, kvk, parents)
        }
    }

    /// Declared terms with this provider.
    pub fn terms(
        id: i64,
        deducted: bool,
        separate: bool,
        provider: &OrganisationFacts,
    ) -> DeclaredTerms {
        DeclaredTerms {
            declaration_id: id,
            rent_deducted_from_wages: deducted,
            separate_rental_contract: separate,
            provider: provider.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::test_support::{agency, occupant, occupied, snapshot_with};

    /// `n` adults forming one household in a home of `area` m².
    fn family(n: usize, area: f64) -> AddressSnapshot {
        let mut s = snapshot_with(
            (0..n)
                .map(|i| occupant(i, "1985-06-01", Some("family")))
                .collect(),
        );
        s.floor_area_m2 = Some(area);
        s
    }
    use super::*;
    use crate::domain::UsagePurpose;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    #[test]
    fn an_empty_address_has_no_findings() {
        let s = AddressSnapshot::empty(7, UsagePurpose::Office);
        assert!(evaluate(&s, &RuleSet::default(), on()).is_empty());
    }

    #[test]
    fn findings_carry_the_configured_severity_weight_and_norm() {
        let mut rules = RuleSet::default();
        rules.overcrowding_floor_area.weight = 42;
        rules.overcrowding_floor_area.severity = Severity::Low;
        rules.overcrowding_floor_area.source = "local bylaw 7".to_owned();
        let s = family(4, 20.0);
        let findings = evaluate(&s, &rules, on());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, RuleId::OvercrowdingFloorArea);
        assert_eq!(findings[0].score, 42);
        assert_eq!(findings[0].severity, Severity::Low);
        assert_eq!(findings[0].evidence.norm, "local bylaw 7");
    }

    #[test]
    fn a_disabled_rule_never_fires() {
        let mut rules = RuleSet::default();
        rules.overcrowding_floor_area.enabled = false;
        let s = family(4, 20.0);
        assert!(evaluate(&s, &rules, on()).is_empty());
        assert!(
            explain(&s, &rules, on())
                .iter()
                .all(|(r, _)| *r != RuleId::OvercrowdingFloorArea)
        );
    }

    #[test]
    fn a_local_threshold_changes_the_outcome() {
        let s = occupied(3);
        let mut strict = RuleSet::default();
        assert!(
            evaluate(&s, &strict, on())
                .iter()
                .any(|f| f.rule == RuleId::UnrelatedAdults)
        );
        strict.max_unrelated_adults = 3;
        assert!(
            !evaluate(&s, &strict, on())
                .iter()
                .any(|f| f.rule == RuleId::UnrelatedAdults)
        );
    }

    #[test]
    fn explain_names_missing_data_for_every_rule_that_needs_it() {
        let s = occupied(2);
        let outcomes = explain(&s, &RuleSet::default(), on());
        let missing: Vec<RuleId> = outcomes
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Missing(_)))
            .map(|(r, _)| *r)
            .collect();
        assert_eq!(
            missing,
            [
                RuleId::OvercrowdingFloorArea,
                RuleId::OvercrowdingBedrooms,
                RuleId::AgencyIsLandlord
            ]
        );
    }

    #[test]
    fn the_risk_score_of_each_address_is_the_capped_sum_of_its_weights() {
        let rules = RuleSet::default();
        let risk = risk_by_address(
            [
                (1, 30),
                (2, 30),
                (1, 25),
                (2, 30),
                (2, 25),
                (2, 25),
                (2, 25),
            ],
            &rules,
        );
        assert_eq!(risk.get(&1), Some(&55));
        assert_eq!(risk.get(&2), Some(&100));
        assert_eq!(risk.len(), 2);
        assert!(risk_by_address(std::iter::empty::<(i64, u32)>(), &rules).is_empty());
    }

    #[test]
    fn the_risk_score_saturates_instead_of_overflowing() {
        let rules = RuleSet {
            max_risk_score: u32::MAX,
            ..RuleSet::default()
        };
        let risk = risk_by_address([("a", u32::MAX), ("a", 1)], &rules);
        assert_eq!(risk.get("a"), Some(&u32::MAX));
    }

    #[test]
    fn every_rule_is_listed_once_and_has_a_setting() {
        let mut names: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RuleId::ALL.len());
        let rules = RuleSet::default();
        for rule in RuleId::ALL {
            assert!(!rules.setting(rule).source.is_empty(), "{rule}");
            assert_eq!(rule.to_string().parse::<RuleId>(), Ok(rule));
        }
    }

    #[test]
    fn rule_names_round_trip() {
        for rule in RuleId::ALL {
            assert_eq!(RuleId::parse(rule.as_str()), Some(rule));
        }
        assert_eq!(RuleId::parse("nationality"), None);
    }

    proptest! {
        #[test]
        fn evaluation_never_panics_and_every_finding_is_enabled_and_weighted(
            occupants in 0usize..12,
            area in proptest::option::of(0.0f64..500.0),
            bedrooms in proptest::option::of(0u32..8),
            certified in any::<bool>(),
        ) {
            let flex = agency(1, "11111111", &["99999999"], certified);
            let mut s = snapshot_with(Vec::new());
            s.floor_area_m2 = area;
            s.bedrooms = bedrooms;
            s.occupants = occupied(occupants).occupants.into_iter().map(|mut o| {
                o.employers = vec![flex.clone()];
                o
            }).collect();
            s.landlords = vec![flex];
            let rules = RuleSet::default();
            for finding in evaluate(&s, &rules, on()) {
                prop_assert!(rules.setting(finding.rule).enabled);
                prop_assert!(finding.score > 0);
                prop_assert!(!finding.evidence.summary.is_empty());
            }
        }
    }
}
