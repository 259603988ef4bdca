//! The closed sets that describe the registry's stored facts: a
//! declaration's and a signal's status, where an occupancy comes from, and
//! how a landlord is linked to an address. Each is stored as its wire name.

use super::wire_name::wire_enum;

wire_enum! {
    /// Where a declaration stands.
    pub enum DeclarationStatus as "declaration status" {
        /// Filed and in force.
        Accepted = "accepted",
        /// Changed after filing.
        Amended = "amended",
        /// Has an end date on or before today.
        Ended = "ended",
        /// Taken back by the agency: it never was true.
        Withdrawn = "withdrawn",
    }
}

wire_enum! {
    /// Whether a signal still holds.
    pub enum SignalStatus as "signal status" {
        /// The rule fired at the last evaluation.
        Open = "open",
        /// The rule no longer fires.
        Closed = "closed",
    }
}

wire_enum! {
    /// Where the fact that someone lives somewhere comes from.
    pub enum OccupancySource as "occupancy source" {
        /// An agency's declaration.
        Declaration = "declaration",
        /// The municipal population register.
        Registry = "registry",
        /// An inspection visit.
        Inspection = "inspection",
        /// Entered by hand.
        Manual = "manual",
    }
}

wire_enum! {
    /// How a landlord organisation is linked to an address.
    pub enum ProvisionRole as "housing provision role" {
        /// Owns the dwelling.
        Owner = "owner",
        /// Lets it to the occupants.
        Lessor = "lessor",
        /// Manages it for the owner.
        Manager = "manager",
    }
}

wire_enum! {
    /// What an inspection visit found.
    pub enum InspectionResult as "inspection result" {
        /// Nothing against the rules.
        NoViolation = "no-violation",
        /// A violation was found.
        Violation = "violation",
        /// The inspector could not get in.
        NoAccess = "no-access",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_names_are_the_ones_the_database_allows() {
        assert_eq!(
            DeclarationStatus::ALL.map(DeclarationStatus::as_str),
            ["accepted", "amended", "ended", "withdrawn"]
        );
        assert_eq!(
            SignalStatus::ALL.map(SignalStatus::as_str),
            ["open", "closed"]
        );
        assert_eq!(
            OccupancySource::ALL.map(OccupancySource::as_str),
            ["declaration", "registry", "inspection", "manual"]
        );
        assert_eq!(
            ProvisionRole::ALL.map(ProvisionRole::as_str),
            ["owner", "lessor", "manager"]
        );
    }
}
