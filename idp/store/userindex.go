package store

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// KindUserIndex holds, for each user, the keys of its records of a kind
// that is keyed otherwise (origins by jti, devices by device key, events
// by time): key UserIndexKey, value its IndexEntry list (formatIndex). What a
// user-side request does to its own records (list its devices, sign out
// everywhere, delete itself) and what a sign-in adds (a device, an
// origin, an event) goes through the user's list, never through a scan of
// a kind that grows with every user; and the lists bound what one user
// can make the server keep (MaxOriginsPerUser, MaxDevicesPerUser,
// MaxAuthEvents).
const KindUserIndex = "userindex"

// What a user's index lists.
const (
	indexOrigins = "origin"
	indexDevices = "device"
	indexEvents  = "authevent"
)

// Bounds on the records one user keeps (Cognito documents none; a local
// server anyone can send sign-ins to needs them). A sign-in beyond them
// deletes the user's oldest: for origins, the sign-in with its refresh
// token (after the expired ones); for devices, the oldest device never
// confirmed (else the oldest).
const (
	MaxOriginsPerUser = 100
	MaxDevicesPerUser = 100
)

// IndexEntry is one record in a user's index: its key and, for origins,
// the Unix time its refresh token expires.
type IndexEntry struct {
	Key     string
	Expires int64
}

// UserIndexKey is the key of a user's index of what (origin, device,
// authevent).
func UserIndexKey(poolID, username, what string) string {
	return UserKey(poolID, username) + "\x00" + what
}

// An index is stored as lines "KEY" or "KEY\tEXPIRES" (decimal), not as
// JSON: a sign-in reads and writes three of them, up to a hundred entries
// each, inside the store's write transaction, and JSON cost ten times as
// much. Keys are the server's own ids, without tabs or newlines.

func parseIndex(b []byte) ([]IndexEntry, error) {
	if len(b) == 0 {
		return nil, nil
	}
	lines := strings.Split(string(b), "\n")
	idx := make([]IndexEntry, 0, len(lines))
	for _, l := range lines {
		k, exp, ok := strings.Cut(l, "\t")
		e := IndexEntry{Key: k}
		if ok {
			n, err := strconv.ParseInt(exp, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("idp/store: index entry %q: %w", l, err)
			}
			e.Expires = n
		}
		idx = append(idx, e)
	}
	return idx, nil
}

func formatIndex(idx []IndexEntry) []byte {
	var b []byte
	for i, e := range idx {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, e.Key...)
		if e.Expires != 0 {
			b = append(b, '\t')
			b = strconv.AppendInt(b, e.Expires, 10)
		}
	}
	return b
}

func getIndex(tx Tx, poolID, username, what string) ([]IndexEntry, error) {
	b, err := tx.Get(KindUserIndex, UserIndexKey(poolID, username, what))
	if err != nil {
		return nil, err
	}
	return parseIndex(b)
}

func putIndex(tx Tx, poolID, username, what string, idx []IndexEntry) error {
	if len(idx) == 0 {
		return tx.Delete(KindUserIndex, UserIndexKey(poolID, username, what))
	}
	return tx.Put(KindUserIndex, UserIndexKey(poolID, username, what), formatIndex(idx))
}

// unindex removes key from a user's index of what.
func unindexKey(tx Tx, poolID, username, what, key string) error {
	idx, err := getIndex(tx, poolID, username, what)
	if err != nil {
		return err
	}
	n := len(idx)
	idx = slices.DeleteFunc(idx, func(e IndexEntry) bool { return e.Key == key })
	if len(idx) == n {
		return nil
	}
	return putIndex(tx, poolID, username, what, idx)
}

// eachIndexed calls fn with each record of kind in a user's index of
// what, in the index's order (entries whose record is gone are skipped).
func eachIndexed[R any](tx Tx, kind, poolID, username, what string, fn func(key string, r *R) error) error {
	idx, err := getIndex(tx, poolID, username, what)
	if err != nil {
		return err
	}
	for _, e := range idx {
		r, err := get[R](tx, kind, e.Key)
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		if err := fn(e.Key, r); err != nil {
			return err
		}
	}
	return nil
}

// deleteIndexed deletes every record of kind in a user's index of what,
// and the index.
func deleteIndexed(tx Tx, kind, poolID, username, what string) error {
	idx, err := getIndex(tx, poolID, username, what)
	if err != nil {
		return err
	}
	for _, e := range idx {
		if err := tx.Delete(kind, e.Key); err != nil {
			return err
		}
	}
	return putIndex(tx, poolID, username, what, nil)
}

// PutOrigin stores a sign-in origin. A new one joins its user's index;
// the user's origins whose refresh tokens expired before the new one was
// issued are deleted, and so are the oldest beyond MaxOriginsPerUser. An
// update whose refresh token expires at another time (a rotation)
// updates the index's expiry, so that the origin is not dropped as
// expired while its token is good.
func PutOrigin(tx Tx, o *Origin) error {
	old, err := GetOrigin(tx, o.JTI)
	if err != nil {
		return err
	}
	if err := put(tx, KindOrigin, o.JTI, o); err != nil || (old != nil && old.ExpiresAt.Equal(o.ExpiresAt)) {
		return err
	}
	idx, err := getIndex(tx, o.PoolID, o.Username, indexOrigins)
	if err != nil {
		return err
	}
	if old != nil {
		for i := range idx {
			if idx[i].Key == o.JTI {
				idx[i].Expires = o.ExpiresAt.Unix()
			}
		}
		return putIndex(tx, o.PoolID, o.Username, indexOrigins, idx)
	}
	now := o.IssuedAt.Unix()
	var drop []string
	idx = slices.DeleteFunc(idx, func(e IndexEntry) bool {
		if e.Expires != 0 && e.Expires < now {
			drop = append(drop, e.Key)
			return true
		}
		return false
	})
	idx = append(idx, IndexEntry{Key: o.JTI, Expires: o.ExpiresAt.Unix()})
	if n := len(idx) - MaxOriginsPerUser; n > 0 {
		for _, e := range idx[:n] {
			drop = append(drop, e.Key)
		}
		idx = idx[n:]
	}
	for _, k := range drop {
		if err := tx.Delete(KindOrigin, k); err != nil {
			return err
		}
	}
	return putIndex(tx, o.PoolID, o.Username, indexOrigins, idx)
}

// UserOrigins calls fn with a user's origins, oldest first.
func UserOrigins(tx Tx, poolID, username string, fn func(*Origin) error) error {
	return eachIndexed(tx, KindOrigin, poolID, username, indexOrigins, func(_ string, o *Origin) error { return fn(o) })
}

// deleteOrigin removes an origin and its index entry.
func deleteOrigin(tx Tx, o *Origin) error {
	if err := tx.Delete(KindOrigin, o.JTI); err != nil {
		return err
	}
	return unindexKey(tx, o.PoolID, o.Username, indexOrigins, o.JTI)
}

// PutDevice stores a device. A new one joins its user's index; beyond
// MaxDevicesPerUser the user's oldest device that was never confirmed
// (else the oldest) is deleted.
func PutDevice(tx Tx, d *Device) error {
	old, err := tx.Get(KindDevice, d.Key)
	if err != nil {
		return err
	}
	if err := put(tx, KindDevice, d.Key, d); err != nil || old != nil {
		return err
	}
	idx, err := getIndex(tx, d.PoolID, d.Username, indexDevices)
	if err != nil {
		return err
	}
	idx = append(idx, IndexEntry{Key: d.Key})
	for len(idx) > MaxDevicesPerUser {
		victim := 0
		for i, e := range idx[:len(idx)-1] {
			od, err := GetDevice(tx, e.Key)
			if err != nil {
				return err
			}
			if od == nil || !od.Confirmed {
				victim = i
				break
			}
		}
		if err := tx.Delete(KindDevice, idx[victim].Key); err != nil {
			return err
		}
		idx = slices.Delete(idx, victim, victim+1)
	}
	return putIndex(tx, d.PoolID, d.Username, indexDevices, idx)
}

// DeleteDevice removes a device of a user.
func DeleteDevice(tx Tx, poolID, username, key string) error {
	if err := tx.Delete(KindDevice, key); err != nil {
		return err
	}
	return unindexKey(tx, poolID, username, indexDevices, key)
}

// UserDevices calls fn with a user's devices, oldest first.
func UserDevices(tx Tx, poolID, username string, fn func(*Device) error) error {
	return eachIndexed(tx, KindDevice, poolID, username, indexDevices, func(_ string, d *Device) error { return fn(d) })
}

// buildUserIndexes writes every user's origin and device index from the
// records (Migrate, for a store written before the indexes).
func buildUserIndexes(tx Tx) error {
	type user struct{ pool, name string }
	origins := map[user][]IndexEntry{}
	devices := map[user][]IndexEntry{}
	var ords []*Origin
	if err := Origins(tx, func(o *Origin) error { ords = append(ords, o); return nil }); err != nil {
		return err
	}
	slices.SortStableFunc(ords, func(a, b *Origin) int { return a.IssuedAt.Compare(b.IssuedAt) })
	for _, o := range ords {
		u := user{o.PoolID, o.Username}
		origins[u] = append(origins[u], IndexEntry{Key: o.JTI, Expires: o.ExpiresAt.Unix()})
	}
	var devs []*Device
	if err := Devices(tx, func(d *Device) error { devs = append(devs, d); return nil }); err != nil {
		return err
	}
	slices.SortStableFunc(devs, func(a, b *Device) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for _, d := range devs {
		u := user{d.PoolID, d.Username}
		devices[u] = append(devices[u], IndexEntry{Key: d.Key})
	}
	for u, idx := range origins {
		if err := putIndex(tx, u.pool, u.name, indexOrigins, idx); err != nil {
			return err
		}
	}
	for u, idx := range devices {
		if err := putIndex(tx, u.pool, u.name, indexDevices, idx); err != nil {
			return err
		}
	}
	return nil
}

// checkUserIndexes reports (through note) index entries whose record is
// missing or another user's, and origins and devices missing from their
// user's index (Check).
func checkUserIndexes(tx Tx, note func(string, ...any)) error {
	indexed := map[string]bool{}
	if err := tx.ForEach(KindUserIndex, "", func(k string, b []byte) error {
		idx, err := parseIndex(b)
		if err != nil {
			return err
		}
		for _, e := range idx {
			indexed[k+"\x01"+e.Key] = true
			var pool, name string
			switch {
			case hasWhat(k, indexOrigins):
				o, err := GetOrigin(tx, e.Key)
				if err != nil {
					return err
				}
				if o != nil {
					pool, name = o.PoolID, o.Username
				}
			case hasWhat(k, indexDevices):
				d, err := GetDevice(tx, e.Key)
				if err != nil {
					return err
				}
				if d != nil {
					pool, name = d.PoolID, d.Username
				}
			default:
				continue
			}
			if pool == "" || UserIndexKey(pool, name, whatOf(k)) != k {
				note("index %q: entry %s has no record of that user", k, e.Key)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := Origins(tx, func(o *Origin) error {
		if !indexed[UserIndexKey(o.PoolID, o.Username, indexOrigins)+"\x01"+o.JTI] {
			note("origin %s: not in the index of %s/%s", o.JTI, o.PoolID, o.Username)
		}
		return nil
	}); err != nil {
		return err
	}
	return Devices(tx, func(d *Device) error {
		if !indexed[UserIndexKey(d.PoolID, d.Username, indexDevices)+"\x01"+d.Key] {
			note("device %s: not in the index of %s/%s", d.Key, d.PoolID, d.Username)
		}
		return nil
	})
}

func hasWhat(indexKey, what string) bool { return whatOf(indexKey) == what }

func whatOf(indexKey string) string {
	for i := len(indexKey) - 1; i >= 0; i-- {
		if indexKey[i] == 0 {
			return indexKey[i+1:]
		}
	}
	return ""
}
