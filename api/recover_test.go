package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

func TestRecover_PanickingHandlerIs500AndLoggedWithStack(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	a.echo.GET("/test/panic", func(echo.Context) error { panic("secret internal detail") })

	res := a.do(http.MethodGet, "/test/panic", "", "")
	got := res.wantError(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(res.body), "secret internal detail") {
		t.Errorf("the panic leaked into the response: %s", res.body)
	}
	if got.Message != "internal server error" {
		t.Errorf("message = %q", got.Message)
	}

	panics := a.logs.records(t, "handler panicked")
	if len(panics) != 1 {
		t.Fatalf("want one panic log line, got %d:\n%s", len(panics), a.logs)
	}
	if panics[0]["panic"] != "secret internal detail" || !strings.Contains(panics[0]["stack"].(string), "recover_test.go") {
		t.Errorf("panic log line lacks the panic or its stack: %v", panics[0])
	}
	if panics[0]["request_id"] != res.header.Get("X-Request-Id") {
		t.Errorf("panic log request_id = %v, response X-Request-Id = %q", panics[0]["request_id"], res.header.Get("X-Request-Id"))
	}

	// The server goes on serving.
	a.do(http.MethodGet, "/healthz", "", "").wantStatus(t, http.StatusOK)
}
