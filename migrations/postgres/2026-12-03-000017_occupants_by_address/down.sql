DROP INDEX occupancies_address_idx;
CREATE INDEX occupancies_address_idx ON occupancies (address_id, start_date);
