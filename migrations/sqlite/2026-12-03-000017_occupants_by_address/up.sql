-- The index by address carries every column the rules read of an
-- occupancy, so that judging a chunk of addresses reads their occupants
-- from the index alone, without a lookup in the table for each.
DROP INDEX occupancies_address_idx;
CREATE INDEX occupancies_address_idx
    ON occupancies (address_id, start_date, end_date, person_id, source, household);
