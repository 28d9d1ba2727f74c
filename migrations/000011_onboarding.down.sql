DROP TABLE idempotency_keys;
DROP INDEX audit_events_action_idx;
DROP INDEX audit_events_actor_idx;
DROP INDEX audit_events_occurred_idx;
ALTER TABLE audit_events DROP COLUMN client_ip;
ALTER TABLE audit_events DROP COLUMN actor_role;
ALTER TABLE users DROP CONSTRAINT users_customer_id_key;
ALTER TABLE users DROP COLUMN customer_id;
DROP TABLE customers;
