DROP INDEX audit_events_customer_idx;
DROP INDEX audit_events_subject_id_idx;
