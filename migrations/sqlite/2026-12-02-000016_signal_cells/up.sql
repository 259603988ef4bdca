-- The 250 m RD grid cell of each signal's address, so that the open
-- signals around a point are found by index in the few cells that cover
-- it, not by visiting every address nearby. A cell is
-- floor(rd_x / 250) * 10000 + floor(rd_y / 250), as `db::signals::rd_cell`
-- computes it; two cells that share a key only widen the candidates, whose
-- distance the reader checks. The triggers keep it right for every signal
-- written and every address moved, whoever writes them.
ALTER TABLE signals ADD COLUMN rd_cell BIGINT NOT NULL DEFAULT 0;

UPDATE signals SET rd_cell = (
    SELECT (CAST(a.rd_x / 250.0 AS INTEGER) - (CAST(a.rd_x / 250.0 AS INTEGER) > a.rd_x / 250.0)) * 10000
         + (CAST(a.rd_y / 250.0 AS INTEGER) - (CAST(a.rd_y / 250.0 AS INTEGER) > a.rd_y / 250.0))
    FROM addresses a WHERE a.id = signals.address_id
);

CREATE TRIGGER signals_rd_cell_on_insert AFTER INSERT ON signals
BEGIN
    UPDATE signals SET rd_cell = (
        SELECT (CAST(a.rd_x / 250.0 AS INTEGER) - (CAST(a.rd_x / 250.0 AS INTEGER) > a.rd_x / 250.0)) * 10000
             + (CAST(a.rd_y / 250.0 AS INTEGER) - (CAST(a.rd_y / 250.0 AS INTEGER) > a.rd_y / 250.0))
        FROM addresses a WHERE a.id = NEW.address_id
    ) WHERE id = NEW.id;
END;

CREATE TRIGGER addresses_rd_cell_on_move AFTER UPDATE OF rd_x, rd_y ON addresses
WHEN OLD.rd_x IS NOT NEW.rd_x OR OLD.rd_y IS NOT NEW.rd_y
BEGIN
    UPDATE signals SET rd_cell =
        (CAST(NEW.rd_x / 250.0 AS INTEGER) - (CAST(NEW.rd_x / 250.0 AS INTEGER) > NEW.rd_x / 250.0)) * 10000
      + (CAST(NEW.rd_y / 250.0 AS INTEGER) - (CAST(NEW.rd_y / 250.0 AS INTEGER) > NEW.rd_y / 250.0))
    WHERE address_id = NEW.id;
END;

CREATE INDEX signals_open_cell_idx ON signals (status, rd_cell);
