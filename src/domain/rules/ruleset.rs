//! The rule set: thresholds, and per rule whether it is on, its weight,
//! severity and the text of its norm. It is configuration (`[default.rules]`
//! in Rocket.toml), so a municipality sets its own local rules without code
//! changes; its version names exactly which settings produced a signal.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{RuleId, Severity};

/// One rule's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSetting {
    /// Whether the rule is evaluated at all.
    pub enabled: bool,
    /// Its weight in the risk score.
    pub weight: u32,
    /// How serious a finding is.
    pub severity: Severity,
    /// The norm, as cited in every finding's evidence.
    pub source: String,
}

impl Default for RuleSetting {
    fn default() -> Self {
        Self::new(10, Severity::Medium, "")
    }
}

impl RuleSetting {
    fn new(weight: u32, severity: Severity, source: &str) -> Self {
        Self {
            enabled: true,
            weight,
            severity,
            source: source.to_owned(),
        }
    }
}

/// Thresholds and rule settings; the defaults are DESIGN.md's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSet {
    /// A name for this set of local rules, e.g. `vlaardingen-2026`.
    pub label: String,
    /// Fewer square metres per occupant than this is overcrowding.
    pub min_floor_area_per_occupant_m2: f64,
    /// More occupants per bedroom than this is overcrowding.
    pub max_occupants_per_bedroom: u32,
    /// More adults not forming one household than this breaks the local plan.
    pub max_unrelated_adults: u32,
    /// From this age on a person counts as an adult.
    pub adult_age_years: u32,
    /// This many occupants with one employer is a dependency pattern.
    pub employer_concentration_min_occupants: u32,
    /// This many move-ins within the window is high turnover.
    pub high_turnover_min_move_ins: u32,
    /// The window of `high_turnover_min_move_ins`, in days.
    pub high_turnover_window_days: u32,
    /// A declared worker must be registered at the address after this many
    /// days (Wet BRP: stays of more than four months within six).
    pub registration_grace_days: u32,
    /// This many declared workers registered at another address fires
    /// `registered-elsewhere`.
    pub registered_elsewhere_min_occupants: u32,
    /// The risk score of an address never exceeds this.
    pub max_risk_score: u32,
    /// `overcrowding-floor-area`.
    #[serde(rename = "overcrowding-floor-area")]
    pub overcrowding_floor_area: RuleSetting,
    /// `overcrowding-bedrooms`.
    #[serde(rename = "overcrowding-bedrooms")]
    pub overcrowding_bedrooms: RuleSetting,
    /// `unrelated-adults`.
    #[serde(rename = "unrelated-adults")]
    pub unrelated_adults: RuleSetting,
    /// `non-residential-use`.
    #[serde(rename = "non-residential-use")]
    pub non_residential_use: RuleSetting,
    /// `agency-is-landlord`.
    #[serde(rename = "agency-is-landlord")]
    pub agency_is_landlord: RuleSetting,
    /// `coupled-contracts`.
    #[serde(rename = "coupled-contracts")]
    pub coupled_contracts: RuleSetting,
    /// `wage-deduction-uncertified`.
    #[serde(rename = "wage-deduction-uncertified")]
    pub wage_deduction_uncertified: RuleSetting,
    /// `employer-concentration`.
    #[serde(rename = "employer-concentration")]
    pub employer_concentration: RuleSetting,
    /// `high-turnover`.
    #[serde(rename = "high-turnover")]
    pub high_turnover: RuleSetting,
    /// `uncertified-agency`.
    #[serde(rename = "uncertified-agency")]
    pub uncertified_agency: RuleSetting,
    /// `undeclared-occupants`.
    #[serde(rename = "undeclared-occupants")]
    pub undeclared_occupants: RuleSetting,
    /// `declared-not-registered`.
    #[serde(rename = "declared-not-registered")]
    pub declared_not_registered: RuleSetting,
    /// `registered-elsewhere`.
    #[serde(rename = "registered-elsewhere")]
    pub registered_elsewhere: RuleSetting,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            label: "default".to_owned(),
            min_floor_area_per_occupant_m2: 12.0,
            max_occupants_per_bedroom: 2,
            max_unrelated_adults: 2,
            adult_age_years: 18,
            employer_concentration_min_occupants: 4,
            high_turnover_min_move_ins: 6,
            high_turnover_window_days: 90,
            registration_grace_days: 120,
            registered_elsewhere_min_occupants: 1,
            max_risk_score: 100,
            overcrowding_floor_area: RuleSetting::new(
                30,
                Severity::High,
                "Bouwbesluit 2012 art. 7.18 (1 person per 12 m²); SNF norm 1.3 (at least 12 m² per person)",
            ),
            overcrowding_bedrooms: RuleSetting::new(
                20,
                Severity::Medium,
                "Roemer commission 2020; SNF transitional cap (at most 2 persons per bedroom)",
            ),
            unrelated_adults: RuleSetting::new(
                15,
                Severity::Medium,
                "Vlaardingen Bestemmingsplan Wonen 2020: one household, or at most 2 persons not forming one",
            ),
            non_residential_use: RuleSetting::new(
                30,
                Severity::High,
                "BAG gebruiksdoel: people are housed only in residential or lodging use",
            ),
            agency_is_landlord: RuleSetting::new(
                25,
                Severity::High,
                "Wet goed verhuurderschap; Roemer commission: decouple work and housing",
            ),
            coupled_contracts: RuleSetting::new(
                25,
                Severity::High,
                "Wet goed verhuurderschap: the lease is separate from the employment contract",
            ),
            wage_deduction_uncertified: RuleSetting::new(
                25,
                Severity::High,
                "WML: rent may be deducted from wages (at most 25% of the minimum wage) only for certified housing",
            ),
            employer_concentration: RuleSetting::new(15, Severity::Medium, "dependency pattern"),
            high_turnover: RuleSetting::new(
                15,
                Severity::Medium,
                "dependency and short-stay pattern",
            ),
            uncertified_agency: RuleSetting::new(
                20,
                Severity::Medium,
                "Wtta (mandatory from 2027); SNA certification",
            ),
            undeclared_occupants: RuleSetting::new(30, Severity::High, "inspection outcome"),
            declared_not_registered: RuleSetting::new(
                15,
                Severity::Medium,
                "Wet BRP art. 2.38 and 2.39: registration duty for stays of more than four months within six",
            ),
            registered_elsewhere: RuleSetting::new(
                10,
                Severity::Low,
                "address quality (Landelijke Aanpak Adreskwaliteit)",
            ),
        }
    }
}

impl RuleSet {
    /// The settings of one rule.
    pub fn setting(&self, rule: RuleId) -> &RuleSetting {
        match rule {
            RuleId::OvercrowdingFloorArea => &self.overcrowding_floor_area,
            RuleId::OvercrowdingBedrooms => &self.overcrowding_bedrooms,
            RuleId::UnrelatedAdults => &self.unrelated_adults,
            RuleId::NonResidentialUse => &self.non_residential_use,
            RuleId::AgencyIsLandlord => &self.agency_is_landlord,
            RuleId::CoupledContracts => &self.coupled_contracts,
            RuleId::WageDeductionUncertified => &self.wage_deduction_uncertified,
            RuleId::EmployerConcentration => &self.employer_concentration,
            RuleId::HighTurnover => &self.high_turnover,
            RuleId::UncertifiedAgency => &self.uncertified_agency,
            RuleId::UndeclaredOccupants => &self.undeclared_occupants,
            RuleId::DeclaredNotRegistered => &self.declared_not_registered,
            RuleId::RegisteredElsewhere => &self.registered_elsewhere,
        }
    }

    /// The version of these settings: the label and a digest of every
    /// setting, so any change of threshold, weight or norm is a new version.
    pub fn version(&self) -> String {
        use std::fmt::Write as _;

        let canonical = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha256::digest(canonical.as_bytes());
        let mut version = format!("{}+", self.label);
        for byte in &digest[..6] {
            let _ = write!(version, "{byte:02x}");
        }
        version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_norm_and_a_weight_by_default() {
        let rules = RuleSet::default();
        for rule in RuleId::ALL {
            let setting = rules.setting(rule);
            assert!(setting.enabled, "{rule}");
            assert!(setting.weight > 0, "{rule}");
            assert!(!setting.source.is_empty(), "{rule}");
        }
    }

    #[test]
    fn the_version_changes_with_any_setting() {
        let rules = RuleSet::default();
        let version = rules.version();
        assert!(version.starts_with("default+"));
        assert_eq!(version, RuleSet::default().version(), "stable");
        let mut local = rules.clone();
        local.max_unrelated_adults = 3;
        assert_ne!(local.version(), version);
        let mut reweighted = rules;
        reweighted.high_turnover.weight = 16;
        assert_ne!(reweighted.version(), version);
    }
}
