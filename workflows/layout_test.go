package workflows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestLayout_WorkflowCodeReachesNoStoreOrClient keeps this package what its doc says it
// is: code that runs inside Temporal workflows. That code must be deterministic, so it
// may use the models package's plain data types but never the Store, gorm, the network
// or a Temporal client: those belong in activities, or in package engine on the client
// side.
func TestLayout_WorkflowCodeReachesNoStoreOrClient(t *testing.T) {
	forbiddenImports := []string{
		"go.temporal.io/sdk/client",
		"gorm.io/gorm",
		"net/http",
		"database/sql",
		"github.com/lumoworkflows/lumo/engine",
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			for _, forbidden := range forbiddenImports {
				if path == forbidden {
					t.Errorf("%s imports %s: workflow code must not reach it", name, path)
				}
			}
		}
		full, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(full, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "models" && sel.Sel.Name == "Store" {
				t.Errorf("%s: %s uses models.Store: workflow code must read and write through activities", name, fset.Position(sel.Pos()))
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no workflow source files found: the test ran in the wrong directory")
	}
}
