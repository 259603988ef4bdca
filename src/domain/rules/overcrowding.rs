//! Overcrowding: too little floor area, or too many people per bedroom.

use serde_json::json;

use super::{AddressSnapshot, Fired, Judgement, Occupant, RuleSet};

/// Where the head count came from: the BRP, the declarations, both, or
/// another source (an inspection, entered by hand); each person once.
fn counted_from(occupants: &[Occupant]) -> (String, serde_json::Value) {
    let registered = occupants.iter().filter(|o| o.registered).count();
    let declared = occupants.iter().filter(|o| o.is_declared()).count();
    let both = occupants
        .iter()
        .filter(|o| o.registered && o.is_declared())
        .count();
    let other = occupants
        .iter()
        .filter(|o| !o.registered && !o.is_declared())
        .count();
    let mut parts = Vec::new();
    if registered > 0 {
        parts.push(format!("{registered} registered in the BRP"));
    }
    if declared > 0 {
        parts.push(format!("{declared} declared"));
    }
    if other > 0 {
        parts.push(format!("{other} from other sources"));
    }
    let overlap = if both > 0 {
        format!(", {both} both registered and declared")
    } else {
        String::new()
    };
    (
        format!(
            "counted from {}{overlap}, each person once",
            parts.join(", ")
        ),
        json!({"registered": registered, "declared": declared, "other": other, "combined": occupants.len()}),
    )
}

/// Fewer square metres per occupant than the norm.
pub(super) fn floor_area(snapshot: &AddressSnapshot, rules: &RuleSet) -> Judgement {
    let occupants = snapshot.occupants.len();
    if occupants == 0 {
        return Judgement::Holds;
    }
    let Some(area) = snapshot.floor_area_m2 else {
        return Judgement::Missing("the floor area is unknown");
    };
    #[expect(
        clippy::cast_precision_loss,
        reason = "a household is far below 2^52 people"
    )]
    let per_person = area / occupants as f64;
    let norm = rules.min_floor_area_per_occupant_m2;
    if per_person >= norm {
        return Judgement::Holds;
    }
    let (source, counts) = counted_from(&snapshot.occupants);
    Judgement::Fires(Fired::new(
        format!(
            "{occupants} occupants on {area} m² = {per_person:.1} m² per person; norm {norm} m² per person; {source}"
        ),
        json!({"occupants": occupants, "floorAreaM2": area, "m2PerOccupant": (per_person * 10.0).round() / 10.0, "countedFrom": counts}),
        json!({"minM2PerOccupant": norm}),
    ))
}

/// More occupants per bedroom than the norm. A dwelling with no separate
/// bedroom counts as one sleeping room.
pub(super) fn bedrooms(snapshot: &AddressSnapshot, rules: &RuleSet) -> Judgement {
    let occupants = snapshot.occupants.len();
    if occupants == 0 {
        return Judgement::Holds;
    }
    let Some(bedrooms) = snapshot.bedrooms else {
        return Judgement::Missing("the number of bedrooms is unknown");
    };
    let sleeping_rooms = bedrooms.max(1) as usize;
    let per_room = rules.max_occupants_per_bedroom as usize;
    if occupants <= sleeping_rooms * per_room {
        return Judgement::Holds;
    }
    let (source, counts) = counted_from(&snapshot.occupants);
    Judgement::Fires(Fired::new(
        format!(
            "{occupants} occupants in {bedrooms} bedroom(s); norm at most {per_room} per bedroom; {source}"
        ),
        json!({"occupants": occupants, "bedrooms": bedrooms, "countedFrom": counts}),
        json!({"maxOccupantsPerBedroom": per_room}),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::test_support::{occupied, snapshot_with};
    use super::super::{Outcome, RuleId, judge_rule};
    use super::*;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    #[test]
    fn floor_area_fires_below_the_norm_only() {
        let rules = RuleSet::default();
        // 3 occupants: 36 m² is exactly 12 m² each.
        for (area, fires) in [(35.9, true), (36.0, false), (36.1, false)] {
            let mut s = occupied(3);
            s.floor_area_m2 = Some(area);
            let outcome = judge_rule(RuleId::OvercrowdingFloorArea, &s, &rules, on());
            assert_eq!(matches!(outcome, Outcome::Fires(_)), fires, "{area} m²");
        }
    }

    #[test]
    fn floor_area_evidence_reads_as_a_sentence_with_its_norm() {
        let mut s = occupied(5);
        s.floor_area_m2 = Some(38.0);
        let Outcome::Fires(finding) =
            judge_rule(RuleId::OvercrowdingFloorArea, &s, &RuleSet::default(), on())
        else {
            panic!("5 people on 38 m² is overcrowded");
        };
        assert_eq!(
            finding.evidence.summary,
            "5 occupants on 38 m² = 7.6 m² per person; norm 12 m² per person; counted from 5 from other sources, each person once"
        );
        assert!(finding.evidence.norm.contains("Bouwbesluit 2012 art. 7.18"));
        assert_eq!(finding.evidence.measured["m2PerOccupant"], 7.6);
    }

    #[test]
    fn unknown_floor_area_never_fires_and_says_so() {
        let s = occupied(9);
        assert_eq!(
            judge_rule(RuleId::OvercrowdingFloorArea, &s, &RuleSet::default(), on()),
            Outcome::Missing("the floor area is unknown")
        );
    }

    #[test]
    fn bedrooms_fire_above_two_per_bedroom_only() {
        let rules = RuleSet::default();
        for (occupants, fires) in [(3, false), (4, false), (5, true)] {
            let mut s = occupied(occupants);
            s.bedrooms = Some(2);
            let outcome = judge_rule(RuleId::OvercrowdingBedrooms, &s, &rules, on());
            assert_eq!(
                matches!(outcome, Outcome::Fires(_)),
                fires,
                "{occupants} in 2 bedrooms"
            );
        }
    }

    #[test]
    fn unknown_bedrooms_never_fire_and_an_empty_home_holds() {
        let rules = RuleSet::default();
        assert_eq!(
            judge_rule(RuleId::OvercrowdingBedrooms, &occupied(12), &rules, on()),
            Outcome::Missing("the number of bedrooms is unknown")
        );
        let mut empty = snapshot_with(Vec::new());
        empty.bedrooms = Some(0);
        empty.floor_area_m2 = Some(1.0);
        assert_eq!(
            judge_rule(RuleId::OvercrowdingBedrooms, &empty, &rules, on()),
            Outcome::Holds
        );
        assert_eq!(
            judge_rule(RuleId::OvercrowdingFloorArea, &empty, &rules, on()),
            Outcome::Holds
        );
    }

    /// `registered` residents, `declared` workers, `both` of whom are the
    /// same people, on 36 m².
    fn mixed(registered: usize, declared: usize, both: usize) -> AddressSnapshot {
        let mut occupants = Vec::new();
        for i in 0..registered {
            let mut o = super::super::test_support::occupant(i, "1980-01-01", None);
            o.registered = true;
            o.declared_since = (i < both).then_some(on());
            occupants.push(o);
        }
        for i in both..declared {
            let mut o = super::super::test_support::occupant(100 + i, "1990-01-01", None);
            o.declared_since = Some(on());
            occupants.push(o);
        }
        let mut s = snapshot_with(occupants);
        s.floor_area_m2 = Some(36.0);
        s
    }

    #[test]
    fn many_registrations_alone_fire_the_floor_area_rule_above_the_norm_only() {
        let rules = RuleSet::default();
        // 36 m² holds 3 people at 12 m² each.
        for (registered, fires) in [(2, false), (3, false), (4, true)] {
            let s = mixed(registered, 0, 0);
            let outcome = judge_rule(RuleId::OvercrowdingFloorArea, &s, &rules, on());
            assert_eq!(
                matches!(outcome, Outcome::Fires(_)),
                fires,
                "{registered} registered"
            );
        }
    }

    #[test]
    fn the_overcrowding_evidence_names_the_source_of_the_count() {
        // 3 registered, 3 declared of whom 1 is also registered: 5 people.
        let s = mixed(3, 3, 1);
        assert_eq!(s.occupants.len(), 5);
        let Outcome::Fires(finding) =
            judge_rule(RuleId::OvercrowdingFloorArea, &s, &RuleSet::default(), on())
        else {
            panic!("5 people on 36 m² is overcrowded");
        };
        assert_eq!(
            finding.evidence.summary,
            "5 occupants on 36 m² = 7.2 m² per person; norm 12 m² per person; counted from 3 registered in the BRP, 3 declared, 1 both registered and declared, each person once"
        );
        assert_eq!(finding.evidence.measured["countedFrom"]["registered"], 3);
        assert_eq!(finding.evidence.measured["countedFrom"]["declared"], 3);
        assert_eq!(finding.evidence.measured["countedFrom"]["combined"], 5);
    }

    #[test]
    fn a_studio_counts_as_one_sleeping_room() {
        let mut s = occupied(3);
        s.bedrooms = Some(0);
        assert!(matches!(
            judge_rule(RuleId::OvercrowdingBedrooms, &s, &RuleSet::default(), on()),
            Outcome::Fires(_)
        ));
    }
}
