//! The two migration folders move in lockstep, and every migration can be
//! reverted and applied again on the backend under test.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::TestApp;

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    entry.path().join(file).is_file(),
                    "{} has no {file}",
                    entry.path().display()
                );
            }
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

#[test]
fn every_migration_reverts_and_applies_again() {
    let app = TestApp::new();
    let mut conn = app.db();
    woonregister::db::connection::revert_all_migrations(&mut conn).unwrap();
    let gone = woonregister::db::neighbourhoods::all(&mut conn);
    assert!(gone.is_err(), "the tables are gone after reverting");
    woonregister::db::run_migrations(&mut conn).unwrap();
    assert!(
        woonregister::db::neighbourhoods::all(&mut conn)
            .unwrap()
            .is_empty()
    );
}
