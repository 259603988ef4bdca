//! Unrelated adults: the local plan allows one household, or at most a few
//! adults who do not form one.

use chrono::NaiveDate;
use serde_json::json;

use super::{AddressSnapshot, Fired, Judgement, Occupant, RuleSet};

fn is_adult(occupant: &Occupant, rules: &RuleSet, on: NaiveDate) -> bool {
    on.years_since(occupant.date_of_birth)
        .is_some_and(|age| age >= rules.adult_age_years)
}

/// More adults than allowed who do not all belong to one household. An
/// occupant without a household label is a household of one.
pub(super) fn unrelated_adults(
    snapshot: &AddressSnapshot,
    rules: &RuleSet,
    on: NaiveDate,
) -> Judgement {
    let adults: usize = snapshot
        .occupants
        .iter()
        .filter(|o| is_adult(o, rules, on))
        .count();
    let limit = rules.max_unrelated_adults as usize;
    if adults <= limit {
        return Judgement::Holds;
    }
    // Count distinct households among adults without allocating: an adult
    // starts a household when no earlier adult shares its label.
    let adult_list = || snapshot.occupants.iter().filter(|o| is_adult(o, rules, on));
    let households = adult_list()
        .enumerate()
        .filter(|(i, adult)| match &adult.household {
            None => true,
            Some(label) => !adult_list()
                .take(*i)
                .any(|earlier| earlier.household.as_deref() == Some(label.as_str())),
        })
        .count();
    if households <= 1 {
        return Judgement::Holds;
    }
    Judgement::Fires(Fired::new(
        format!(
            "{adults} adults in {households} households; at most {limit} adults who do not form one household"
        ),
        json!({"adults": adults, "households": households}),
        json!({"maxUnrelatedAdults": limit}),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::test_support::{occupant, snapshot_with};
    use super::super::{Outcome, RuleId, judge_rule};
    use super::*;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    fn fires(s: &AddressSnapshot) -> bool {
        matches!(
            judge_rule(RuleId::UnrelatedAdults, s, &RuleSet::default(), on()),
            Outcome::Fires(_)
        )
    }

    #[test]
    fn unrelated_adults_fire_above_two_only() {
        let unrelated =
            |n: usize| snapshot_with((0..n).map(|i| occupant(i, "1990-01-01", None)).collect());
        assert!(!fires(&unrelated(2)), "at the limit");
        assert!(fires(&unrelated(3)), "above the limit");
        assert!(fires(&unrelated(4)));
    }

    #[test]
    fn one_household_of_any_size_holds() {
        let family = snapshot_with(
            (0..6)
                .map(|i| occupant(i, "1980-01-01", Some("jansen")))
                .collect(),
        );
        assert!(!fires(&family));
    }

    #[test]
    fn a_family_with_a_lodger_fires_above_the_limit() {
        let mut people: Vec<_> = (0..2)
            .map(|i| occupant(i, "1980-01-01", Some("jansen")))
            .collect();
        people.push(occupant(9, "1999-01-01", None));
        assert!(fires(&snapshot_with(people)));
    }

    #[test]
    fn children_do_not_count_and_adulthood_starts_on_the_birthday() {
        let mut people: Vec<_> = (0..2).map(|i| occupant(i, "1990-01-01", None)).collect();
        people.push(occupant(5, "2008-11-27", None));
        assert!(!fires(&snapshot_with(people.clone())), "17 until tomorrow");
        people[2] = occupant(5, "2008-11-26", None);
        assert!(fires(&snapshot_with(people)), "18 today");
    }
}
