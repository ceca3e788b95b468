package userpool

import (
	"cmp"
	"encoding/base64"
	"regexp"
	"slices"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
)

// Constraints of botocore's cognito-idp model (2016-04-18):
// GroupNameType, DescriptionType, ArnType, PrecedenceType, QueryLimitType.
var (
	namePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
	arnPattern  = regexp.MustCompile(`^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$`)
)

const (
	maxGroupName   = 128
	maxDescription = 2048
	maxPrecedence  = 1<<31 - 1
	maxQueryLimit  = 60
)

// validation is one of Cognito's "1 validation error detected" messages.
func validation(format string, args ...any) *Error {
	return errParam("1 validation error detected: "+format, args...)
}

func checkGroupName(name string) *Error {
	switch {
	case name == "":
		return validation("Value null at 'groupName' failed to satisfy constraint: Member must not be null")
	case len([]rune(name)) > maxGroupName:
		return validation("Value '%s' at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128", name)
	case !namePattern.MatchString(name):
		return validation("Value '%s' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+", name)
	}
	return nil
}

// GroupInput is CreateGroup's and UpdateGroup's request; for UpdateGroup
// nil fields are left as they are.
type GroupInput struct {
	PoolID      string
	Name        string
	Description *string
	RoleArn     *string
	Precedence  *int64
}

func (in *GroupInput) check() *Error {
	if err := checkGroupName(in.Name); err != nil {
		return err
	}
	if in.Description != nil && len([]rune(*in.Description)) > maxDescription {
		return validation("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	if in.RoleArn != nil && *in.RoleArn != "" && (len(*in.RoleArn) < 20 || len(*in.RoleArn) > 2048 || !arnPattern.MatchString(*in.RoleArn)) {
		return validation("Value '%s' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?", *in.RoleArn)
	}
	if in.Precedence != nil && (*in.Precedence < 0 || *in.Precedence > maxPrecedence) {
		return validation("Value '%d' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0", *in.Precedence)
	}
	return nil
}

func (in *GroupInput) apply(g *store.Group) {
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.RoleArn != nil {
		g.RoleArn = *in.RoleArn
	}
	if in.Precedence != nil {
		g.Precedence = in.Precedence
	}
}

func errGroupNotFound() *Error { return errNotFound("Group not found.") }

// poolIn checks that a pool exists in tx.
func poolIn(tx store.Tx, poolID string) (*store.Pool, error) {
	p, err := store.GetPool(tx, poolID)
	if err != nil {
		return nil, err
	}
	if p == nil {
		if poolID == "" {
			return nil, validation("Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
		}
		return nil, errPoolNotFound(poolID)
	}
	return p, nil
}

// groupIn finds a group of an existing pool in tx.
func groupIn(tx store.Tx, poolID, name string) (*store.Group, error) {
	if _, err := poolIn(tx, poolID); err != nil {
		return nil, err
	}
	if err := checkGroupName(name); err != nil {
		return nil, err
	}
	g, err := store.GetGroup(tx, poolID, name)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, errGroupNotFound()
	}
	return g, nil
}

// CreateGroup creates a group in a pool.
func (s *Service) CreateGroup(in GroupInput) (*store.Group, *Error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	now := s.now()
	g := &store.Group{PoolID: in.PoolID, Name: in.Name, CreatedAt: now, ModifiedAt: now}
	in.apply(g)
	err := s.update(func(tx store.Tx) error {
		if _, err := poolIn(tx, in.PoolID); err != nil {
			return err
		}
		old, err := store.GetGroup(tx, in.PoolID, in.Name)
		if err != nil {
			return err
		}
		if old != nil {
			return apiErr("GroupExistsException", "A group with the name %s already exists.", in.Name)
		}
		return store.PutGroup(tx, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// GetGroup returns a group.
func (s *Service) GetGroup(poolID, name string) (*store.Group, *Error) {
	var g *store.Group
	err := s.view(func(tx store.Tx) error {
		var err error
		g, err = groupIn(tx, poolID, name)
		return err
	})
	return g, err
}

// UpdateGroup changes a group's description, role and precedence.
func (s *Service) UpdateGroup(in GroupInput) (*store.Group, *Error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var g *store.Group
	err := s.update(func(tx store.Tx) error {
		var err error
		if g, err = groupIn(tx, in.PoolID, in.Name); err != nil {
			return err
		}
		in.apply(g)
		g.ModifiedAt = s.now()
		return store.PutGroup(tx, g)
	})
	return g, err
}

// DeleteGroup deletes a group and its memberships.
func (s *Service) DeleteGroup(poolID, name string) *Error {
	return s.update(func(tx store.Tx) error {
		if _, err := groupIn(tx, poolID, name); err != nil {
			return err
		}
		return store.DeleteGroup(tx, poolID, name)
	})
}

// checkLimit validates a page size (QueryLimitType: 0–60; 0 means the
// maximum).
func checkLimit(field string, n int) (int, *Error) {
	if n < 0 || n > maxQueryLimit {
		return 0, validation("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to 60", n, field)
	}
	if n == 0 {
		n = maxQueryLimit
	}
	return n, nil
}

// page returns up to limit items after the position token names (items
// are sorted by key; tokens are the base64url of the last key returned)
// and the token of the next page ("" at the end).
func page[T any](items []T, key func(T) string, limit int, token string) ([]T, string, *Error) {
	start := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", errParam("Invalid pagination token")
		}
		after := string(b)
		start, _ = slices.BinarySearchFunc(items, after, func(t T, k string) int { return cmp.Compare(key(t), k) })
		if start < len(items) && key(items[start]) == after {
			start++
		}
	}
	end := min(start+limit, len(items))
	out := items[start:end]
	next := ""
	if end < len(items) && len(out) > 0 {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(out[len(out)-1])))
	}
	return out, next, nil
}

// ListGroups lists a pool's groups in name order.
func (s *Service) ListGroups(poolID string, limit int, token string) ([]*store.Group, string, *Error) {
	limit, err := checkLimit("limit", limit)
	if err != nil {
		return nil, "", err
	}
	var all []*store.Group
	if err := s.view(func(tx store.Tx) error {
		if _, err := poolIn(tx, poolID); err != nil {
			return err
		}
		return store.Groups(tx, poolID, func(g *store.Group) error { all = append(all, g); return nil })
	}); err != nil {
		return nil, "", err
	}
	return page(all, func(g *store.Group) string { return g.Name }, limit, token)
}

// AdminAddUserToGroup puts a user in a group.
func (s *Service) AdminAddUserToGroup(poolID, username, group string) *Error {
	return s.update(func(tx store.Tx) error {
		if _, err := groupIn(tx, poolID, group); err != nil {
			return err
		}
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		return store.AddMember(tx, poolID, u.Username, group)
	})
}

// AdminRemoveUserFromGroup takes a user out of a group.
func (s *Service) AdminRemoveUserFromGroup(poolID, username, group string) *Error {
	return s.update(func(tx store.Tx) error {
		if _, err := groupIn(tx, poolID, group); err != nil {
			return err
		}
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		return store.RemoveMember(tx, poolID, u.Username, group)
	})
}

// AdminListGroupsForUser lists a user's groups in name order.
func (s *Service) AdminListGroupsForUser(poolID, username string, limit int, token string) ([]*store.Group, string, *Error) {
	limit, err := checkLimit("limit", limit)
	if err != nil {
		return nil, "", err
	}
	var all []*store.Group
	if err := s.view(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		all, err = userGroups(tx, u)
		return err
	}); err != nil {
		return nil, "", err
	}
	slices.SortFunc(all, func(a, b *store.Group) int { return cmp.Compare(a.Name, b.Name) })
	return page(all, func(g *store.Group) string { return g.Name }, limit, token)
}

// ListUsersInGroup lists a group's users in internal-name order.
func (s *Service) ListUsersInGroup(poolID, group string, limit int, token string) ([]*store.User, string, *Error) {
	limit, err := checkLimit("limit", limit)
	if err != nil {
		return nil, "", err
	}
	var all []*store.User
	if err := s.view(func(tx store.Tx) error {
		if _, err := groupIn(tx, poolID, group); err != nil {
			return err
		}
		names, err := store.GroupMembers(tx, poolID, group)
		if err != nil {
			return err
		}
		for _, n := range names {
			u, err := store.GetUser(tx, poolID, n)
			if err != nil {
				return err
			}
			if u != nil {
				all = append(all, u)
			}
		}
		return nil
	}); err != nil {
		return nil, "", err
	}
	slices.SortFunc(all, func(a, b *store.User) int { return cmp.Compare(a.Username, b.Username) })
	return page(all, func(u *store.User) string { return u.Username }, limit, token)
}

// userGroups returns the group records of a user.
func userGroups(tx store.Tx, u *store.User) ([]*store.Group, error) {
	names, err := store.UserGroups(tx, u.PoolID, u.Username)
	if err != nil {
		return nil, err
	}
	var out []*store.Group
	for _, n := range names {
		g, err := store.GetGroup(tx, u.PoolID, n)
		if err != nil {
			return nil, err
		}
		if g != nil {
			out = append(out, g)
		}
	}
	return out, nil
}

// byPrecedence orders groups as Cognito ranks them: lower Precedence
// first, groups without one last, ties by name.
func byPrecedence(a, b *store.Group) int {
	switch {
	case a.Precedence == nil && b.Precedence != nil:
		return 1
	case a.Precedence != nil && b.Precedence == nil:
		return -1
	case a.Precedence != nil && *a.Precedence != *b.Precedence:
		return cmp.Compare(*a.Precedence, *b.Precedence)
	}
	return cmp.Compare(a.Name, b.Name)
}

// GroupClaims computes the cognito:groups, cognito:roles and
// cognito:preferred_role claims of a user's groups: groups ordered by
// precedence (lowest value first, unset last); roles in that order
// without repeats; the preferred role that of the highest-ranked groups
// with a role, unset when groups of equal precedence there name
// different roles (Cognito's GroupType.Precedence documentation).
func GroupClaims(groups []*store.Group) (names, roles []string, preferred string) {
	gs := slices.Clone(groups)
	slices.SortFunc(gs, byPrecedence)
	var top *store.Group
	ambiguous := false
	for _, g := range gs {
		names = append(names, g.Name)
		if g.RoleArn == "" {
			continue
		}
		if !slices.Contains(roles, g.RoleArn) {
			roles = append(roles, g.RoleArn)
		}
		switch {
		case top == nil:
			top = g
		case samePrecedence(top, g) && top.RoleArn != g.RoleArn:
			ambiguous = true
		}
	}
	if top != nil && !ambiguous {
		preferred = top.RoleArn
	}
	return names, roles, preferred
}

func samePrecedence(a, b *store.Group) bool {
	if a.Precedence == nil || b.Precedence == nil {
		return a.Precedence == nil && b.Precedence == nil
	}
	return *a.Precedence == *b.Precedence
}

// addGroupClaims reads a user's groups into a grant.
func (s *Service) addGroupClaims(g *tokens.Grant, u *store.User) *Error {
	var groups []*store.Group
	if err := s.view(func(tx store.Tx) error {
		var err error
		groups, err = userGroups(tx, u)
		return err
	}); err != nil {
		return err
	}
	g.Groups, g.Roles, g.PreferredRole = GroupClaims(groups)
	return nil
}
