-- A customer's timeline reads events about it and about its objects (which name it in
-- details.customer_id), newest first.
CREATE INDEX audit_events_subject_id_idx ON audit_events (subject_id, id DESC);
CREATE INDEX audit_events_customer_idx ON audit_events ((details->>'customer_id'), id DESC)
    WHERE details ? 'customer_id';
