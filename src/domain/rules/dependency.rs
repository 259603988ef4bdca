//! Dependency: the employer is also the landlord, contracts are coupled,
//! rent is taken from wages for uncertified housing, many occupants share
//! one employer, or the employer is an uncertified agency. Losing the job
//! then means losing the bed.

use serde_json::json;

use super::group::{Link, link};
use super::{AddressSnapshot, Fired, Judgement, OrganisationFacts, RuleSet};

/// An occupant's employer is the landlord, or in the landlord's group.
pub(super) fn agency_is_landlord(snapshot: &AddressSnapshot) -> Judgement {
    if snapshot.occupants.is_empty() {
        return Judgement::Holds;
    }
    if snapshot.landlords.is_empty() {
        return Judgement::Missing("no landlord is known for the address");
    }
    if snapshot.occupants.iter().all(|o| o.employers.is_empty()) {
        return Judgement::Missing("no occupant's employer is known");
    }
    let mut linked = 0;
    let mut example: Option<(&OrganisationFacts, &OrganisationFacts, Link)> = None;
    for occupant in &snapshot.occupants {
        let found = occupant.employers.iter().find_map(|employer| {
            snapshot
                .landlords
                .iter()
                .find_map(|landlord| link(employer, landlord).map(|l| (employer, landlord, l)))
        });
        if let Some(found) = found {
            linked += 1;
            example.get_or_insert(found);
        }
    }
    let Some((employer, landlord, how)) = example else {
        return Judgement::Holds;
    };
    let relation = match &how {
        Link::SameOrganisation => "is also the landlord".to_owned(),
        Link::SameGroup(kvk) => format!(
            "is in one group (KvK {kvk}) with the landlord {} (KvK {})",
            landlord.name, landlord.kvk_number
        ),
    };
    Judgement::Fires(Fired::new(
        format!(
            "{linked} of {} occupants work for {} (KvK {}), which {relation}",
            snapshot.occupants.len(),
            employer.name,
            employer.kvk_number
        ),
        json!({
            "occupantsLinked": linked,
            "employerKvkNumber": employer.kvk_number,
            "landlordKvkNumber": landlord.kvk_number,
            "sharedGroupKvkNumber": match how { Link::SameGroup(kvk) => Some(kvk), Link::SameOrganisation => None },
        }),
        json!({"employerMayBeLandlord": false}),
    ))
}

/// A declaration in force says the lease is not separate from the work contract.
pub(super) fn coupled_contracts(snapshot: &AddressSnapshot) -> Judgement {
    let coupled = snapshot
        .declarations
        .iter()
        .filter(|d| !d.separate_rental_contract)
        .count();
    if coupled == 0 {
        return Judgement::Holds;
    }
    Judgement::Fires(Fired::new(
        format!(
            "{coupled} of {} declarations in force have the lease in the work contract",
            snapshot.declarations.len()
        ),
        json!({"coupledDeclarations": coupled, "declarations": snapshot.declarations.len()}),
        json!({"separateRentalContractRequired": true}),
    ))
}

/// Rent is deducted from wages while the housing provider is not certified.
pub(super) fn wage_deduction_uncertified(snapshot: &AddressSnapshot) -> Judgement {
    let deducted = snapshot
        .declarations
        .iter()
        .filter(|d| d.rent_deducted_from_wages && !d.provider.is_certified)
        .count();
    let Some(first) = snapshot
        .declarations
        .iter()
        .find(|d| d.rent_deducted_from_wages && !d.provider.is_certified)
    else {
        return Judgement::Holds;
    };
    Judgement::Fires(Fired::new(
        format!(
            "rent is deducted from wages in {deducted} declaration(s) while the provider {} (KvK {}) is not certified",
            first.provider.name, first.provider.kvk_number
        ),
        json!({"declarationsWithDeduction": deducted, "providerKvkNumber": first.provider.kvk_number}),
        json!({"deductionRequiresCertifiedProvider": true}),
    ))
}

/// The configured number of occupants or more share one employer.
pub(super) fn employer_concentration(snapshot: &AddressSnapshot, rules: &RuleSet) -> Judgement {
    let threshold = rules.employer_concentration_min_occupants as usize;
    if snapshot.occupants.len() < threshold {
        return Judgement::Holds;
    }
    let employed_by = |employer: &OrganisationFacts| {
        snapshot
            .occupants
            .iter()
            .filter(|o| o.employers.iter().any(|e| e.id == employer.id))
            .count()
    };
    let busiest = snapshot
        .occupants
        .iter()
        .flat_map(|o| &o.employers)
        .map(|e| (employed_by(e), e))
        .max_by(|(a, ea), (b, eb)| a.cmp(b).then(eb.id.cmp(&ea.id)));
    match busiest {
        Some((count, employer)) if count >= threshold => Judgement::Fires(Fired::new(
            format!(
                "{count} of {} occupants work for {} (KvK {}); {threshold} or more is a dependency pattern",
                snapshot.occupants.len(),
                employer.name,
                employer.kvk_number
            ),
            json!({"occupantsWithEmployer": count, "employerKvkNumber": employer.kvk_number}),
            json!({"minOccupantsWithOneEmployer": threshold}),
        )),
        _ => Judgement::Holds,
    }
}

/// An occupant's employer is an agency without certification.
pub(super) fn uncertified_agency(snapshot: &AddressSnapshot) -> Judgement {
    let is_uncertified_agency = |e: &&OrganisationFacts| e.is_agency && !e.is_certified;
    let affected = snapshot
        .occupants
        .iter()
        .filter(|o| o.employers.iter().any(|e| is_uncertified_agency(&e)))
        .count();
    let Some(agency) = snapshot
        .occupants
        .iter()
        .flat_map(|o| &o.employers)
        .find(is_uncertified_agency)
    else {
        return Judgement::Holds;
    };
    Judgement::Fires(Fired::new(
        format!(
            "{affected} occupant(s) work for the uncertified agency {} (KvK {})",
            agency.name, agency.kvk_number
        ),
        json!({"occupantsAffected": affected, "agencyKvkNumber": agency.kvk_number}),
        json!({"agencyCertificationRequired": true}),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::test_support::{agency, occupant, organisation, snapshot_with, terms};
    use super::super::{Outcome, RuleId, RuleSet, judge_rule};
    use super::*;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    fn outcome(rule: RuleId, s: &AddressSnapshot) -> Outcome {
        judge_rule(rule, s, &RuleSet::default(), on())
    }

    fn employed(n: usize, employer: &OrganisationFacts) -> Vec<super::super::Occupant> {
        (0..n)
            .map(|i| {
                let mut o = occupant(i, "1990-01-01", None);
                o.employers = vec![employer.clone()];
                o
            })
            .collect()
    }

    #[test]
    fn an_employer_that_is_the_landlord_fires() {
        let flex = agency(1, "11111111", &[], false);
        let mut s = snapshot_with(employed(2, &flex));
        s.landlords = vec![flex.clone()];
        let Outcome::Fires(finding) = outcome(RuleId::AgencyIsLandlord, &s) else {
            panic!("the employer is the landlord");
        };
        assert!(
            finding.evidence.summary.contains("2 of 2 occupants"),
            "{}",
            finding.evidence.summary
        );
        assert!(finding.evidence.summary.contains("is also the landlord"));
    }

    #[test]
    fn a_landlord_in_the_employers_group_fires_and_a_stranger_holds() {
        let flex = agency(1, "11111111", &["99999999"], false);
        let sister = organisation(2, "22222222", &["99999999"]);
        let stranger = organisation(3, "33333333", &[]);
        let mut s = snapshot_with(employed(1, &flex));
        s.landlords = vec![stranger];
        assert_eq!(outcome(RuleId::AgencyIsLandlord, &s), Outcome::Holds);
        s.landlords.push(sister);
        let Outcome::Fires(finding) = outcome(RuleId::AgencyIsLandlord, &s) else {
            panic!("same group through the shared parent");
        };
        assert_eq!(
            finding.evidence.measured["sharedGroupKvkNumber"],
            "99999999"
        );
    }

    #[test]
    fn no_landlord_or_no_employer_known_is_missing_data() {
        let flex = agency(1, "11111111", &[], false);
        let without_landlord = snapshot_with(employed(1, &flex));
        assert_eq!(
            outcome(RuleId::AgencyIsLandlord, &without_landlord),
            Outcome::Missing("no landlord is known for the address")
        );
        let mut without_employer = snapshot_with(vec![occupant(1, "1990-01-01", None)]);
        without_employer.landlords = vec![flex];
        assert_eq!(
            outcome(RuleId::AgencyIsLandlord, &without_employer),
            Outcome::Missing("no occupant's employer is known")
        );
    }

    #[test]
    fn a_coupled_lease_fires_and_separate_ones_hold() {
        let landlord = organisation(2, "22222222", &[]);
        let mut s = snapshot_with(Vec::new());
        s.declarations = vec![terms(1, false, true, &landlord)];
        assert_eq!(outcome(RuleId::CoupledContracts, &s), Outcome::Holds);
        s.declarations.push(terms(2, false, false, &landlord));
        assert!(matches!(
            outcome(RuleId::CoupledContracts, &s),
            Outcome::Fires(_)
        ));
    }

    #[test]
    fn wage_deduction_fires_only_for_an_uncertified_provider() {
        let uncertified = organisation(2, "22222222", &[]);
        let mut certified = organisation(3, "33333333", &[]);
        certified.is_certified = true;
        let mut s = snapshot_with(Vec::new());
        s.declarations = vec![
            terms(1, true, true, &certified),
            terms(2, false, true, &uncertified),
        ];
        assert_eq!(
            outcome(RuleId::WageDeductionUncertified, &s),
            Outcome::Holds
        );
        s.declarations.push(terms(3, true, true, &uncertified));
        assert!(matches!(
            outcome(RuleId::WageDeductionUncertified, &s),
            Outcome::Fires(_)
        ));
    }

    #[test]
    fn four_occupants_with_one_employer_fire_three_do_not() {
        let flex = agency(1, "11111111", &[], true);
        let other = agency(2, "22222222", &[], true);
        for (n, fires) in [(3, false), (4, true), (5, true)] {
            let mut people = employed(n, &flex);
            people.extend(employed(2, &other));
            let fired = matches!(
                outcome(RuleId::EmployerConcentration, &snapshot_with(people)),
                Outcome::Fires(_)
            );
            assert_eq!(fired, fires, "{n} with one employer");
        }
    }

    #[test]
    fn an_uncertified_agency_fires_and_a_certified_one_or_other_employer_holds() {
        let certified = agency(1, "11111111", &[], true);
        let factory = organisation(2, "22222222", &[]);
        let uncertified = agency(3, "33333333", &[], false);
        let mut people = employed(1, &certified);
        people.extend(employed(1, &factory));
        assert_eq!(
            outcome(RuleId::UncertifiedAgency, &snapshot_with(people.clone())),
            Outcome::Holds
        );
        people.extend(employed(2, &uncertified));
        let Outcome::Fires(finding) = outcome(RuleId::UncertifiedAgency, &snapshot_with(people))
        else {
            panic!("uncertified agency");
        };
        assert_eq!(finding.evidence.measured["occupantsAffected"], 2);
    }
}
