//! Use: people housed in a building that is not meant for living.

use serde_json::json;

use super::{AddressSnapshot, Fired, Judgement};

/// Anyone living in a building whose BAG use is not residential or lodging.
pub(super) fn non_residential_use(snapshot: &AddressSnapshot) -> Judgement {
    let occupants = snapshot.occupants.len();
    if occupants == 0 || snapshot.usage_purpose.is_dwelling() {
        return Judgement::Holds;
    }
    let purpose = snapshot.usage_purpose.as_str();
    Judgement::Fires(Fired::new(
        format!("{occupants} people live in a building registered for {purpose} use"),
        json!({"occupants": occupants, "usagePurpose": purpose}),
        json!({"allowedUsagePurposes": ["residential", "lodging"]}),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::test_support::occupied;
    use super::super::{Outcome, RuleId, RuleSet, judge_rule};
    use crate::domain::UsagePurpose;

    #[test]
    fn living_in_an_office_or_shed_fires_and_in_a_dwelling_holds() {
        let on = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
        let rules = RuleSet::default();
        for purpose in UsagePurpose::ALL {
            for occupants in [0, 1] {
                let mut s = occupied(occupants);
                s.usage_purpose = *purpose;
                let fired = matches!(
                    judge_rule(RuleId::NonResidentialUse, &s, &rules, on),
                    Outcome::Fires(_)
                );
                assert_eq!(
                    fired,
                    occupants == 1 && !purpose.is_dwelling(),
                    "{purpose} with {occupants}"
                );
            }
        }
    }
}
