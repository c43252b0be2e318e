package segments

import (
	"strings"
	"time"

	"gorm.io/gorm"
)

// Count is the query that counts the workspace's members of d as of now; scan it into an
// int64. It asks what Where asks, shaped for counting a large workspace: each group is a
// set of friend IDs of its own and the sets are UNIONed.
//
// Where's single WHERE has the groups ORed, and an EXISTS under an OR cannot become a
// join: PostgreSQL then tests every candidate friend row against each subquery, reading
// the rows from the table. A group on its own has its conditions ANDed, so its EXISTS
// subqueries become semi-joins and anti-joins the planner can answer from indexes alone
// (tags from friend_tags, the added date from friends_added_ids), and only conditions on
// the row itself (fields, blocked, account) read the table.
func Count(db *gorm.DB, workspaceID string, d Definition) *gorm.DB {
	return CountAt(db, workspaceID, d, time.Now())
}

// CountAt is Count with the time that within_days and days_since_last_order count from.
func CountAt(db *gorm.DB, workspaceID string, d Definition, now time.Time) *gorm.DB {
	sql, args, err := CountSQL(db, workspaceID, d, now)
	if err != nil {
		_ = db.AddError(err)
		return db
	}
	return db.Raw(sql, args...)
}

// CountSQL is Count's statement and its bound arguments, for running it in another shape
// (EXPLAIN). An error is a condition that does not parse.
func CountSQL(db *gorm.DB, workspaceID string, d Definition, now time.Time) (string, []any, error) {
	return countSQL(dialectOf(db), workspaceID, d, now.UTC())
}

func countSQL(dia dialect, workspaceID string, d Definition, now time.Time) (string, []any, error) {
	groups, err := compileGroups(dia, workspaceID, d, now)
	if err != nil {
		return "", nil, err
	}
	if len(groups) == 0 {
		groups = []expr{sqlf("1 = 0")}
	}
	// A friend in two groups is one member: UNION, not UNION ALL.
	sets := make([]string, len(groups))
	var args []any
	for i, g := range groups {
		sets[i] = "SELECT friends.id FROM friends WHERE friends.workspace_id = ? AND (" + g.sql + ")"
		args = append(append(args, workspaceID), g.args...)
	}
	return "SELECT COUNT(*) FROM (" + strings.Join(sets, " UNION ") + ") seg_members", args, nil
}
