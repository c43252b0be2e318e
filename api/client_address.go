package api

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddress names the client a request comes from, as the per-client rate limits
// count it. It is the TCP peer, unless the peer is one of the trusted proxies: then
// X-Forwarded-For is read from its right end, where each proxy appended the address it
// saw, skipping the trusted proxies, and the first other address is the client. What
// lies left of that address was written by the client itself and could be anything, so
// it is never read; without trusted proxies the header is not read at all, or anyone
// could pose as anyone.
//
// An IPv6 client counts as its /64: a single host is usually given a whole /64 and could
// otherwise take a fresh address, and a fresh bucket, for every request.
func clientAddress(req *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(req.RemoteAddr)
	if err != nil {
		// Not an IP peer (a Unix socket, a test's made-up address): the peer's name is
		// still one client.
		if req.RemoteAddr == "" {
			return "unknown"
		}
		return req.RemoteAddr
	}
	client := peer.Addr().Unmap().WithZone("")
	if !isTrusted(client, trusted) {
		return addressKey(client)
	}
	entries := forwardedFor(req)
	for i := len(entries) - 1; i >= 0; i-- {
		hop, ok := parseForwardedEntry(entries[i])
		if !ok {
			// A proxy that appends writes addresses; this was written before the
			// trusted hops, so the last trusted hop is all that is known.
			break
		}
		client = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return addressKey(client)
}

// forwardedFor is every X-Forwarded-For entry, across header lines, in order.
func forwardedFor(req *http.Request) []string {
	var entries []string
	for _, line := range req.Header.Values("X-Forwarded-For") {
		entries = append(entries, strings.Split(line, ",")...)
	}
	return entries
}

// parseForwardedEntry reads one X-Forwarded-For entry: an address, or an address and a
// port as some proxies write it.
func parseForwardedEntry(entry string) (netip.Addr, bool) {
	entry = strings.TrimSpace(entry)
	addr, err := netip.ParseAddr(entry)
	if err != nil {
		addrPort, err := netip.ParseAddrPort(entry)
		if err != nil {
			return netip.Addr{}, false
		}
		addr = addrPort.Addr()
	}
	return addr.Unmap().WithZone(""), true
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// addressKey is the bucket key of an address: itself for IPv4, its /64 for IPv6.
func addressKey(addr netip.Addr) string {
	if addr.Is4() {
		return addr.String()
	}
	prefix, err := addr.Prefix(64)
	if err != nil {
		return addr.String()
	}
	return prefix.String()
}
