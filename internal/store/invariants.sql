-- The ledger's invariants (docs/design.md §2.6, §9.5): each query returns the rows that break one,
-- as (subject, detail), so a healthy ledger returns no row at all. `storefront verify-ledger` and the
-- money tests run them all in one read-only snapshot. Each block starts with an "invariant:" line.

-- invariant: cached_balance_is_sum_of_entries
-- An account's cached balance (and entry count) equals the sum (and count) of its entries.
SELECT a.id::text AS subject,
       format('%s %s: cached %s (version %s), entries sum %s (count %s)', a.kind, coalesce(a.customer_id::text, '-'),
              a.balance, a.version, coalesce(s.total, 0), coalesce(s.n, 0)) AS detail
FROM ledger_accounts a
LEFT JOIN (SELECT account_id, sum(amount) AS total, count(*) AS n FROM ledger_entries GROUP BY account_id) s
       ON s.account_id = a.id
WHERE a.balance <> coalesce(s.total, 0) OR a.version <> coalesce(s.n, 0);

-- invariant: no_negative_balance
-- No account but the external ones is below zero.
SELECT a.id::text, format('%s %s: balance %s', a.kind, coalesce(a.customer_id::text, '-'), a.balance)
FROM ledger_accounts a
WHERE a.kind NOT IN ('external_funding', 'external_spend') AND a.balance < 0;

-- invariant: entries_chain_balances
-- Per account, entries are numbered 1, 2, 3… and each balance_after is the previous one plus the entry.
SELECT e.id::text, format('account %s version %s: balance_after %s, previous %s + amount %s', e.account_id,
       e.account_version, e.balance_after, coalesce(e.prev_balance, 0), e.amount)
FROM (SELECT e.*, lag(e.balance_after) OVER w AS prev_balance, lag(e.account_version) OVER w AS prev_version
      FROM ledger_entries e
      WINDOW w AS (PARTITION BY e.account_id ORDER BY e.account_version)) e
WHERE e.balance_after <> coalesce(e.prev_balance, 0) + e.amount
   OR e.account_version <> coalesce(e.prev_version, 0) + 1;

-- invariant: transfer_has_two_balanced_entries
-- Every transfer has exactly two entries: −amount on its from account, +amount on its to account.
SELECT t.id::text, format('%s of %s: %s entries summing to %s', t.kind, t.amount, x.n, coalesce(x.total, 0))
FROM ledger_transfers t
CROSS JOIN LATERAL (
    SELECT count(*) AS n, sum(e.amount) AS total,
           count(*) FILTER (WHERE e.account_id = t.from_account AND e.amount = -t.amount) AS debits,
           count(*) FILTER (WHERE e.account_id = t.to_account AND e.amount = t.amount) AS credits
    FROM ledger_entries e WHERE e.transfer_id = t.id) x
WHERE x.n <> 2 OR x.total <> 0 OR x.debits <> 1 OR x.credits <> 1;

-- invariant: ledger_sums_to_zero
-- Double entry: all balances together are zero.
SELECT 'ledger', format('all balances sum to %s', sum(balance))
FROM ledger_accounts
HAVING sum(balance) <> 0;

-- invariant: succeeded_operation_has_upstream_ref
-- Every succeeded operation names Huawei's transaction.
SELECT o.id::text, format('%s %s succeeded without upstream_ref', o.kind, o.amount)
FROM money_operations o
WHERE o.status = 'succeeded' AND (o.upstream_ref IS NULL OR o.upstream_ref = '');

-- invariant: operation_transfers_sum_to_amount
-- Each operation has one hold of its amount; a succeeded one one settle, a failed one one release of
-- its amount; an unfinished one neither.
SELECT o.id::text, format('%s %s %s: %s hold(s) of %s, %s settle(s), %s release(s), closing %s', o.kind, o.status, o.amount,
       x.holds, x.held, x.settles, x.releases, x.closed)
FROM money_operations o
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE t.kind = 'hold') AS holds,
           coalesce(sum(t.amount) FILTER (WHERE t.kind = 'hold'), 0) AS held,
           count(*) FILTER (WHERE t.kind = 'settle') AS settles,
           count(*) FILTER (WHERE t.kind = 'release') AS releases,
           coalesce(sum(t.amount) FILTER (WHERE t.kind IN ('settle', 'release')), 0) AS closed
    FROM ledger_transfers t WHERE t.operation_id = o.id) x
WHERE x.holds <> 1 OR x.held <> o.amount
   OR (o.status = 'succeeded' AND (x.settles <> 1 OR x.releases <> 0 OR x.closed <> o.amount))
   OR (o.status = 'failed' AND (x.releases <> 1 OR x.settles <> 0 OR x.closed <> o.amount))
   OR (o.status NOT IN ('succeeded', 'failed') AND x.settles + x.releases <> 0);

-- invariant: operation_transfers_use_its_accounts
-- An operation's transfers move between the partner (or external spend) and its own customer's
-- accounts, each step its way: allocation hold partner→held, settle held→available, release
-- held→partner; reclaim hold available→held, settle held→partner, release held→available; payment
-- hold available→held, settle held→spend, release held→available; refund hold spend→held, settle
-- held→available.
SELECT t.id::text, format('%s %s of operation %s: %s → %s', o.kind, t.kind, o.id, f.kind, d.kind)
FROM ledger_transfers t
JOIN money_operations o ON o.id = t.operation_id
JOIN ledger_accounts f ON f.id = t.from_account
JOIN ledger_accounts d ON d.id = t.to_account
WHERE NOT (
       (o.kind, t.kind, f.kind, d.kind) = ('allocation', 'hold', 'partner_allocatable', 'customer_held') AND d.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('allocation', 'settle', 'customer_held', 'customer_available') AND f.customer_id = o.customer_id AND d.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('allocation', 'release', 'customer_held', 'partner_allocatable') AND f.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('reclaim', 'hold', 'customer_available', 'customer_held') AND f.customer_id = o.customer_id AND d.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('reclaim', 'settle', 'customer_held', 'partner_allocatable') AND f.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('reclaim', 'release', 'customer_held', 'customer_available') AND f.customer_id = o.customer_id AND d.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('payment', 'hold', 'customer_available', 'customer_held') AND f.customer_id = o.customer_id AND d.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('payment', 'settle', 'customer_held', 'external_spend') AND f.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('payment', 'release', 'customer_held', 'customer_available') AND f.customer_id = o.customer_id AND d.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('refund', 'hold', 'external_spend', 'customer_held') AND d.customer_id = o.customer_id
    OR (o.kind, t.kind, f.kind, d.kind) = ('refund', 'settle', 'customer_held', 'customer_available') AND f.customer_id = o.customer_id AND d.customer_id = o.customer_id);

-- invariant: settle_references_upstream
-- A settle carries the operation's upstream reference.
SELECT t.id::text, format('settle of operation %s references %s, operation says %s', o.id, coalesce(t.reference, '-'), coalesce(o.upstream_ref, '-'))
FROM ledger_transfers t
JOIN money_operations o ON o.id = t.operation_id
WHERE t.kind = 'settle' AND t.reference IS DISTINCT FROM o.upstream_ref;

-- invariant: held_is_open_operations
-- A customer's held balance is the sum of its unfinished operations' amounts.
SELECT a.customer_id::text, format('held %s, unfinished operations %s', a.balance, coalesce(x.open, 0))
FROM ledger_accounts a
LEFT JOIN (SELECT customer_id, sum(amount) AS open FROM money_operations
           WHERE status NOT IN ('succeeded', 'failed') GROUP BY customer_id) x ON x.customer_id = a.customer_id
WHERE a.kind = 'customer_held' AND a.balance <> coalesce(x.open, 0);

-- invariant: one_operation_in_flight_per_customer
-- At most one operation per customer is at Huawei or undecided (in_flight, unknown, needs_review).
SELECT o.customer_id::text, format('%s operations in flight or undecided', count(*))
FROM money_operations o
WHERE o.status IN ('in_flight', 'unknown', 'needs_review')
GROUP BY o.customer_id
HAVING count(*) > 1;

-- invariant: customer_available_from_operations
-- A customer's available balance is its succeeded allocations, minus its reclaims and payments that
-- did not fail (held or settled), plus its refunds, minus its booked spending.
SELECT a.customer_id::text, format('available %s, from operations and spending %s', a.balance,
       coalesce(o.allocated, 0) - coalesce(o.reclaimed, 0) - coalesce(s.spent, 0))
FROM ledger_accounts a
LEFT JOIN (SELECT customer_id,
                  sum(amount) FILTER (WHERE (kind = 'allocation' AND status = 'succeeded') OR (kind = 'refund' AND status = 'succeeded')) AS allocated,
                  sum(amount) FILTER (WHERE kind IN ('reclaim', 'payment') AND status <> 'failed') AS reclaimed
           FROM money_operations GROUP BY customer_id) o ON o.customer_id = a.customer_id
LEFT JOIN (SELECT f.customer_id, sum(t.amount) AS spent
           FROM ledger_transfers t JOIN ledger_accounts f ON f.id = t.from_account
           WHERE t.kind = 'spend' GROUP BY f.customer_id) s ON s.customer_id = a.customer_id
WHERE a.kind = 'customer_available'
  AND a.balance <> coalesce(o.allocated, 0) - coalesce(o.reclaimed, 0) - coalesce(s.spent, 0);

-- invariant: partner_from_operations
-- The partner's allocatable balance is its funding, minus allocations that did not fail (held or
-- settled), plus succeeded reclaims.
SELECT a.id::text, format('partner allocatable %s, from funding and operations %s', a.balance,
       coalesce(f.funded, 0) - coalesce(o.allocated, 0) + coalesce(o.reclaimed, 0))
FROM ledger_accounts a
CROSS JOIN (SELECT sum(t.amount) AS funded FROM ledger_transfers t WHERE t.kind = 'funding') f
CROSS JOIN (SELECT sum(amount) FILTER (WHERE kind = 'allocation' AND status <> 'failed') AS allocated,
                   sum(amount) FILTER (WHERE kind = 'reclaim' AND status = 'succeeded') AS reclaimed
            FROM money_operations) o
WHERE a.kind = 'partner_allocatable'
  AND a.balance <> coalesce(f.funded, 0) - coalesce(o.allocated, 0) + coalesce(o.reclaimed, 0);

-- invariant: funding_and_spend_are_referenced
-- Outside operations, money moves only as a referenced seed (external funding → partner) or a
-- referenced spend (a customer's available → external spend).
SELECT t.id::text, format('%s %s: %s → %s, reference %s', t.kind, t.amount, f.kind, d.kind, coalesce(t.reference, '-'))
FROM ledger_transfers t
JOIN ledger_accounts f ON f.id = t.from_account
JOIN ledger_accounts d ON d.id = t.to_account
WHERE t.kind IN ('funding', 'spend')
  AND NOT (coalesce(t.reference, '') <> '' AND (
        (t.kind, f.kind, d.kind) = ('funding', 'external_funding', 'partner_allocatable')
     OR (t.kind, f.kind, d.kind) = ('spend', 'customer_available', 'external_spend')));

-- invariant: finished_operation_is_decided
-- A failed operation says why; an operation in review or unknown says what left it undecided.
SELECT o.id::text, format('%s %s without an error', o.kind, o.status)
FROM money_operations o
WHERE o.status IN ('failed', 'unknown', 'needs_review') AND o.error_outcome IS NULL;

-- invariant: payment_pays_its_order
-- A payment belongs to an order and pays one of that order's Huawei orders: once it left pending it
-- names the order line's upstream order, and a succeeded one is settled with exactly that id.
SELECT o.id::text, format('payment %s %s of order %s pays %s, upstream_ref %s', o.status, o.amount, coalesce(o.order_id::text, '-'),
       coalesce(o.pay_order_id, '-'), coalesce(o.upstream_ref, '-'))
FROM money_operations o
WHERE o.kind = 'payment'
  AND (o.order_id IS NULL
    OR (o.status NOT IN ('pending', 'failed') AND (o.pay_order_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND l.payment_id = o.id AND l.upstream_order_id = o.pay_order_id)))
    OR (o.status = 'succeeded' AND o.upstream_ref IS DISTINCT FROM o.pay_order_id));

-- invariant: refund_is_booked_at_once
-- A refund is booked when Huawei reported it: succeeded (with its hold and settle), for an order.
SELECT o.id::text, format('refund %s %s of order %s', o.status, o.amount, coalesce(o.order_id::text, '-'))
FROM money_operations o
WHERE o.kind = 'refund' AND (o.status <> 'succeeded' OR o.order_id IS NULL);

-- invariant: huawei_order_spent_once
-- A Huawei order is paid by a payment or booked as order spend (synced from Huawei), never both.
SELECT t.id::text, format('spend %s references %s, which a payment also settled', t.amount, t.reference)
FROM ledger_transfers t
JOIN money_operations o ON o.kind = 'payment' AND o.status <> 'failed' AND t.reference = 'order:' || o.pay_order_id
WHERE t.kind = 'spend';
