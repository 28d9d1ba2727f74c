package domain

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
)

// PrincipalStatusTTL is how long a replica trusts what it last read of a
// principal's status. A status change forgets the entry on the replica that
// made it at once; the others notice within this time. Access tokens live
// 15 minutes, so without this check a disabled admin would keep its power
// that long.
const PrincipalStatusTTL = 5 * time.Second

// principalCacheMax bounds the cache; past it, expired entries are swept on
// the next insert.
const principalCacheMax = 10_000

// Identity is the caller as the database knows it now: a user or an API client.
type Identity struct {
	Principal Principal
	User      *User
	Client    *APIClient
}

type principalEntry struct {
	active  bool
	expires time.Time
}

// principalCache remembers, for PrincipalStatusTTL, whether a principal is
// active, so an authenticated request costs no query in the common case.
type principalCache struct {
	mu sync.Mutex
	m  map[uuid.UUID]principalEntry
}

func (c *principalCache) get(id uuid.UUID, now time.Time) (active, ok bool) {
	c.mu.Lock()
	e, found := c.m[id]
	c.mu.Unlock()
	if !found || !now.Before(e.expires) {
		return false, false
	}
	return e.active, true
}

func (c *principalCache) put(id uuid.UUID, active bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[uuid.UUID]principalEntry)
	}
	if len(c.m) >= principalCacheMax {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= principalCacheMax { // all fresh: start over rather than grow
			clear(c.m)
		}
	}
	c.m[id] = principalEntry{active: active, expires: now.Add(PrincipalStatusTTL)}
}

func (c *principalCache) forget(id uuid.UUID) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// errPrincipalGone is the one answer for a token whose user or client is
// disabled or no longer exists, on every route.
func errPrincipalGone() error {
	return Errorf(CodeAccountDisabled, "this account is disabled or no longer exists")
}

// Authenticate checks that the principal an access token names is still
// active. The token's signature and lifetime were checked by the caller;
// this is the part only the database knows. Errors: CodeAccountDisabled.
func (s *AuthService) Authenticate(ctx context.Context, p Principal) error {
	now := s.clock.Now()
	if active, ok := s.principals.get(p.ID, now); ok {
		if !active {
			return errPrincipalGone()
		}
		return nil
	}
	_, err := s.identity(ctx, p)
	if err != nil && !errors.Is(err, errGone) {
		return err
	}
	s.principals.put(p.ID, err == nil, now)
	if err != nil {
		return errPrincipalGone()
	}
	return nil
}

var errGone = errors.New("principal disabled or deleted")

// identity loads p's user or client; errGone when it is missing or disabled.
func (s *AuthService) identity(ctx context.Context, p Principal) (Identity, error) {
	switch p.Kind {
	case PrincipalUser:
		u, err := s.store.Auth().UserByID(ctx, p.ID)
		if errors.Is(err, ErrNotFound) {
			return Identity{}, errGone
		}
		if err != nil {
			return Identity{}, err
		}
		if u.Status != StatusActive {
			return Identity{}, errGone
		}
		return Identity{Principal: p, User: &u}, nil
	case PrincipalClient:
		c, err := s.store.Auth().APIClientByID(ctx, p.ID)
		if errors.Is(err, ErrNotFound) {
			return Identity{}, errGone
		}
		if err != nil {
			return Identity{}, err
		}
		if c.Status != StatusActive {
			return Identity{}, errGone
		}
		return Identity{Principal: p, Client: &c}, nil
	}
	return Identity{}, errGone
}

// Me returns the caller as stored now, user or API client alike. Errors:
// CodeAccountDisabled when it is disabled or gone.
func (s *AuthService) Me(ctx context.Context, p Principal) (Identity, error) {
	id, err := s.identity(ctx, p)
	if errors.Is(err, errGone) {
		s.principals.put(p.ID, false, s.clock.Now())
		return Identity{}, errPrincipalGone()
	}
	return id, err
}
