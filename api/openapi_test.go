package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/api"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/definition"
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

// The definition language is documented in components/schemas: every step kind and every
// trigger type the language knows has its schema in the discriminator, and nothing else.
func TestOpenAPI_DocumentsEveryStepKindAndTriggerType(t *testing.T) {
	doc := openAPIDocument(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for schema, want := range map[string][]string{
		"Node":    definition.Kinds(),
		"Trigger": definition.TriggerTypes(),
	} {
		s, _ := schemas[schema].(map[string]any)
		discriminator, _ := s["discriminator"].(map[string]any)
		mapping, _ := discriminator["mapping"].(map[string]any)
		var documented []string
		for name := range mapping {
			documented = append(documented, name)
		}
		slices.Sort(documented)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(documented, want) {
			t.Errorf("%s discriminator documents %v; the language has %v", schema, documented, want)
		}
	}
}

// Every example of a WorkflowDefinition request body is a definition without problems.
func TestOpenAPI_DefinitionExamplesAreValid(t *testing.T) {
	doc := openAPIDocument(t)
	found := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			media := asMap(asMap(asMap(asMap(op)["requestBody"])["content"])["application/json"])
			if asMap(media["schema"])["$ref"] != "#/components/schemas/WorkflowDefinition" {
				continue
			}
			examples := map[string]any{}
			if example, ok := media["example"]; ok {
				examples["example"] = example
			}
			for name, e := range asMap(media["examples"]) {
				examples[name] = asMap(e)["value"]
			}
			for name, example := range examples {
				found++
				raw, err := json.Marshal(example)
				if err != nil {
					t.Fatal(err)
				}
				if _, problems := definition.Parse(raw, definition.DefaultLimits); len(problems) > 0 {
					t.Errorf("%s %s, example %s: %v", strings.ToUpper(method), path, name, problems)
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no WorkflowDefinition examples found")
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
