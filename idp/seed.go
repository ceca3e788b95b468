package idp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/caldera-srp/caldera/idp/store"
)

// Seed declares pools with their clients and users, for `caldera serve
// --seed` and test set-ups. In JSON:
//
//	{"pools": [{"id": "us-east-1_Local", "name": "local", "mfa": "OPTIONAL",
//	  "deviceConfiguration": {"ChallengeRequiredOnNewDevice": true},
//	  "clients": [{"id": "localclient", "name": "web", "secret": "s3cret",
//	               "explicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
//	  "users": [{"username": "alice", "password": "Passw0rd!",
//	             "attributes": {"email": "alice@example.com"}}],
//	  "groups": [{"name": "admins", "precedence": 0, "members": ["alice"]}]}]}
//
// Field names are those of PoolConfig, ClientConfig, UserConfig and
// GroupConfig.
// "identityPools" declares identity pools with the fields of
// CreateIdentityPool (IdentityPoolConfig; IdentityPoolId fixes the id):
//
//	"identityPools": [{"IdentityPoolId": "us-east-1:00000000-0000-4000-8000-000000000001",
//	  "IdentityPoolName": "local", "AllowUnauthenticatedIdentities": false,
//	  "CognitoIdentityProviders": [{"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_Local",
//	                                "ClientId": "localclient"}]}]
type Seed struct {
	Pools         []SeedPool           `json:"pools"`
	IdentityPools []IdentityPoolConfig `json:"identityPools,omitempty"`
}

// SeedPool is one pool of a Seed.
type SeedPool struct {
	PoolConfig
	// ResourceServers are created before the clients, whose OAuth scopes
	// may name theirs; Domain gives the pool its domain prefix.
	ResourceServers []ResourceServer `json:"resourceServers,omitempty"`
	Domain          string           `json:"domain,omitempty"`
	Clients         []ClientConfig   `json:"clients,omitempty"`
	Users           []UserConfig     `json:"users,omitempty"`
	Groups          []GroupConfig    `json:"groups,omitempty"`
}

// SeedResult lists what a seed created or found, with generated ids and
// secrets.
type SeedResult struct {
	Pools         []SeedPoolResult `json:"pools"`
	IdentityPools []IdentityPool   `json:"identityPools,omitempty"`
}

// SeedPoolResult is one pool of a SeedResult.
type SeedPoolResult struct {
	Pool
	Clients []Client `json:"clients"`
	Users   []User   `json:"users"`
}

// ReadSeedFile parses a JSON seed file. Unknown fields are refused, so that
// a typo does not silently drop a setting.
func ReadSeedFile(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("idp: seed: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sd Seed
	if err := dec.Decode(&sd); err != nil {
		return nil, fmt.Errorf("idp: seed %s: %w", path, err)
	}
	return &sd, nil
}

// ApplySeed creates what the seed declares. Pools, clients and users that
// already exist (same fixed id, same user name) are kept as they are, so a
// seed can be applied again to a persistent store at every start.
func (s *Server) ApplySeed(sd *Seed) (*SeedResult, error) {
	res := &SeedResult{}
	for i, sp := range sd.Pools {
		var pool Pool
		var existing *store.Pool
		if sp.ID != "" {
			existing, _ = s.svc.Pool(sp.ID)
		}
		if existing != nil {
			pool = Pool{ID: existing.ID, Name: existing.Name}
		} else {
			var err error
			if pool, err = s.CreatePool(sp.PoolConfig); err != nil {
				return nil, fmt.Errorf("idp: seed pool %d: %w", i, err)
			}
		}
		pr := SeedPoolResult{Pool: pool}
		if err := s.seedOAuth(pool.ID, sp); err != nil {
			return nil, fmt.Errorf("idp: seed pool %d: %w", i, err)
		}
		for j, cc := range sp.Clients {
			var ec *store.Client
			if cc.ID != "" {
				ec, _ = s.svc.Client(cc.ID)
			}
			if ec != nil {
				if ec.PoolID != pool.ID {
					return nil, fmt.Errorf("idp: seed client %q belongs to pool %s", cc.ID, ec.PoolID)
				}
				pr.Clients = append(pr.Clients, Client{PoolID: ec.PoolID, ID: ec.ID, Secret: ec.Secret})
				continue
			}
			c, err := s.CreateClient(pool.ID, cc)
			if err != nil {
				return nil, fmt.Errorf("idp: seed pool %d client %d: %w", i, j, err)
			}
			pr.Clients = append(pr.Clients, c)
		}
		for j, uc := range sp.Users {
			u, err := s.CreateUser(pool.ID, uc)
			if errors.Is(err, ErrUsernameExists) {
				if eu, _ := s.svc.FindUser(pool.ID, uc.Username); eu != nil {
					pr.Users = append(pr.Users, User{PoolID: pool.ID, Username: eu.Username, Sub: eu.Sub})
					continue
				}
			}
			if err != nil {
				return nil, fmt.Errorf("idp: seed pool %d user %d: %w", i, j, err)
			}
			pr.Users = append(pr.Users, u)
		}
		for j, gc := range sp.Groups {
			if err := s.CreateGroup(pool.ID, gc); err != nil && !errors.Is(err, errGroupExists) {
				return nil, fmt.Errorf("idp: seed pool %d group %d: %w", i, j, err)
			}
			for _, m := range gc.Members {
				if err := s.AddUserToGroup(pool.ID, m, gc.Name); err != nil {
					return nil, fmt.Errorf("idp: seed pool %d group %q member %q: %w", i, gc.Name, m, err)
				}
			}
		}
		res.Pools = append(res.Pools, pr)
	}
	for i, ic := range sd.IdentityPools {
		if ic.ID != "" {
			if p, err := s.ids.DescribeIdentityPool(ic.ID); err == nil {
				res.IdentityPools = append(res.IdentityPools, IdentityPool{ID: p.ID, Name: p.Name})
				continue
			}
		}
		p, err := s.CreateIdentityPool(ic)
		if err != nil {
			return nil, fmt.Errorf("idp: seed identity pool %d: %w", i, err)
		}
		res.IdentityPools = append(res.IdentityPools, p)
	}
	return res, nil
}
