package store

// MigrateURL exposes migrateURL to the external tests.
var MigrateURL = migrateURL
