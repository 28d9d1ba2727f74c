package huawei

import (
	"context"

	"github.com/shopspring/decimal"

	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/partnerlab/storefront/internal/domain"
)

// PartnerBalances implements domain.CloudAccounts.
func (c *Client) PartnerBalances(ctx context.Context) ([]domain.CloudPartnerBalance, error) {
	resp, err := partnerBSS(ctx, c, readOp("ListPartnerBalances"), func(cl *bss.BssClient) (*model.ListPartnerBalancesResponse, error) {
		return cl.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	})
	if err != nil {
		return nil, err
	}
	if resp.AccountBalances == nil {
		return nil, nil
	}
	out := make([]domain.CloudPartnerBalance, 0, len(*resp.AccountBalances))
	for _, b := range *resp.AccountBalances {
		amount := b.Amount
		out = append(out, domain.CloudPartnerBalance{
			AccountID:  b.AccountId,
			Type:       domain.CloudAccountType(b.AccountType),
			Amount:     fenFloat(&amount),
			Designated: fenFloat(b.DesignatedAmount),
			Credit:     fenFloat(b.CreditAmount),
			Currency:   currency(&b.Currency),
		})
	}
	return out, nil
}

// CustomerBalances implements domain.CloudAccounts.
func (c *Client) CustomerBalances(ctx context.Context, customerIDs []string) ([]domain.CloudCustomerBalance, error) {
	if err := validCount("customer ids", len(customerIDs), 1, 100); err != nil {
		return nil, err
	}
	infos := make([]model.CustomerInfoV2, 0, len(customerIDs))
	for _, id := range customerIDs {
		infos = append(infos, model.CustomerInfoV2{CustomerId: id})
	}
	resp, err := partnerBSS(ctx, c, readOp("ListCustomersBalancesDetail"), func(cl *bss.BssClient) (*model.ListCustomersBalancesDetailResponse, error) {
		return cl.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: infos}})
	})
	if err != nil {
		return nil, err
	}
	if resp.CustomerBalances == nil {
		return nil, nil
	}
	out := make([]domain.CloudCustomerBalance, 0, len(*resp.CustomerBalances))
	for _, b := range *resp.CustomerBalances {
		out = append(out, domain.CloudCustomerBalance{
			CustomerID: b.CustomerId, Amount: fen(b.Amount), Debt: fen(b.DebtAmount), Currency: currency(b.Currency),
		})
	}
	return out, nil
}

// AllocateToCustomer implements domain.CloudAccounts. Sent once, whatever
// happens: there is no idempotency key, so a resend could allocate twice.
func (c *Client) AllocateToCustomer(ctx context.Context, customerID string, amount decimal.Decimal) (string, error) {
	if err := required("customer id", customerID); err != nil {
		return "", err
	}
	if err := validAmount(amount); err != nil {
		return "", err
	}
	op := effectOp("UpdateCustomerAccountAmount")
	resp, err := partnerBSS(ctx, c, op, func(cl *bss.BssClient) (*model.UpdateCustomerAccountAmountResponse, error) {
		return cl.UpdateCustomerAccountAmount(&model.UpdateCustomerAccountAmountRequest{Body: &model.AdjustAccountReq{
			CustomerId: customerID, Amount: &amount,
		}})
	})
	if err != nil {
		return "", err
	}
	if str(resp.TransferId) == "" {
		// A success without the transaction id: it may well have happened.
		return "", c.fail(op, caller{}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	return *resp.TransferId, nil
}

// ReclaimFromCustomer implements domain.CloudAccounts; sent once, like
// AllocateToCustomer.
func (c *Client) ReclaimFromCustomer(ctx context.Context, customerID string, amount decimal.Decimal) (string, error) {
	if err := required("customer id", customerID); err != nil {
		return "", err
	}
	if err := validAmount(amount); err != nil {
		return "", err
	}
	op := effectOp("ReclaimToPartnerAccount")
	resp, err := partnerBSS(ctx, c, op, func(cl *bss.BssClient) (*model.ReclaimToPartnerAccountResponse, error) {
		return cl.ReclaimToPartnerAccount(&model.ReclaimToPartnerAccountRequest{Body: &model.ReclaimToPartnerAccountBalancesReq{
			CustomerId: customerID, Amount: &amount,
		}})
	})
	if err != nil {
		return "", err
	}
	if str(resp.TransId) == "" {
		return "", c.fail(op, caller{}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
	}
	return *resp.TransId, nil
}

// ListAdjustRecords implements domain.CloudAccounts (v3; amounts are JSON
// strings there).
//
// Paging: records come newest first, so with a plain offset a record added
// between two pages pushes one already seen onto the next page. Page a
// fixed time window instead: choose To once, a little in the past (a minute
// covers the clock difference with Huawei), and keep it for every page of
// the pass — no record can enter a window that has closed, so offsets hold
// still. The next pass starts at To plus one second (times are whole
// seconds, both bounds inclusive). Huawei documents no order; the
// simulator's is operation time descending, ties by trans_id descending.
func (c *Client) ListAdjustRecords(ctx context.Context, q domain.CloudAdjustRecordQuery) (domain.CloudAdjustRecordPage, error) {
	if q.Limit < 0 || q.Offset < 0 {
		return domain.CloudAdjustRecordPage{}, domain.Errorf(domain.CodeValidation, "a non-negative limit and offset")
	}
	op := readOp("ListPartnerAdjustRecords")
	resp, err := partnerBSS(ctx, c, op, func(cl *bss.BssClient) (*model.ListPartnerAdjustRecordsResponse, error) {
		return cl.ListPartnerAdjustRecords(&model.ListPartnerAdjustRecordsRequest{
			CustomerId:         optStr(q.CustomerID),
			OperationType:      optStr(string(q.Type)),
			OperationTimeBegin: optTime(q.From),
			OperationTimeEnd:   optTime(q.To),
			TransId:            optStr(q.TransID),
			Offset:             ptr(int32(q.Offset)),
			Limit:              optInt(q.Limit),
		})
	})
	if err != nil {
		return domain.CloudAdjustRecordPage{}, err
	}
	page := domain.CloudAdjustRecordPage{Total: num(resp.TotalCount)}
	if resp.Records != nil {
		for _, r := range *resp.Records {
			amount, ok := fenString(r.Amount)
			if !ok {
				return domain.CloudAdjustRecordPage{}, c.fail(op, caller{}, failure{status: resp.HttpStatusCode, undecoded: true}, nil)
			}
			page.Records = append(page.Records, domain.CloudAdjustRecord{
				CustomerID:   str(r.CustomerId),
				CustomerName: str(r.CustomerName),
				Type:         domain.CloudAdjustType(str(r.OperationType)),
				Amount:       amount,
				Currency:     currency(r.Currency),
				Scene:        str(r.ApplyScene),
				At:           parseTime(r.OperationTime),
				TransID:      str(r.TransId),
				Memo:         str(r.Memo),
			})
		}
	}
	return page, nil
}
