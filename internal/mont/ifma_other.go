//go:build !amd64 || purego

package mont

const (
	hasIFMA = false
	useIFMA = false
)

func mulIFMA(z, x, y, n *elem52, k0 uint64) { panic("mont: no IFMA kernel") }

func sqrIFMA(z, x, n *elem52, k0 uint64) { panic("mont: no IFMA kernel") }

func lookupIFMA(z *elem52, table *[tableSize]elem52, idx int) { lookup52Generic(z, table, idx) }
