-- River's migrations 1–8 were applied by golang-migrate above; record them the way River's own
-- migrator would, so River tooling (rivermigrate) sees the schema as current.
INSERT INTO river_migration (line, version)
SELECT 'main', v FROM generate_series(1, 8) AS v
ON CONFLICT DO NOTHING;
