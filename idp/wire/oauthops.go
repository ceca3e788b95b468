package wire

import (
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// The operations of the OAuth 2.0 side (issue 15): a pool's domain and its
// resource servers. Names, fields and errors follow botocore's model
// (data/cognito-idp/2016-04-18/service-2.json.gz).
func init() {
	register(map[string]opHandler{
		"CreateUserPoolDomain":   handle(opCreateUserPoolDomain),
		"DescribeUserPoolDomain": handle(opDescribeUserPoolDomain),
		"DeleteUserPoolDomain":   handle(opDeleteUserPoolDomain),
		"CreateResourceServer":   handle(opCreateResourceServer),
		"DescribeResourceServer": handle(opDescribeResourceServer),
		"ListResourceServers":    handle(opListResourceServers),
	})
}

// oauthClientOut adds an app client's OAuth settings to its
// UserPoolClientType (DescribeUserPoolClient, CreateUserPoolClient).
func oauthClientOut(out map[string]any, cl *store.Client) {
	set := func(name string, v []string) {
		if len(v) > 0 {
			out[name] = v
		}
	}
	set("AllowedOAuthFlows", cl.OAuthFlows)
	set("AllowedOAuthScopes", cl.OAuthScopes)
	set("CallbackURLs", cl.CallbackURLs)
	set("LogoutURLs", cl.LogoutURLs)
	set("SupportedIdentityProviders", cl.SupportedIdentityProviders)
	out["AllowedOAuthFlowsUserPoolClient"] = cl.OAuthFlowsUserPoolClient
}

type domainIn struct {
	Domain     string
	UserPoolId string
}

func opCreateUserPoolDomain(svc *userpool.Service, _ *call, in *domainIn) (any, *userpool.Error) {
	if _, err := svc.CreateDomain(in.UserPoolId, in.Domain); err != nil {
		return nil, err
	}
	return map[string]any{"ManagedLoginVersion": 1}, nil
}

func opDescribeUserPoolDomain(svc *userpool.Service, _ *call, in *domainIn) (any, *userpool.Error) {
	d, err := svc.Domain(in.Domain)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return map[string]any{"DomainDescription": map[string]any{}}, nil
	}
	return map[string]any{"DomainDescription": map[string]any{
		"UserPoolId": d.PoolID, "Domain": d.Domain, "Status": "ACTIVE", "Version": "1",
		"ManagedLoginVersion": 1, "AWSAccountId": "000000000000",
	}}, nil
}

func opDeleteUserPoolDomain(svc *userpool.Service, _ *call, in *domainIn) (any, *userpool.Error) {
	return done(svc.DeleteDomain(in.UserPoolId, in.Domain))
}

type resourceServerIn struct {
	UserPoolId string
	Identifier string
	Name       string
	Scopes     []store.Scope
	MaxResults int
	NextToken  string
}

func resourceServerOut(rs *store.ResourceServer) map[string]any {
	scopes := rs.Scopes
	if scopes == nil {
		scopes = []store.Scope{}
	}
	return map[string]any{"UserPoolId": rs.PoolID, "Identifier": rs.Identifier, "Name": rs.Name, "Scopes": scopes}
}

func opCreateResourceServer(svc *userpool.Service, _ *call, in *resourceServerIn) (any, *userpool.Error) {
	rs, err := svc.CreateResourceServer(store.ResourceServer{
		PoolID: in.UserPoolId, Identifier: in.Identifier, Name: in.Name, Scopes: in.Scopes,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ResourceServer": resourceServerOut(rs)}, nil
}

func opDescribeResourceServer(svc *userpool.Service, _ *call, in *resourceServerIn) (any, *userpool.Error) {
	rs, err := svc.ResourceServer(in.UserPoolId, in.Identifier)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ResourceServer": resourceServerOut(rs)}, nil
}

func opListResourceServers(svc *userpool.Service, _ *call, in *resourceServerIn) (any, *userpool.Error) {
	list, next, err := svc.ListResourceServers(in.UserPoolId, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, rs := range list {
		out = append(out, resourceServerOut(rs))
	}
	res := map[string]any{"ResourceServers": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}
