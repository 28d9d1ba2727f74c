package bsssim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Regions whose projects every simulated account has (China site).
var simRegions = []string{"cn-north-4", "cn-north-1", "cn-east-3", "cn-east-2", "cn-south-1", "cn-southwest-2"}

func (s *Server) iamOps() []op {
	return []op{
		{Name: "CreateTemporaryAccessKeyByAgency", Method: http.MethodPost, Path: "/v3.0/OS-CREDENTIAL/securitytokens", Creds: credPartner, Success: http.StatusCreated, Handle: s.createTemporaryAccessKey},
		{Name: "KeystoneListProjects", Method: http.MethodGet, Path: "/v3/projects", Creds: credPartner | credCustomer, Handle: s.listProjects},
	}
}

// IAM error codes here are the simulator's choice (the IAM error table was
// not part of the researched contract); the SDK reads error_code/error_msg
// the same way for any service.
func iamErr(status int, code, msg string) *apiError { return cbcErr(status, code, msg) }

const iamExpiresLayout = "2006-01-02T15:04:05.000000Z"

func (s *Server) createTemporaryAccessKey(c *call) (any, *apiError) {
	var req struct {
		Auth *struct {
			Identity *struct {
				Methods    []string `json:"methods"`
				AssumeRole *struct {
					AgencyName      string  `json:"agency_name"`
					DomainID        *string `json:"domain_id"`
					DomainName      *string `json:"domain_name"`
					DurationSeconds *int32  `json:"duration_seconds"`
				} `json:"assume_role"`
			} `json:"identity"`
		} `json:"auth"`
	}
	if e := c.Decode(&req); e != nil {
		return nil, e
	}
	if req.Auth == nil || req.Auth.Identity == nil || req.Auth.Identity.AssumeRole == nil ||
		!slices.Contains(req.Auth.Identity.Methods, "assume_role") {
		return nil, iamErr(http.StatusBadRequest, "IAM.0001", "Invalid request: auth.identity.methods must contain assume_role and assume_role must be set.")
	}
	ar := req.Auth.Identity.AssumeRole
	dur := int32(900)
	if ar.DurationSeconds != nil {
		dur = *ar.DurationSeconds
		if dur < 900 || dur > 86400 {
			return nil, iamErr(http.StatusBadRequest, "IAM.0001", "Invalid request: duration_seconds must be between 900 and 86400.")
		}
	}
	var cu *customer
	switch {
	case ar.DomainID != nil && *ar.DomainID != "":
		cu = s.st.byID[*ar.DomainID]
		if cu != nil && ar.DomainName != nil && *ar.DomainName != "" && !strings.EqualFold(*ar.DomainName, cu.DomainName) {
			cu = nil
		}
	case ar.DomainName != nil && *ar.DomainName != "":
		cu = s.st.byName[strings.ToLower(*ar.DomainName)]
	default:
		return nil, iamErr(http.StatusBadRequest, "IAM.0001", "Invalid request: assume_role needs domain_id or domain_name.")
	}
	if cu == nil {
		return nil, iamErr(http.StatusNotFound, "IAM.0004", "Could not find domain.")
	}
	if ar.AgencyName != s.cfg.XAccountType {
		return nil, iamErr(http.StatusNotFound, "IAM.0004", "Could not find agency "+ar.AgencyName+".")
	}
	if !cu.reseller() {
		// Referral customers never created the platform agency.
		return nil, iamErr(http.StatusForbidden, "IAM.0003", "The agency does not trust this account.")
	}

	// Temporary credentials live in real time, like the signatures made
	// with them (see authenticate): a jump of the virtual clock does not
	// expire them.
	wall := s.wallNow()
	for ak, tc := range s.st.Temp { // keep the table bounded
		if !wall.Before(tc.ExpiresAt) {
			delete(s.st.Temp, ak)
		}
	}
	s.st.Seq++
	seq := s.st.Seq
	tc := &tempCred{
		Access:    strings.ToUpper(s.hashHex(20, "ak", seq)),
		Secret:    s.hashHex(40, "sk", seq),
		Token:     "gQpzZWN1cml0eXRva2Vu" + s.hashHex(236, "token", seq),
		DomainID:  cu.DomainID,
		ExpiresAt: wall.Add(time.Duration(dur) * time.Second),
	}
	s.st.Temp[tc.Access] = tc
	return map[string]any{"credential": map[string]any{
		"access":        tc.Access,
		"secret":        tc.Secret,
		"securitytoken": tc.Token,
		"expires_at":    tc.ExpiresAt.UTC().Format(iamExpiresLayout),
	}}, nil
}

// projectID is deterministic per account and region.
func (s *Server) projectID(domainID, region string) string {
	return s.hashHex(32, "project", domainID, region)
}

func (s *Server) listProjects(c *call) (any, *apiError) {
	domainID := s.cfg.PartnerDomainID
	if !c.Caller.Partner {
		domainID = c.Caller.CustomerID
	}
	name, qDomain := c.Query("name"), c.Query("domain_id")
	projects := []map[string]any{}
	if qDomain == "" || qDomain == domainID {
		for _, region := range simRegions {
			if name != "" && name != region {
				continue
			}
			id := s.projectID(domainID, region)
			s.st.Projects[id] = projectInfo{DomainID: domainID, Region: region}
			projects = append(projects, map[string]any{
				"is_domain":   false,
				"description": "",
				"links":       map[string]any{"self": "https://iam.myhuaweicloud.com/v3/projects/" + id},
				"enabled":     true,
				"id":          id,
				"parent_id":   domainID,
				"domain_id":   domainID,
				"name":        region,
			})
		}
	}
	return map[string]any{
		"links":    map[string]any{"self": "https://iam.myhuaweicloud.com/v3/projects", "previous": "", "next": ""},
		"projects": projects,
	}, nil
}

// projectRegion returns the region of a known project.
func (s *Server) projectRegion(projectID string) (string, bool) {
	p, ok := s.st.Projects[projectID]
	return p.Region, ok
}
