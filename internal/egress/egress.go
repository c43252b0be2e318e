// Package egress keeps requests to endpoints that a workspace names (a send_data step's
// URL) out of the network the worker runs in.
//
// The check is made where the connection is made: a net.Dialer's Control function sees
// the address after DNS, just before connect, and refuses loopback, private (RFC 1918,
// RFC 4193), link-local, multicast, unspecified, carrier-grade NAT (100.64.0.0/10) and
// reserved addresses, in IPv4-mapped, NAT64 and 6to4 forms too. A check of the URL's
// host before the request would miss a name that resolves inside (localhost, or a name
// whose DNS answer changes between the check and the connection) and the host a
// redirect names; this one sees every connection the transport opens.
//
//	allow, err := egress.ParseAllowList("billing.corp.example, 10.20.0.0/16")
//	client := &http.Client{Transport: egress.NewTransport(allow)}
//
// An AllowList opens chosen names and networks for on-premise endpoints. The transport
// ignores HTTP_PROXY and HTTPS_PROXY: a proxy would connect on our behalf, to addresses
// the dialer never sees.
package egress

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// RefusedError is a connection the transport did not make: Addr is internal and not on
// the allow list.
type RefusedError struct {
	Addr netip.Addr
	// Reason says what kind of address it is: "a loopback address".
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("connection to %s refused: %s", e.Addr, e.Reason)
}

// NewTransport is an HTTP transport that connects only to public addresses and to what
// allow names, and uses no proxy.
func NewTransport(allow AllowList) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           allow.dialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// dialContext connects to address, checking the address it connects to unless the
// request names a host the list allows by name.
func (a AllowList) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	dialer := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	host, _, err := net.SplitHostPort(address)
	if err != nil || !a.allowsName(host) {
		dialer.Control = a.control
	}
	return dialer.DialContext(ctx, network, address)
}

// control runs for each address a dial tries, after the name is resolved and before
// the connection is opened.
func (a AllowList) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("egress: dial address %q: %w", address, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("egress: dial address %q: %w", address, err)
	}
	if a.allowsAddr(addr) {
		return nil
	}
	if reason := blockedReason(addr); reason != "" {
		return &RefusedError{Addr: addr, Reason: reason}
	}
	return nil
}

var (
	// nat64 (RFC 6052) and sixToFour (RFC 3056) embed an IPv4 address that a gateway
	// connects to.
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")

	// internalRanges are ranges outside the netip.Addr predicates blockedReason uses.
	internalRanges = []struct {
		prefix netip.Prefix
		reason string
	}{
		{netip.MustParsePrefix("0.0.0.0/8"), "in 0.0.0.0/8, this-network addresses (Linux connects 0.0.0.0 to itself)"},
		{netip.MustParsePrefix("100.64.0.0/10"), "in 100.64.0.0/10, carrier-grade NAT addresses"},
		{netip.MustParsePrefix("240.0.0.0/4"), "in 240.0.0.0/4, reserved addresses (the broadcast address among them)"},
		{netip.MustParsePrefix("fec0::/10"), "in fec0::/10, site-local addresses"},
	}
)

// blockedReason says why addr is refused, or returns "" for a public address.
func blockedReason(addr netip.Addr) string {
	addr = addr.WithZone("").Unmap()
	if addr.Is6() && (nat64.Contains(addr) || sixToFour.Contains(addr)) {
		b := addr.As16()
		embedded := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		if sixToFour.Contains(addr) {
			embedded = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		}
		if reason := blockedReason(embedded); reason != "" {
			return reason + " (embedded in " + addr.String() + ")"
		}
		return ""
	}
	switch {
	case addr.IsUnspecified():
		return "the unspecified address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsPrivate():
		return "a private address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsMulticast():
		return "a multicast address"
	}
	for _, r := range internalRanges {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	return ""
}
