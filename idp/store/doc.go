// Package store is the local server's model and its transactional storage:
// the records (pools, app clients, users, devices, sign-in origins with
// their refresh-token hashes, lockout counters, server keys, and an index
// of users by e-mail, phone and preferred name) and a small
// interface, Store, that runs read transactions (View) and read-write
// transactions (Update) over any number of them.
//
// A Store is an engine of byte values filed under a kind and a key (Tx);
// the typed accessors of this package (GetUser, PutUser, …) encode records
// as JSON on top of it, so an engine knows nothing of the model. Two
// engines are provided: Memory (the default: state lives in the process)
// and Bolt (a go.etcd.io/bbolt file). Both pass the same conformance
// suite, storetest.Run; another engine is added by implementing Store and
// running that suite against it.
//
// What every engine promises:
//
//   - An Update is atomic and isolated: its function sees the effects of
//     every Update that returned before it started and of its own writes,
//     and either all of its writes are applied or (when it returns an error
//     or panics) none.
//   - Update returns only once its writes are durable for the engine (for
//     Bolt: committed and fsynced). Concurrent Updates share commits: Bolt
//     runs every Update queued while the previous commit was being written
//     in the next transaction, each function once, so one fsync serves
//     them all (group commit).
//   - A View sees a consistent snapshot and cannot write (ErrReadOnly).
//
// Transactions must stay short: no SRP exponentiation, RSA signature or
// password-verifier computation runs inside one. Callers compute first and
// commit after (see package userpool).
//
// This package imports nothing else of idp.
package store
