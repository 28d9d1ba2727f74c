// Package bsssim is a wire-compatible simulator of the Huawei Cloud BSS, IAM,
// ECS and EVS APIs that Storefront uses. It is a real HTTP server: the
// official SDK talks to it exactly as it talks to Huawei (same paths, JSON
// types, status codes, CBC error codes, SDK-HMAC-SHA256 signatures, temporary
// credentials, rate limits). It owns the ground truth of the sandbox — the
// partner and customer balances, customers, real-name reviews, orders and
// resources — on a virtual clock, and exposes admin endpoints under /_sim/
// to move the clock, script faults and inspect state. Everything is
// deterministic for a given seed.
//
// Two clocks, as at Huawei: the virtual clock is business time (payment
// deadlines, reviews, auto-renew, expiry) and only it jumps; the gateway
// judges what Huawei judges by real time — the X-Sdk-Date skew and the
// lifetime of temporary credentials — by the wall clock, so a client that
// signs with its own real time keeps working after /_sim/clock/advance.
package bsssim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// Config configures a Server. Zero values take the documented defaults.
type Config struct {
	PartnerAK, PartnerSK string          // the partner credential accepted
	PartnerDomainID      string          // the partner's own account id
	XAccountType         string          // agency name customers trust / platform id
	Seed                 int64           // deterministic ids, codes, prices
	Start                time.Time       // virtual clock start (zero → now, truncated to the second)
	PartnerBalance       decimal.Decimal // allocatable (account_type 8) balance at start
	ReviewDelay          time.Duration   // virtual delay before a pending real-name review auto-approves; 0 = only the admin decides; < 0 = DefaultReviewDelay
	AssociationDelay     time.Duration   // virtual delay before a new customer's partner association completes; 0 = at once; < 0 = DefaultAssociationDelay
	MobileLimit          int             // customers one mobile number may register (0 → DefaultMobileLimit)
	SnapshotPath         string          // optional: state loaded at New, written at Close
	// FilesDir, when set, is the directory that stands for the partner's OBS
	// bucket download/ directory: real-name attachment paths must name files
	// in it (size and content checked). Empty: paths are checked by form only.
	FilesDir          string
	DisableRateLimits bool // only for raw-throughput benchmarks
	Logger            *slog.Logger
}

const (
	defaultPartnerAK     = "SIMPARTNERAKEXAMPLE0"
	defaultPartnerSK     = "sim-partner-sk-not-a-secret"
	defaultPartnerDomain = "sim-partner-0001"
	defaultXAccountType  = "storefront_sim"
	defaultReviewDelay   = 10 * time.Minute
	// Huawei publishes neither figure: how long the asynchronous association
	// of CreateSubCustomer takes, and how many customers one mobile may
	// register (docs/huawei-bss.md §1.1, §1.3 document only the
	// mobile_remain_available_num field and CBC.99000030).
	defaultAssociationDelay = 30 * time.Second
	defaultMobileLimit      = 5
)

// withDefaults fills the zero values. ReviewDelay 0 is meaningful (only the
// admin decides), so a negative ReviewDelay is what selects the default.
func (c Config) withDefaults() Config {
	if c.PartnerAK == "" {
		c.PartnerAK = defaultPartnerAK
	}
	if c.PartnerSK == "" {
		c.PartnerSK = defaultPartnerSK
	}
	if c.PartnerDomainID == "" {
		c.PartnerDomainID = defaultPartnerDomain
	}
	if c.XAccountType == "" {
		c.XAccountType = defaultXAccountType
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Start.IsZero() {
		c.Start = time.Now().UTC().Truncate(time.Second)
	}
	c.Start = c.Start.UTC()
	if c.PartnerBalance.IsZero() {
		c.PartnerBalance = decimal.RequireFromString("1000000.00")
	}
	if c.ReviewDelay < 0 {
		c.ReviewDelay = defaultReviewDelay
	}
	if c.AssociationDelay < 0 {
		c.AssociationDelay = defaultAssociationDelay
	}
	if c.MobileLimit <= 0 {
		c.MobileLimit = defaultMobileLimit
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// DefaultReviewDelay is the review delay cmd/bss-sim uses when none is given.
const DefaultReviewDelay = defaultReviewDelay

// DefaultAssociationDelay is the association delay cmd/bss-sim uses when
// none is given.
const DefaultAssociationDelay = defaultAssociationDelay

// Server is the simulator. All simulated state lives under mu; the gateway
// pieces that must not serialise requests (signature check, rate limiter,
// request ids) have their own synchronisation.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
	limiter *limiter
	reqSeq  atomic.Uint64
	panics  atomic.Int64  // handler panics recovered by the gateway
	done    chan struct{} // closed by Close: releases hung (commit_then_hang) handlers
	close   sync.Once
	// wall is real time as Huawei's gateway sees it (signature skew,
	// temporary-credential expiry): time.Now, replaced only by tests,
	// before the first request.
	wall func() time.Time

	mu      sync.Mutex
	st      *state
	com     *commerce
	rng     *rand.Rand            // fault probabilities; reseeded on reset
	clk     atomic.Pointer[clock] // virtual clock; written under s.mu
	faults  []*fault
	faultN  int
	journal journal
}

// New builds a simulator in its seeded initial state, or in the state of
// cfg.SnapshotPath when that file exists.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		limiter: newLimiter(),
		done:    make(chan struct{}),
		wall:    time.Now,
	}
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
	if cfg.SnapshotPath != "" {
		if err := s.loadSnapshot(cfg.SnapshotPath); err != nil {
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

// Handler serves every wire path and the /_sim/ admin API.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases hung requests and writes the snapshot if one is configured.
func (s *Server) Close() error {
	var err error
	s.close.Do(func() {
		close(s.done)
		if s.cfg.SnapshotPath != "" {
			err = s.writeSnapshot(s.cfg.SnapshotPath)
		}
	})
	return err
}

// resetLocked puts the simulator back into the seeded initial state.
func (s *Server) resetLocked() {
	s.st = newState(s.cfg)
	s.clk.Store(newClock(s.cfg.Start))
	s.rng = rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0x5eed))
	s.faults = nil
	s.faultN = 0
	s.journal.clear()
	s.limiter.reset()
	s.com = newCommerce(s)
}

// clock is the virtual clock: it runs at wall speed from its base and jumps
// forward on /_sim/clock/advance. Letting it run keeps a long-lived sandbox
// feeling like the real thing (a review decided ten minutes later is decided
// ten minutes later), while tests stay deterministic by advancing in large
// steps. Times are whole seconds, like every Huawei timestamp.
type clock struct {
	base   time.Time // virtual time at anchor
	anchor time.Time // wall time (monotonic) when base was set
}

func newClock(start time.Time) *clock { return &clock{base: start.UTC(), anchor: time.Now()} }

func (c *clock) now() time.Time {
	return c.base.Add(time.Since(c.anchor)).Truncate(time.Second)
}

// now returns the virtual time.
func (s *Server) now() time.Time { return s.clk.Load().now() }

// wallNow is the gateway's real time, in whole seconds like X-Sdk-Date.
func (s *Server) wallNow() time.Time { return s.wall().UTC().Truncate(time.Second) }

// advanceLocked moves the virtual clock forward and runs the time-driven
// rules for the interval.
func (s *Server) advanceLocked(d time.Duration) time.Time {
	from := s.tickLocked()
	to := from.Add(d)
	s.clk.Store(&clock{base: to, anchor: time.Now()})
	s.runRules(from, to)
	return to
}

// Now is the simulator's virtual time. In the sandbox, Storefront's commerce
// rules (quote expiry, the 5-day refund window, what a resource allows)
// read it, so advancing the simulator's clock moves them too.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tickLocked()
}

// tickLocked runs the time-driven rules for the virtual time that passed
// since the last tick (the clock also runs on its own) and returns now.
func (s *Server) tickLocked() time.Time {
	now := s.now()
	if now.After(s.st.LastTick) {
		s.runRules(s.st.LastTick, now)
	}
	return now
}

func (s *Server) runRules(from, to time.Time) {
	if !to.After(from) {
		return
	}
	s.st.LastTick = to
	s.reviewTick(to)
	s.commerceTick(from, to)
}

// state is the part of the simulation A1 owns. Exported fields so that the
// snapshot is a plain JSON document.
type state struct {
	Seq         uint64                 `json:"seq"` // id counter; ids are derived from (seed, seq)
	LastTick    time.Time              `json:"last_tick"`
	Partner     partnerAccount         `json:"partner"`
	Customers   []*customer            `json:"customers"`
	Adjusts     []adjustRecord         `json:"adjust_records"`
	SMS         []smsMessage           `json:"sms"`
	Temp        map[string]*tempCred   `json:"temp_credentials"` // by access key
	Projects    map[string]projectInfo `json:"projects"`         // by project id
	byID        map[string]*customer
	byName      map[string]*customer
	byXAccount  map[string]*customer
	mobileUses  map[string]int // customers registered per mobile number
	smsAttempts map[string][]time.Time
}

type partnerAccount struct {
	DomainID    string          `json:"domain_id"`
	Cash        decimal.Decimal `json:"cash"`        // account_type 1
	Allocatable decimal.Decimal `json:"allocatable"` // account_type 8
	Designated  decimal.Decimal `json:"designated"`  // earmarked part of the allocatable balance
}

func newState(cfg Config) *state {
	st := &state{
		LastTick: cfg.Start,
		Partner: partnerAccount{
			DomainID:    cfg.PartnerDomainID,
			Cash:        decimal.Zero,
			Allocatable: cfg.PartnerBalance.Round(2),
			Designated:  decimal.Zero,
		},
		Temp:     map[string]*tempCred{},
		Projects: map[string]projectInfo{},
	}
	st.reindex()
	return st
}

// reindex rebuilds the lookup maps (not serialised) from the customer list.
func (st *state) reindex() {
	st.byID = map[string]*customer{}
	st.byName = map[string]*customer{}
	st.byXAccount = map[string]*customer{}
	st.mobileUses = map[string]int{}
	st.smsAttempts = map[string][]time.Time{}
	if st.Temp == nil {
		st.Temp = map[string]*tempCred{}
	}
	if st.Projects == nil {
		st.Projects = map[string]projectInfo{}
	}
	for _, c := range st.Customers {
		st.index(c)
	}
	for _, m := range st.SMS {
		st.smsAttempts[m.MobilePhone] = append(st.smsAttempts[m.MobilePhone], m.SentAt)
	}
}

func (st *state) index(c *customer) {
	st.byID[c.DomainID] = c
	st.byName[strings.ToLower(c.DomainName)] = c // account names are case-insensitive
	st.byXAccount[c.XAccountType+"\x00"+c.XAccountID] = c
	if c.MobilePhone != "" {
		st.mobileUses[c.MobilePhone]++
	}
}

// --- helpers for the commerce part (call with s.mu held) ---

// customerByID returns a customer of this partner by Huawei domain id.
func (s *Server) customerByID(domainID string) (*customer, bool) {
	c, ok := s.st.byID[domainID]
	return c, ok
}

// debitCustomer takes amt from the customer's balance (payments).
func (s *Server) debitCustomer(domainID string, amt decimal.Decimal) *apiError {
	c, ok := s.st.byID[domainID]
	if !ok {
		return cbcErr(http.StatusBadRequest, "CBC.99000047", "The account does not exist.")
	}
	if c.Balance.LessThan(amt) {
		return cbcErr(http.StatusBadRequest, "CBC.99005003", "Insufficient balance.")
	}
	c.Balance = c.Balance.Sub(amt)
	return nil
}

// creditCustomer adds amt to the customer's balance (refunds).
func (s *Server) creditCustomer(domainID string, amt decimal.Decimal) {
	if c, ok := s.st.byID[domainID]; ok {
		c.Balance = c.Balance.Add(amt)
	}
}

// projectOwner maps a project id issued by KeystoneListProjects to its
// customer.
func (s *Server) projectOwner(projectID string) (string, bool) {
	if p, ok := s.st.Projects[projectID]; ok {
		return p.DomainID, true
	}
	// Project ids are derived, so one that was never listed is still
	// recognised (e.g. after a reset that kept the client's cached id).
	for _, cu := range s.st.Customers {
		for _, region := range simRegions {
			if s.projectID(cu.DomainID, region) == projectID {
				s.st.Projects[projectID] = projectInfo{DomainID: cu.DomainID, Region: region}
				return cu.DomainID, true
			}
		}
	}
	return "", false
}

// newID returns a deterministic id: the same seed and the same sequence of
// calls give the same ids.
func (s *Server) newID(prefix string) string {
	s.st.Seq++
	return prefix + s.hashHex(32, "id", s.st.Seq)
}

// hashHex derives n hex chars from the seed and the given parts; the basis
// of every "random" value so that no RNG state has to be snapshotted.
func (s *Server) hashHex(n int, parts ...any) string {
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], uint64(s.cfg.Seed))
	var out []byte
	for block := 0; len(out) < n; block++ {
		h := sha256.New()
		h.Write(seed[:])
		for _, p := range parts {
			fmt.Fprint(h, p, "\x00")
		}
		fmt.Fprint(h, block)
		out = hex.AppendEncode(out, h.Sum(nil))
	}
	return string(out[:n])
}

// --- snapshot ---

type snapshot struct {
	Now      time.Time       `json:"now"`
	Core     *state          `json:"core"`
	Commerce json.RawMessage `json:"commerce"`
}

func (s *Server) loadSnapshot(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bsssim: read snapshot: %w", err)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("bsssim: decode snapshot %s: %w", path, err)
	}
	if snap.Core == nil {
		return fmt.Errorf("bsssim: snapshot %s has no core state", path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap.Core.reindex()
	s.st = snap.Core
	s.clk.Store(newClock(snap.Now))
	com := newCommerce(s)
	if len(snap.Commerce) > 0 && string(snap.Commerce) != "null" {
		if err := json.Unmarshal(snap.Commerce, com); err != nil {
			return fmt.Errorf("bsssim: decode snapshot commerce: %w", err)
		}
	}
	s.com = com
	return nil
}

func (s *Server) writeSnapshot(path string) error {
	s.mu.Lock()
	com, err := json.Marshal(s.com)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("bsssim: encode commerce: %w", err)
	}
	b, err := json.MarshalIndent(snapshot{Now: s.now(), Core: s.st, Commerce: com}, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("bsssim: encode snapshot: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bsssim-snapshot-*")
	if err != nil {
		return fmt.Errorf("bsssim: write snapshot: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("bsssim: write snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("bsssim: write snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("bsssim: write snapshot: %w", err)
	}
	return nil
}
