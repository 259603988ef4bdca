-- The signal list's order (most serious first, then by id) for a status,
-- so that the first page reads its rows from the index instead of sorting
-- every open signal.
CREATE INDEX signals_rank_idx ON signals (status, score DESC, id);
