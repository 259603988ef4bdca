ALTER TABLE declarations
    DROP COLUMN worker_nationality,
    DROP COLUMN worker_date_of_birth,
    DROP COLUMN worker_given_names,
    DROP COLUMN worker_family_name,
    DROP COLUMN worker_bsn;
