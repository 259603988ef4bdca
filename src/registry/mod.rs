//! The use cases: each change a user can make, end to end, in the caller's
//! transaction: the facts, the audit entry, the re-evaluation of the
//! addresses it touches and any e-mail. Handlers (`api`) and commands
//! (`cli`) call these and do nothing else of substance.

pub mod evaluation;
pub mod filing;
pub mod synthetic;
