DROP TABLE reconciliation_runs;
DROP TABLE money_upstream_balances;
DROP TABLE ledger_entries;
DROP TABLE ledger_transfers;
DROP FUNCTION ledger_append_only();
DROP TABLE money_operations;
DROP TABLE ledger_accounts;
