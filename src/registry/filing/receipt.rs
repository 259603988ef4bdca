//! The e-mail receipt an agency gets for its accepted filings, queued in
//! the outbox in the filing's transaction.

use diesel::result::QueryResult;

use crate::db::DbConnection;
use crate::db::addresses::Address;
use crate::db::declarations::Declaration;
use crate::db::organisations::Organisation;

/// Queues the receipt for accepted filings to the agency's contact
/// address, one message for all of them. It names declarations and
/// addresses, never a person: which person the registry matched a worker
/// to is not the agency's to see.
pub fn queue_receipt(
    conn: &mut DbConnection,
    agency: &Organisation,
    filed: &[(Declaration, Address)],
) -> QueryResult<()> {
    use std::fmt::Write as _;

    let Some(recipient) = &agency.contact_email else {
        return Ok(());
    };
    if filed.is_empty() {
        return Ok(());
    }
    let subject = if filed.len() == 1 {
        format!("Ontvangstbevestiging huisvestingsmelding {}", filed[0].0.id)
    } else {
        format!("Ontvangstbevestiging {} huisvestingsmeldingen", filed.len())
    };
    let mut body = format!(
        "woonregister received {} housing declaration(s) from {} (KvK {}).\n\n",
        filed.len(),
        agency.name,
        agency.kvk_number
    );
    for (declaration, address) in filed {
        let letter = &address.house_letter;
        let addition = if address.house_number_addition.is_empty() {
            String::new()
        } else {
            format!("-{}", address.house_number_addition)
        };
        let _ = writeln!(
            body,
            "declaration {}: {} {}{letter}{addition}, from {}, filed {} UTC",
            declaration.id,
            address.postcode,
            address.house_number,
            declaration.start_date,
            declaration.filed_at.format("%Y-%m-%d %H:%M:%S"),
        );
    }
    crate::mail::enqueue(conn, recipient, &subject, &body).map(drop)
}
