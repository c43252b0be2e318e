package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// qrCode is a QR code as the API returns it.
type qrCode struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	LineAccountID string    `json:"lineAccountId"`
	WorkflowID    *string   `json:"workflowId"`
	Campaign      string    `json:"campaign"`
	ScanCount     int64     `json:"scanCount"`
	ScanURL       string    `json:"scanUrl"`
	ImageURL      string    `json:"imageUrl"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// createQRCode saves a QR code for the LINE account and returns it.
func (a *testAPI) createQRCode(key, name, lineAccountID string) qrCode {
	a.t.Helper()
	res := a.do(http.MethodPost, "/v1/qr-codes", key, fmt.Sprintf(`{"name": %q, "lineAccountId": %q}`, name, lineAccountID))
	res.wantStatus(a.t, http.StatusCreated)
	var q qrCode
	res.decode(a.t, &q)
	return q
}

func (a *testAPI) getQRCode(key, id string) qrCode {
	a.t.Helper()
	res := a.do(http.MethodGet, "/v1/qr-codes/"+id, key, "")
	res.wantStatus(a.t, http.StatusOK)
	var q qrCode
	res.decode(a.t, &q)
	return q
}

// scan opens a scan link as a phone would, without following the redirect.
func (a *testAPI) scan(path string) response {
	a.t.Helper()
	return a.scanWith(path, nil)
}

// scanWith is scan with extra request headers.
func (a *testAPI) scanWith(path string, header http.Header) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	client := *a.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: body.Bytes()}
}

func TestQRCodes_CreateReadReplaceDelete(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		other := a.createAccount(key, "Other shop", "1650000001")
		w := a.createWorkflow(key, welcomeDefinition("Welcome", account.ID))

		res := a.do(http.MethodPost, "/v1/qr-codes", key, fmt.Sprintf(
			`{"name": "Table tent", "lineAccountId": %q, "workflowId": %q, "campaign": "spring"}`, account.ID, w.ID))
		res.wantStatus(t, http.StatusCreated)
		var created qrCode
		res.decode(t, &created)
		if created.ID == "" || created.Name != "Table tent" || created.LineAccountID != account.ID ||
			created.WorkflowID == nil || *created.WorkflowID != w.ID || created.Campaign != "spring" || created.ScanCount != 0 ||
			created.CreatedAt.IsZero() {
			t.Fatalf("created = %+v", created)
		}
		if want := publicURL + "/q/" + created.ID; created.ScanURL != want {
			t.Errorf("scanUrl = %q, want %q", created.ScanURL, want)
		}
		if want := publicURL + "/v1/qr-codes/" + created.ID + "/image.png"; created.ImageURL != want {
			t.Errorf("imageUrl = %q, want %q", created.ImageURL, want)
		}
		if got := a.getQRCode(key, created.ID); !reflect.DeepEqual(got, created) {
			t.Fatalf("get = %+v, want %+v", got, created)
		}

		// PUT replaces everything: absent workflowId and campaign are cleared.
		put := a.do(http.MethodPut, "/v1/qr-codes/"+created.ID, key, fmt.Sprintf(`{"name": "Flyer", "lineAccountId": %q}`, other.ID))
		put.wantStatus(t, http.StatusOK)
		var replaced qrCode
		put.decode(t, &replaced)
		if replaced.Name != "Flyer" || replaced.LineAccountID != other.ID || replaced.WorkflowID != nil || replaced.Campaign != "" ||
			!replaced.CreatedAt.Equal(created.CreatedAt) || replaced.ScanURL != created.ScanURL {
			t.Fatalf("replaced = %+v", replaced)
		}

		second := a.createQRCode(key, "Poster", account.ID)
		var page struct {
			Items      []qrCode `json:"items"`
			NextCursor string   `json:"nextCursor"`
		}
		list := a.do(http.MethodGet, "/v1/qr-codes?limit=1", key, "")
		list.wantStatus(t, http.StatusOK)
		list.decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != second.ID || page.NextCursor == "" {
			t.Fatalf("first page = %+v", page)
		}
		list = a.do(http.MethodGet, "/v1/qr-codes?limit=1&cursor="+page.NextCursor, key, "")
		list.wantStatus(t, http.StatusOK)
		page.Items = nil
		list.decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != created.ID || page.NextCursor != "" {
			t.Fatalf("second page = %+v", page)
		}

		a.do(http.MethodDelete, "/v1/qr-codes/"+created.ID, key, "").wantStatus(t, http.StatusNoContent)
		a.do(http.MethodGet, "/v1/qr-codes/"+created.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodDelete, "/v1/qr-codes/"+created.ID, key, "").wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodPut, "/v1/qr-codes/"+created.ID, key, fmt.Sprintf(`{"name": "x", "lineAccountId": %q}`, account.ID)).
			wantError(t, http.StatusNotFound, "not_found")
		a.do(http.MethodGet, "/v1/qr-codes/"+created.ID+"/image.png", key, "").wantError(t, http.StatusNotFound, "not_found")
		if res := a.scan("/q/" + created.ID); res.status != http.StatusNotFound {
			t.Errorf("scan of a deleted code: %d %s", res.status, res.body)
		}
	})
}

func TestQRCodes_BadInput(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	_, otherKey := a.workspace("other")
	account := a.createAccount(key, "Shop", "1650000000")
	theirs := a.createAccount(otherKey, "Theirs", "1650000009")
	theirWorkflow := a.createWorkflow(otherKey, welcomeDefinition("Theirs", theirs.ID))

	cases := []struct {
		name   string
		body   string
		status int
		fields map[string]string
	}{
		{"malformed", `{"name": "x",`, http.StatusBadRequest, nil},
		{"nothing", `{}`, http.StatusUnprocessableEntity, map[string]string{"name": "required", "lineAccountId": "required"}},
		{"two-line name", `{"name": "a\nb", "lineAccountId": "` + account.ID + `"}`, http.StatusUnprocessableEntity, map[string]string{"name": "line breaks"}},
		{"long campaign", `{"name": "x", "lineAccountId": "` + account.ID + `", "campaign": "` + strings.Repeat("c", 101) + `"}`,
			http.StatusUnprocessableEntity, map[string]string{"campaign": "at most 100"}},
		{"blank workflow", `{"name": "x", "lineAccountId": "` + account.ID + `", "workflowId": " "}`,
			http.StatusUnprocessableEntity, map[string]string{"workflowId": "blank"}},
		{"unknown field", `{"name": "x", "lineAccountId": "` + account.ID + `", "colour": "red"}`,
			http.StatusUnprocessableEntity, map[string]string{"colour": "unknown field"}},
		{"another workspace's account", `{"name": "x", "lineAccountId": "` + theirs.ID + `"}`,
			http.StatusUnprocessableEntity, map[string]string{"lineAccountId": "no LINE account"}},
		{"another workspace's workflow", `{"name": "x", "lineAccountId": "` + account.ID + `", "workflowId": "` + theirWorkflow.ID + `"}`,
			http.StatusUnprocessableEntity, map[string]string{"workflowId": "no workflow"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := map[int]string{http.StatusBadRequest: "malformed_json", http.StatusUnprocessableEntity: "validation_failed"}[tc.status]
			got := a.do(http.MethodPost, "/v1/qr-codes", key, tc.body).wantError(t, tc.status, code)
			for path, want := range tc.fields {
				if !strings.Contains(got.Fields[path], want) {
					t.Errorf("fields[%s] = %q, want %q; all: %v", path, got.Fields[path], want, got.Fields)
				}
			}
		})
	}
	q := a.createQRCode(key, "Poster", account.ID)
	a.do(http.MethodPut, "/v1/qr-codes/"+q.ID, key, `{"name": "x", "lineAccountId": "`+theirs.ID+`"}`).
		wantError(t, http.StatusUnprocessableEntity, "validation_failed")
}

func TestQRCodes_ImageIsAPNGOfTheScanURL(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	account := a.createAccount(key, "Shop", "1650000000")
	q := a.createQRCode(key, "Poster", account.ID)

	want, err := qrcode.New(q.ScanURL, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	modules := want.Bitmap()
	for _, tc := range []struct {
		path string
		size int
	}{
		{"/v1/qr-codes/" + q.ID + "/image.png", 512},
		{"/v1/qr-codes/" + q.ID + "/image.png?size=128", 128},
		{"/v1/qr-codes/" + q.ID + "/image.png?size=1024", 1024},
		{"/v1/qr-codes/" + q.ID + "/image.png?size=300", 300},
		{"/v1/qr-codes/" + q.ID + ".png?size=256", 256},
	} {
		res := a.do(http.MethodGet, tc.path, key, "")
		res.wantStatus(t, http.StatusOK)
		if ct := res.header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("%s: Content-Type = %q", tc.path, ct)
		}
		img, err := png.Decode(bytes.NewReader(res.body))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", tc.path, err)
		}
		if b := img.Bounds(); b.Dx() != tc.size || b.Dy() != tc.size {
			t.Fatalf("%s: %dx%d, want %dx%d", tc.path, b.Dx(), b.Dy(), tc.size, tc.size)
		}
		// Each module, read at its centre, is the module the scan URL's code has.
		scale := tc.size / len(modules)
		offset := (tc.size - scale*len(modules)) / 2
		for y, row := range modules {
			for x, dark := range row {
				if got := isDark(img, offset+x*scale+scale/2, offset+y*scale+scale/2); got != dark {
					t.Fatalf("%s: module (%d, %d) dark = %v, want %v", tc.path, x, y, got, dark)
				}
			}
		}
	}
	for _, size := range []string{"127", "1025", "big", "-1"} {
		got := a.do(http.MethodGet, "/v1/qr-codes/"+q.ID+"/image.png?size="+size, key, "").wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if got.Fields["size"] == "" {
			t.Errorf("size=%s: fields = %v", size, got.Fields)
		}
	}
	a.do(http.MethodGet, "/v1/qr-codes/"+q.ID+"/image.png", "", "").wantError(t, http.StatusUnauthorized, "unauthorized")
}

func isDark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

func TestQRCodes_ScanCountsAndRedirectsToTheChatWithAOneTimeCode(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		var account lineAccountWithBasicID
		res := a.do(http.MethodPost, "/v1/line-accounts", key, accountBodyWith("Cafe", "1650000000", `"basicId": "@Cafe.Lumo_1"`))
		res.wantStatus(t, http.StatusCreated)
		res.decode(t, &account)
		q := a.createQRCode(key, "Poster", account.ID)

		// LINE's chat with the account, the ID's "@" and the text percent-encoded.
		redirect := regexp.MustCompile(`^https://line\.me/R/oaMessage/%40cafe\.lumo_1/\?Hello%21%20%5BQR%20([2-9A-HJ-NP-Z]{8})%5D$`)
		var codes []string
		for range 2 {
			scan := a.scan("/q/" + q.ID) // no API key
			m := redirect.FindStringSubmatch(scan.header.Get("Location"))
			if scan.status != http.StatusFound || m == nil {
				t.Fatalf("scan = %d, Location %q; body %s", scan.status, scan.header.Get("Location"), scan.body)
			}
			codes = append(codes, m[1])
			if cc := scan.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
		}
		if codes[0] == codes[1] {
			t.Fatalf("two scans, one code %s", codes[0])
		}
		if got := a.getQRCode(key, q.ID); got.ScanCount != 2 || !got.UpdatedAt.Equal(q.UpdatedAt) {
			t.Fatalf("after two scans = %+v", got)
		}
		var scans []models.QRScan
		if err := a.store.DB().Where("qr_code_id = ?", q.ID).Find(&scans).Error; err != nil {
			t.Fatal(err)
		}
		if len(scans) != 2 || scans[0].LineAccountID != account.ID || scans[0].ClaimedAt != nil || time.Since(scans[0].ScannedAt) > time.Minute {
			t.Fatalf("scans = %+v", scans)
		}
		for _, scan := range scans {
			if scan.Code == nil || !slices.Contains(codes, *scan.Code) || scan.ClientAddr != "127.0.0.1" {
				t.Fatalf("scan %+v: want one of the codes %v, from 127.0.0.1", scan, codes)
			}
		}

		// Without a basic ID the scan still counts, lands on LINE and is logged.
		plain := a.createAccount(key, "Plain", "1650000001")
		q2 := a.createQRCode(key, "Flyer", plain.ID)
		scan := a.scan("/q/" + q2.ID)
		if scan.status != http.StatusFound || scan.header.Get("Location") != "https://line.me/R/" {
			t.Fatalf("scan = %d, Location %q", scan.status, scan.header.Get("Location"))
		}
		if got := a.getQRCode(key, q2.ID); got.ScanCount != 1 {
			t.Errorf("scanCount = %d", got.ScanCount)
		}
		warned := a.logs.records(t, "QR code scanned, but its LINE account has no basicId: sent to LINE's home page; set basicId on the account")
		if len(warned) != 1 || warned[0]["qr_code_id"] != q2.ID {
			t.Errorf("warnings = %v", warned)
		}

		unknown := a.scan("/q/nope")
		if unknown.status != http.StatusNotFound || !strings.HasPrefix(unknown.header.Get("Content-Type"), "text/plain") {
			t.Errorf("unknown code = %d %q %s", unknown.status, unknown.header.Get("Content-Type"), unknown.body)
		}
		if got := a.getQRCode(key, q.ID); got.ScanCount != 2 {
			t.Errorf("scanCount = %d after other codes' scans", got.ScanCount)
		}
	})
}

func TestQRCodes_DeletingOneALiveWorkflowTriggersOnIsAConflict(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		_, key := a.workspace("acme")
		account := a.createAccount(key, "Shop", "1650000000")
		q := a.createQRCode(key, "Poster", account.ID)
		doc := func(trigger string) string {
			return fmt.Sprintf(`{"name": "Poster flow", "lineAccountId": %q, "trigger": %s, "start": "a",
  "nodes": [{"id": "a", "type": "tag", "add": ["poster"]}]}`, account.ID, trigger)
		}
		w := a.createWorkflow(key, doc(`{"type": "qr_code_scanned", "qrCodeId": "`+q.ID+`"}`))
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)

		got := a.do(http.MethodDelete, "/v1/qr-codes/"+q.ID, key, "").wantError(t, http.StatusConflict, "conflict")
		if !strings.Contains(got.Message, `"Poster flow"`) || !strings.Contains(got.Message, w.ID) || !strings.Contains(got.Message, "QR code") {
			t.Fatalf("conflict = %+v", got)
		}
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/pause", key, "").wantStatus(t, http.StatusOK)
		a.do(http.MethodDelete, "/v1/qr-codes/"+q.ID, key, "").wantError(t, http.StatusConflict, "conflict")

		// A version triggered otherwise frees it.
		a.do(http.MethodPut, "/v1/workflows/"+w.ID, key, doc(`{"type": "friend_added"}`)).wantStatus(t, http.StatusOK)
		a.do(http.MethodPost, "/v1/workflows/"+w.ID+"/activate", key, "").wantStatus(t, http.StatusOK)
		a.do(http.MethodDelete, "/v1/qr-codes/"+q.ID, key, "").wantStatus(t, http.StatusNoContent)
	})
}

// lineAccountWithBasicID is a LINE account as the API returns it, with its basic ID.
type lineAccountWithBasicID struct {
	ID      string  `json:"id"`
	BasicID *string `json:"basicId"`
}

// accountBodyWith is accountBody with more JSON members (`"basicId": "@x"`).
func accountBodyWith(name, channelID, more string) string {
	body := accountBody(name, channelID)
	return strings.TrimSuffix(body, "}") + ", " + more + "}"
}

func TestLineAccounts_BasicIDIsCheckedLowercasedAndClearable(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		a := newTestAPI(t, db)
		wsID, key := a.workspace("acme")

		var account lineAccountWithBasicID
		res := a.do(http.MethodPost, "/v1/line-accounts", key, accountBodyWith("Cafe", "1650000000", `"basicId": "@AbC-12.x_"`))
		res.wantStatus(t, http.StatusCreated)
		res.decode(t, &account)
		if account.BasicID == nil || *account.BasicID != "@abc-12.x_" {
			t.Fatalf("created = %+v", account)
		}
		stored, err := a.store.GetLineAccount(context.Background(), wsID, account.ID)
		if err != nil || stored.BasicID == nil || *stored.BasicID != "@abc-12.x_" {
			t.Fatalf("stored = %+v, %v", stored, err)
		}
		// Without one, it is null.
		var plain lineAccountWithBasicID
		res = a.do(http.MethodPost, "/v1/line-accounts", key, accountBody("Plain", "1650000001"))
		res.wantStatus(t, http.StatusCreated)
		res.decode(t, &plain)
		if plain.BasicID != nil || !strings.Contains(string(res.body), `"basicId":null`) {
			t.Fatalf("plain = %s", res.body)
		}

		patch := func(body string) lineAccountWithBasicID {
			t.Helper()
			res := a.do(http.MethodPatch, "/v1/line-accounts/"+account.ID, key, body)
			res.wantStatus(t, http.StatusOK)
			var got lineAccountWithBasicID
			res.decode(t, &got)
			return got
		}
		if got := patch(`{"basicId": "@NEW"}`); got.BasicID == nil || *got.BasicID != "@new" {
			t.Fatalf("after patch = %+v", got)
		}
		if got := patch(`{"name": "Renamed"}`); got.BasicID == nil || *got.BasicID != "@new" {
			t.Fatalf("a patch without basicId changed it: %+v", got)
		}
		if got := patch(`{"basicId": ""}`); got.BasicID != nil {
			t.Fatalf("after clearing = %+v", got)
		}

		for _, bad := range []string{`""`, `"abc"`, `"@"`, `"@` + strings.Repeat("a", 21) + `"`, `"@a b"`, `"@caf\u00e9"`, `"@a/b"`} {
			got := a.do(http.MethodPost, "/v1/line-accounts", key, accountBodyWith("Bad", "1650000002", `"basicId": `+bad)).
				wantError(t, http.StatusUnprocessableEntity, "validation_failed")
			if !strings.Contains(got.Fields["basicId"], `"@"`) {
				t.Errorf("basicId %s: fields = %v", bad, got.Fields)
			}
		}
		// Reported beside the other fields' problems.
		got := a.do(http.MethodPost, "/v1/line-accounts", key, `{"name": "x", "basicId": "nope"}`).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if got.Fields["basicId"] == "" || got.Fields["channelId"] != "required" {
			t.Errorf("fields = %v", got.Fields)
		}
		got = a.do(http.MethodPatch, "/v1/line-accounts/"+account.ID, key, `{"basicId": "nope"}`).wantError(t, http.StatusUnprocessableEntity, "validation_failed")
		if got.Fields["basicId"] == "" {
			t.Errorf("fields = %v", got.Fields)
		}
		a.do(http.MethodPost, "/v1/line-accounts", key, `{"name": "x", "basicId": 5}`).wantError(t, http.StatusBadRequest, "malformed_json")
	})
}

// A client cannot pose as many by writing X-Forwarded-For: from a peer that is not a
// trusted proxy the header is not read, so the scans keep one client address and the
// per-client cap on unclaimed scans holds.
func TestQRCodes_ForwardedForFromAnUntrustedPeerIsOneClient(t *testing.T) {
	a := newTestAPI(t, testenv.SQLite(t))
	_, key := a.workspace("acme")
	res := a.do(http.MethodPost, "/v1/line-accounts", key, accountBodyWith("Cafe", "1650000000", `"basicId": "@cafe"`))
	res.wantStatus(t, http.StatusCreated)
	var account lineAccountWithBasicID
	res.decode(t, &account)
	q := a.createQRCode(key, "Poster", account.ID)
	for i := range 6 {
		forged := http.Header{"X-Forwarded-For": {fmt.Sprintf("203.0.113.%d", i+1)}}
		a.scanWith("/q/"+q.ID, forged).wantStatus(t, http.StatusFound)
	}
	var addrs []string
	if err := a.store.DB().Model(&models.QRScan{}).Where("qr_code_id = ? AND claimed_at IS NULL", q.ID).Pluck("client_addr", &addrs).Error; err != nil {
		t.Fatal(err)
	}
	if len(addrs) == 0 || len(addrs) >= 6 {
		t.Fatalf("unclaimed scans from %v: want fewer than 6, all from one client", addrs)
	}
	for _, addr := range addrs {
		if addr != "127.0.0.1" {
			t.Fatalf("a scan is counted as from %q: the untrusted X-Forwarded-For was read", addr)
		}
	}
}
