package wire

import (
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// The operations of issue 12 (refresh with rotation, groups, the
// user-side and admin operations, listing, pool and client management),
// grouped by area; init adds them to the dispatch table.
var appOperations = map[string]opHandler{
	// Refresh.
	"GetTokensFromRefreshToken": handle(opGetTokensFromRefreshToken),
	// Groups.
	"CreateGroup":              handle(opCreateGroup),
	"GetGroup":                 handle(opGetGroup),
	"UpdateGroup":              handle(opUpdateGroup),
	"DeleteGroup":              handle(opDeleteGroup),
	"ListGroups":               handle(opListGroups),
	"AdminAddUserToGroup":      handle(opAdminAddUserToGroup),
	"AdminRemoveUserFromGroup": handle(opAdminRemoveUserFromGroup),
	"AdminListGroupsForUser":   handle(opAdminListGroupsForUser),
	"ListUsersInGroup":         handle(opListUsersInGroup),
}

func init() { register(appOperations) }

// register adds operations to the dispatch table at start-up.
func register(ops map[string]opHandler) {
	for k, v := range ops {
		if operations[k] != nil {
			panic("idp/wire: operation " + k + " registered twice")
		}
		operations[k] = v
	}
}

// addClientDetails adds the settings of a client beyond its name, id and
// flows: token validities (with their units) and RefreshTokenRotation.
func addClientDetails(out map[string]any, cl *store.Client) {
	out["LastModifiedDate"] = epoch(cl.ModifiedAt)
	if cl.ModifiedAt.IsZero() {
		out["LastModifiedDate"] = epoch(cl.CreatedAt)
	}
	units := map[string]string{}
	if cl.AccessTTL > 0 {
		out["AccessTokenValidity"], units["AccessToken"] = int64(cl.AccessTTL.Minutes()), "minutes"
	}
	if cl.IDTTL > 0 {
		out["IdTokenValidity"], units["IdToken"] = int64(cl.IDTTL.Minutes()), "minutes"
	}
	if cl.RefreshTTL > 0 {
		out["RefreshTokenValidity"], units["RefreshToken"] = int64(cl.RefreshTTL.Minutes()), "minutes"
	}
	if len(units) > 0 {
		out["TokenValidityUnits"] = units
	}
	if cl.RefreshRotation != nil {
		out["RefreshTokenRotation"] = cl.RefreshRotation
	}
}

type getTokensFromRefreshIn struct {
	RefreshToken, ClientId, ClientSecret, DeviceKey string
	ClientMetadata                                  map[string]string
}

func opGetTokensFromRefreshToken(svc *userpool.Service, c *call, in *getTokensFromRefreshIn) (any, *userpool.Error) {
	ts, err := svc.GetTokensFromRefreshToken(userpool.RefreshInput{
		RefreshToken: in.RefreshToken, ClientID: in.ClientId, ClientSecret: in.ClientSecret,
		DeviceKey: in.DeviceKey, Metadata: in.ClientMetadata, Endpoint: c.endpoint,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"AuthenticationResult": ts}, nil
}

func groupOut(g *store.Group) map[string]any {
	out := map[string]any{
		"GroupName": g.Name, "UserPoolId": g.PoolID,
		"CreationDate": epoch(g.CreatedAt), "LastModifiedDate": epoch(g.ModifiedAt),
	}
	if g.Description != "" {
		out["Description"] = g.Description
	}
	if g.RoleArn != "" {
		out["RoleArn"] = g.RoleArn
	}
	if g.Precedence != nil {
		out["Precedence"] = *g.Precedence
	}
	return out
}

func groupsOut(gs []*store.Group, next string) map[string]any {
	list := make([]map[string]any, 0, len(gs))
	for _, g := range gs {
		list = append(list, groupOut(g))
	}
	out := map[string]any{"Groups": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out
}

type groupIn struct {
	GroupName, UserPoolId string
	Description, RoleArn  *string
	Precedence            *int64
}

func (in *groupIn) domain() userpool.GroupInput {
	return userpool.GroupInput{PoolID: in.UserPoolId, Name: in.GroupName, Description: in.Description, RoleArn: in.RoleArn, Precedence: in.Precedence}
}

func opCreateGroup(svc *userpool.Service, c *call, in *groupIn) (any, *userpool.Error) {
	g, err := svc.CreateGroup(in.domain())
	if err != nil {
		return nil, err
	}
	return map[string]any{"Group": groupOut(g)}, nil
}

func opGetGroup(svc *userpool.Service, c *call, in *groupIn) (any, *userpool.Error) {
	g, err := svc.GetGroup(in.UserPoolId, in.GroupName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Group": groupOut(g)}, nil
}

func opUpdateGroup(svc *userpool.Service, c *call, in *groupIn) (any, *userpool.Error) {
	g, err := svc.UpdateGroup(in.domain())
	if err != nil {
		return nil, err
	}
	return map[string]any{"Group": groupOut(g)}, nil
}

func opDeleteGroup(svc *userpool.Service, c *call, in *groupIn) (any, *userpool.Error) {
	return done(svc.DeleteGroup(in.UserPoolId, in.GroupName))
}

type listIn struct {
	UserPoolId, Username, GroupName string
	Limit                           int
	NextToken                       string
}

func opListGroups(svc *userpool.Service, c *call, in *listIn) (any, *userpool.Error) {
	gs, next, err := svc.ListGroups(in.UserPoolId, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	return groupsOut(gs, next), nil
}

type userGroupIn struct{ UserPoolId, Username, GroupName string }

func opAdminAddUserToGroup(svc *userpool.Service, c *call, in *userGroupIn) (any, *userpool.Error) {
	return done(svc.AdminAddUserToGroup(in.UserPoolId, in.Username, in.GroupName))
}

func opAdminRemoveUserFromGroup(svc *userpool.Service, c *call, in *userGroupIn) (any, *userpool.Error) {
	return done(svc.AdminRemoveUserFromGroup(in.UserPoolId, in.Username, in.GroupName))
}

func opAdminListGroupsForUser(svc *userpool.Service, c *call, in *listIn) (any, *userpool.Error) {
	gs, next, err := svc.AdminListGroupsForUser(in.UserPoolId, in.Username, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	return groupsOut(gs, next), nil
}

func opListUsersInGroup(svc *userpool.Service, c *call, in *listIn) (any, *userpool.Error) {
	us, next, err := svc.ListUsersInGroup(in.UserPoolId, in.GroupName, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Users": usersOut(us, nil)}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// userOut renders Cognito's UserType; attrs, when non-nil, limits the
// attributes shown (ListUsers' AttributesToGet).
func userOut(u *store.User, attrs []string) map[string]any {
	list := attrList(u.Attrs)
	if attrs != nil {
		kept := []attribute{}
		for _, a := range list {
			for _, want := range attrs {
				if a.Name == want {
					kept = append(kept, a)
				}
			}
		}
		list = kept
	}
	return map[string]any{
		"Username": u.Username, "Attributes": list, "UserCreateDate": epoch(u.CreatedAt),
		"UserLastModifiedDate": epoch(u.ModifiedAt), "Enabled": u.Enabled, "UserStatus": u.Status,
	}
}

func usersOut(us []*store.User, attrs []string) []map[string]any {
	out := make([]map[string]any, 0, len(us))
	for _, u := range us {
		out = append(out, userOut(u, attrs))
	}
	return out
}
