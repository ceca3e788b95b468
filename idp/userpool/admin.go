package userpool

import (
	"cmp"
	"slices"

	"github.com/caldera-srp/caldera/idp/store"
)

// GetDevice returns a device of an access token's user.
func (s *Service) GetDevice(accessToken, deviceKey string) (*store.Device, *Error) {
	if deviceKey == "" {
		return nil, validation("Value null at 'deviceKey' failed to satisfy constraint: Member must not be null")
	}
	var d *store.Device
	err := s.accessView(accessToken, func(tx store.Tx, u *store.User) error {
		var err error
		d, err = deviceOf(tx, u, deviceKey)
		return err
	})
	return d, err
}

// AdminGetDevice returns a device of a user named by an admin.
func (s *Service) AdminGetDevice(poolID, username, deviceKey string) (*store.Device, *Error) {
	if deviceKey == "" {
		return nil, validation("Value null at 'deviceKey' failed to satisfy constraint: Member must not be null")
	}
	var d *store.Device
	err := s.view(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		d, err = deviceOf(tx, u, deviceKey)
		return err
	})
	return d, err
}

// AdminListDevices lists a user's confirmed devices in key order.
func (s *Service) AdminListDevices(poolID, username string, limit int, token string) ([]*store.Device, string, *Error) {
	limit, err := checkLimit("limit", limit)
	if err != nil {
		return nil, "", err
	}
	var ds []*store.Device
	if err := s.view(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		return store.UserDevices(tx, u.PoolID, u.Username, func(d *store.Device) error {
			if d.Confirmed {
				ds = append(ds, d)
			}
			return nil
		})
	}); err != nil {
		return nil, "", err
	}
	slices.SortFunc(ds, func(a, b *store.Device) int { return cmp.Compare(a.Key, b.Key) })
	return page(ds, func(d *store.Device) string { return d.Key }, limit, token)
}

// AdminUpdateDeviceStatus marks a user's device remembered or not.
func (s *Service) AdminUpdateDeviceStatus(poolID, username, deviceKey string, remembered bool) *Error {
	return s.update(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		d, err := deviceOf(tx, u, deviceKey)
		if err != nil {
			return err
		}
		d.Remembered, d.ModifiedAt = remembered, s.now()
		return store.PutDevice(tx, d)
	})
}

// revokeAll revokes every sign-in of a user (its refresh tokens and the
// access tokens they produced).
func revokeAll(tx store.Tx, u *store.User) error {
	return store.UserOrigins(tx, u.PoolID, u.Username, func(o *store.Origin) error {
		if o.Revoked {
			return nil
		}
		o.Revoked = true
		return store.PutOrigin(tx, o)
	})
}

// AdminUserGlobalSignOut revokes every sign-in of a user named by an
// admin.
func (s *Service) AdminUserGlobalSignOut(poolID, username string) *Error {
	return s.update(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		return revokeAll(tx, u)
	})
}

// AdminSetUserEnabled disables or enables a user (AdminDisableUser,
// AdminEnableUser). A disabled user cannot sign in, refresh, or use its
// access tokens.
func (s *Service) AdminSetUserEnabled(poolID, username string, enabled bool) *Error {
	return s.adminEdit(poolID, username, func(_ store.Tx, u *store.User) error {
		u.Enabled = enabled
		return nil
	})
}

// AdminLinkProviderForUser is refused: the local server has no external
// identity providers to link.
func (s *Service) AdminLinkProviderForUser(poolID string) *Error {
	if _, err := s.Pool(poolID); err != nil {
		return err
	}
	return errParam("AdminLinkProviderForUser is not supported by the local server: it has no external identity providers.")
}
