package huawei

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	bssintl "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"

	"github.com/partnerlab/storefront/internal/domain"
)

// boundTransport gives every request of one call the call's context. The
// SDK builds its requests without one (http.NewRequest), so this is the only
// way a cancelled or expired context aborts the dial, the write and the read
// of the answer — and lets the server notice the client went away.
type boundTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t *boundTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

// errBuild marks a failure to build the SDK client or request: our bug or
// our configuration, never sent.
type errBuild struct{ err error }

func (e *errBuild) Error() string { return "building the SDK call: " + e.err.Error() }
func (e *errBuild) Unwrap() error { return e.err }

// caller is whose credential a call uses: the partner's (zero value) or a
// customer's temporary one.
type caller struct {
	customerID string
	cred       *customerCredential
}

// account keys the rate limit: Huawei counts per API and account.
func (w caller) account() string { return w.customerID }

// secrets is what a call as w could expose.
func (w caller) secrets() []string {
	if w.cred == nil {
		return nil
	}
	return []string{w.cred.sk, w.cred.token, w.cred.ak}
}

// invoke runs one SDK call: a per-call deadline, a rate-limit slot, a
// transport bound to the context, and the classification of any failure.
// run receives the round tripper to build its SDK client with.
func invoke[T any](ctx context.Context, c *Client, op opSpec, who caller, run func(rt http.RoundTripper) (T, error)) (T, error) {
	var zero T
	ctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()

	release, err := c.limits.acquire(ctx, op.name+"\x00"+who.account(), op.limit)
	if err != nil {
		return zero, c.fail(op, who, failure{notSentWhy: errLimitWait.Error()}, err)
	}
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }}
	rt := &boundTransport{ctx: httptrace.WithClientTrace(ctx, trace), base: c.base}
	resp, err := run(rt)
	release(sent.Load())
	if err == nil {
		return resp, nil
	}

	var (
		he    *httpError
		sre   *sdkerr.ServiceResponseError
		build *errBuild
	)
	switch {
	case errors.As(err, &he):
		return zero, c.fail(op, who, failure{status: he.status, body: he.body}, nil)
	case errors.As(err, &sre):
		f := failure{status: sre.StatusCode, code: sre.ErrorCode, msg: snippet(sre.ErrorMessage)}
		if sre.StatusCode >= 200 && sre.StatusCode < 300 {
			// The SDK's decode error for a success answer: its message is a
			// json-iterator diagnostic, not Huawei's words.
			f = failure{status: sre.StatusCode, undecoded: true}
		} else if sre.ErrorCode == "" {
			f.body, f.msg = []byte(sre.ErrorMessage), ""
		}
		return zero, c.fail(op, who, f, err)
	case errors.As(err, &build):
		return zero, domain.Wrap(errors.New(c.redact(err.Error(), who)), domain.CodeInternal, "huawei "+op.name+": the call could not be built")
	}
	f := failure{transport: err, sent: sent.Load(), deadline: ctx.Err() != nil}
	var ue *url.Error
	if !f.sent && ctx.Err() == nil && !errors.As(err, &ue) {
		// http.Client wraps every transport failure in *url.Error; anything
		// else unsent failed inside the SDK while building the request.
		return zero, domain.Wrap(errors.New(c.redact(err.Error(), who)), domain.CodeInternal, "huawei "+op.name+": the call could not be built")
	}
	return zero, c.fail(op, who, f, err)
}

// fail classifies, redacts and, for a refused customer credential, drops it
// from the cache so the next call fetches a fresh one.
func (c *Client) fail(op opSpec, who caller, f failure, cause error) error {
	e := classify(op, f)
	e.Upstream.Message = c.redact(e.Upstream.Message, who)
	if cause != nil {
		e.Err = &redactedError{msg: c.redact(cause.Error(), who), cause: contextCause(cause)}
	}
	if who.customerID != "" && credentialRefused(e.Upstream) {
		c.creds.forget(who.customerID)
	}
	return e
}

// credentialRefused: the gateway's 401, or CBC.0154 "token invalid or
// expired", which some BSS pages answer with 403 (docs/huawei-bss.md §8.6).
func credentialRefused(u *domain.UpstreamDetail) bool {
	return u.HTTPStatus == http.StatusUnauthorized || u.Code == "CBC.0154"
}

// redactedError keeps the cause's text without secrets, and only a context
// error in the chain, so errors.Is(err, context.DeadlineExceeded) works
// while nothing that could print a secret is reachable.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

func contextCause(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return context.Canceled
	}
	return nil
}

// sdkClient builds a throwaway SDK client for one call: the round tripper
// carries the call's context. Always WithEndpoints, never WithRegion, which
// would call IAM to discover ids (docs/huawei-bss.md §9.1).
func (c *Client) sdkClient(b *core.HcHttpClientBuilder, endpoint string, cred auth.ICredential, rt http.RoundTripper) (*core.HcHttpClient, error) {
	cfg := config.DefaultHttpConfig().
		WithTimeout(c.cfg.CallTimeout).
		WithHttpRoundTripper(rt).
		WithUserAgent("storefront")
	hc, err := b.WithEndpoints([]string{endpoint}).
		WithCredential(cred).
		WithHttpConfig(cfg).
		WithErrorHandler(errorHandler{}).
		SafeBuild()
	if err != nil {
		return nil, &errBuild{err}
	}
	// No X-Sdk-Date of ours: the SDK signs with the real time, which is what
	// Huawei's gateway (and the simulator's) holds the ±15 minutes against
	// (docs/huawei-bss.md §8.2), whatever business time a sandbox simulates.
	return hc, nil
}

// partnerBSS runs a BSS operation with the partner's credential.
func partnerBSS[T any](ctx context.Context, c *Client, op opSpec, call func(*bss.BssClient) (T, error)) (T, error) {
	return invoke(ctx, c, op, caller{}, func(rt http.RoundTripper) (T, error) {
		hc, err := c.sdkClient(bss.BssClientBuilder(), c.cfg.BSSEndpoint, c.partner, rt)
		if err != nil {
			var zero T
			return zero, err
		}
		return call(bss.NewBssClient(hc))
	})
}

// partnerBSSIntl runs a bssintl operation (freeze/unfreeze exist only there)
// against the China BSS endpoint: same paths and bodies.
func partnerBSSIntl[T any](ctx context.Context, c *Client, op opSpec, call func(*bssintl.BssintlClient) (T, error)) (T, error) {
	return invoke(ctx, c, op, caller{}, func(rt http.RoundTripper) (T, error) {
		hc, err := c.sdkClient(bssintl.BssintlClientBuilder(), c.cfg.BSSEndpoint, c.partner, rt)
		if err != nil {
			var zero T
			return zero, err
		}
		return call(bssintl.NewBssintlClient(hc))
	})
}

// customerBSS runs a BSS operation as the customer, with the temporary
// credential from the agency.
func customerBSS[T any](ctx context.Context, c *Client, op opSpec, customerID string, call func(*bss.BssClient) (T, error)) (T, error) {
	var zero T
	cred, err := c.creds.get(ctx, customerID)
	if err != nil {
		return zero, err
	}
	return invoke(ctx, c, op, caller{customerID, cred}, func(rt http.RoundTripper) (T, error) {
		hc, err := c.sdkClient(bss.BssClientBuilder(), c.cfg.BSSEndpoint, cred.global, rt)
		if err != nil {
			return zero, err
		}
		return call(bss.NewBssClient(hc))
	})
}
