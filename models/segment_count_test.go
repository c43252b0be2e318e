package models_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/segments"
)

// countWorld is a workspace whose friends fall in and out of the segments of
// TestCountSegment_*: Ann vip, added now, plan premium (in both groups of the benchmark's
// definition, counted once); Ben vip, added now, plan free; Cat plan premium, no tag; Dan
// nothing.
func countWorld(t *testing.T, db *database.DB) friendFixture {
	t.Helper()
	f := newFriendFixture(t, db)
	for _, friend := range []struct {
		user string
		tags []string
		plan string
	}{
		{"U-ann", []string{"vip"}, "premium"},
		{"U-ben", []string{"vip", "gold"}, "free"},
		{"U-cat", nil, "premium"},
		{"U-dan", []string{"gold"}, ""},
	} {
		id := f.friend(t, friend.user).ID
		if len(friend.tags) > 0 {
			if err := f.store.AddFriendTags(f.ctx, f.ws.ID, id, friend.tags, ""); err != nil {
				t.Fatal(err)
			}
		}
		if friend.plan != "" {
			if err := f.store.SetFriendField(f.ctx, f.ws.ID, id, "plan", friend.plan); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

// countCases are definitions of several groups with their member counts in countWorld.
var countCases = []struct {
	name string
	def  segments.Definition
	want int64
}{
	{"the benchmark's: tag and added date, or a field", segments.Definition{Groups: []segments.Group{
		{Conditions: []segments.Condition{cond("tag", "eq", `"vip"`), cond("friend_added_at", "within_days", "30")}},
		{Conditions: []segments.Condition{cond("field.plan", "eq", `"premium"`)}},
	}}, 3},
	{"a tag not had, or all of two tags", segments.Definition{Groups: []segments.Group{
		{Conditions: []segments.Condition{cond("tag", "ne", `"vip"`), cond("field.plan", "exists", "")}},
		{Conditions: []segments.Condition{cond("tag", "contains_all", `["vip","gold"]`)}},
	}}, 2},
	{"one group", oneGroup(cond("tag", "contains_any", `["gold","vip"]`)), 3},
	{"no groups", segments.Definition{}, 0},
}

func TestCountSegment_GroupsUnitedCountEachFriendOnce(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := countWorld(t, db)
		for _, tt := range countCases {
			n, err := f.store.CountSegment(f.ctx, f.ws.ID, tt.def)
			if err != nil || n != tt.want {
				t.Errorf("%s: count = %d, %v; want %d", tt.name, n, err, tt.want)
			}
		}
	})
}

// On PostgreSQL a count joins each group's tables rather than testing each friend row
// against a subquery (the groups are sets of IDs, UNIONed), and is never JIT-compiled:
// compiling took most of a cold count of a million friends. The database here JIT-compiles
// every query it can, so a count that does not turn JIT off shows it in its plan.
func TestExplainSegmentCount_PostgresJoinsEachGroupWithoutJIT(t *testing.T) {
	u, err := url.Parse(testenv.NewPostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for _, setting := range []string{"jit_above_cost", "jit_inline_above_cost", "jit_optimize_above_cost"} {
		q.Set(setting, "0") // pgx sends unknown parameters to the server as settings
	}
	u.RawQuery = q.Encode()
	db, err := database.Open(t.Context(), database.Options{URL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.MigrateUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	var jitAvailable bool
	if err := db.Raw("SELECT pg_jit_available()").Scan(&jitAvailable).Error; err != nil {
		t.Fatal(err)
	}
	f := countWorld(t, db)
	for _, tt := range countCases {
		if len(tt.def.Groups) == 0 {
			continue
		}
		lines, err := f.store.ExplainSegmentCount(f.ctx, f.ws.ID, tt.def)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, "Execution Time") {
			t.Fatalf("%s: not an EXPLAIN ANALYZE:\n%s", tt.name, plan)
		}
		if strings.Contains(plan, "SubPlan") {
			t.Errorf("%s: a group's subquery is run per friend row, not joined:\n%s", tt.name, plan)
		}
		if jitAvailable && strings.Contains(plan, "JIT:") {
			t.Errorf("%s: the count was JIT-compiled:\n%s", tt.name, plan)
		}
	}
	if !jitAvailable {
		t.Log("this PostgreSQL has no JIT: only the joins were checked")
	}
}

func TestExplainSegmentCount_RefusedOnSQLite(t *testing.T) {
	f := newFriendFixture(t, testenv.SQLite(t))
	if _, err := f.store.ExplainSegmentCount(f.ctx, f.ws.ID, countCases[0].def); err == nil {
		t.Fatal("explained on SQLite, want an error")
	}
}
