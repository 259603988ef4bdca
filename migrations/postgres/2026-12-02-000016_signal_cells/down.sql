DROP INDEX signals_open_cell_idx;
DROP TRIGGER addresses_rd_cell_on_move ON addresses;
DROP FUNCTION addresses_rd_cell_to_signals();
DROP TRIGGER signals_rd_cell_on_insert ON signals;
DROP FUNCTION signals_rd_cell_of_address();
ALTER TABLE signals DROP COLUMN rd_cell;
DROP FUNCTION rd_grid_cell(DOUBLE PRECISION, DOUBLE PRECISION);
