package domain

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Step-up rules (docs/design.md §3).
const (
	// StepUpChallengeTTL is how long a challenge may be answered.
	StepUpChallengeTTL = 5 * time.Minute
	// StepUpMaxAttempts wrong answers lock a challenge for good.
	StepUpMaxAttempts = 5
	// StepUpMemberWrongLimit wrong answers across all of a staff member's
	// challenges created within StepUpMemberWrongWindow lock the member out
	// of step-up until the oldest of them leaves the window. Without it the
	// per-challenge lock would not bound guessing: whoever holds the session
	// could create challenges without end and spend 5 guesses on each.
	StepUpMemberWrongLimit  = 2 * StepUpMaxAttempts
	StepUpMemberWrongWindow = time.Hour
	// stepUpKeep is how long a staff member's expired challenges stay (for
	// investigation next to the audit trail) before creating a new one
	// sweeps them.
	stepUpKeep = 24 * time.Hour
	// totpIssuer names us in authenticator apps.
	totpIssuer = "Storefront"
)

// TOTPCredential is a user's authenticator secret, sealed with the user id
// as associated data. LastUsedStep is the last time step a code was
// accepted for; no step at or below it is accepted again.
type TOTPCredential struct {
	UserID       uuid.UUID
	SecretSealed []byte
	ConfirmedAt  *time.Time
	LastUsedStep *int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// StepUpChallenge is what one TOTP code may authorise: one staff member's
// action on one customer for one amount (and, for resolve, one operation),
// until ExpiresAt, once.
type StepUpChallenge struct {
	ID          uuid.UUID
	UserID      uuid.UUID
	Action      StepUpAction
	CustomerID  uuid.UUID
	Amount      decimal.Decimal
	OperationID uuid.UUID // uuid.Nil unless Action is StepUpResolve
	Attempts    int       // wrong answers so far
	ExpiresAt   time.Time
	UsedAt      *time.Time
	CreatedAt   time.Time
}

// StepUpStore keeps TOTP credentials and step-up challenges. The methods
// that lock or change rows are used inside a transaction.
type StepUpStore interface {
	// EnrollTOTP stores sealed as userID's secret, replacing an unconfirmed
	// one. It reports false, changing nothing, when a confirmed one exists.
	EnrollTOTP(ctx context.Context, userID uuid.UUID, sealed []byte, now time.Time) (bool, error)
	// TOTP errors: ErrNotFound.
	TOTP(ctx context.Context, userID uuid.UUID) (TOTPCredential, error)
	// TOTPForUpdate locks the row. Errors: ErrNotFound.
	TOTPForUpdate(ctx context.Context, userID uuid.UUID) (TOTPCredential, error)
	// ConfirmTOTP marks the credential confirmed; step is the time step the
	// confirming code was accepted for.
	ConfirmTOTP(ctx context.Context, userID uuid.UUID, step int64, now time.Time) error
	// SetTOTPLastUsedStep records the time step a code was just accepted for.
	SetTOTPLastUsedStep(ctx context.Context, userID uuid.UUID, step int64, now time.Time) error

	CreateChallenge(ctx context.Context, c StepUpChallenge) error
	// ChallengeForUpdate locks the row. Errors: ErrNotFound.
	ChallengeForUpdate(ctx context.Context, id uuid.UUID) (StepUpChallenge, error)
	SetChallengeAttempts(ctx context.Context, id uuid.UUID, attempts int) error
	MarkChallengeUsed(ctx context.Context, id uuid.UUID, at time.Time) error
	// WrongAnswers sums the wrong answers to userID's challenges created
	// after since, and returns the oldest such challenge's creation time.
	WrongAnswers(ctx context.Context, userID uuid.UUID, since time.Time) (n int, oldest time.Time, err error)
	// DeleteExpiredChallenges removes userID's challenges that expired
	// before the given time; it returns how many went.
	DeleteExpiredChallenges(ctx context.Context, userID uuid.UUID, before time.Time) (int64, error)
}

// StepUpService holds TOTP enrolment and step-up challenges (docs/design.md
// §3): a code answers one challenge once, within 5 minutes; 5 wrong codes
// lock the challenge; a TOTP time step is never accepted twice.
type StepUpService struct {
	store  Store
	sealer Cipher
	clock  Clock
}

// NewStepUpService wires the service.
func NewStepUpService(store Store, sealer Cipher, clock Clock) *StepUpService {
	return &StepUpService{store: store, sealer: sealer, clock: clock}
}

var _ StepUpVerifier = (*StepUpService)(nil)

// TOTPEnrollment is a new secret, shown to its owner once.
type TOTPEnrollment struct {
	Secret     string // base32, no padding
	OTPAuthURI string // otpauth://totp/… for a QR code
}

// EnrollTOTP gives a staff member a new TOTP secret, stored sealed; it
// becomes usable once ConfirmTOTP proves an authenticator holds it. A new
// enrolment replaces an unconfirmed one. Errors: ErrForbidden (not staff),
// CodeTOTPEnrolled (a confirmed one exists: it is kept).
func (s *StepUpService) EnrollTOTP(ctx context.Context, actor Principal) (TOTPEnrollment, error) {
	if !isStaff(actor) {
		return TOTPEnrollment{}, Errorf(CodeForbidden, "only staff enrol a TOTP authenticator")
	}
	u, err := s.store.Auth().UserByID(ctx, actor.ID)
	if err != nil {
		return TOTPEnrollment{}, err
	}
	secret := make([]byte, TOTPSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return TOTPEnrollment{}, fmt.Errorf("totp: secret: %w", err)
	}
	sealed, err := s.sealer.Seal(secret, actor.ID[:])
	if err != nil {
		return TOTPEnrollment{}, fmt.Errorf("totp: seal: %w", err)
	}
	now := s.clock.Now()
	err = s.store.InTx(ctx, func(tx Tx) error {
		ok, err := tx.StepUp().EnrollTOTP(ctx, actor.ID, sealed, now)
		if err != nil {
			return err
		}
		if !ok {
			return errTOTPEnrolled()
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "totp.enroll", "user", actor.ID, nil))
	})
	if err != nil {
		return TOTPEnrollment{}, err
	}
	b32 := totpBase32.EncodeToString(secret)
	label := url.PathEscape(totpIssuer + ":" + u.Email)
	uri := fmt.Sprintf("otpauth://totp/%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d",
		label, b32, totpIssuer, TOTPDigits, int(TOTPPeriod/time.Second))
	return TOTPEnrollment{Secret: b32, OTPAuthURI: uri}, nil
}

func errTOTPEnrolled() error {
	return Errorf(CodeTOTPEnrolled, "a confirmed TOTP authenticator is enrolled; it cannot be replaced")
}

func errTOTPNotEnrolled() error {
	return Errorf(CodeTOTPNotEnrolled, "enrol and confirm a TOTP authenticator first (POST /v1/me/totp)")
}

// ConfirmTOTP checks one current code (±1 time step) against the enrolled
// secret and enables it. The step it matched counts as used. Errors:
// ErrForbidden, CodeTOTPNotEnrolled (nothing to confirm), CodeTOTPEnrolled
// (already confirmed), CodeVerificationCode (wrong code).
func (s *StepUpService) ConfirmTOTP(ctx context.Context, actor Principal, code string) error {
	if !isStaff(actor) {
		return Errorf(CodeForbidden, "only staff enrol a TOTP authenticator")
	}
	now := s.clock.Now()
	return s.store.InTx(ctx, func(tx Tx) error {
		st := tx.StepUp()
		cred, err := st.TOTPForUpdate(ctx, actor.ID)
		if errors.Is(err, ErrNotFound) {
			return errTOTPNotEnrolled()
		}
		if err != nil {
			return err
		}
		if cred.ConfirmedAt != nil {
			return errTOTPEnrolled()
		}
		secret, err := s.sealer.Open(cred.SecretSealed, actor.ID[:])
		if err != nil {
			return fmt.Errorf("totp: open secret of %s: %w", actor.ID, err)
		}
		step, ok, _ := totpMatch(secret, code, now, nil)
		if !ok {
			return Errorf(CodeVerificationCode, "the code does not match: enter the current code from the authenticator app")
		}
		if err := st.ConfirmTOTP(ctx, actor.ID, step, now); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "totp.confirm", "user", actor.ID, nil))
	})
}

// StepUpChallengeInput asks for a challenge.
type StepUpChallengeInput struct {
	Action     StepUpAction
	CustomerID uuid.UUID
	// Amount is the client's decimal string: positive, at most 2 decimals.
	Amount string
	// OperationID is required for StepUpResolve and refused otherwise.
	OperationID uuid.UUID
}

// CreateChallenge binds a challenge to the caller, the action, the customer
// and the amount, answerable for StepUpChallengeTTL. Errors: ErrForbidden
// (not finance or admin), ErrValidation, CodeTOTPNotEnrolled, ErrNotFound
// (no such customer), CodeStepUpLocked (too many recent wrong answers).
func (s *StepUpService) CreateChallenge(ctx context.Context, actor Principal, in StepUpChallengeInput) (StepUpChallenge, error) {
	if actor.Kind != PrincipalUser || !actor.HasAnyRole(RoleFinance, RoleAdmin) {
		return StepUpChallenge{}, Errorf(CodeForbidden, "only finance staff and admins move money")
	}
	amount, err := ParseAmount(in.Amount)
	if err != nil {
		return StepUpChallenge{}, err
	}
	switch in.Action {
	case StepUpAllocate, StepUpReclaim:
		if in.OperationID != uuid.Nil {
			return StepUpChallenge{}, invalidField("operation_id", "only a resolve challenge names an operation")
		}
	case StepUpResolve:
		if in.OperationID == uuid.Nil {
			return StepUpChallenge{}, invalidField("operation_id", "a resolve challenge names the operation to decide")
		}
	default:
		return StepUpChallenge{}, invalidField("action", fmt.Sprintf("%q is not allocate, reclaim or resolve", in.Action))
	}
	cred, err := s.store.StepUp().TOTP(ctx, actor.ID)
	if errors.Is(err, ErrNotFound) || (err == nil && cred.ConfirmedAt == nil) {
		return StepUpChallenge{}, errTOTPNotEnrolled()
	}
	if err != nil {
		return StepUpChallenge{}, err
	}
	if _, err := s.store.Customers().CustomerByID(ctx, in.CustomerID); err != nil {
		return StepUpChallenge{}, err
	}
	now := s.clock.Now()
	if err := s.memberLock(ctx, s.store.StepUp(), actor.ID, now); err != nil {
		return StepUpChallenge{}, err
	}
	c := StepUpChallenge{
		ID: uuid.Must(uuid.NewV7()), UserID: actor.ID, Action: in.Action, CustomerID: in.CustomerID, Amount: amount,
		OperationID: in.OperationID, ExpiresAt: now.Add(StepUpChallengeTTL), CreatedAt: now,
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		st := tx.StepUp()
		if _, err := st.DeleteExpiredChallenges(ctx, actor.ID, now.Add(-stepUpKeep)); err != nil {
			return err
		}
		if err := st.CreateChallenge(ctx, c); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "step_up.create", "step_up_challenge", c.ID, c.auditDetails()))
	})
	if err != nil {
		return StepUpChallenge{}, err
	}
	return c, nil
}

// auditDetails describe the challenge's binding. The customer is named
// bound_customer_id, not customer_id: a staff member's step-up events are
// not part of the customer's own timeline.
func (c StepUpChallenge) auditDetails() map[string]any {
	d := map[string]any{"action": c.Action, "bound_customer_id": c.CustomerID, "amount": c.Amount.StringFixed(2)}
	if c.OperationID != uuid.Nil {
		d["operation_id"] = c.OperationID
	}
	return d
}

// Verify implements StepUpVerifier. It does not check the operation a
// resolve challenge names (the interface carries none); VerifyOperation does.
func (s *StepUpService) Verify(ctx context.Context, actor Principal, challengeID uuid.UUID, code string, action StepUpAction, customerID uuid.UUID, amount decimal.Decimal) error {
	return s.VerifyOperation(ctx, actor, challengeID, code, action, customerID, amount, uuid.Nil)
}

// VerifyOperation answers a challenge with a TOTP code. operationID, unless
// uuid.Nil, must be the operation a resolve challenge names.
//
// It runs in its own transaction and commits what it learnt even when it
// refuses (a wrong try counts, the audit record stays), so call it before,
// not inside, the transaction of the operation it guards: if that then
// fails, the challenge is spent all the same.
//
// The challenge row is locked (FOR UPDATE), then the staff member's TOTP
// row, so of concurrent answers to one challenge at most one succeeds, and
// a time step is accepted once across all of a member's challenges.
//
// Errors (all 403): CodeStepUpRequired (no challenge id or code),
// CodeStepUpInvalid (no such challenge, or another staff member's: the same
// answer), CodeStepUpReplayed (already answered, or a code whose time step
// was already accepted), CodeStepUpExpired, CodeStepUpLocked (5 wrong
// answers to this challenge, the 5th included; or, with RetryAfter,
// StepUpMemberWrongLimit across the member's recent challenges),
// CodeStepUpMismatch (for another action, customer, amount or operation;
// counts as a wrong answer: a challenge approves one operation, and using it
// for another is either a client bug, cheap to redo, or an attempt to stretch
// an approval, which should run into the lock), CodeStepUpCodeInvalid (wrong
// code; counts), CodeTOTPNotEnrolled.
func (s *StepUpService) VerifyOperation(ctx context.Context, actor Principal, challengeID uuid.UUID, code string, action StepUpAction, customerID uuid.UUID, amount decimal.Decimal, operationID uuid.UUID) error {
	if challengeID == uuid.Nil || code == "" {
		return Errorf(CodeStepUpRequired, "this operation needs step-up: create a challenge (POST /v1/step-up-challenges) and send its id with a TOTP code")
	}
	var refused error
	err := s.store.InTx(ctx, func(tx Tx) error {
		refused = nil
		now := s.clock.Now()
		st := tx.StepUp()
		// refuse records why and keeps the transaction: its effects commit.
		refuse := func(e error, reason string, c *StepUpChallenge, extra map[string]any) error {
			refused = e
			d := map[string]any{"reason": reason}
			if c != nil {
				for k, v := range c.auditDetails() {
					d[k] = v
				}
				d["attempts"] = c.Attempts
			}
			for k, v := range extra {
				d[k] = v
			}
			return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "step_up.verify_failed", "step_up_challenge", challengeID, d))
		}
		// wrong counts one wrong answer; the one that reaches the limit locks.
		wrong := func(c *StepUpChallenge, e error, reason string, extra map[string]any) error {
			c.Attempts++
			if err := st.SetChallengeAttempts(ctx, c.ID, c.Attempts); err != nil {
				return err
			}
			if c.Attempts >= StepUpMaxAttempts {
				e = Errorf(CodeStepUpLocked, "%s; %d wrong answers lock a challenge: create a new one", errorMessage(e), StepUpMaxAttempts)
			}
			return refuse(e, reason, c, extra)
		}

		c, err := st.ChallengeForUpdate(ctx, challengeID)
		if errors.Is(err, ErrNotFound) {
			return refuse(errStepUpInvalid(), "unknown", nil, nil)
		}
		if err != nil {
			return err
		}
		if actor.Kind != PrincipalUser || c.UserID != actor.ID {
			return refuse(errStepUpInvalid(), "not_owner", nil, nil)
		}
		switch {
		case c.UsedAt != nil:
			return refuse(Errorf(CodeStepUpReplayed, "this challenge was already answered: create a new one"), "used", &c, nil)
		case c.Attempts >= StepUpMaxAttempts:
			return refuse(Errorf(CodeStepUpLocked, "too many wrong answers: this challenge is locked; create a new one"), "locked", &c, nil)
		case !now.Before(c.ExpiresAt):
			return refuse(Errorf(CodeStepUpExpired, "this challenge expired: create a new one"), "expired", &c, nil)
		}
		// The member's TOTP row serializes all of the member's answers: the
		// time step and the wrong-answer budget are checked and spent by one
		// answer at a time.
		cred, err := st.TOTPForUpdate(ctx, actor.ID)
		if errors.Is(err, ErrNotFound) || (err == nil && cred.ConfirmedAt == nil) {
			return refuse(errTOTPNotEnrolled(), "not_enrolled", &c, nil)
		}
		if err != nil {
			return err
		}
		if err := s.memberLock(ctx, st, actor.ID, now); err != nil {
			if ErrorCode(err) != CodeStepUpLocked {
				return err
			}
			return refuse(err, "member_locked", &c, nil)
		}
		if c.Action != action || c.CustomerID != customerID || !c.Amount.Equal(amount) ||
			(operationID != uuid.Nil && c.OperationID != operationID) {
			extra := map[string]any{"presented_action": action, "presented_customer_id": customerID, "presented_amount": amount.String()}
			if operationID != uuid.Nil {
				extra["presented_operation_id"] = operationID
			}
			return wrong(&c, Errorf(CodeStepUpMismatch, "this challenge is for another action, customer, amount or operation"), "mismatch", extra)
		}
		secret, err := s.sealer.Open(cred.SecretSealed, actor.ID[:])
		if err != nil {
			return fmt.Errorf("totp: open secret of %s: %w", actor.ID, err)
		}
		step, ok, fresh := totpMatch(secret, code, now, cred.LastUsedStep)
		if !ok {
			return wrong(&c, Errorf(CodeStepUpCodeInvalid, "the code is wrong (%d of %d wrong answers used)", c.Attempts+1, StepUpMaxAttempts), "code_invalid", nil)
		}
		if !fresh {
			// The right code, already spent: someone saw it, or the same
			// person sent it twice. Not a guess, so not counted.
			return refuse(Errorf(CodeStepUpReplayed, "this code was already used: wait for the next one"), "time_step_replayed", &c, nil)
		}
		if err := st.MarkChallengeUsed(ctx, c.ID, now); err != nil {
			return err
		}
		if err := st.SetTOTPLastUsedStep(ctx, actor.ID, step, now); err != nil {
			return err
		}
		return tx.Audit().Append(ctx, NewAuditEvent(ctx, s.clock, actor, "step_up.verify", "step_up_challenge", c.ID, c.auditDetails()))
	})
	if err != nil {
		return err
	}
	return refused
}

// memberLock answers CodeStepUpLocked, with RetryAfter, while the member's
// wrong answers in the window reach StepUpMemberWrongLimit.
func (s *StepUpService) memberLock(ctx context.Context, st StepUpStore, userID uuid.UUID, now time.Time) error {
	n, oldest, err := st.WrongAnswers(ctx, userID, now.Add(-StepUpMemberWrongWindow))
	if err != nil {
		return err
	}
	if n < StepUpMemberWrongLimit {
		return nil
	}
	wait := max(oldest.Add(StepUpMemberWrongWindow).Sub(now), time.Second)
	return &Error{Code: CodeStepUpLocked, RetryAfter: wait,
		Message: fmt.Sprintf("%d wrong step-up answers within %s: step-up is locked for this staff member; try again later", n, StepUpMemberWrongWindow)}
}

func errStepUpInvalid() error {
	return Errorf(CodeStepUpInvalid, "no such step-up challenge for this staff member")
}

// isStaff: a person holding a staff role.
func isStaff(p Principal) bool {
	return p.Kind == PrincipalUser && p.HasAnyRole(StaffRoles...)
}

func invalidField(field, msg string) error {
	return &Error{Code: CodeValidation, Message: msg, Fields: []FieldError{{Field: field, Code: "invalid", Message: msg}}}
}
