package egress

import (
	"fmt"
	"net/netip"
	"strings"
)

// AllowList names what the transport may reach although its address is internal: the
// on-premise endpoints of LUMO_SEND_DATA_ALLOW. The zero value allows nothing more.
type AllowList struct {
	// names are lowercase host names, matched exactly against the request's host.
	names []string
	// networks are matched against the address connected to (IPv4-mapped IPv6
	// addresses as their IPv4 form).
	networks []netip.Prefix
}

// ParseAllowList reads a comma-separated list of entries, each a host name
// (billing.corp.example, matched exactly, not its subdomains), an IP address
// (10.1.2.3, ::1 or [::1]) or a network in CIDR notation (10.20.0.0/16, fd00::/8).
// Spaces around entries and empty entries are ignored. A name is allowed whatever it
// resolves to; an address or network, whatever name led to it.
func ParseAllowList(setting string) (AllowList, error) {
	var allow AllowList
	for _, entry := range strings.Split(setting, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		if strings.Contains(entry, "/") {
			prefix, err := netip.ParsePrefix(entry)
			if err != nil {
				return AllowList{}, entryError(entry, "not a network such as 10.20.0.0/16 or fd00::/8")
			}
			allow.networks = append(allow.networks, canonicalPrefix(prefix))
			continue
		}
		// A trailing dot is DNS's root, but "10.0.0.1." is still that address, not a name
		// that would open whatever it resolves to.
		literal := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(entry, "["), "]"), ".")
		if addr, err := netip.ParseAddr(literal); err == nil {
			if addr.Zone() != "" {
				return AllowList{}, entryError(entry, "an address with a zone (%…) names an interface, not a host")
			}
			allow.networks = append(allow.networks, canonicalPrefix(netip.PrefixFrom(addr, addr.BitLen())))
			continue
		}
		name := strings.ToLower(strings.TrimSuffix(entry, "."))
		if !IsHostName(name) {
			return AllowList{}, entryError(entry, "want a host name, an IP address or a network such as 10.0.0.0/8 (no scheme, port or wildcard)")
		}
		allow.names = append(allow.names, name)
	}
	return allow, nil
}

func entryError(entry, why string) error {
	return fmt.Errorf("entry %q: %s", entry, why)
}

// canonicalPrefix writes an IPv4-mapped network as the IPv4 network it is, and masks
// the bits past its length, so matching and String see one form.
func canonicalPrefix(p netip.Prefix) netip.Prefix {
	if addr := p.Addr(); addr.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(addr.Unmap(), p.Bits()-96)
	}
	return p.Masked()
}

// IsEmpty tells whether the list allows nothing.
func (a AllowList) IsEmpty() bool { return len(a.names) == 0 && len(a.networks) == 0 }

// String writes the list as ParseAllowList reads it: names, then networks.
func (a AllowList) String() string {
	entries := append([]string(nil), a.names...)
	for _, p := range a.networks {
		entries = append(entries, p.String())
	}
	return strings.Join(entries, ",")
}

// allowsName tells whether host, as a request names it, is on the list by name.
func (a AllowList) allowsName(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, name := range a.names {
		if name == host {
			return true
		}
	}
	return false
}

// allowsAddr tells whether addr is in a network on the list.
func (a AllowList) allowsAddr(addr netip.Addr) bool {
	addr = addr.WithZone("").Unmap()
	for _, p := range a.networks {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// IsHostName is true for a DNS name: dot-separated labels of ASCII letters, digits and
// "-", each 1 to 63 long and not starting or ending with "-", 253 in all. Both the
// allow-list and the send_data URL rules (package definition) hold names to it.
func IsHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			ch := label[i]
			if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-') {
				return false
			}
		}
	}
	return true
}
