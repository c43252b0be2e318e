package definition

import (
	"net/url"
	"strings"
	"testing"
)

func TestDataURLProblem_AcceptsTemplatesInPathSegmentsAndQueryValues(t *testing.T) {
	for _, ok := range []string{
		"https://hooks.example/lumo",
		"http://hooks.example:8080/lumo?source=line",
		"https://hooks.example",
		"https://HOOKS.example:443/",
		"https://10.1.2.3/hook",
		"https://[2001:db8::1]:8443/hook",
		"https://hooks.example/users/{{friend.lineUserId}}",
		"https://hooks.example/users/{{ friend.lineUserId }}/orders/{{vars.order}}.json",
		"https://hooks.example/hook?user={{friend.lineUserId}}&coupon={{vars.coupon}}&x=",
		"https://hooks.example/hook?user=id-{{friend.lineUserId}}",
		"https://hooks.example/a%20b/c",
	} {
		if problem := DataURLProblem(ok); problem != "" {
			t.Errorf("DataURLProblem(%q) = %q, want none", ok, problem)
		}
	}
}

func TestDataURLProblem_RefusesWhatCouldMoveTheRequest(t *testing.T) {
	cases := []struct{ url, want string }{
		{"{{friend.fields.site}}", "scheme, host and port must be written out"},
		{"{{friend.fields.site}}/hook", "scheme, host and port must be written out"},
		{"https://{{friend.fields.site}}", "scheme, host and port must be written out"},
		{"https://hooks.example{{vars.x}}/hook", "scheme, host and port must be written out"},
		{"https://hooks.example:{{vars.port}}", "scheme, host and port must be written out"},
		{"htt{{vars.p}}://hooks.example/", "scheme, host and port must be written out"},
		{"https://user:pass@hooks.example/", "credentials"},
		{"https://:pass@hooks.example/", "credentials"},
		{"http://hooks.example/{{vars.x}}", "https://"},
		{"https://hooks.example/?{{vars.x}}", "query value"},
		{"https://hooks.example/?a=1&{{vars.x}}=2", "query value"},
		{"https://hooks.example/x#{{vars.x}}", "#fragment"},
		{"https://hooks.example/#", "#fragment"},
		{"https://hooks.example/./x", ". or .. segment"},
		{"https://hooks.example/x/..", ". or .. segment"},
		{"https://hooks.example/x%2F..%2Fy", ". or .. segment"},
		{"https://hooks.example/%zz", "escape"},
		{"ftp://hooks.example/", "http:// or https://"},
		{"hooks.example/hook", "http:// or https://"},
		{"https://", "host"},
		{"https://:443/", "host"},
		{"https://hooks example/", "spaces"},
		{"https://hooks.example/x y", "spaces"},
		{"https://hooks.example/{{vars.x", "unclosed"},
	}
	for _, tc := range cases {
		problem := DataURLProblem(tc.url)
		if !strings.Contains(problem, tc.want) {
			t.Errorf("DataURLProblem(%q) = %q, want it to say %q", tc.url, problem, tc.want)
		}
	}
}

// TestRenderDataURL_AFriendsValueCannotMoveTheRequest renders values a friend could type
// into a question whose answer fills a send_data URL: whatever they type stays inside
// its path segment or query value.
func TestRenderDataURL_AFriendsValueCannotMoveTheRequest(t *testing.T) {
	const template = "https://hooks.example/users/{{friend.fields.site}}/hook?ref={{friend.fields.site}}&src=line"
	for _, typed := range []string{
		"../../admin",
		"..",
		"@evil.example",
		"x@evil.example:80",
		"evil.example/x?y=1#z",
		"//evil.example",
		"https://evil.example/",
		"a&src=forged",
		"%2e%2e",
		"\\evil.example",
		"ünïcode 名前",
		"{{friend.lineUserId}}",
	} {
		rendered := RenderDataURL(template, func(string) (string, bool) { return typed, true })
		u, err := url.Parse(rendered)
		if err != nil {
			t.Errorf("%q: rendered %q does not parse: %v", typed, rendered, err)
			continue
		}
		if u.Scheme != "https" || u.Host != "hooks.example" || u.User != nil || u.Fragment != "" {
			t.Errorf("%q moved the request: %q", typed, rendered)
		}
		segments := strings.Split(u.EscapedPath(), "/")
		if len(segments) != 4 || segments[1] != "users" || segments[3] != "hook" {
			t.Errorf("%q changed the path's segments: %q", typed, u.EscapedPath())
		}
		if got, err := url.PathUnescape(segments[2]); err != nil || got != typed {
			t.Errorf("%q: path segment %q decodes to %q, %v", typed, segments[2], got, err)
		}
		query := u.Query()
		if len(query) != 2 || query.Get("ref") != typed || query.Get("src") != "line" {
			t.Errorf("%q changed the query: %q", typed, u.RawQuery)
		}
	}
}

func TestRenderDataURL_UnknownNamesRenderEmptyAndLiteralsStay(t *testing.T) {
	got := RenderDataURL("https://hooks.example/a%20b/{{vars.x}}?q={{vars.y}}", func(name string) (string, bool) {
		return "v 1", name == "vars.x"
	})
	if want := "https://hooks.example/a%20b/v%201?q="; got != want {
		t.Fatalf("RenderDataURL = %q, want %q", got, want)
	}
}

// FuzzDataURLProblem checks the send_data URL validator against the renderer: for any
// template it accepts, and any value, the rendered URL parses, keeps the template's
// scheme and host, carries no credentials or fragment, and is accepted again.
func FuzzDataURLProblem(f *testing.F) {
	for _, seed := range []string{
		"https://hooks.example/users/{{friend.lineUserId}}?ref={{vars.x}}",
		"https://hooks.example:8443/{{vars.x}}{{vars.y}}/z",
		"https://{{vars.x}}/",
		"http://hooks.example/a",
		"https://user@hooks.example/",
		"https://[::1]/x?a={{vars.x}}",
		"https://hooks.example/%2e/x",
	} {
		f.Add(seed, "../@evil.example:1/x?y#z")
	}
	f.Fuzz(func(t *testing.T, template, value string) {
		if DataURLProblem(template) != "" {
			return
		}
		origin, err := url.Parse(RenderDataURL(template, func(string) (string, bool) { return "x", true }))
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", template, err)
		}
		rendered := RenderDataURL(template, func(string) (string, bool) { return value, true })
		u, err := url.Parse(rendered)
		if err != nil {
			t.Fatalf("%q with %q rendered %q, which does not parse: %v", template, value, rendered, err)
		}
		if u.Scheme != origin.Scheme || u.Host != origin.Host || u.User != nil || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("%q with %q rendered %q: the origin moved from %s://%s", template, value, rendered, origin.Scheme, origin.Host)
		}
		if strings.Contains(template, "{{") && u.Scheme != "https" {
			t.Fatalf("accepted %q: a template over %s", template, u.Scheme)
		}
		if problem := DataURLProblem(rendered); problem != "" && !strings.Contains(problem, ". or .. segment") {
			t.Fatalf("%q with %q rendered %q, refused: %s", template, value, rendered, problem)
		}
	})
}
