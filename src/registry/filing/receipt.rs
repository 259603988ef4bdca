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
    let mut lines = String::new();
    for (declaration, address) in filed {
        let letter = &address.house_letter;
        let addition = if address.house_number_addition.is_empty() {
            String::new()
        } else {
            format!("-{}", address.house_number_addition)
        };
        let _ = writeln!(
            lines,
            "  {}: {} {}{letter}{addition}, {}, {} UTC",
            declaration.id,
            address.postcode,
            address.house_number,
            declaration.start_date,
            declaration.filed_at.format("%Y-%m-%d %H:%M:%S"),
        );
    }
    let (count, name, kvk) = (filed.len(), &agency.name, &agency.kvk_number);
    let body = format!(
        "woonregister heeft {count} huisvestingsmelding(en) ontvangen van {name} (KvK {kvk}).\n\
         Per melding: nummer, adres, ingangsdatum en tijdstip van indienen.\n\n\
         {lines}\n\
         --\n\
         English: woonregister received {count} housing declaration(s) from {name} (KvK {kvk}).\n\
         Per declaration: number, address, start date and time filed, as listed above.\n"
    );
    crate::mail::enqueue(conn, recipient, &subject, &body).map(drop)
}
