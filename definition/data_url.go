package definition

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/lumoworkflows/lumo/internal/egress"
)

// A send_data step's URL says where a signed request carrying a friend's data goes, so
// its origin (scheme, host and port) is the marketer's and is written out. Placeholders
// may fill path segments and query values only, and only under https://; the value a
// placeholder renders to (perhaps what a friend typed) is percent-encoded, so it stays
// inside its segment or value: it cannot add a "/", "?", "#" or "@", nor name a host.
//
//	https://crm.example/contacts/{{friend.lineUserId}}?coupon={{vars.coupon}}
//
// The same checks run twice: here, on the template, when a definition is validated; and
// in the send_data activity, on the URL as rendered (a ".." that a value spells out as a
// whole segment is refused there).

// Problems DataURLProblem reports, named so a message can be recognised.
const (
	dataURLOriginProblem = "the scheme, host and port must be written out: {{…}} may fill only path segments and query values"
	dataURLDotProblem    = "must not have a . or .. segment in its path"
)

// dataURLMarker stands for a placeholder while a template's structure is read: a byte
// the literal text may not hold.
const dataURLMarker = "\x00"

// DataURLProblem says what is wrong with a send_data URL, a template or a rendered one,
// or returns "" when it is fine (and for "": required says whether it may be empty).
func DataURLProblem(template string) string {
	if template == "" {
		return ""
	}
	found, unclosed := scanPlaceholders(template)
	if unclosed >= 0 {
		return unclosedMessage(template, unclosed)
	}
	if strings.Contains(template, dataURLMarker) {
		return "must not have spaces or control characters (write a space in a path as %20)"
	}
	var b strings.Builder
	last := 0
	for _, p := range found {
		b.WriteString(template[last:p.start])
		b.WriteString(dataURLMarker)
		last = p.end
	}
	b.WriteString(template[last:])
	skeleton := b.String()
	if strings.ContainsFunc(skeleton, func(r rune) bool {
		return r != 0 && (unicode.IsSpace(r) || unicode.IsControl(r))
	}) {
		return "must not have spaces or control characters (write a space in a path as %20)"
	}

	scheme, rest, ok := strings.Cut(skeleton, "://")
	if strings.Contains(scheme, dataURLMarker) {
		return dataURLOriginProblem
	}
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") {
		return "must be an http:// or https:// URL"
	}
	authorityEnd := strings.IndexAny(rest, "/?#")
	if authorityEnd < 0 {
		authorityEnd = len(rest)
	}
	authority, tail := rest[:authorityEnd], rest[authorityEnd:]
	if strings.Contains(authority, dataURLMarker) {
		return dataURLOriginProblem
	}
	if strings.Contains(authority, "@") {
		return "must not carry credentials (user:password@): the receiver checks the request's signature instead"
	}
	if problem := dataURLHostProblem(scheme, authority); problem != "" {
		return problem
	}
	if len(found) > 0 && scheme != "https" {
		return "must start with https:// to hold {{…}}: a friend's data in the URL travels encrypted"
	}

	pathAndQuery, _, hasFragment := strings.Cut(tail, "#")
	if hasFragment {
		return "must not have a #fragment: it is never sent"
	}
	path, query, _ := strings.Cut(pathAndQuery, "?")
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return "has a % escape in its path that is not % and two hexadecimal digits"
	}
	for _, segment := range strings.Split(decoded, "/") {
		if segment == "." || segment == ".." {
			return dataURLDotProblem
		}
	}
	if query != "" {
		for _, pair := range strings.Split(query, "&") {
			name, _, _ := strings.Cut(pair, "=")
			if strings.Contains(name, dataURLMarker) {
				return "{{…}} may fill a query value (name={{…}}), not a query parameter's name"
			}
		}
	}
	if _, err := url.Parse(strings.ReplaceAll(skeleton, dataURLMarker, "x")); err != nil {
		return "is not a URL"
	}
	return ""
}

// dataURLHostProblem checks the authority of a send_data URL: a host name or an IP
// address, and an optional port.
func dataURLHostProblem(scheme, authority string) string {
	u, err := url.Parse(scheme + "://" + authority)
	if err != nil || u.Hostname() == "" {
		return "must name a host: https://host[:port]/path"
	}
	if port := u.Port(); port != "" || strings.HasSuffix(authority, ":") {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "must have a port from 1 to 65535, or none"
		}
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return fmt.Sprintf("must not name a network interface (%%%s) in its host", addr.Zone())
		}
		return ""
	}
	if !egress.IsHostName(strings.TrimSuffix(host, ".")) {
		return fmt.Sprintf("must name a host: %q is not a host name (letters, digits, - and .)", host)
	}
	return ""
}

// RenderDataURL fills the placeholders of a send_data URL, percent-encoding each value
// so it stays inside the path segment or query value it fills. Like Render, a name
// lookup does not know renders empty and an unclosed "{{" stays as written.
func RenderDataURL(template string, lookup func(name string) (string, bool)) string {
	return Render(template, func(name string) (string, bool) {
		v, ok := lookup(name)
		return escapeDataURLValue(v), ok
	})
}

// escapeDataURLValue percent-encodes every byte of s but RFC 3986's unreserved ones
// (letters, digits, "-", ".", "_", "~"): stricter than url.PathEscape, which leaves
// "@", ":", "&" and "=" as they are, and than url.QueryEscape, which writes a space as
// "+" (a path would keep it as a plus).
func escapeDataURLValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' ||
			ch == '-' || ch == '.' || ch == '_' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&0x0F])
	}
	return b.String()
}
