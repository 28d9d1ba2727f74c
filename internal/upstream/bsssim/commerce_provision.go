package bsssim

import (
	"net/http"
	"slices"
	"time"
)

// Provisioning of paid new purchases. By default it is instantaneous:
// payment creates the resources and the order is completed (status 5). The
// admin knob POST /_sim/provisioning changes that per customer (or for every
// customer without its own setting), deterministically:
//
//   - processing: a paid new purchase stays processing (order status 3,
//     ECS/EVS job RUNNING) for this virtual duration; its resources are
//     created, and listed, only when it completes. The virtual clock runs at
//     wall speed, so "2s" also passes by itself in real time; a clock
//     advance completes it at once.
//   - fail_next: the next N new purchases paid fail provisioning (counted
//     when they are paid). A failed purchase completes (status 5) without
//     creating any resource, its job reports FAIL, and the system
//     unsubscribes it at once (docs/huawei-bss.md §5.4: automatic
//     unsubscription after a failed provisioning): an order of type 4,
//     source 8, refunding everything paid to the balance with no handling
//     fee and no consumed amount; ShowRefundOrderDetails names the purchase
//     as base_order_id of each refunded line.
//
// Renewals are not affected: their resources exist already.

// ProvisionSetting is one provisioning knob.
type ProvisionSetting struct {
	// CustomerID scopes the setting; "" applies to every customer that has
	// no setting of its own.
	CustomerID string        `json:"customer_id,omitempty"`
	Processing time.Duration `json:"processing"`
	FailNext   int           `json:"fail_next"`
}

// provisionSetting finds the setting that applies to a customer.
func (c *commerce) provisionSetting(customerID string) *ProvisionSetting {
	var global *ProvisionSetting
	for i := range c.Provisioning {
		p := &c.Provisioning[i]
		switch p.CustomerID {
		case customerID:
			return p
		case "":
			global = p
		}
	}
	return global
}

// setProvisioning replaces the setting of a scope; an all-zero setting
// removes it (back to instantaneous provisioning).
func (c *commerce) setProvisioning(p ProvisionSetting) {
	c.Provisioning = slices.DeleteFunc(c.Provisioning, func(x ProvisionSetting) bool { return x.CustomerID == p.CustomerID })
	if p.Processing > 0 || p.FailNext > 0 {
		c.Provisioning = append(c.Provisioning, p)
	}
}

// startProvisioning applies a paid new purchase.
func (s *Server) startProvisioning(o *Order, now time.Time) {
	fail, processing := false, time.Duration(0)
	if p := s.com.provisionSetting(o.CustomerID); p != nil {
		processing = p.Processing
		if p.FailNext > 0 {
			p.FailNext--
			fail = true
		}
	}
	if processing > 0 {
		due := now.Add(processing)
		o.Status, o.ProvisionDue, o.ProvisionFail = orderProcessing, &due, fail
		return
	}
	o.ProvisionFail = fail
	s.finishProvisioning(o, now)
}

// finishProvisioning ends the processing of a paid new purchase: its
// resources are created, or the failed purchase is unsubscribed.
func (s *Server) finishProvisioning(o *Order, now time.Time) {
	o.Status, o.ProvisionDue, o.ProvisionedAt = orderCompleted, nil, &now
	if o.ProvisionFail {
		s.unsubscribeFailed(o, now)
		return
	}
	s.provision(o, now)
}

// unsubscribeFailed is the system's automatic unsubscription of a purchase
// whose provisioning failed: a full refund, no handling fee.
func (s *Server) unsubscribeFailed(o *Order, now time.Time) {
	lines := make([]*OrderLine, 0, len(o.Lines))
	refunds := make([]RefundItem, 0, len(o.Lines))
	for _, l := range o.Lines {
		lines = append(lines, &OrderLine{
			ResourceID: l.ResourceID, ResourceName: l.ResourceName, ParentResourceID: l.ParentResourceID, IsMain: l.IsMain,
			ServiceTypeCode: l.ServiceTypeCode, ResourceTypeCode: l.ResourceTypeCode, ResourceSpec: l.ResourceSpec,
			ProductID: l.ProductID, ProductSpecDesc: l.ProductSpecDesc, Size: l.Size, SizeMeasureID: l.SizeMeasureID,
			PeriodType: l.PeriodType, SubscriptionNum: l.SubscriptionNum, Official: l.Amount, Amount: l.Amount,
		})
		refunds = append(refunds, RefundItem{
			ID: s.newID(""), ResourceID: l.ResourceID, ResourceTypeCode: l.ResourceTypeCode,
			ServiceTypeCode: l.ServiceTypeCode, Region: o.Region, Amount: l.Amount.Neg(), BaseOrderID: o.OrderID,
		})
	}
	u := s.newOrder(now, o.CustomerID, orderUnsubscribe, sourceSystem, o.ServiceTypeCode, lines)
	u.Status, u.PaymentTime, u.PaymentDeadline = orderCompleted, &now, nil
	u.ProjectID, u.Region, u.Refunds = o.ProjectID, o.Region, refunds
	if o.Amount.IsPositive() {
		s.creditCustomer(o.CustomerID, o.Amount)
	}
	o.RefundOrderID = u.OrderID
}

// --- admin: /_sim/provisioning ---

type provisionJSON struct {
	CustomerID string `json:"customer_id,omitempty"`
	Processing string `json:"processing"`
	FailNext   int    `json:"fail_next"`
}

func (s *Server) provisionList() []provisionJSON {
	out := make([]provisionJSON, 0, len(s.com.Provisioning))
	for _, p := range s.com.Provisioning {
		out = append(out, provisionJSON{CustomerID: p.CustomerID, Processing: p.Processing.String(), FailNext: p.FailNext})
	}
	return out
}

func (s *Server) adminProvisioning(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := s.provisionList()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"settings": out})
}

func (s *Server) adminSetProvisioning(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Processing *string `json:"processing"`
		FailNext   *int    `json:"fail_next"`
		CustomerID string  `json:"customer_id"`
	}
	if !decodeAdmin(w, r, &req) {
		return
	}
	var p ProvisionSetting
	if req.Processing != nil {
		d, err := parseSimDuration(*req.Processing)
		if err != nil || d < 0 {
			writeJSON(w, http.StatusBadRequest, adminError{`processing must be a non-negative Go duration such as "2s" or a day count such as "1d"`})
			return
		}
		p.Processing = d.Truncate(time.Second)
		if d > 0 && p.Processing == 0 {
			p.Processing = time.Second // virtual time is counted in whole seconds
		}
	}
	if req.FailNext != nil {
		if *req.FailNext < 0 {
			writeJSON(w, http.StatusBadRequest, adminError{"fail_next must be >= 0"})
			return
		}
		p.FailNext = *req.FailNext
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickLocked()
	if req.CustomerID != "" {
		if _, ok := s.customerByID(req.CustomerID); !ok {
			writeJSON(w, http.StatusNotFound, adminError{"no such customer"})
			return
		}
	}
	p.CustomerID = req.CustomerID
	s.com.setProvisioning(p)
	writeJSON(w, http.StatusOK, map[string]any{"settings": s.provisionList()})
}

func (s *Server) adminClearProvisioning(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.com.Provisioning = nil
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"settings": []provisionJSON{}})
}
