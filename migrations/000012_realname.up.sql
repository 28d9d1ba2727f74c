-- Real-name verification: uploaded attachments and applications.

-- An uploaded attachment. The bytes live in the file store under storage_key, which is also the
-- path Huawei is given (relative to the OBS bucket's download/ directory). The type is what the
-- content is, never what the name said.
CREATE TABLE files (
    id           uuid        PRIMARY KEY,
    customer_id  uuid        NOT NULL REFERENCES customers (id),
    purpose      text        NOT NULL,
    storage_key  text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    sha256       bytea       NOT NULL,
    uploaded_by  uuid        NOT NULL,
    created_at   timestamptz NOT NULL,
    CONSTRAINT files_storage_key_key UNIQUE (storage_key),
    CONSTRAINT files_purpose_check CHECK (purpose IN ('realname')),
    CONSTRAINT files_content_type_check CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/bmp', 'application/pdf')),
    CONSTRAINT files_size_check CHECK (size BETWEEN 1 AND 10485760),
    CONSTRAINT files_sha256_check CHECK (length(sha256) = 32),
    CONSTRAINT files_storage_key_check CHECK (length(storage_key) <= 512 AND storage_key ~ '^[A-Za-z0-9._/-]+$' AND storage_key NOT LIKE '/%' AND storage_key NOT LIKE '%..%')
);
CREATE INDEX files_customer_idx ON files (customer_id, created_at DESC);

-- A real-name application. Names, numbers, the bank card, its mobile and the SMS code are sealed
-- (AES-256-GCM, *_enc columns, bound to the row and column); nothing sensitive is stored in clear.
CREATE TABLE realname_applications (
    id                 uuid        PRIMARY KEY,
    customer_id        uuid        NOT NULL REFERENCES customers (id),
    kind               text        NOT NULL,
    status             text        NOT NULL DEFAULT 'pending',
    id_type            text,
    certificate_type   text,
    name_enc           bytea       NOT NULL,
    number_enc         bytea       NOT NULL,
    bank_account_enc   bytea,
    bank_mobile_enc    bytea,
    sms_code_enc       bytea,
    legal_name_enc     bytea,
    legal_number_enc   bytea,
    reg_country        text,
    reg_address        text,
    file_ids           uuid[]      NOT NULL,
    opinion            text,
    -- What Huawei answered when it refused the submission (status failed).
    error_operation    text,
    error_http_status  int,
    error_code         text,
    error_message      text,
    -- Huawei's review state just before the first send, and when the latest send began: after an
    -- unknown outcome the job reads the review back and compares before it sends again.
    baseline_review    text,
    baseline_opinion   text,
    submitting_since   timestamptz,
    created_by         uuid        NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    decided_at         timestamptz,
    CONSTRAINT realname_applications_kind_check CHECK (kind IN ('individual', 'enterprise', 'change')),
    CONSTRAINT realname_applications_status_check CHECK (status IN ('pending', 'in_review', 'verified', 'rejected', 'failed')),
    CONSTRAINT realname_applications_id_type_check CHECK (
        (kind = 'individual' AND id_type IN ('passport', 'hk_macau_permit', 'taiwan_permit', 'hk_macau_residence', 'taiwan_residence', 'bank_card')
            AND certificate_type IS NULL) OR
        (kind IN ('enterprise', 'change') AND id_type IS NULL
            AND certificate_type IN ('business_license', 'public_institution', 'social_organization', 'law_enforcement', 'organization_code', 'other'))),
    CONSTRAINT realname_applications_bank_card_check CHECK (
        (id_type = 'bank_card') = (bank_account_enc IS NOT NULL AND bank_mobile_enc IS NOT NULL)),
    CONSTRAINT realname_applications_legal_person_check CHECK ((legal_name_enc IS NULL) = (legal_number_enc IS NULL)),
    CONSTRAINT realname_applications_files_check CHECK (cardinality(file_ids) BETWEEN 1 AND 4),
    CONSTRAINT realname_applications_baseline_check CHECK (baseline_review IN ('never_submitted', 'pending', 'rejected', 'approved')),
    CONSTRAINT realname_applications_decided_check CHECK ((status IN ('verified', 'rejected', 'failed')) = (decided_at IS NOT NULL)),
    CONSTRAINT realname_applications_failed_check CHECK ((status = 'failed') = (error_operation IS NOT NULL)),
    CONSTRAINT realname_applications_opinion_check CHECK (opinion IS NULL OR status = 'rejected')
);
-- One application awaiting an outcome per customer: a second one while one is pending or in
-- review is refused (409), and the job's read-back after an unknown outcome is unambiguous.
CREATE UNIQUE INDEX realname_applications_open_key ON realname_applications (customer_id)
    WHERE status IN ('pending', 'in_review');
CREATE INDEX realname_applications_customer_idx ON realname_applications (customer_id, id DESC);
