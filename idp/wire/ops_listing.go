package wire

import (
	"github.com/caldera-srp/caldera/idp/userpool"
)

func init() {
	register(map[string]opHandler{
		// Listing.
		"ListUsers":           handle(opListUsers),
		"ListUserPools":       handle(opListUserPools),
		"ListUserPoolClients": handle(opListUserPoolClients),
	})
}

type listUsersIn struct {
	UserPoolId      string
	AttributesToGet []string // nil: all; empty: none
	Limit           int
	PaginationToken string
	Filter          string
}

func opListUsers(svc *userpool.Service, c *call, in *listUsersIn) (any, *userpool.Error) {
	us, next, err := svc.ListUsers(in.UserPoolId, in.Filter, in.Limit, in.PaginationToken)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Users": usersOut(us, in.AttributesToGet)}
	if next != "" {
		out["PaginationToken"] = next
	}
	return out, nil
}

type listPoolsIn struct {
	UserPoolId string
	MaxResults int
	NextToken  string
}

func opListUserPools(svc *userpool.Service, c *call, in *listPoolsIn) (any, *userpool.Error) {
	ps, next, err := svc.ListPools(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, p := range ps {
		list = append(list, map[string]any{
			"Id": p.ID, "Name": p.Name, "LambdaConfig": map[string]any{},
			"CreationDate": epoch(p.CreatedAt), "LastModifiedDate": epoch(p.ModifiedAt),
		})
	}
	out := map[string]any{"UserPools": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func opListUserPoolClients(svc *userpool.Service, c *call, in *listPoolsIn) (any, *userpool.Error) {
	cs, next, err := svc.ListClients(in.UserPoolId, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, cl := range cs {
		list = append(list, map[string]any{"ClientId": cl.ID, "UserPoolId": cl.PoolID, "ClientName": cl.Name})
	}
	out := map[string]any{"UserPoolClients": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
