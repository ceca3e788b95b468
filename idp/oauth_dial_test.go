package idp

import (
	"context"
	"net"
)

// netDialer connects every request to addr, whatever its host, so tests
// can use http://<domain>.localhost:PORT names without a resolver.
type netDialer struct{ addr string }

func (d *netDialer) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var nd net.Dialer
	return nd.DialContext(ctx, network, d.addr)
}
