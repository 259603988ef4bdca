//! Turnover: many move-ins in a short time, a sign of short-stay housing
//! tied to short jobs.

use chrono::{Days, NaiveDate};
use serde_json::json;

use super::{AddressSnapshot, Fired, Judgement, RuleSet};

/// At least the configured number of move-ins within the window ending on `on`.
pub(super) fn high_turnover(
    snapshot: &AddressSnapshot,
    rules: &RuleSet,
    on: NaiveDate,
) -> Judgement {
    let window = rules.high_turnover_window_days;
    let Some(since) = on.checked_sub_days(Days::new(u64::from(window))) else {
        return Judgement::Holds;
    };
    let move_ins = snapshot
        .move_ins
        .iter()
        .filter(|day| **day > since && **day <= on)
        .count();
    let threshold = rules.high_turnover_min_move_ins as usize;
    if move_ins < threshold {
        return Judgement::Holds;
    }
    Judgement::Fires(Fired::new(
        format!(
            "{move_ins} move-ins in the last {window} days; {threshold} or more is high turnover"
        ),
        json!({"moveIns": move_ins, "windowDays": window}),
        json!({"minMoveIns": threshold}),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::{Days, NaiveDate};

    use super::super::test_support::snapshot_with;
    use super::super::{Outcome, RuleId, RuleSet, judge_rule};

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    fn fires(days_ago: &[u64]) -> bool {
        let mut s = snapshot_with(Vec::new());
        s.move_ins = days_ago
            .iter()
            .filter_map(|d| on().checked_sub_days(Days::new(*d)))
            .collect();
        matches!(
            judge_rule(RuleId::HighTurnover, &s, &RuleSet::default(), on()),
            Outcome::Fires(_)
        )
    }

    #[test]
    fn six_move_ins_within_ninety_days_fire_five_do_not() {
        assert!(!fires(&[1, 2, 3, 4, 5]), "below");
        assert!(
            fires(&[0, 1, 2, 3, 4, 89]),
            "at the threshold, window inclusive of today"
        );
        assert!(fires(&[1, 2, 3, 4, 5, 6, 7]), "above");
    }

    #[test]
    fn move_ins_outside_the_window_or_in_the_future_do_not_count() {
        assert!(!fires(&[1, 2, 3, 4, 5, 90]), "90 days ago is outside");
        let mut s = snapshot_with(Vec::new());
        s.move_ins = (1..=6)
            .filter_map(|d| on().checked_add_days(Days::new(d)))
            .collect();
        assert_eq!(
            judge_rule(RuleId::HighTurnover, &s, &RuleSet::default(), on()),
            Outcome::Holds
        );
    }
}
