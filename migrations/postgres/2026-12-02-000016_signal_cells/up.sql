-- The 250 m RD grid cell of each signal's address, so that the open
-- signals around a point are found by index in the few cells that cover
-- it, not by visiting every address nearby. A cell is
-- floor(rd_x / 250) * 10000 + floor(rd_y / 250), as `db::signals::rd_cell`
-- computes it; two cells that share a key only widen the candidates, whose
-- distance the reader checks. The triggers keep it right for every signal
-- written and every address moved, whoever writes them.
CREATE FUNCTION rd_grid_cell(x DOUBLE PRECISION, y DOUBLE PRECISION) RETURNS BIGINT
    LANGUAGE SQL IMMUTABLE STRICT
    RETURN floor(x / 250::float8)::bigint * 10000 + floor(y / 250::float8)::bigint;

ALTER TABLE signals ADD COLUMN rd_cell BIGINT NOT NULL DEFAULT 0;

UPDATE signals SET rd_cell = rd_grid_cell(a.rd_x, a.rd_y)
FROM addresses a WHERE a.id = signals.address_id;

CREATE FUNCTION signals_rd_cell_of_address() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.rd_cell := (SELECT rd_grid_cell(a.rd_x, a.rd_y) FROM addresses a WHERE a.id = NEW.address_id);
    RETURN NEW;
END;
$$;

CREATE TRIGGER signals_rd_cell_on_insert BEFORE INSERT ON signals
FOR EACH ROW EXECUTE FUNCTION signals_rd_cell_of_address();

CREATE FUNCTION addresses_rd_cell_to_signals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE signals SET rd_cell = rd_grid_cell(NEW.rd_x, NEW.rd_y) WHERE address_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER addresses_rd_cell_on_move AFTER UPDATE OF rd_x, rd_y ON addresses
FOR EACH ROW WHEN (OLD.rd_x IS DISTINCT FROM NEW.rd_x OR OLD.rd_y IS DISTINCT FROM NEW.rd_y)
EXECUTE FUNCTION addresses_rd_cell_to_signals();

CREATE INDEX signals_open_cell_idx ON signals (status, rd_cell);
