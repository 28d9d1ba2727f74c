package domain

import (
	"context"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// StepUpAction is what a step-up challenge authorises.
type StepUpAction string

const (
	StepUpAllocate StepUpAction = "allocate"
	StepUpReclaim  StepUpAction = "reclaim"
	StepUpResolve  StepUpAction = "resolve"
)

// StepUpVerifier answers a step-up challenge: the challenge must be the
// actor's, for this action, customer and amount, unexpired, unused and
// answered with a current TOTP code never accepted before. A successful
// answer consumes the challenge. Errors: 403 codes that say which rule
// failed (see StepUpService).
type StepUpVerifier interface {
	Verify(ctx context.Context, actor Principal, challengeID uuid.UUID, code string, action StepUpAction, customerID uuid.UUID, amount decimal.Decimal) error
}

// MoneyConfig holds the money rules that are settings.
type MoneyConfig struct {
	// StepUpThreshold: operations of this amount or more need step-up
	// (0.00: every amount).
	StepUpThreshold decimal.Decimal
	// MaxAmount caps one allocation or reclaim.
	MaxAmount decimal.Decimal
}

// MoneyService holds the use cases of moving money between the partner and
// its customers: allocation and reclaim through the ledger, the
// unknown-outcome resolver, balances and reconciliation with Huawei.
type MoneyService struct {
	store  Store
	cloud  CloudAccounts
	stepUp StepUpVerifier
	clock  Clock
	cfg    MoneyConfig
}

// NewMoneyService wires the service.
func NewMoneyService(store Store, cloud CloudAccounts, stepUp StepUpVerifier, clock Clock, cfg MoneyConfig) *MoneyService {
	return &MoneyService{store: store, cloud: cloud, stepUp: stepUp, clock: clock, cfg: cfg}
}
