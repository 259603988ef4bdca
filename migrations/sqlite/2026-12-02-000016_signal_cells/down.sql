DROP INDEX signals_open_cell_idx;
DROP TRIGGER addresses_rd_cell_on_move;
DROP TRIGGER signals_rd_cell_on_insert;
ALTER TABLE signals DROP COLUMN rd_cell;
