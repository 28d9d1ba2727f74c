-- When the registration job last sent CreateSubCustomer without learning the outcome (a timeout,
-- a 5xx): while set, the job only reads back and never sends again (docs/design.md §2.3).
ALTER TABLE customers ADD COLUMN registration_sent_at timestamptz;
-- The last freeze or unfreeze Huawei refused, kept on the customer so staff see it until the next
-- action is accepted (the audit trail has every one).
ALTER TABLE customers ADD COLUMN action_error_code text;
ALTER TABLE customers ADD COLUMN action_error_message text;
