package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads a comma-separated list of IP addresses and CIDR ranges
// ("10.0.0.0/8, 192.0.2.7, ::1"): the proxies whose X-Forwarded-For the API believes.
// An address is a range of one; IPv4-mapped IPv6 addresses are taken as IPv4, as the
// API sees its peers.
func ParseTrustedProxies(raw string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, entry := range strings.Split(raw, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		prefix, err := parseProxy(entry)
		if err != nil {
			return nil, err
		}
		out = append(out, prefix)
	}
	return out, nil
}

func parseProxy(entry string) (netip.Prefix, error) {
	bad := fmt.Errorf("%q: want an IP address or a CIDR range such as 10.0.0.0/8", entry)
	if strings.Contains(entry, "%") {
		return netip.Prefix{}, fmt.Errorf("%q: an address with a zone cannot be a trusted proxy", entry)
	}
	if !strings.Contains(entry, "/") {
		addr, err := netip.ParseAddr(entry)
		if err != nil {
			return netip.Prefix{}, bad
		}
		addr = addr.Unmap()
		return netip.PrefixFrom(addr, addr.BitLen()), nil
	}
	prefix, err := netip.ParsePrefix(entry)
	if err != nil {
		return netip.Prefix{}, bad
	}
	if addr := prefix.Addr(); addr.Is4In6() {
		// ::ffff:10.0.0.0/104 is 10.0.0.0/8.
		if prefix.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped range needs at least 96 bits", entry)
		}
		prefix = netip.PrefixFrom(addr.Unmap(), prefix.Bits()-96)
	}
	return prefix.Masked(), nil
}

// FormatTrustedProxies writes proxies as ParseTrustedProxies reads them.
func FormatTrustedProxies(proxies []netip.Prefix) string {
	parts := make([]string, len(proxies))
	for i, p := range proxies {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}
