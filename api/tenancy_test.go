package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// ownedObjects are workspace A's objects that the tenancy cases point at.
type ownedObjects struct {
	lineAccountID string
	// Workflows, one per role, so that A's own calls all succeed in any order: an active
	// one with version 1, one to pause, one to stop, a valid draft to activate, and a
	// draft to archive and one to delete.
	workflowID, toPause, toStop, toActivate, toArchive, toDelete string
	// autoMessageID is an auto message no workflow sends; secretName names a secret.
	autoMessageID, secretName string
	// executionID is a running execution of workflowID; friendID is its friend.
	executionID, friendID string
	// qrCodeID is a QR code no workflow's trigger names, of A's LINE account
	// qrAccountID: not lineAccountID, whose DELETE would delete the code with it.
	qrCodeID, qrAccountID string
	// apiKeyID is a second key of A's, so that A may revoke it.
	apiKeyID string
	// segmentID is a segment in no folder; segmentFolderID an empty folder, so that A
	// may delete it.
	segmentID, segmentFolderID string
	// broadcastID is a running broadcast of A's to segmentID.
	broadcastID string
}

// needsEngine are the routes that call the Engine, which the tenancy test runs without:
// with A's key they get as far as the engine and answer 503 (after finding A's object).
var needsEngine = map[string]bool{
	"POST /v1/workflows/:id/executions": true,
	"POST /v1/workflows/:id/test":       true,
	"POST /v1/executions/:id/stop":      true,
	"POST /v1/executions/:id/replies":   true,
	// Likewise LINE, for test sends.
	"POST /v1/auto-messages/:id/test": true,
	// Broadcasts start, stop and resume through Temporal.
	"POST /v1/broadcasts/:id/cancel":   true,
	"POST /v1/broadcasts/:id/resume":   true,
	"POST /v1/segments/:id/broadcasts": true,
}

// tenancyCases says, for every /v1 route with a path parameter, how to call it on
// workspace A's objects: the path with A's IDs filled in, and a valid body if it takes
// one. A route missing here fails TestTenancy_OtherWorkspaceGets404OnEveryRouteWithAnID,
// so a new route cannot ship without its tenancy check.
var tenancyCases = map[string]func(a ownedObjects) (path, body string){
	"GET /v1/auto-messages/:id": func(a ownedObjects) (string, string) {
		return "/v1/auto-messages/" + a.autoMessageID, ""
	},
	"PUT /v1/auto-messages/:id": func(a ownedObjects) (string, string) {
		return "/v1/auto-messages/" + a.autoMessageID, `{"name": "Taken over", "messages": [{"type": "text", "text": "Hi"}]}`
	},
	"DELETE /v1/auto-messages/:id": func(a ownedObjects) (string, string) {
		return "/v1/auto-messages/" + a.autoMessageID, ""
	},
	"POST /v1/auto-messages/:id/preview": func(a ownedObjects) (string, string) {
		return "/v1/auto-messages/" + a.autoMessageID + "/preview", `{"friendId": "` + a.friendID + `"}`
	},
	"POST /v1/auto-messages/:id/test": func(a ownedObjects) (string, string) {
		return "/v1/auto-messages/" + a.autoMessageID + "/test", `{"friendId": "` + a.friendID + `"}`
	},
	"GET /v1/qr-codes/:id": func(a ownedObjects) (string, string) {
		return "/v1/qr-codes/" + a.qrCodeID, ""
	},
	"PUT /v1/qr-codes/:id": func(a ownedObjects) (string, string) {
		return "/v1/qr-codes/" + a.qrCodeID, `{"name": "Taken over", "lineAccountId": "` + a.qrAccountID + `"}`
	},
	"DELETE /v1/qr-codes/:id": func(a ownedObjects) (string, string) {
		return "/v1/qr-codes/" + a.qrCodeID, ""
	},
	"GET /v1/qr-codes/:id/image.png": func(a ownedObjects) (string, string) {
		return "/v1/qr-codes/" + a.qrCodeID + "/image.png", ""
	},
	"PUT /v1/secrets/:name": func(a ownedObjects) (string, string) {
		return "/v1/secrets/" + a.secretName, `{"value": "a-value"}`
	},
	"DELETE /v1/secrets/:name": func(a ownedObjects) (string, string) {
		return "/v1/secrets/" + a.secretName, ""
	},
	"GET /v1/line-accounts/:id": func(a ownedObjects) (string, string) {
		return "/v1/line-accounts/" + a.lineAccountID, ""
	},
	"PATCH /v1/line-accounts/:id": func(a ownedObjects) (string, string) {
		return "/v1/line-accounts/" + a.lineAccountID, `{"name": "Taken over", "channelAccessToken": "stolen"}`
	},
	"DELETE /v1/line-accounts/:id": func(a ownedObjects) (string, string) {
		return "/v1/line-accounts/" + a.lineAccountID, ""
	},
	"GET /v1/line-accounts/:id/rejected-events": func(a ownedObjects) (string, string) {
		return "/v1/line-accounts/" + a.lineAccountID + "/rejected-events", ""
	},
	"GET /v1/workflows/:id": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID, ""
	},
	"PUT /v1/workflows/:id": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID, `{"name": "Taken over", "trigger": {"type": "manual"}, "start": "x", "nodes": []}`
	},
	"DELETE /v1/workflows/:id": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.toDelete, ""
	},
	"POST /v1/workflows/:id/activate": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.toActivate + "/activate", ""
	},
	"POST /v1/workflows/:id/pause": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.toPause + "/pause", ""
	},
	"POST /v1/workflows/:id/stop": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.toStop + "/stop", ""
	},
	"POST /v1/workflows/:id/archive": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.toArchive + "/archive", ""
	},
	"POST /v1/workflows/:id/clone": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID + "/clone", ""
	},
	"GET /v1/workflows/:id/export": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID + "/export", ""
	},
	"GET /v1/workflows/:id/versions": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID + "/versions", ""
	},
	"GET /v1/workflows/:id/versions/:version": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID + "/versions/1", ""
	},
	"POST /v1/workflows/:id/test": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.toActivate + "/test", `{"lineUserId": "U0123456789abcdef0123456789abcdef"}`
	},
	"POST /v1/workflows/:id/executions": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID + "/executions", `{"lineUserId": "U0123456789abcdef0123456789abcdef"}`
	},
	"GET /v1/workflows/:id/executions": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID + "/executions", ""
	},
	"GET /v1/workflows/:id/stats": func(a ownedObjects) (string, string) {
		return "/v1/workflows/" + a.workflowID + "/stats", ""
	},
	"GET /v1/executions/:id": func(a ownedObjects) (string, string) {
		return "/v1/executions/" + a.executionID, ""
	},
	"POST /v1/executions/:id/stop": func(a ownedObjects) (string, string) {
		return "/v1/executions/" + a.executionID + "/stop", ""
	},
	"POST /v1/executions/:id/replies": func(a ownedObjects) (string, string) {
		return "/v1/executions/" + a.executionID + "/replies", `{"text": "Coffee"}`
	},
	"GET /v1/friends/:id": func(a ownedObjects) (string, string) {
		return "/v1/friends/" + a.friendID, ""
	},
	"POST /v1/friends/:id/tags": func(a ownedObjects) (string, string) {
		return "/v1/friends/" + a.friendID + "/tags", `{"tag": "vip"}`
	},
	"DELETE /v1/friends/:id/tags/:tag": func(a ownedObjects) (string, string) {
		return "/v1/friends/" + a.friendID + "/tags/vip", ""
	},
	"DELETE /v1/api-keys/:id": func(a ownedObjects) (string, string) {
		return "/v1/api-keys/" + a.apiKeyID, ""
	},
	"GET /v1/segments/:id": func(a ownedObjects) (string, string) {
		return "/v1/segments/" + a.segmentID, ""
	},
	"PUT /v1/segments/:id": func(a ownedObjects) (string, string) {
		return "/v1/segments/" + a.segmentID, `{"name": "Taken over"}`
	},
	"DELETE /v1/segments/:id": func(a ownedObjects) (string, string) {
		return "/v1/segments/" + a.segmentID, ""
	},
	"GET /v1/segments/:id/preview": func(a ownedObjects) (string, string) {
		return "/v1/segments/" + a.segmentID + "/preview", ""
	},
	"PUT /v1/segment-folders/:id": func(a ownedObjects) (string, string) {
		return "/v1/segment-folders/" + a.segmentFolderID, `{"name": "Taken over"}`
	},
	"DELETE /v1/segment-folders/:id": func(a ownedObjects) (string, string) {
		return "/v1/segment-folders/" + a.segmentFolderID, ""
	},
	"GET /v1/broadcasts/:id": func(a ownedObjects) (string, string) {
		return "/v1/broadcasts/" + a.broadcastID, ""
	},
	"POST /v1/broadcasts/:id/cancel": func(a ownedObjects) (string, string) {
		return "/v1/broadcasts/" + a.broadcastID + "/cancel", ""
	},
	"POST /v1/broadcasts/:id/resume": func(a ownedObjects) (string, string) {
		return "/v1/broadcasts/" + a.broadcastID + "/resume", ""
	},
	"POST /v1/segments/:id/broadcasts": func(a ownedObjects) (string, string) {
		return "/v1/segments/" + a.segmentID + "/broadcasts", `{"lineAccountId": "` + a.lineAccountID + `", "messages": [{"type": "text", "text": "Sale"}]}`
	},
}

// routesWithIDs lists "METHOD /path" of every registered /v1 route with a path
// parameter, DELETEs last so that they run after the others have used the objects.
func routesWithIDs(e *echo.Echo) []string {
	var routes []string
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || !strings.HasPrefix(r.Path, "/v1/") || !strings.Contains(r.Path, ":") {
			continue
		}
		routes = append(routes, r.Method+" "+r.Path)
	}
	slices.SortFunc(routes, func(x, y string) int {
		xDel, yDel := strings.HasPrefix(x, "DELETE "), strings.HasPrefix(y, "DELETE ")
		switch {
		case xDel && !yDel:
			return 1
		case yDel && !xDel:
			return -1
		}
		return strings.Compare(x, y)
	})
	return routes
}

func TestTenancy_OtherWorkspaceGets404OnEveryRouteWithAnID(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		wsA, keyA := a.workspace("a")
		_, keyB := a.workspace("b")
		accountA := a.createAccount(keyA, "A's account", "1650000000").ID
		objects := ownedObjects{
			lineAccountID: accountA,
			workflowID:    a.activeWorkflow(keyA, "A's workflow", accountA).ID,
			toPause:       a.activeWorkflow(keyA, "A's to pause", accountA).ID,
			toStop:        a.activeWorkflow(keyA, "A's to stop", accountA).ID,
			toActivate:    a.createWorkflow(keyA, welcomeDefinition("A's to activate", accountA)).ID,
			toArchive:     a.createWorkflow(keyA, welcomeDefinition("A's to archive", accountA)).ID,
			toDelete:      a.createWorkflow(keyA, welcomeDefinition("A's to delete", accountA)).ID,
		}
		run := a.execution(wsA, accountA, objects.workflowID, lineUser(1), false)
		objects.executionID, objects.friendID = run.ID, run.FriendID
		objects.autoMessageID = a.createAutoMessage(keyA, "A's auto message").ID
		objects.qrAccountID = a.createAccount(keyA, "A's QR account", "1650000002").ID
		objects.qrCodeID = a.createQRCode(keyA, "A's QR code", objects.qrAccountID).ID
		objects.secretName = a.putSecret(keyA, "signing", "a-value").Name
		objects.apiKeyID = a.createAPIKey(keyA, "A's second key").ID
		objects.segmentID = a.createSegment(keyA, "A's segment", tagSegment("vip")).ID
		objects.segmentFolderID = a.createSegmentFolder(keyA, "A's folder").ID
		broadcast, err := a.store.CreateBroadcast(context.Background(), wsA, models.BroadcastInput{
			LineAccountID: accountA, SegmentID: objects.segmentID, Messages: []byte(`[{"type":"text","text":"Sale"}]`),
		})
		if err != nil {
			t.Fatal(err)
		}
		objects.broadcastID = broadcast.ID
		// B has objects of its own, so B is not just an empty workspace.
		a.createAccount(keyB, "B's account", "1650000001")

		routes := routesWithIDs(a.echo)
		if len(routes) == 0 {
			t.Fatal("no /v1 routes with a path parameter: is routing broken?")
		}
		for _, route := range routes {
			if _, ok := tenancyCases[route]; !ok {
				t.Errorf("route %s has no entry in tenancyCases: add one that calls it on workspace A's object", route)
			}
		}
		for route := range tenancyCases {
			if !slices.Contains(routes, route) {
				t.Errorf("tenancyCases has %s, which is not a route any more", route)
			}
		}

		// B's key: every route answers 404, as if A's object did not exist.
		for _, route := range routes {
			call, ok := tenancyCases[route]
			if !ok {
				continue
			}
			method, _, _ := strings.Cut(route, " ")
			path, body := call(objects)
			if namedByCaller[route] {
				continue // B's call names B's own object: checkNamedByCaller, below
			}
			got := a.do(method, path, keyB, body).wantError(t, http.StatusNotFound, "not_found")
			_ = got
		}
		// Nothing B did touched A's object.
		var account lineAccount
		res := a.do(http.MethodGet, "/v1/line-accounts/"+objects.lineAccountID, keyA, "")
		res.wantStatus(t, http.StatusOK)
		res.decode(t, &account)
		if account.Name != "A's account" {
			t.Errorf("B changed A's account: %+v", account)
		}

		checkNamedByCaller(t, a, wsA, keyB, objects)

		// A's key: the same calls reach the object, so the 404s above were tenancy, not a
		// wrong path in the table.
		for _, route := range routes {
			call, ok := tenancyCases[route]
			if !ok {
				continue
			}
			method, _, _ := strings.Cut(route, " ")
			path, body := call(objects)
			res := a.do(method, path, keyA, body)
			if needsEngine[route] && res.status == http.StatusServiceUnavailable {
				continue
			}
			if res.status >= 300 {
				t.Errorf("%s with A's own key: status %d, body %s", route, res.status, res.body)
			}
		}
	})
}
