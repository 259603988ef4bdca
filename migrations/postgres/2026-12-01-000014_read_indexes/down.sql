DROP INDEX signals_rank_idx;
