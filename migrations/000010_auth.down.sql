DROP TABLE IF EXISTS audit_events;
DROP FUNCTION IF EXISTS audit_events_append_only();
DROP TABLE IF EXISTS api_clients;
DROP TABLE IF EXISTS login_failures;
DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS users;
