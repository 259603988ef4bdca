-- An address's open signals by index, however many open signals the city
-- has: a filing's re-evaluation and each chunk of a full evaluation look
-- them up with `status = 'open' AND address_id IN (...)` or a range of ids.
CREATE INDEX signals_open_address_idx ON signals (status, address_id);
-- Whether any BRP extract was ever imported, and where the declared
-- people are registered, without scanning every occupancy.
CREATE INDEX occupancies_source_person_idx ON occupancies (source, person_id);
