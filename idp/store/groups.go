package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Record kinds of groups and their members.
const (
	KindGroup  = "group"
	KindMember = "member"
)

// Group is a group of a pool (Cognito's GroupType). Precedence is nil
// when unset: such a group ranks after every group that has one. Key:
// GroupKey(PoolID, Name).
type Group struct {
	PoolID      string
	Name        string
	Description string `json:",omitempty"`
	RoleArn     string `json:",omitempty"`
	Precedence  *int64 `json:",omitempty"`
	CreatedAt   time.Time
	ModifiedAt  time.Time
}

// Member records that a user belongs to a group. Key:
// MemberKey(PoolID, Username, Group); the key starts with
// UserKey(PoolID, Username) + "\x00", so a user's groups are one prefix.
type Member struct {
	PoolID   string
	Username string
	Group    string
}

// GroupKey is the key of a group: pool id, "/", name.
func GroupKey(poolID, name string) string { return poolID + "/" + name }

// MemberKey is the key of a membership. User names and group names may
// contain "/" but not NUL (Cognito's patterns exclude control
// characters), so NUL separates them.
func MemberKey(poolID, username, group string) string {
	return UserKey(poolID, username) + "\x00" + group
}

// GetGroup returns a group, or nil.
func GetGroup(tx Tx, poolID, name string) (*Group, error) {
	return get[Group](tx, KindGroup, GroupKey(poolID, name))
}

// PutGroup stores a group.
func PutGroup(tx Tx, g *Group) error { return put(tx, KindGroup, GroupKey(g.PoolID, g.Name), g) }

// Groups calls fn for every group of a pool, in name order.
func Groups(tx Tx, poolID string, fn func(*Group) error) error {
	return each(tx, KindGroup, GroupKey(poolID, ""), fn)
}

// DeleteGroup removes a group and its memberships.
func DeleteGroup(tx Tx, poolID, name string) error {
	var keys []string
	err := each(tx, KindMember, UserKey(poolID, ""), func(m *Member) error {
		if m.Group == name {
			keys = append(keys, MemberKey(m.PoolID, m.Username, m.Group))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(KindMember, k); err != nil {
			return err
		}
	}
	return tx.Delete(KindGroup, GroupKey(poolID, name))
}

// AddMember puts a user in a group (adding twice is not an error).
func AddMember(tx Tx, poolID, username, group string) error {
	return put(tx, KindMember, MemberKey(poolID, username, group), &Member{PoolID: poolID, Username: username, Group: group})
}

// RemoveMember takes a user out of a group.
func RemoveMember(tx Tx, poolID, username, group string) error {
	return tx.Delete(KindMember, MemberKey(poolID, username, group))
}

// UserGroups returns the names of the groups a user belongs to.
func UserGroups(tx Tx, poolID, username string) ([]string, error) {
	var out []string
	err := each(tx, KindMember, UserKey(poolID, username)+"\x00", func(m *Member) error {
		out = append(out, m.Group)
		return nil
	})
	return out, err
}

// GroupMembers returns the internal names of a group's users.
func GroupMembers(tx Tx, poolID, group string) ([]string, error) {
	var out []string
	err := each(tx, KindMember, UserKey(poolID, ""), func(m *Member) error {
		if m.Group == group {
			out = append(out, m.Username)
		}
		return nil
	})
	return out, err
}

// deleteUserMembers removes a user's memberships (DeleteUser).
func deleteUserMembers(tx Tx, poolID, username string) error {
	groups, err := UserGroups(tx, poolID, username)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := RemoveMember(tx, poolID, username, g); err != nil {
			return err
		}
	}
	return nil
}

// DeletePool removes a pool with everything in it: its clients, users
// (with their devices, sign-ins, failure counts, aliases and
// memberships), groups, resource servers and domain.
func DeletePool(tx Tx, poolID string) error {
	var users, clients, groups []string
	if err := Users(tx, poolID, func(u *User) error { users = append(users, u.Username); return nil }); err != nil {
		return err
	}
	if err := Clients(tx, func(c *Client) error {
		if c.PoolID == poolID {
			clients = append(clients, c.ID)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := Groups(tx, poolID, func(g *Group) error { groups = append(groups, g.Name); return nil }); err != nil {
		return err
	}
	for _, u := range users {
		if err := deleteUser(tx, poolID, u, false); err != nil {
			return err
		}
	}
	// AliasKey starts with the pool id and "/", which no pool id contains.
	if err := deletePrefix(tx, KindAlias, poolID+"/"); err != nil {
		return err
	}
	for _, g := range groups {
		if err := DeleteGroup(tx, poolID, g); err != nil {
			return err
		}
	}
	for _, c := range clients {
		if err := DeleteClient(tx, c); err != nil {
			return err
		}
	}
	if err := deletePrefix(tx, KindResourceServer, ResourceServerKey(poolID, "")); err != nil {
		return err
	}
	var domains []string
	if err := Domains(tx, func(d *Domain) error {
		if d.PoolID == poolID {
			domains = append(domains, d.Domain)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, d := range domains {
		if err := DeleteDomain(tx, d); err != nil {
			return err
		}
	}
	if err := DeletePoolKey(tx, poolID); err != nil {
		return err
	}
	return tx.Delete(KindPool, poolID)
}

// DeleteClient removes an app client and the sign-ins made through it.
func DeleteClient(tx Tx, id string) error {
	// An administrator's rare call: it scans the kind.
	var origins []*Origin
	if err := Origins(tx, func(o *Origin) error {
		if o.ClientID == id {
			origins = append(origins, o)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, o := range origins {
		if err := deleteOrigin(tx, o); err != nil {
			return err
		}
	}
	return tx.Delete(KindClient, id)
}

// checkGroups is Check's part for groups: every group names an existing
// pool, every membership an existing user and group.
func checkGroups(tx Tx, pools, users map[string]bool, note func(string, ...any)) error {
	groups := map[string]bool{}
	err := each(tx, KindGroup, "", func(g *Group) error {
		groups[GroupKey(g.PoolID, g.Name)] = true
		if !pools[g.PoolID] {
			note("group %s: no pool %s", g.Name, g.PoolID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tx.ForEach(KindMember, "", func(key string, b []byte) error {
		m := new(Member)
		if err := json.Unmarshal(b, m); err != nil {
			return fmt.Errorf("idp/store: stored %s %q: %w", KindMember, key, err)
		}
		if !users[UserKey(m.PoolID, m.Username)] {
			note("member %q: no user %s/%s", key, m.PoolID, m.Username)
		}
		if !groups[GroupKey(m.PoolID, m.Group)] {
			note("member %q: no group %s/%s", key, m.PoolID, m.Group)
		}
		if !strings.HasPrefix(key, UserKey(m.PoolID, m.Username)+"\x00") {
			note("member %q: key does not match record", key)
		}
		return nil
	})
}
