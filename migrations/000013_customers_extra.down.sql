ALTER TABLE customers DROP COLUMN action_error_message;
ALTER TABLE customers DROP COLUMN action_error_code;
ALTER TABLE customers DROP COLUMN registration_sent_at;
