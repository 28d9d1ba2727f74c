package http

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/partnerlab/storefront/internal/domain"
	genapi "github.com/partnerlab/storefront/internal/http/api"
)

func (h *handlers) CreateAllocation(ctx context.Context, req genapi.CreateAllocationRequestObject) (genapi.CreateAllocationResponseObject, error) {
	if c := domain.RequestClaimFrom(ctx); c != nil {
		c.Answer = func(v any) (domain.IdempotencyRecord, error) {
			op, _ := v.(domain.MoneyOperation)
			return renderAnswer(genapi.CreateAllocation202JSONResponse{Body: moneyOperationOut(op)}.VisitCreateAllocationResponse)
		}
	}
	op, err := h.requestMoney(ctx, domain.MoneyAllocation, req.Id, req.Params.IdempotencyKey, req.Body)
	if err != nil {
		return nil, err
	}
	return genapi.CreateAllocation202JSONResponse{Body: moneyOperationOut(op)}, nil
}

func (h *handlers) CreateReclaim(ctx context.Context, req genapi.CreateReclaimRequestObject) (genapi.CreateReclaimResponseObject, error) {
	if c := domain.RequestClaimFrom(ctx); c != nil {
		c.Answer = func(v any) (domain.IdempotencyRecord, error) {
			op, _ := v.(domain.MoneyOperation)
			return renderAnswer(genapi.CreateReclaim202JSONResponse{Body: moneyOperationOut(op)}.VisitCreateReclaimResponse)
		}
	}
	op, err := h.requestMoney(ctx, domain.MoneyReclaim, req.Id, req.Params.IdempotencyKey, req.Body)
	if err != nil {
		return nil, err
	}
	return genapi.CreateReclaim202JSONResponse{Body: moneyOperationOut(op)}, nil
}

func (h *handlers) requestMoney(ctx context.Context, kind domain.MoneyKind, customerID uuid.UUID, key string, body *genapi.MoneyOperationRequest) (domain.MoneyOperation, error) {
	p, _ := principal(ctx)
	in := domain.MoneyRequest{Kind: kind, CustomerID: customerID, Amount: body.Amount, RequestKey: key}
	if body.Memo != nil {
		in.Memo = *body.Memo
	}
	if body.ChallengeId != nil {
		in.ChallengeID = *body.ChallengeId
	}
	if body.Code != nil {
		in.Code = *body.Code
	}
	return h.s.money.Request(ctx, p, in)
}

func (h *handlers) ListMoneyOperations(ctx context.Context, req genapi.ListMoneyOperationsRequestObject) (genapi.ListMoneyOperationsResponseObject, error) {
	p, _ := principal(ctx)
	before, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	q := req.Params
	var f domain.MoneyFilter
	if q.CustomerId != nil {
		f.CustomerID = *q.CustomerId
	}
	if q.Kind != nil {
		f.Kind = domain.MoneyKind(*q.Kind)
	}
	if q.Status != nil {
		f.Status = domain.MoneyStatus(*q.Status)
	}
	if q.From != nil {
		f.From = *q.From
	}
	if q.To != nil {
		f.To = *q.To
	}
	page, err := h.s.money.Operations(ctx, p, f, before, limit)
	if err != nil {
		return nil, err
	}
	out := genapi.MoneyOperationPage{Items: make([]genapi.MoneyOperation, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, op := range page.Items {
		out.Items[i] = moneyOperationOut(op)
	}
	return genapi.ListMoneyOperations200JSONResponse{Body: out}, nil
}

func (h *handlers) GetMoneyOperation(ctx context.Context, req genapi.GetMoneyOperationRequestObject) (genapi.GetMoneyOperationResponseObject, error) {
	p, _ := principal(ctx)
	op, err := h.s.money.Operation(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetMoneyOperation200JSONResponse{Body: moneyOperationOut(op)}, nil
}

func (h *handlers) ResolveMoneyOperation(ctx context.Context, req genapi.ResolveMoneyOperationRequestObject) (genapi.ResolveMoneyOperationResponseObject, error) {
	p, _ := principal(ctx)
	b := req.Body
	in := domain.MoneyDecision{OperationID: req.Id, Outcome: domain.MoneyStatus(b.Outcome), Reason: b.Reason}
	if b.UpstreamRef != nil {
		in.UpstreamRef = *b.UpstreamRef
	}
	if b.ChallengeId != nil {
		in.ChallengeID = *b.ChallengeId
	}
	if b.Code != nil {
		in.Code = *b.Code
	}
	op, err := h.s.money.Decide(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return genapi.ResolveMoneyOperation200JSONResponse{Body: moneyOperationOut(op)}, nil
}

func (h *handlers) GetCustomerBalance(ctx context.Context, req genapi.GetCustomerBalanceRequestObject) (genapi.GetCustomerBalanceResponseObject, error) {
	p, _ := principal(ctx)
	b, err := h.s.money.CustomerBalance(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	out := genapi.CustomerBalance{Available: money(b.Available), Held: money(b.Held), Currency: genapi.CustomerBalanceCurrency(currency(b.Currency))}
	if u := b.Upstream; u != nil {
		amount, at := money(u.Amount), u.ReadAt.UTC()
		out.Upstream.Amount, out.Upstream.ReadAt = &amount, &at
	}
	return genapi.GetCustomerBalance200JSONResponse{Body: out}, nil
}

func (h *handlers) GetPartnerBalance(ctx context.Context, req genapi.GetPartnerBalanceRequestObject) (genapi.GetPartnerBalanceResponseObject, error) {
	p, _ := principal(ctx)
	b, err := h.s.money.PartnerBalance(ctx, p)
	if err != nil {
		return nil, err
	}
	out := genapi.PartnerBalance{Amount: money(b.Amount), DesignatedAmount: money(b.Designated), Allocatable: money(b.Allocatable),
		Currency: genapi.PartnerBalanceCurrency(currency(b.Currency)), ReadAt: b.ReadAt.UTC()}
	if b.Ledger != nil {
		l := money(*b.Ledger)
		out.LedgerAllocatable = &l
	}
	return genapi.GetPartnerBalance200JSONResponse{Body: out}, nil
}

func (h *handlers) ListLedgerEntries(ctx context.Context, req genapi.ListLedgerEntriesRequestObject) (genapi.ListLedgerEntriesResponseObject, error) {
	p, _ := principal(ctx)
	q := req.Params
	var from, to time.Time
	if q.From != nil {
		from = *q.From
	}
	if q.To != nil {
		to = *q.To
	}
	if wantsCSV(ctx) {
		stream, err := h.s.money.LedgerExport(ctx, p, req.Id, from, to)
		if err != nil {
			return nil, err
		}
		return genapi.ListLedgerEntries200TextcsvResponse{Body: h.csvStream(ctx, stream)}, nil
	}
	before, limit, err := pageParams(q.Cursor, q.Limit)
	if err != nil {
		return nil, err
	}
	page, err := h.s.money.LedgerEntries(ctx, p, req.Id, from, to, before, limit)
	if err != nil {
		return nil, err
	}
	out := genapi.LedgerPage{Items: make([]genapi.LedgerEntry, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, e := range page.Items {
		out.Items[i] = ledgerEntryOut(e)
	}
	return genapi.ListLedgerEntries200JSONResponse{Body: out}, nil
}

// csvHeader names the columns of a ledger export.
var csvHeader = []string{"created_at", "entry_id", "transfer_id", "account", "kind", "amount", "balance_after", "currency", "operation_id", "reference"}

// csvStream writes the export through a pipe as the rows come from the
// database, so no export is held in memory. An export that fails half-way
// aborts the connection: headers are gone, and a truncated file must not
// look complete.
func (h *handlers) csvStream(ctx context.Context, stream func(context.Context, func(domain.LedgerEntry) error) error) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		cw := csv.NewWriter(pw)
		err := cw.Write(csvHeader)
		if err == nil {
			err = stream(ctx, func(e domain.LedgerEntry) error {
				out := ledgerEntryOut(e)
				op, ref := "", ""
				if out.OperationId != nil {
					op = out.OperationId.String()
				}
				if out.Reference != nil {
					ref = *out.Reference
				}
				return cw.Write([]string{out.CreatedAt.Format(time.RFC3339Nano), out.Id.String(), out.TransferId.String(), string(out.Account),
					out.Kind, out.Amount, out.BalanceAfter, currency(e.Currency), op, ref})
			})
		}
		if err == nil {
			cw.Flush()
			err = cw.Error()
		}
		pw.CloseWithError(err)
	}()
	return &abortOnError{r: pr, log: h.s.log, ctx: ctx}
}

// abortOnError ends the response by aborting the connection when the
// stream behind it fails.
type abortOnError struct {
	r   *io.PipeReader
	log *slog.Logger
	ctx context.Context
}

func (a *abortOnError) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		a.log.ErrorContext(a.ctx, "ledger export failed", slog.String("request_id", requestID(a.ctx)), slog.Any("error", err))
		panic(http.ErrAbortHandler)
	}
	return n, err
}

// Close stops the producer when the client went away.
func (a *abortOnError) Close() error { return a.r.Close() }

type acceptKey struct{}

// withAccept carries the Accept header to the one handler that answers more
// than one media type (the strict handlers see only their parameters).
func withAccept(f genapi.StrictHandlerFunc, operationID string) genapi.StrictHandlerFunc {
	if operationID != "ListLedgerEntries" {
		return f
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		return f(context.WithValue(ctx, acceptKey{}, r.Header.Get("Accept")), w, r, req)
	}
}

// wantsCSV: the client listed text/csv before (or without) application/json.
func wantsCSV(ctx context.Context) bool {
	accept, _ := ctx.Value(acceptKey{}).(string)
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return true
		case "application/json", "*/*":
			return false
		}
	}
	return false
}

func (h *handlers) CreateReconciliationRun(ctx context.Context, req genapi.CreateReconciliationRunRequestObject) (genapi.CreateReconciliationRunResponseObject, error) {
	p, _ := principal(ctx)
	run, err := h.s.money.RequestReconciliation(ctx, p)
	if err != nil {
		return nil, err
	}
	return genapi.CreateReconciliationRun202JSONResponse{Body: runOut(run)}, nil
}

func (h *handlers) ListReconciliationRuns(ctx context.Context, req genapi.ListReconciliationRunsRequestObject) (genapi.ListReconciliationRunsResponseObject, error) {
	p, _ := principal(ctx)
	before, limit, err := pageParams(req.Params.Cursor, req.Params.Limit)
	if err != nil {
		return nil, err
	}
	page, err := h.s.money.ReconciliationRuns(ctx, p, before, limit)
	if err != nil {
		return nil, err
	}
	out := genapi.ReconciliationRunPage{Items: make([]genapi.ReconciliationRun, len(page.Items)), NextCursor: cursorOut(page.Next)}
	for i, r := range page.Items {
		out.Items[i] = runOut(r)
	}
	return genapi.ListReconciliationRuns200JSONResponse{Body: out}, nil
}

func (h *handlers) GetReconciliationRun(ctx context.Context, req genapi.GetReconciliationRunRequestObject) (genapi.GetReconciliationRunResponseObject, error) {
	p, _ := principal(ctx)
	run, err := h.s.money.ReconciliationRun(ctx, p, req.Id)
	if err != nil {
		return nil, err
	}
	return genapi.GetReconciliationRun200JSONResponse{Body: runOut(run)}, nil
}

// money renders an amount the way the API writes money: two decimals.
func money(d decimal.Decimal) genapi.Money { return d.StringFixed(2) }

func currency(c string) string {
	if c == "" {
		return domain.CurrencyCNY
	}
	return c
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func moneyOperationOut(op domain.MoneyOperation) genapi.MoneyOperation {
	out := genapi.MoneyOperation{
		Id: op.ID, Kind: genapi.MoneyOperationKind(op.Kind), CustomerId: op.CustomerID, Amount: money(op.Amount),
		Currency: genapi.MoneyOperationCurrency(currency(op.Currency)), Status: genapi.MoneyOperationStatus(op.Status),
		Memo: optString(op.Memo), UpstreamRef: optString(op.UpstreamRef), CreatedBy: optID(op.CreatedBy), OrderId: optID(op.OrderID),
		CreatedAt: op.CreatedAt.UTC(), UpdatedAt: op.UpdatedAt.UTC(),
	}
	if e := op.Error; e != nil {
		me := genapi.MoneyOperationError{Operation: e.Operation, Code: optString(e.Code), Message: e.Message, Outcome: genapi.MoneyOperationErrorOutcome(e.Outcome)}
		if e.HTTPStatus != 0 {
			st := int32(e.HTTPStatus)
			me.HttpStatus = &st
		}
		out.Error = &me
	}
	if len(op.Evidence) > 0 {
		ev := make([]map[string]any, len(op.Evidence))
		for i, r := range op.Evidence {
			ev[i] = map[string]any{"trans_id": r.TransID, "customer_id": r.CustomerID, "operation_type": string(r.Type),
				"amount": money(r.Amount), "currency": currency(r.Currency), "operation_time": r.At.UTC().Format(time.RFC3339)}
		}
		out.Evidence = &ev
	}
	if r := op.Resolution; r != nil {
		res := map[string]any{"outcome": string(r.Outcome), "reason": r.Reason, "decided_by": r.By.String(), "decided_at": r.At.UTC().Format(time.RFC3339)}
		if r.UpstreamRef != "" {
			res["upstream_ref"] = r.UpstreamRef
		}
		if r.Role != "" {
			res["role"] = string(r.Role)
		}
		if r.ChallengeID != uuid.Nil {
			res["challenge_id"] = r.ChallengeID.String()
		}
		out.Resolution = &res
	}
	return out
}

func ledgerEntryOut(e domain.LedgerEntry) genapi.LedgerEntry {
	acct := genapi.Available
	if e.Account == domain.AccountCustomerHeld {
		acct = genapi.Held
	}
	cur := genapi.LedgerEntryCurrency(currency(e.Currency))
	return genapi.LedgerEntry{Id: e.ID, TransferId: e.TransferID, Account: acct, Amount: money(e.Amount), BalanceAfter: money(e.BalanceAfter),
		Kind: string(e.Kind), Currency: &cur, OperationId: optID(e.OperationID), Reference: optString(e.Reference), CreatedAt: e.CreatedAt.UTC()}
}

func runOut(r domain.ReconciliationRun) genapi.ReconciliationRun {
	trigger := genapi.ReconciliationRunTrigger(r.Trigger)
	out := genapi.ReconciliationRun{Id: r.ID, Status: genapi.ReconciliationRunStatus(r.Status), Trigger: &trigger,
		Items: make([]genapi.ReconciliationItem, len(r.Items)), Error: optString(r.Error), CreatedAt: r.CreatedAt.UTC(),
		CompletedAt: optTime(r.CompletedAt), WindowFrom: optTime(r.From), WindowTo: optTime(r.To)}
	for i, it := range r.Items {
		item := genapi.ReconciliationItem{Kind: genapi.ReconciliationItemKind(it.Kind), CustomerId: optID(it.CustomerID),
			OperationId: optID(it.OperationID), UpstreamRef: optString(it.UpstreamRef), Detail: optString(it.Detail)}
		if it.LocalAmount != nil {
			m := money(*it.LocalAmount)
			item.LocalAmount = &m
		}
		if it.UpstreamAmount != nil {
			m := money(*it.UpstreamAmount)
			item.UpstreamAmount = &m
		}
		out.Items[i] = item
	}
	return out
}
