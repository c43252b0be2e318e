package models_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
)

// A follow claims a scan only when nothing else can have caused it: exactly one
// unclaimed scan of the account within the window.
func TestClaimScan_FollowFallbackPolicy(t *testing.T) {
	const window = 3 * time.Minute
	follow := t0.Add(10 * time.Minute)
	type scan struct {
		code    string // "poster", "flyer" or "coast" (the other account's)
		client  string
		before  time.Duration // before the follow; negative is after it
		byCode  bool          // claimed by its code (another friend) before the follow
		repeats int           // the client opens the link this many times (default 1)
	}
	cases := []struct {
		name  string
		scans []scan
		// noWindow asks with a window of zero; other asks as another workspace.
		noWindow, other bool
		want            string // the code credited, "" for none
	}{
		{name: "the only scan in the window", scans: []scan{{code: "poster", client: "a", before: time.Minute}}, want: "poster"},
		{name: "exactly the window before", scans: []scan{{code: "flyer", client: "a", before: window}}, want: "flyer"},
		{name: "at the follow's moment", scans: []scan{{code: "poster", client: "a"}}, want: "poster"},
		{name: "older than the window", scans: []scan{{code: "poster", client: "a", before: window + time.Second}}},
		{name: "after the follow", scans: []scan{{code: "poster", client: "a", before: -time.Millisecond}}},
		{name: "two clients: ambiguous", scans: []scan{{code: "poster", client: "a", before: time.Minute}, {code: "flyer", client: "b", before: 2 * time.Minute}}},
		{name: "one client twice", scans: []scan{{code: "poster", client: "a", before: time.Minute, repeats: 2}}},
		{name: "a flood from one client", scans: []scan{{code: "poster", client: "a", before: time.Minute, repeats: 50}}},
		{name: "a flood from many clients", scans: []scan{
			{code: "poster", client: "a", before: time.Minute}, {code: "poster", client: "b", before: time.Minute}, {code: "poster", client: "c", before: time.Minute}}},
		{name: "another account's scan", scans: []scan{{code: "coast", client: "a", before: time.Minute}}},
		{name: "another account's scan does not make this one's ambiguous",
			scans: []scan{{code: "coast", client: "b", before: time.Minute}, {code: "flyer", client: "a", before: time.Minute}}, want: "flyer"},
		{name: "a scan claimed by its code leaves the only other one",
			scans: []scan{{code: "poster", client: "a", before: time.Minute, byCode: true}, {code: "flyer", client: "b", before: time.Minute}}, want: "flyer"},
		{name: "a scan before the window does not count",
			scans: []scan{{code: "poster", client: "a", before: time.Hour}, {code: "flyer", client: "b", before: time.Minute}}, want: "flyer"},
		{name: "no window, no fallback", scans: []scan{{code: "poster", client: "a", before: time.Minute}}, noWindow: true},
		{name: "another workspace", scans: []scan{{code: "poster", client: "a", before: time.Minute}}, other: true},
	}
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newQRFixture(t, db)
				codes := map[string]models.QRCode{"poster": f.poster, "flyer": f.flyer, "coast": f.coast}
				for i, s := range tc.scans {
					var code string
					for r := range max(s.repeats, 1) {
						code = f.scan(t, codes[s.code], s.client, follow.Add(-s.before).Add(-time.Duration(r)*time.Millisecond))
					}
					if s.byCode {
						if _, ok, err := f.store.ClaimScanCode(f.ctx, f.ws.ID, f.account.ID, f.friend(t, 100+i).ID, code, follow.Add(-time.Second)); err != nil || !ok {
							t.Fatalf("claim by code: %v, %v", ok, err)
						}
					}
				}
				w := window
				if tc.noWindow {
					w = 0
				}
				ws := f.ws.ID
				if tc.other {
					other, _ := testenv.Workspace(t, f.store, "globex")
					ws = other.ID
				}
				got, ok, err := f.store.ClaimScan(f.ctx, ws, f.account.ID, f.friend(t, 1).ID, follow, w)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tc.want == "" && ok:
					t.Fatalf("claimed %s, want nothing", got.Name)
				case tc.want != "" && (!ok || got.ID != codes[tc.want].ID):
					t.Fatalf("claimed %q (ok=%v), want %s", got.Name, ok, tc.want)
				}
			})
		}
	})
}

func TestClaimScan_ARetryGetsItsScanAndTheNextFollowNothing(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		f.scan(t, f.poster, "a", t0)
		first, second := f.friend(t, 1), f.friend(t, 2)
		at := t0.Add(time.Minute)
		for _, attempt := range []string{"claim", "retry"} {
			got, ok, err := f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, first.ID, at, time.Hour)
			if err != nil || !ok || got.ID != f.poster.ID {
				t.Fatalf("%s = %+v, %v, %v; want the poster", attempt, got, ok, err)
			}
		}
		if got, ok, err := f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, second.ID, at, time.Hour); err != nil || ok {
			t.Fatalf("second follow = %+v, %v, %v; want nothing left", got, ok, err)
		}
		var scan models.QRScan
		if err := f.store.DB().Where("qr_code_id = ?", f.poster.ID).Take(&scan).Error; err != nil {
			t.Fatal(err)
		}
		if scan.ClaimedByFriendID == nil || *scan.ClaimedByFriendID != first.ID || !scan.ClaimedAt.Equal(at) ||
			scan.ClaimedVia == nil || *scan.ClaimedVia != models.ClaimedViaFollow {
			t.Fatalf("scan = %+v", scan)
		}
		// Its code, sent afterwards by the same friend, claims nothing more.
		if _, ok, err := f.store.ClaimScanCode(f.ctx, f.ws.ID, f.account.ID, first.ID, *scan.Code, at.Add(time.Second)); err != nil || ok {
			t.Fatalf("code of a scan the follow claimed: %v, %v", ok, err)
		}
	})
}

func TestClaimScan_ConcurrentFollowsOfOneScanClaimItOnce(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		f.scan(t, f.poster, "a", t0)
		friends := make([]models.Friend, 6)
		for i := range friends {
			friends[i] = f.friend(t, i+1)
		}
		var wg sync.WaitGroup
		claimed := make([]bool, len(friends))
		errs := make([]error, len(friends))
		for i, friend := range friends {
			wg.Go(func() {
				_, claimed[i], errs[i] = f.store.ClaimScan(f.ctx, f.ws.ID, f.account.ID, friend.ID, t0.Add(time.Minute), time.Hour)
			})
		}
		wg.Wait()
		wins := 0
		for i := range friends {
			if errs[i] != nil {
				t.Fatalf("friend %d: %v", i, errs[i])
			}
			if claimed[i] {
				wins++
			}
		}
		if wins != 1 {
			t.Fatalf("%d follows claimed the one scan, want 1", wins)
		}
	})
}

func TestClaimScanCode_ALiveCodeCreditsItsSenderOnce(t *testing.T) {
	at := t0.Add(time.Minute)
	cases := []struct {
		name string
		// code picks the code sent from the fixture's scans.
		code   func(c scanCodes) string
		friend int
		at     time.Time
		want   string // the code credited, "" for none
	}{
		{name: "a live code", code: func(c scanCodes) string { return c.live }, friend: 1, at: at, want: "poster"},
		{name: "the same claim again (a retry)", code: func(c scanCodes) string { return c.claimed }, friend: 9, at: at, want: "flyer"},
		{name: "the claimer sends it again later", code: func(c scanCodes) string { return c.claimed }, friend: 9, at: at.Add(time.Second)},
		{name: "another friend sends a claimed code", code: func(c scanCodes) string { return c.claimed }, friend: 1, at: at},
		{name: "a code at the end of its life", code: func(c scanCodes) string { return c.old }, friend: 1, at: t0.Add(models.ScanCodeLife), want: "poster"},
		{name: "an expired code", code: func(c scanCodes) string { return c.old }, friend: 1, at: t0.Add(models.ScanCodeLife + time.Second)},
		{name: "another account's code", code: func(c scanCodes) string { return c.coast }, friend: 1, at: at},
		{name: "an unknown code", code: func(scanCodes) string { return "ABCDEFGH" }, friend: 1, at: at},
	}
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newQRFixture(t, db)
				codes := scanCodes{
					live:    f.scan(t, f.poster, "a", t0.Add(30*time.Second)),
					claimed: f.scan(t, f.flyer, "b", t0.Add(30*time.Second)),
					old:     f.scan(t, f.poster, "c", t0),
					coast:   f.scan(t, f.coast, "d", t0.Add(30*time.Second)),
				}
				if _, ok, err := f.store.ClaimScanCode(f.ctx, f.ws.ID, f.account.ID, f.friend(t, 9).ID, codes.claimed, at); err != nil || !ok {
					t.Fatalf("first claim: %v, %v", ok, err)
				}
				friend := f.friend(t, tc.friend)
				got, ok, err := f.store.ClaimScanCode(f.ctx, f.ws.ID, f.account.ID, friend.ID, tc.code(codes), tc.at)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]models.QRCode{"poster": f.poster, "flyer": f.flyer}[tc.want]
				switch {
				case tc.want == "" && ok:
					t.Fatalf("claimed %s, want nothing", got.Name)
				case tc.want != "" && (!ok || got.ID != want.ID):
					t.Fatalf("claimed %q (ok=%v), want %s", got.Name, ok, tc.want)
				}
				var claimedBy []string
				if err := f.store.DB().Model(&models.QRScan{}).Where("workspace_id = ? AND claimed_at IS NOT NULL", f.ws.ID).Order("claimed_by_friend_id").Pluck("claimed_by_friend_id", &claimedBy).Error; err != nil {
					t.Fatal(err)
				}
				wantClaims := 1
				if tc.want != "" && tc.friend != 9 {
					wantClaims = 2
				}
				if len(claimedBy) != wantClaims {
					t.Fatalf("%d scans claimed (%v), want %d", len(claimedBy), claimedBy, wantClaims)
				}
			})
		}
	})
}

// scanCodes are the codes of TestClaimScanCode's scans.
type scanCodes struct{ live, claimed, old, coast string }

func TestRecordQRScan_KeepsAFewUnclaimedScansPerClient(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		claimedCode := f.scan(t, f.poster, "flood", t0)
		if _, ok, err := f.store.ClaimScanCode(f.ctx, f.ws.ID, f.account.ID, f.friend(t, 1).ID, claimedCode, t0); err != nil || !ok {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		f.scan(t, f.flyer, "neighbour", t0)
		f.scan(t, f.coast, "flood", t0) // another account's: bounded on its own
		var newest []string
		for i := range 40 {
			newest = append(newest, f.scan(t, []models.QRCode{f.poster, f.flyer}[i%2], "flood", t0.Add(time.Duration(i+1)*time.Second)))
		}
		newest = newest[len(newest)-models.MaxPendingScansPerClient:]

		var pending []string
		err := f.store.DB().Model(&models.QRScan{}).
			Where("line_account_id = ? AND client_addr = ? AND claimed_at IS NULL", f.account.ID, "flood").
			Order("scanned_at").Pluck("code", &pending).Error
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(pending, ",") != strings.Join(newest, ",") {
			t.Fatalf("the flooding client's unclaimed scans = %v, want its newest %d: %v", pending, models.MaxPendingScansPerClient, newest)
		}
		var total int64
		if err := f.store.DB().Model(&models.QRScan{}).Count(&total).Error; err != nil {
			t.Fatal(err)
		}
		// The claimed scan, the neighbour's, the other account's and the newest three.
		if total != 3+int64(models.MaxPendingScansPerClient) {
			t.Fatalf("%d scans kept, want %d", total, 3+models.MaxPendingScansPerClient)
		}
		poster, err := f.store.GetQRCode(f.ctx, f.ws.ID, f.poster.ID)
		if err != nil || poster.ScanCount != 21 {
			t.Fatalf("poster's scan count = %d, %v; want every visit counted (21)", poster.ScanCount, err)
		}
		// A client address longer than any real one is cut, not refused.
		if _, err := f.store.RecordQRScan(f.ctx, f.poster.ID, strings.Repeat("x", 500), t0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPruneQRScans_RemovesOnlyOldUnclaimedScans(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newQRFixture(t, db)
		claimed := f.scan(t, f.poster, "a", t0)
		if _, ok, err := f.store.ClaimScanCode(f.ctx, f.ws.ID, f.account.ID, f.friend(t, 1).ID, claimed, t0); err != nil || !ok {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		for i, client := range []string{"b", "c", "d"} {
			f.scan(t, f.flyer, client, t0.Add(time.Duration(i)*time.Minute))
		}
		fresh := f.scan(t, f.coast, "e", t0.Add(2*time.Hour))

		deleted, err := f.store.PruneQRScans(f.ctx, t0.Add(90*time.Second), 1)
		if err != nil || deleted != 1 {
			t.Fatalf("first batch: %d, %v; want 1 (the limit)", deleted, err)
		}
		deleted, err = f.store.PruneQRScans(f.ctx, t0.Add(90*time.Second), 100)
		if err != nil || deleted != 1 {
			t.Fatalf("second batch: %d, %v; want the other scan older than the cut", deleted, err)
		}
		var left []string
		if err := f.store.DB().Model(&models.QRScan{}).Order("scanned_at").Pluck("code", &left).Error; err != nil {
			t.Fatal(err)
		}
		if len(left) != 3 || left[0] != claimed || left[2] != fresh {
			t.Fatalf("left %v; want the claimed scan, the one after the cut, and the fresh one", left)
		}
	})
}

func TestScanCodeIn(t *testing.T) {
	cases := []struct {
		text, want string
	}{
		{models.ScanMessage("K7M2QX9P"), "K7M2QX9P"},
		{"[QR K7M2QX9P]", "K7M2QX9P"},
		{"hi there [QR K7M2QX9P] and more", "K7M2QX9P"},
		{"[QR nope] [QR 23456789]", "23456789"},
		{"[QR K7M2QX9]", ""},   // too short
		{"[QR K7M2QX9PA]", ""}, // too long
		{"[QR K7M2QX0P]", ""},  // 0 is not in the alphabet
		{"[QR k7m2qx9p]", ""},  // lowercase is not a code
		{"[qr K7M2QX9P]", ""},
		{"QR K7M2QX9P", ""},
		{"[QR K7M2QX9P", ""},
		{"", ""},
		{"[QR ", ""},
	}
	for _, tc := range cases {
		got, ok := models.ScanCodeIn(tc.text)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("ScanCodeIn(%q) = %q, %v; want %q", tc.text, got, ok, tc.want)
		}
	}
}

func FuzzScanCodeIn(f *testing.F) {
	for _, seed := range []string{models.ScanMessage("K7M2QX9P"), "[QR [QR K7M2QX9P]", "[QR K7M2QX9P", "", "[QR 日本語ですよ]"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		code, ok := models.ScanCodeIn(text)
		if !ok {
			if code != "" {
				t.Fatalf("no code found, but %q returned", code)
			}
			return
		}
		if !strings.Contains(text, "[QR "+code+"]") {
			t.Fatalf("code %q is not in %q as [QR code]", code, text)
		}
		// A message made of a found code carries that code.
		if again, ok := models.ScanCodeIn(models.ScanMessage(code)); !ok || again != code {
			t.Fatalf("ScanMessage(%q) reads back as %q, %v", code, again, ok)
		}
	})
}

// Every code a scan issues reads back out of the message the scan asks the friend to
// send.
func TestRecordQRScan_CodesReadBackFromTheirMessage(t *testing.T) {
	f := newQRFixture(t, testenv.SQLite(t))
	for i := range 20 {
		code := f.scan(t, f.poster, fmt.Sprint(i), t0)
		if got, ok := models.ScanCodeIn(models.ScanMessage(code)); !ok || got != code {
			t.Fatalf("code %q reads back as %q, %v", code, got, ok)
		}
	}
}
