-- For sqlc only: the table golang-migrate creates at run time (not a migration).
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
