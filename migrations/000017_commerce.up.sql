-- Commerce: the catalogue, binding quotes, orders and their saga steps, resources synced from Huawei,
-- and the money kinds that pay for them (docs/design.md §11). Orders pay through the money core: each
-- Huawei order an order creates is paid by one money operation of kind 'payment' (hold available →
-- held at acceptance; settle held → external spend when Huawei took the money; release when it did
-- not), and a refund Huawei reports is a money operation of kind 'refund' (hold external spend → held,
-- settle held → available, in one transaction). Constraint names are matched by internal/store.

-- Products the partner sells: a Huawei spec in a region, with the periods offered.
CREATE TABLE catalog_products (
    id                uuid        PRIMARY KEY,
    kind              text        NOT NULL,
    name              text        NOT NULL,
    region            text        NOT NULL,
    availability_zone text,
    spec              text        NOT NULL,
    service_type      text        NOT NULL,
    resource_type     text        NOT NULL,
    period_types      text[]      NOT NULL,
    max_months        int,
    max_years         int,
    image_ref         text,
    root_volume_type  text,
    root_volume_gb    int,
    min_size_gb       int,
    max_size_gb       int,
    enabled           boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT catalog_products_kind_check CHECK (kind IN ('ecs', 'evs')),
    CONSTRAINT catalog_products_periods_check CHECK (
        cardinality(period_types) BETWEEN 1 AND 2 AND period_types <@ ARRAY['month', 'year']),
    CONSTRAINT catalog_products_max_months_check CHECK (max_months IS NULL OR max_months BETWEEN 1 AND 11),
    CONSTRAINT catalog_products_max_years_check CHECK (max_years IS NULL OR max_years BETWEEN 1 AND 3),
    CONSTRAINT catalog_products_ecs_check CHECK (kind <> 'ecs' OR (image_ref IS NOT NULL AND root_volume_type IS NOT NULL AND root_volume_gb BETWEEN 40 AND 1024)),
    CONSTRAINT catalog_products_evs_check CHECK (kind <> 'evs' OR (min_size_gb IS NOT NULL AND max_size_gb IS NOT NULL AND min_size_gb <= max_size_gb))
);
CREATE UNIQUE INDEX catalog_products_spec_key ON catalog_products (kind, region, spec, coalesce(root_volume_type, ''), coalesce(root_volume_gb, 0));

-- Huawei's service and resource types (ListServiceTypes, ListResourceTypes), cached.
CREATE TABLE cloud_types (
    kind         text        NOT NULL,
    code         text        NOT NULL,
    name         text        NOT NULL,
    abbreviation text,
    description  text,
    service_type text,
    synced_at    timestamptz NOT NULL,
    PRIMARY KEY (kind, code),
    CONSTRAINT cloud_types_kind_check CHECK (kind IN ('service', 'resource'))
);

-- A quote: a priced cart that binds until expires_at. One order at most is placed from it.
CREATE TABLE quotes (
    id             uuid          PRIMARY KEY,
    kind           text          NOT NULL,
    customer_id    uuid          NOT NULL REFERENCES customers (id),
    amount         numeric(20,2) NOT NULL,
    official       numeric(20,2) NOT NULL,
    discount       numeric(20,2) NOT NULL,
    currency       text          NOT NULL DEFAULT 'CNY',
    expires_at     timestamptz   NOT NULL,
    created_by     uuid,
    created_at     timestamptz   NOT NULL,
    CONSTRAINT quotes_kind_check CHECK (kind IN ('new', 'renewal')),
    CONSTRAINT quotes_amount_check CHECK (amount >= 0 AND official >= 0 AND discount = official - amount),
    CONSTRAINT quotes_currency_check CHECK (currency = 'CNY'),
    CONSTRAINT quotes_expiry_check CHECK (expires_at > created_at)
);
CREATE INDEX quotes_customer_idx ON quotes (customer_id, id DESC);

-- One line of a quote: a product (new) or a resource (renewal), its price and Huawei's discounts.
CREATE TABLE quote_lines (
    quote_id        uuid          NOT NULL REFERENCES quotes (id),
    idx             int           NOT NULL,
    product_id      uuid          REFERENCES catalog_products (id),
    resource_id     uuid,
    quantity        int           NOT NULL,
    size_gb         int,
    period_type     text          NOT NULL,
    period_count    int           NOT NULL,
    official        numeric(20,2) NOT NULL,
    discount        numeric(20,2) NOT NULL,
    amount          numeric(20,2) NOT NULL,
    -- Every discount Huawei offered ([{id, type, name, amount}]) and the one chosen (or null).
    discounts       jsonb         NOT NULL DEFAULT '[]',
    chosen_discount jsonb,
    PRIMARY KEY (quote_id, idx),
    CONSTRAINT quote_lines_subject_check CHECK ((product_id IS NULL) <> (resource_id IS NULL)),
    CONSTRAINT quote_lines_quantity_check CHECK (quantity BETWEEN 1 AND 100),
    CONSTRAINT quote_lines_period_check CHECK (
        (period_type = 'month' AND period_count BETWEEN 1 AND 11) OR (period_type = 'year' AND period_count BETWEEN 1 AND 3)),
    CONSTRAINT quote_lines_amount_check CHECK (amount >= 0 AND official >= 0 AND discount = official - amount)
);

-- An order: new purchase, renewal or unsubscription, placed here (from a quote) or at Huawei (synced).
CREATE TABLE orders (
    id              uuid          PRIMARY KEY,
    kind            text          NOT NULL,
    customer_id     uuid          NOT NULL REFERENCES customers (id),
    quote_id        uuid          REFERENCES quotes (id),
    status          text          NOT NULL,
    source          text          NOT NULL DEFAULT 'storefront',
    amount          numeric(20,2) NOT NULL,
    currency        text          NOT NULL DEFAULT 'CNY',
    refund_amount   numeric(20,2),
    error_code      text,
    error_message   text,
    -- For unsubscriptions: what was asked ({resource_ids, reason_type, reason, accept_fee, preview}).
    request         jsonb,
    -- For source 'huawei': Huawei's order id (synced once).
    huawei_order_id text,
    created_by      uuid,
    request_key     text,
    created_at      timestamptz   NOT NULL,
    updated_at      timestamptz   NOT NULL,
    CONSTRAINT orders_kind_check CHECK (kind IN ('new', 'renewal', 'unsubscription')),
    CONSTRAINT orders_status_check CHECK (status IN
        ('pending', 'paying', 'provisioning', 'completed', 'failed', 'cancelled', 'needs_review')),
    CONSTRAINT orders_source_check CHECK (source IN ('storefront', 'huawei')),
    CONSTRAINT orders_amount_check CHECK (amount >= 0),
    CONSTRAINT orders_currency_check CHECK (currency = 'CNY'),
    CONSTRAINT orders_source_ref_check CHECK ((source = 'huawei') = (huawei_order_id IS NOT NULL)),
    CONSTRAINT orders_quote_key UNIQUE (quote_id),
    CONSTRAINT orders_huawei_order_key UNIQUE (huawei_order_id),
    CONSTRAINT orders_request_key UNIQUE (created_by, request_key)
);
CREATE INDEX orders_customer_idx ON orders (customer_id, id DESC);
CREATE INDEX orders_open_idx ON orders (id) WHERE status IN ('pending', 'paying', 'provisioning');

-- One Huawei order of a storefront order (one per quote line): what was created, how it is paid.
CREATE TABLE order_lines (
    order_id           uuid          NOT NULL REFERENCES orders (id),
    idx                int           NOT NULL,
    amount             numeric(20,2) NOT NULL,
    -- X-Client-Token of the ECS/EVS create: Huawei deduplicates a resend that carries it.
    client_token       text          NOT NULL,
    upstream_order_id  text,
    upstream_job_id    text,
    upstream_amount    numeric(20,2),
    -- The money operation (kind 'payment') that pays upstream_order_id.
    payment_id         uuid,
    status             text          NOT NULL DEFAULT 'pending',
    huawei_resource_ids text[]       NOT NULL DEFAULT '{}',
    PRIMARY KEY (order_id, idx),
    CONSTRAINT order_lines_status_check CHECK (status IN
        ('pending', 'created', 'paid', 'provisioned', 'cancelled', 'failed', 'unknown')),
    CONSTRAINT order_lines_amount_check CHECK (amount >= 0),
    CONSTRAINT order_lines_upstream_key UNIQUE (upstream_order_id)
);

-- The saga's steps as the order shows them. A step is updated as it moves (pending → running → done).
CREATE TABLE order_steps (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     uuid        NOT NULL REFERENCES orders (id),
    name         text        NOT NULL,
    line         int,
    status       text        NOT NULL,
    upstream_ref text,
    error        jsonb,
    at           timestamptz NOT NULL,
    CONSTRAINT order_steps_status_check CHECK (status IN ('pending', 'running', 'done', 'failed', 'unknown', 'skipped'))
);
CREATE UNIQUE INDEX order_steps_key ON order_steps (order_id, name, coalesce(line, -1));

-- Yearly/monthly resources as Huawei last listed them (ListPayPerUseCustomerResources).
CREATE TABLE resources (
    id                 uuid        PRIMARY KEY,
    customer_id        uuid        NOT NULL REFERENCES customers (id),
    huawei_resource_id text        NOT NULL,
    kind               text        NOT NULL,
    name               text,
    region             text,
    spec               text        NOT NULL,
    service_type       text,
    resource_type      text,
    status             text        NOT NULL,
    main               boolean     NOT NULL,
    primary_id         uuid        REFERENCES resources (id),
    huawei_parent_id   text,
    effective_at       timestamptz,
    expires_at         timestamptz,
    expire_policy      int,
    -- The storefront order that bought it (null for resources bought at Huawei).
    order_id           uuid        REFERENCES orders (id),
    huawei_order_id    text,
    -- What we asked Huawei for auto-renew, and whether it took.
    auto_renew_enabled boolean,
    auto_renew_period  text,
    auto_renew_times   int,
    auto_renew_status  text,
    auto_renew_error   jsonb,
    synced_at          timestamptz NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT resources_kind_check CHECK (kind IN ('ecs', 'evs', 'other')),
    CONSTRAINT resources_status_check CHECK (status IN ('in_use', 'expired', 'frozen', 'closed', 'deleted')),
    CONSTRAINT resources_auto_renew_status_check CHECK (auto_renew_status IS NULL OR auto_renew_status IN ('pending', 'applied', 'failed')),
    CONSTRAINT resources_huawei_key UNIQUE (huawei_resource_id)
);
CREATE INDEX resources_customer_idx ON resources (customer_id, id);

-- What each term of a resource cost: the basis of the refund estimate (docs/design.md §11.6).
CREATE TABLE resource_terms (
    resource_id     uuid          NOT NULL REFERENCES resources (id),
    huawei_order_id text          NOT NULL,
    starts_at       timestamptz   NOT NULL,
    ends_at         timestamptz   NOT NULL,
    paid            numeric(20,2) NOT NULL,
    PRIMARY KEY (resource_id, huawei_order_id),
    CONSTRAINT resource_terms_paid_check CHECK (paid >= 0),
    CONSTRAINT resource_terms_span_check CHECK (ends_at > starts_at)
);

-- Full refunds under the 5-day rule, counted per calendar year (Beijing time) against the quota of 10.
CREATE TABLE five_day_refunds (
    customer_id        uuid        NOT NULL REFERENCES customers (id),
    huawei_resource_id text        NOT NULL,
    order_id           uuid        NOT NULL REFERENCES orders (id),
    at                 timestamptz NOT NULL,
    PRIMARY KEY (customer_id, huawei_resource_id, order_id)
);

-- Money: payments and refunds are money operations too.
ALTER TABLE money_operations DROP CONSTRAINT money_operations_kind_check;
ALTER TABLE money_operations ADD CONSTRAINT money_operations_kind_check
    CHECK (kind IN ('allocation', 'reclaim', 'payment', 'refund'));
ALTER TABLE money_operations ADD COLUMN order_id uuid REFERENCES orders (id);
-- For a payment: the Huawei order it pays (set once the saga created it).
ALTER TABLE money_operations ADD COLUMN pay_order_id text;
ALTER TABLE money_operations ADD CONSTRAINT money_operations_order_check
    CHECK ((kind IN ('payment', 'refund')) = (order_id IS NOT NULL));
CREATE INDEX money_operations_order_idx ON money_operations (order_id) WHERE order_id IS NOT NULL;
