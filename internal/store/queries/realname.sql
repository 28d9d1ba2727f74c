-- name: CreateFile :exec
INSERT INTO files (id, customer_id, purpose, storage_key, content_type, size, sha256, uploaded_by, created_at)
VALUES (@id, @customer_id, @purpose, @storage_key, @content_type, @size, @sha256, @uploaded_by, @created_at);

-- name: FileByID :one
SELECT * FROM files WHERE id = @id;

-- name: FilesByID :many
SELECT * FROM files WHERE id = ANY(@ids::uuid[]);

-- name: CreateRealnameApplication :exec
INSERT INTO realname_applications (
    id, customer_id, kind, status, id_type, certificate_type,
    name_enc, number_enc, bank_account_enc, bank_mobile_enc, sms_code_enc, legal_name_enc, legal_number_enc,
    reg_country, reg_address, file_ids, created_by, created_at, updated_at)
VALUES (
    @id, @customer_id, @kind, @status, @id_type, @certificate_type,
    @name_enc, @number_enc, @bank_account_enc, @bank_mobile_enc, @sms_code_enc, @legal_name_enc, @legal_number_enc,
    @reg_country, @reg_address, @file_ids, @created_by, @created_at, @updated_at);

-- name: RealnameApplicationByID :one
SELECT * FROM realname_applications WHERE id = @id;

-- name: RealnameApplicationForUpdate :one
SELECT * FROM realname_applications WHERE id = @id FOR UPDATE;

-- name: UpdateRealnameApplication :execrows
UPDATE realname_applications SET
    status = @status, sms_code_enc = @sms_code_enc, opinion = @opinion,
    error_operation = @error_operation, error_http_status = @error_http_status,
    error_code = @error_code, error_message = @error_message,
    baseline_review = @baseline_review, baseline_opinion = @baseline_opinion,
    submitting_since = @submitting_since, updated_at = @updated_at, decided_at = @decided_at
WHERE id = @id;

-- name: ListRealnameApplications :many
SELECT * FROM realname_applications
WHERE customer_id = @customer_id AND (@after::uuid = '00000000-0000-0000-0000-000000000000' OR id < @after::uuid)
ORDER BY id DESC
LIMIT @lim;

-- name: LatestRealnameApplication :one
SELECT * FROM realname_applications
WHERE customer_id = @customer_id AND (cardinality(@statuses::text[]) = 0 OR status = ANY(@statuses::text[]))
ORDER BY id DESC
LIMIT 1;

-- name: SetCustomerRealname :execrows
UPDATE customers SET
    realname_status = @realname_status,
    realname_name_index = COALESCE(sqlc.narg(name_index), realname_name_index),
    updated_at = @updated_at
WHERE id = @id;
