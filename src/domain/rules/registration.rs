//! Address quality: who is declared at an address against who is registered
//! there in the BRP. Without any BRP extract nobody is known to be
//! registered, so these rules say what is missing instead of firing.

use chrono::NaiveDate;
use serde_json::json;

use super::{AddressSnapshot, Fired, Judgement, Occupant, RuleSet};

const NO_EXTRACT: &str = "no BRP extract has been imported";

/// The declared occupants, or why the rule cannot judge them.
fn declared(snapshot: &AddressSnapshot) -> Result<Vec<&Occupant>, Judgement> {
    let declared: Vec<&Occupant> = snapshot
        .occupants
        .iter()
        .filter(|o| o.is_declared())
        .collect();
    if declared.is_empty() {
        return Err(Judgement::Holds);
    }
    if !snapshot.registry_imported {
        return Err(Judgement::Missing(NO_EXTRACT));
    }
    Ok(declared)
}

/// A worker declared here for more than the grace period who is not
/// registered here. The evidence names how many and since when, no names.
pub(super) fn declared_not_registered(
    snapshot: &AddressSnapshot,
    rules: &RuleSet,
    on: NaiveDate,
) -> Judgement {
    let declared = match declared(snapshot) {
        Ok(declared) => declared,
        Err(judgement) => return judgement,
    };
    let grace = rules.registration_grace_days;
    let overdue: Vec<NaiveDate> = declared
        .iter()
        .filter(|o| !o.registered)
        .filter_map(|o| o.declared_since)
        .filter(|since| (on - *since).num_days() > i64::from(grace))
        .collect();
    let Some(earliest) = overdue.iter().min() else {
        return Judgement::Holds;
    };
    let count = overdue.len();
    Judgement::Fires(Fired::new(
        format!(
            "{count} declared occupant(s) here for more than {grace} days (the earliest since {earliest}) not registered here in the BRP"
        ),
        json!({"declaredNotRegistered": count, "earliestDeclaredSince": earliest}),
        json!({"registrationGraceDays": grace}),
    ))
}

/// Declared workers registered in the BRP at another address.
pub(super) fn registered_elsewhere(snapshot: &AddressSnapshot, rules: &RuleSet) -> Judgement {
    let declared = match declared(snapshot) {
        Ok(declared) => declared,
        Err(judgement) => return judgement,
    };
    let count = declared.iter().filter(|o| o.registered_elsewhere).count();
    let threshold = rules.registered_elsewhere_min_occupants.max(1) as usize;
    if count < threshold {
        return Judgement::Holds;
    }
    Judgement::Fires(Fired::new(
        format!(
            "{count} of {} declared occupant(s) here are registered in the BRP at another address",
            declared.len()
        ),
        json!({"registeredElsewhere": count, "declared": declared.len()}),
        json!({"minOccupants": threshold}),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::{Days, NaiveDate};

    use super::super::test_support::{occupant, snapshot_with};
    use super::super::{Outcome, RuleId, RuleSet, judge_rule};
    use super::*;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    fn days_before(days: u64) -> NaiveDate {
        on().checked_sub_days(Days::new(days)).unwrap_or_default()
    }

    /// A worker declared `days` ago, registered here or not.
    fn worker(id: usize, days: u64, registered: bool) -> Occupant {
        let mut o = occupant(id, "1990-01-01", None);
        o.declared_since = Some(days_before(days));
        o.registered = registered;
        o
    }

    fn with_extract(occupants: Vec<Occupant>) -> AddressSnapshot {
        let mut s = snapshot_with(occupants);
        s.registry_imported = true;
        s
    }

    fn fires(rule: RuleId, s: &AddressSnapshot, rules: &RuleSet) -> bool {
        matches!(judge_rule(rule, s, rules, on()), Outcome::Fires(_))
    }

    #[test]
    fn declared_not_registered_fires_only_after_more_than_the_grace_days() {
        let rules = RuleSet::default();
        for (days, expected) in [(119, false), (120, false), (121, true)] {
            let s = with_extract(vec![worker(1, days, false)]);
            assert_eq!(
                fires(RuleId::DeclaredNotRegistered, &s, &rules),
                expected,
                "declared {days} days ago"
            );
        }
    }

    #[test]
    fn declared_not_registered_follows_the_configured_grace_days() {
        let rules = RuleSet {
            registration_grace_days: 30,
            ..RuleSet::default()
        };
        let s = with_extract(vec![worker(1, 31, false)]);
        assert!(fires(RuleId::DeclaredNotRegistered, &s, &rules));
        let s = with_extract(vec![worker(1, 30, false)]);
        assert!(!fires(RuleId::DeclaredNotRegistered, &s, &rules));
    }

    #[test]
    fn a_registered_worker_or_a_resident_nobody_declared_never_fires() {
        let rules = RuleSet::default();
        let s = with_extract(vec![worker(1, 400, true)]);
        assert!(!fires(RuleId::DeclaredNotRegistered, &s, &rules));
        let mut resident = occupant(2, "1970-01-01", None);
        resident.registered = true;
        let s = with_extract(vec![resident]);
        assert_eq!(
            judge_rule(RuleId::DeclaredNotRegistered, &s, &rules, on()),
            Outcome::Holds
        );
    }

    #[test]
    fn declared_not_registered_evidence_counts_without_names() {
        let s = with_extract(vec![
            worker(1, 200, false),
            worker(2, 150, false),
            worker(3, 300, true),
            worker(4, 10, false),
        ]);
        let Outcome::Fires(finding) =
            judge_rule(RuleId::DeclaredNotRegistered, &s, &RuleSet::default(), on())
        else {
            panic!("two workers are overdue");
        };
        assert_eq!(finding.evidence.measured["declaredNotRegistered"], 2);
        assert_eq!(
            finding.evidence.measured["earliestDeclaredSince"],
            days_before(200).to_string()
        );
        assert_eq!(
            finding.evidence.summary,
            format!(
                "2 declared occupant(s) here for more than 120 days (the earliest since {}) not registered here in the BRP",
                days_before(200)
            )
        );
        assert!(finding.evidence.norm.contains("Wet BRP"));
    }

    #[test]
    fn without_an_extract_the_registration_rules_name_what_is_missing() {
        let rules = RuleSet::default();
        let s = snapshot_with(vec![worker(1, 400, false)]);
        for rule in [RuleId::DeclaredNotRegistered, RuleId::RegisteredElsewhere] {
            assert_eq!(
                judge_rule(rule, &s, &rules, on()),
                Outcome::Missing(NO_EXTRACT),
                "{rule}"
            );
        }
    }

    #[test]
    fn registered_elsewhere_fires_from_the_configured_number_of_workers() {
        let rules = RuleSet {
            registered_elsewhere_min_occupants: 2,
            ..RuleSet::default()
        };
        for (elsewhere, expected) in [(1, false), (2, true), (3, true)] {
            let occupants = (0..4)
                .map(|i| {
                    let mut o = worker(i, 10, false);
                    o.registered_elsewhere = i < elsewhere;
                    o
                })
                .collect();
            let s = with_extract(occupants);
            assert_eq!(
                fires(RuleId::RegisteredElsewhere, &s, &rules),
                expected,
                "{elsewhere} registered elsewhere"
            );
        }
    }

    #[test]
    fn registered_elsewhere_fires_for_one_worker_by_default_and_not_for_residents() {
        let rules = RuleSet::default();
        let s = with_extract(vec![worker(1, 10, false)]);
        assert!(!fires(RuleId::RegisteredElsewhere, &s, &rules));
        let mut moved = worker(1, 10, false);
        moved.registered_elsewhere = true;
        let s = with_extract(vec![moved]);
        assert!(fires(RuleId::RegisteredElsewhere, &s, &rules));
        let mut resident = occupant(2, "1970-01-01", None);
        resident.registered_elsewhere = true;
        let s = with_extract(vec![resident]);
        assert!(!fires(RuleId::RegisteredElsewhere, &s, &rules));
    }
}
