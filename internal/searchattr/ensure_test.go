package searchattr_test

import (
	"context"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/lumoworkflows/lumo/internal/searchattr"
	"github.com/lumoworkflows/lumo/internal/temporaltest"
	"github.com/lumoworkflows/lumo/workflows"
)

var temporalServer *temporaltest.TemporalServer

func TestMain(m *testing.M) { temporaltest.Main(m, &temporalServer) }

func TestEnsure_AddsMissingAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	c := temporalServer.Client(t)
	ns := temporalServer.Namespace()
	want := map[string]enumspb.IndexedValueType{"LumoTestAdded": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	for name, kind := range workflows.SearchAttributes() {
		want[name] = kind
	}
	for i := range 2 {
		if err := searchattr.Ensure(ctx, c, ns, want); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for name, kind := range want {
		if got := resp.GetCustomAttributes()[name]; got != kind {
			t.Errorf("%s = %v, want %v", name, got, kind)
		}
	}
}

func TestEnsure_RefusesATypeClash(t *testing.T) {
	c := temporalServer.Client(t)
	clash := map[string]enumspb.IndexedValueType{workflows.AttrVersion.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	err := searchattr.Ensure(context.Background(), c, temporalServer.Namespace(), clash)
	if err == nil {
		t.Fatal("a search attribute of another type was accepted")
	}
}
