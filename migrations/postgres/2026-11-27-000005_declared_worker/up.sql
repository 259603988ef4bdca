-- A declaration is the agency's own statement: it keeps the worker exactly
-- as the agency declared them. The link to the matched person is the
-- registry's internal view; agencies never read the person row.
ALTER TABLE declarations
    ADD COLUMN worker_bsn TEXT CHECK (worker_bsn IS NULL OR length(worker_bsn) = 9),
    ADD COLUMN worker_family_name TEXT NOT NULL DEFAULT '',
    ADD COLUMN worker_given_names TEXT NOT NULL DEFAULT '',
    ADD COLUMN worker_date_of_birth DATE NOT NULL DEFAULT '1900-01-01',
    ADD COLUMN worker_nationality TEXT;

UPDATE declarations d SET
    worker_bsn = p.bsn,
    worker_family_name = p.family_name,
    worker_given_names = p.given_names,
    worker_date_of_birth = p.date_of_birth,
    worker_nationality = p.nationality
FROM people p WHERE p.id = d.person_id;

ALTER TABLE declarations
    ALTER COLUMN worker_family_name DROP DEFAULT,
    ALTER COLUMN worker_given_names DROP DEFAULT,
    ALTER COLUMN worker_date_of_birth DROP DEFAULT;
