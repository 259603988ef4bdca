//! What an audited read or write of personal data did.

use super::wire_name::wire_enum;

wire_enum! {
    /// The action an audit event records, named `resource.verb`.
    pub enum AuditAction as "audit action" {
        /// A declaration was filed.
        DeclarationCreate = "declaration.create",
        /// A filing was retried with the same key and answered from storage.
        DeclarationReplay = "declaration.replay",
        /// A declaration was read.
        DeclarationRead = "declaration.read",
        /// Declarations were listed.
        DeclarationList = "declaration.list",
        /// A declaration was amended.
        DeclarationUpdate = "declaration.update",
        /// A declaration was withdrawn.
        DeclarationWithdraw = "declaration.withdraw",
        /// A person was read.
        PersonRead = "person.read",
        /// Everything held on a person was exported.
        PersonExport = "person.export",
        /// A BRP extract of the registered residents was imported.
        ResidentExtractImport = "resident-extract.import",
        /// An address's dossier was read before a visit.
        DossierRead = "dossier.read",
        /// An inspection list was planned.
        InspectionListCreate = "inspection-list.create",
        /// An inspection list was read or exported.
        InspectionListRead = "inspection-list.read",
        /// Inspection lists were listed.
        InspectionListList = "inspection-list.list",
        /// An inspection list was e-mailed.
        InspectionListMail = "inspection-list.mail",
        /// The outcome of an inspection was recorded.
        InspectionOutcome = "inspection.outcome",
        /// People past the retention period were removed.
        RetentionApply = "retention.apply",
    }
}
