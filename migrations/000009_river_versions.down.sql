DELETE FROM river_migration WHERE line = 'main' AND version BETWEEN 1 AND 8;
