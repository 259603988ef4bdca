ALTER TABLE declarations DROP COLUMN worker_nationality;
ALTER TABLE declarations DROP COLUMN worker_date_of_birth;
ALTER TABLE declarations DROP COLUMN worker_given_names;
ALTER TABLE declarations DROP COLUMN worker_family_name;
ALTER TABLE declarations DROP COLUMN worker_bsn;
