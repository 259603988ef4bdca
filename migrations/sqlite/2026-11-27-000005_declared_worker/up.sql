-- A declaration is the agency's own statement: it keeps the worker exactly
-- as the agency declared them. The link to the matched person is the
-- registry's internal view; agencies never read the person row.
ALTER TABLE declarations ADD COLUMN worker_bsn TEXT CHECK (worker_bsn IS NULL OR length(worker_bsn) = 9);
ALTER TABLE declarations ADD COLUMN worker_family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE declarations ADD COLUMN worker_given_names TEXT NOT NULL DEFAULT '';
ALTER TABLE declarations ADD COLUMN worker_date_of_birth DATE NOT NULL DEFAULT '1900-01-01';
ALTER TABLE declarations ADD COLUMN worker_nationality TEXT;

UPDATE declarations SET
    worker_bsn = (SELECT bsn FROM people WHERE people.id = declarations.person_id),
    worker_family_name = (SELECT family_name FROM people WHERE people.id = declarations.person_id),
    worker_given_names = (SELECT given_names FROM people WHERE people.id = declarations.person_id),
    worker_date_of_birth = (SELECT date_of_birth FROM people WHERE people.id = declarations.person_id),
    worker_nationality = (SELECT nationality FROM people WHERE people.id = declarations.person_id);
