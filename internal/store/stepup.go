package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/partnerlab/storefront/internal/domain"
	"github.com/partnerlab/storefront/internal/store/internal/db"
)

// StepUpStore implements domain.StepUpStore.
type StepUpStore struct{ s *Store }

var _ domain.StepUpStore = (*StepUpStore)(nil)

// StepUp is the TOTP-and-challenges store.
func (s *Store) StepUp() domain.StepUpStore { return &StepUpStore{s: s} }

func (st *StepUpStore) EnrollTOTP(ctx context.Context, userID uuid.UUID, sealed []byte, now time.Time) (bool, error) {
	n, err := st.s.q.UpsertTOTPCredential(ctx, db.UpsertTOTPCredentialParams{UserID: userID, SecretSealed: sealed, Now: now})
	if err != nil {
		return false, translate(err, "totp credential")
	}
	return n == 1, nil
}

func (st *StepUpStore) TOTP(ctx context.Context, userID uuid.UUID) (domain.TOTPCredential, error) {
	r, err := st.s.q.TOTPCredential(ctx, userID)
	if err != nil {
		return domain.TOTPCredential{}, translate(err, "totp credential")
	}
	return totpFromDB(r), nil
}

func (st *StepUpStore) TOTPForUpdate(ctx context.Context, userID uuid.UUID) (domain.TOTPCredential, error) {
	r, err := st.s.q.TOTPCredentialForUpdate(ctx, userID)
	if err != nil {
		return domain.TOTPCredential{}, translate(err, "totp credential")
	}
	return totpFromDB(r), nil
}

func (st *StepUpStore) ConfirmTOTP(ctx context.Context, userID uuid.UUID, step int64, now time.Time) error {
	return translate(st.s.q.ConfirmTOTPCredential(ctx, db.ConfirmTOTPCredentialParams{UserID: userID, Step: step, Now: now}), "totp credential")
}

func (st *StepUpStore) SetTOTPLastUsedStep(ctx context.Context, userID uuid.UUID, step int64, now time.Time) error {
	return translate(st.s.q.SetTOTPLastUsedStep(ctx, db.SetTOTPLastUsedStepParams{UserID: userID, Step: step, Now: now}), "totp credential")
}

func (st *StepUpStore) CreateChallenge(ctx context.Context, c domain.StepUpChallenge) error {
	return translate(st.s.q.CreateStepUpChallenge(ctx, db.CreateStepUpChallengeParams{
		ID: c.ID, UserID: c.UserID, Action: string(c.Action), CustomerID: c.CustomerID, Amount: c.Amount,
		OperationID: optUUID(c.OperationID), ExpiresAt: c.ExpiresAt, CreatedAt: c.CreatedAt,
	}), "step-up challenge")
}

func (st *StepUpStore) ChallengeForUpdate(ctx context.Context, id uuid.UUID) (domain.StepUpChallenge, error) {
	r, err := st.s.q.StepUpChallengeForUpdate(ctx, id)
	if err != nil {
		return domain.StepUpChallenge{}, translate(err, "step-up challenge")
	}
	c := domain.StepUpChallenge{
		ID: r.ID, UserID: r.UserID, Action: domain.StepUpAction(r.Action), CustomerID: r.CustomerID, Amount: r.Amount,
		Attempts: int(r.Attempts), ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt, CreatedAt: r.CreatedAt,
	}
	if r.OperationID != nil {
		c.OperationID = *r.OperationID
	}
	return c, nil
}

func (st *StepUpStore) SetChallengeAttempts(ctx context.Context, id uuid.UUID, attempts int) error {
	return translate(st.s.q.SetStepUpChallengeAttempts(ctx, db.SetStepUpChallengeAttemptsParams{ID: id, Attempts: int32(attempts)}), "step-up challenge")
}

func (st *StepUpStore) MarkChallengeUsed(ctx context.Context, id uuid.UUID, at time.Time) error {
	return translate(st.s.q.MarkStepUpChallengeUsed(ctx, db.MarkStepUpChallengeUsedParams{ID: id, UsedAt: at}), "step-up challenge")
}

func (st *StepUpStore) DeleteExpiredChallenges(ctx context.Context, userID uuid.UUID, before time.Time) (int64, error) {
	n, err := st.s.q.DeleteExpiredStepUpChallenges(ctx, db.DeleteExpiredStepUpChallengesParams{UserID: userID, Before: before})
	return n, translate(err, "step-up challenges")
}

func (st *StepUpStore) WrongAnswers(ctx context.Context, userID uuid.UUID, since time.Time) (int, time.Time, error) {
	r, err := st.s.q.StepUpWrongAnswers(ctx, db.StepUpWrongAnswersParams{UserID: userID, Since: since})
	if err != nil {
		return 0, time.Time{}, translate(err, "step-up challenges")
	}
	return int(r.N), r.Oldest, nil
}

func totpFromDB(r db.TotpCredential) domain.TOTPCredential {
	return domain.TOTPCredential{UserID: r.UserID, SecretSealed: r.SecretSealed, ConfirmedAt: r.ConfirmedAt,
		LastUsedStep: r.LastUsedStep, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
