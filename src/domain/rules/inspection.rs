//! Inspection outcome: the last visit found more people than were declared.

use serde_json::json;

use super::{AddressSnapshot, Fired, Judgement};

/// The last inspection counted more people than were declared that day.
pub(super) fn undeclared_occupants(snapshot: &AddressSnapshot) -> Judgement {
    let Some(visit) = snapshot.last_inspection else {
        return Judgement::Holds;
    };
    if visit.persons_found <= visit.declared_on_visit {
        return Judgement::Holds;
    }
    Judgement::Fires(Fired::new(
        format!(
            "the inspection of {} found {} people; {} were declared",
            visit.visited_on, visit.persons_found, visit.declared_on_visit
        ),
        json!({"personsFound": visit.persons_found, "visitedOn": visit.visited_on}),
        json!({"declared": visit.declared_on_visit}),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::test_support::snapshot_with;
    use super::super::{InspectionFinding, Outcome, RuleId, RuleSet, judge_rule};

    #[test]
    fn more_people_found_than_declared_fires() {
        let on = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        for (found, fires) in [(3, false), (4, false), (5, true)] {
            let mut s = snapshot_with(Vec::new());
            s.last_inspection = Some(InspectionFinding {
                visited_on: on,
                persons_found: found,
                declared_on_visit: 4,
            });
            let fired = matches!(
                judge_rule(RuleId::UndeclaredOccupants, &s, &RuleSet::default(), on),
                Outcome::Fires(_)
            );
            assert_eq!(fired, fires, "{found} found, 4 declared");
        }
        let never = snapshot_with(Vec::new());
        assert_eq!(
            judge_rule(RuleId::UndeclaredOccupants, &never, &RuleSet::default(), on),
            Outcome::Holds
        );
    }
}
