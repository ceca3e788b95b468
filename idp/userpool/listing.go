package userpool

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/caldera-srp/caldera/idp/store"
)

// UserFilter is a parsed ListUsers Filter: `Attr = "Value"` (exact) or
// `Attr ^= "Value"` (prefix), quotation marks inside the value escaped
// with a backslash (botocore's ListUsersRequest.Filter).
type UserFilter struct {
	Attr   string
	Prefix bool
	Value  string
}

// filterable are the attributes ListUsers searches (custom attributes are
// not searchable).
var filterable = []string{
	"username", "email", "phone_number", "name", "given_name", "family_name",
	"preferred_username", "cognito:user_status", "status", "sub",
}

var filterPattern = regexp.MustCompile(`^\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$`)

// maxFilter is UserFilterType's length limit.
const maxFilter = 256

// ParseUserFilter parses a ListUsers Filter; "" (all users) gives nil.
func ParseUserFilter(s string) (*UserFilter, *Error) {
	if len(s) > maxFilter {
		return nil, validation("Value '%s' at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256", s)
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := filterPattern.FindStringSubmatch(s)
	if m == nil {
		return nil, errParam("Error while parsing filter.")
	}
	if !slices.Contains(filterable, m[1]) {
		return nil, errParam("Invalid search attribute: %s", m[1])
	}
	var b strings.Builder
	esc := false
	for _, r := range m[3] {
		if !esc && r == '\\' {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(r)
	}
	return &UserFilter{Attr: m[1], Prefix: m[2] == "^=", Value: b.String()}, nil
}

// Match reports whether a user passes the filter.
func (f *UserFilter) Match(u *store.User) bool {
	if f == nil {
		return true
	}
	var v string
	fold := false
	switch f.Attr {
	case "username":
		v = u.Username
	case "cognito:user_status":
		v, fold = u.Status, true
	case "status":
		v = "Disabled"
		if u.Enabled {
			v = "Enabled"
		}
	case "sub":
		v = u.Sub
	case "email":
		v, fold = u.Attrs["email"], true
	default:
		v = u.Attrs[f.Attr]
	}
	want := f.Value
	if fold {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	if f.Prefix {
		return strings.HasPrefix(v, want)
	}
	return v == want
}

// ListUsers lists a pool's users that pass filter, in internal-name order.
func (s *Service) ListUsers(poolID, filter string, limit int, token string) ([]*store.User, string, *Error) {
	f, err := ParseUserFilter(filter)
	if err != nil {
		return nil, "", err
	}
	limit, err = checkLimit("limit", limit)
	if err != nil {
		return nil, "", err
	}
	var all []*store.User
	if err := s.view(func(tx store.Tx) error {
		if _, err := poolIn(tx, poolID); err != nil {
			return err
		}
		return store.Users(tx, poolID, func(u *store.User) error {
			if f.Match(u) {
				all = append(all, u)
			}
			return nil
		})
	}); err != nil {
		return nil, "", err
	}
	slices.SortFunc(all, func(a, b *store.User) int { return cmp.Compare(a.Username, b.Username) })
	return page(all, func(u *store.User) string { return u.Username }, limit, token)
}

// ListPools lists the pools in id order; maxResults (1–60) is required.
func (s *Service) ListPools(maxResults int, token string) ([]*store.Pool, string, *Error) {
	if maxResults < 1 || maxResults > maxQueryLimit {
		return nil, "", validation("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1 and less than or equal to 60", maxResults)
	}
	var all []*store.Pool
	if err := s.view(func(tx store.Tx) error {
		return store.Pools(tx, func(p *store.Pool) error { all = append(all, p); return nil })
	}); err != nil {
		return nil, "", err
	}
	return page(all, func(p *store.Pool) string { return p.ID }, maxResults, token)
}

// ListClients lists a pool's app clients in id order.
func (s *Service) ListClients(poolID string, maxResults int, token string) ([]*store.Client, string, *Error) {
	maxResults, err := checkLimit("maxResults", maxResults)
	if err != nil {
		return nil, "", err
	}
	var all []*store.Client
	if err := s.view(func(tx store.Tx) error {
		if _, err := poolIn(tx, poolID); err != nil {
			return err
		}
		return store.Clients(tx, func(c *store.Client) error {
			if c.PoolID == poolID {
				all = append(all, c)
			}
			return nil
		})
	}); err != nil {
		return nil, "", err
	}
	return page(all, func(c *store.Client) string { return c.ID }, maxResults, token)
}
