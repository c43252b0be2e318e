package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/internal/testenv"
)

// openAPIDocument fetches /openapi.json as a generic JSON tree.
func openAPIDocument(t *testing.T) map[string]any {
	t.Helper()
	a := newTestAPI(t, testenv.SQLite(t))
	res := a.do(http.MethodGet, "/openapi.json", "", "")
	res.wantStatus(t, http.StatusOK)
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var doc map[string]any
	res.decode(t, &doc)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi = %v, want 3.1.x", doc["openapi"])
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

var pathParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func TestOpenAPI_DocumentsExactlyTheRoutes(t *testing.T) {
	doc := openAPIDocument(t)

	var documented []string
	for path, item := range doc["paths"].(map[string]any) {
		for key := range item.(map[string]any) {
			if slices.Contains(httpMethods, key) {
				documented = append(documented, strings.ToUpper(key)+" "+path)
			}
		}
	}

	// No database is touched by registering routes.
	e := api.New(api.Deps{Config: config.Config{}})
	var registered []string
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound { // echo's catch-alls for group middleware
			continue
		}
		registered = append(registered, r.Method+" "+pathParam.ReplaceAllString(r.Path, "{$1}"))
	}

	for _, route := range registered {
		if !slices.Contains(documented, route) {
			t.Errorf("route %s is not in openapi.json", route)
		}
	}
	for _, route := range documented {
		if !slices.Contains(registered, route) {
			t.Errorf("openapi.json documents %s, which is not a route", route)
		}
	}
}

func TestOpenAPI_EveryReferenceResolves(t *testing.T) {
	doc := openAPIDocument(t)
	var walk func(node any, where string)
	walk = func(node any, where string) {
		switch n := node.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				if _, err := resolve(doc, ref); err != "" {
					t.Errorf("%s: $ref %q: %s", where, ref, err)
				}
			}
			for k, v := range n {
				walk(v, where+"/"+k)
			}
		case []any:
			for _, v := range n {
				walk(v, where+"[]")
			}
		}
	}
	walk(doc, "#")
}

func resolve(doc map[string]any, ref string) (any, string) {
	pointer, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, "only local references are used"
	}
	var node any = doc
	for _, part := range strings.Split(pointer, "/") {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, "walks into a non-object at " + part
		}
		if node, ok = m[part]; !ok {
			return nil, "no " + part
		}
	}
	return node, ""
}

func TestOpenAPI_EveryV1OperationNeedsTheKeyAndOthersDoNot(t *testing.T) {
	doc := openAPIDocument(t)
	schemes := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	if bearer, _ := schemes["bearerAuth"].(map[string]any); bearer["scheme"] != "bearer" {
		t.Fatalf("bearerAuth = %v", schemes["bearerAuth"])
	}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			security, overridden := op.(map[string]any)["security"]
			public := overridden && len(security.([]any)) == 0
			if strings.HasPrefix(path, "/v1/") == public {
				t.Errorf("%s %s: public = %v", strings.ToUpper(method), path, public)
			}
		}
	}
}
