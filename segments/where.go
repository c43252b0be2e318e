package segments

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Where narrows db, a query over the friends table (named or aliased "friends"), to the
// workspace's members of d, as of now. A definition that does not parse (one Validate
// refuses for its conditions) makes the query fail with an error rather than match
// anybody; whether its services are connected is not Where's question.
func Where(db *gorm.DB, workspaceID string, d Definition) *gorm.DB {
	return WhereAt(db, workspaceID, d, time.Now())
}

// WhereAt is Where with the time that within_days and days_since_last_order count from.
func WhereAt(db *gorm.DB, workspaceID string, d Definition, now time.Time) *gorm.DB {
	db = db.Where("friends.workspace_id = ?", workspaceID)
	sql, args, err := compile(dialectOf(db), workspaceID, d, now.UTC())
	if err != nil {
		_ = db.AddError(err)
		return db
	}
	return db.Where(sql, args...)
}

// dialect is the little that differs between the databases: reading the friend's
// fields, a JSON document.
type dialect int

const (
	postgres dialect = iota
	sqlite
)

func dialectOf(db *gorm.DB) dialect {
	if db.Dialector != nil && db.Dialector.Name() == "sqlite" {
		return sqlite
	}
	return postgres
}

// expr is SQL with its bound arguments; the SQL text is made only of constants in this
// file, the arguments of everything that came from the definition.
type expr struct {
	sql  string
	args []any
}

func sqlf(sql string, args ...any) expr { return expr{sql: sql, args: args} }

func (e expr) not() expr { return expr{sql: "NOT (" + e.sql + ")", args: e.args} }

// join combines es with op (" AND ", " OR "), each in parentheses.
func join(op string, es []expr) expr {
	var out expr
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = "(" + e.sql + ")"
		out.args = append(out.args, e.args...)
	}
	out.sql = strings.Join(parts, op)
	return out
}

type compiler struct {
	dialect     dialect
	workspaceID string
	now         time.Time
}

func compile(dia dialect, workspaceID string, d Definition, now time.Time) (string, []any, error) {
	groups, err := compileGroups(dia, workspaceID, d, now)
	if err != nil {
		return "", nil, err
	}
	if len(groups) == 0 {
		return "1 = 0", nil, nil
	}
	e := join(" OR ", groups)
	return e.sql, e.args, nil
}

// compileGroups compiles each group of d to one condition on the friends row (its
// conditions ANDed); no groups, no conditions.
func compileGroups(dia dialect, workspaceID string, d Definition, now time.Time) ([]expr, error) {
	c := compiler{dialect: dia, workspaceID: workspaceID, now: now}
	groups := make([]expr, 0, len(d.Groups))
	for i, g := range d.Groups {
		if len(g.Conditions) == 0 {
			// An empty group is refused by Validate; compiled, it holds for nobody.
			groups = append(groups, sqlf("1 = 0"))
			continue
		}
		conds := make([]expr, 0, len(g.Conditions))
		for j, cond := range g.Conditions {
			p, err := parseCondition(cond)
			if err != nil {
				return nil, fmt.Errorf("segment condition groups[%d].conditions[%d].%s: %s", i, j, err.field, err.problem)
			}
			conds = append(conds, c.condition(p))
		}
		groups = append(groups, join(" AND ", conds))
	}
	return groups, nil
}

// condition compiles one parsed (so valid) condition.
func (c compiler) condition(p parsed) expr {
	switch p.key {
	case PropFriendAddedAt:
		return c.instant("friends.created_at", p)
	case PropTag:
		return c.set(p, c.tagged)
	case PropField:
		return c.field(p)
	case PropBlocked:
		if p.boolean {
			return sqlf("friends.blocked_at IS NOT NULL")
		}
		return sqlf("friends.blocked_at IS NULL")
	case PropLineAccount:
		switch p.Op {
		case OpEq:
			return sqlf("friends.line_account_id = ?", p.text)
		case OpNe:
			return sqlf("friends.line_account_id <> ?", p.text)
		case OpContainsAny:
			return sqlf("friends.line_account_id IN ?", distinct(p.list))
		case OpContainsNone:
			return sqlf("friends.line_account_id NOT IN ?", distinct(p.list))
		}
	case PropWorkflowEnrolled, PropWorkflowCompleted:
		// The statuses are models.ExecutionRunning and models.ExecutionCompleted; test runs
		// of drafts are nobody's enrolment.
		status := "running"
		if p.key == PropWorkflowCompleted {
			status = "completed"
		}
		e := sqlf(`EXISTS (SELECT 1 FROM executions seg_e WHERE seg_e.friend_id = friends.id
			AND seg_e.workspace_id = ? AND seg_e.workflow_id = ? AND seg_e.status = ? AND seg_e.test = ?)`,
			c.workspaceID, p.text, status, false)
		if p.Op == OpNe {
			return e.not()
		}
		return e
	case PropShopifyIntegrated, PropHubSpotIntegrated, PropKlaviyoIntegrated:
		e := sqlf(`EXISTS (SELECT 1 FROM friend_integration_links seg_l
			WHERE seg_l.friend_id = friends.id AND seg_l.service = ?)`, p.service)
		if !p.boolean {
			return e.not()
		}
		return e
	case PropShopifyTag:
		return c.set(p, func(names []string) expr {
			return sqlf(`EXISTS (SELECT 1 FROM friend_shopify_tags seg_st
				WHERE seg_st.friend_id = friends.id AND seg_st.tag IN ?)`, names)
		})
	case PropHubSpotList, PropKlaviyoList:
		return c.set(p, func(ids []string) expr {
			return sqlf(`EXISTS (SELECT 1 FROM friend_integration_lists seg_il
				WHERE seg_il.friend_id = friends.id AND seg_il.service = ? AND seg_il.list_id IN ?)`, p.service, ids)
		})
	case PropShopifyOrdersCount:
		return c.shopify(p.Op == OpNe, compare("seg_sc.orders_count", p.Op, p.whole))
	case PropShopifyDaysSinceLastOrder:
		return c.shopify(p.Op == OpNe, c.daysSince("seg_sc.last_order_at", p.Op, p.whole))
	case PropShopifyAbandonedCart:
		if p.Op == OpWithinDays {
			return c.shopify(false, sqlf("seg_sc.abandoned_cart_at >= ?", c.daysAgo(p.whole)))
		}
		e := c.shopify(false, sqlf("seg_sc.abandoned_cart_at IS NOT NULL"))
		if !p.boolean {
			return e.not()
		}
		return e
	case PropHubSpotProperty, PropKlaviyoProperty:
		return c.property(p)
	}
	// parseCondition admits only the pairs above.
	panic(fmt.Sprintf("segments: no compiler for %s %s", p.Property, p.Op))
}

// set compiles the operators over a set a friend has (tags, lists): has builds "the
// friend has at least one of names".
func (c compiler) set(p parsed, has func(names []string) expr) expr {
	switch p.Op {
	case OpEq:
		return has([]string{p.text})
	case OpNe:
		return has([]string{p.text}).not()
	case OpContainsAny:
		return has(distinct(p.list))
	case OpContainsNone:
		return has(distinct(p.list)).not()
	case OpContainsAll:
		names := distinct(p.list)
		each := make([]expr, len(names))
		for i, name := range names {
			each[i] = has([]string{name})
		}
		return join(" AND ", each)
	}
	panic("segments: not a set operator: " + p.Op)
}

func (c compiler) tagged(names []string) expr {
	return sqlf(`EXISTS (SELECT 1 FROM friend_tags seg_ft JOIN tags seg_t ON seg_t.id = seg_ft.tag_id
		WHERE seg_ft.friend_id = friends.id AND seg_t.workspace_id = ? AND seg_t.name IN ?)`, c.workspaceID, names)
}

// instant compiles before/after/within_days on a time column. A date is the whole UTC
// day: before it is before the day starts, after it is from the next day on.
func (c compiler) instant(column string, p parsed) expr {
	switch p.Op {
	case OpBefore:
		return sqlf(column+" < ?", p.at)
	case OpAfter:
		if p.dateOnly {
			return sqlf(column+" >= ?", p.at.AddDate(0, 0, 1))
		}
		return sqlf(column+" > ?", p.at)
	case OpWithinDays:
		return sqlf(column+" >= ?", c.daysAgo(p.whole))
	}
	panic("segments: not a time operator: " + p.Op)
}

func (c compiler) daysAgo(days int64) time.Time {
	return c.now.Add(-time.Duration(days) * 24 * time.Hour)
}

// daysSince compiles a comparison of the whole days elapsed since column (the days
// since an order placed 36 hours ago are 1) with n, as bounds on the column.
func (c compiler) daysSince(column, op string, n int64) expr {
	// days >= n  ⇔  column <= now - n days;  days < n  ⇔  column > now - n days.
	atLeast := func(n int64) expr { return sqlf(column+" <= ?", c.daysAgo(n)) }
	below := func(n int64) expr { return sqlf(column+" > ?", c.daysAgo(n)) }
	switch op {
	case OpGt:
		return atLeast(n + 1)
	case OpGte:
		return atLeast(n)
	case OpLt:
		return below(n)
	case OpLte:
		return below(n + 1)
	case OpEq, OpNe: // ne is the negation of the whole EXISTS, made by the caller
		return join(" AND ", []expr{atLeast(n), below(n + 1)})
	}
	panic("segments: not a comparison: " + op)
}

// shopify wraps cond, over the friend's Shopify customer row (seg_sc), in EXISTS; with
// negate, NOT EXISTS. Friends without Shopify data match neither.
func (c compiler) shopify(negate bool, cond expr) expr {
	inner := sqlf(`SELECT 1 FROM friend_shopify_customers seg_sc WHERE seg_sc.friend_id = friends.id AND (`+cond.sql+`)`, cond.args...)
	if negate {
		// ne: a customer whose value differs, not friends Shopify knows nothing of.
		return sqlf(`EXISTS (SELECT 1 FROM friend_shopify_customers seg_sc WHERE seg_sc.friend_id = friends.id)
			AND NOT EXISTS (`+inner.sql+`)`, inner.args...)
	}
	return sqlf("EXISTS ("+inner.sql+")", inner.args...)
}

// compare is column op value for eq/ne (ne as eq: the caller negates) and the orders.
func compare(column, op string, value any) expr {
	switch op {
	case OpEq, OpNe:
		return sqlf(column+" = ?", value)
	case OpGt:
		return sqlf(column+" > ?", value)
	case OpGte:
		return sqlf(column+" >= ?", value)
	case OpLt:
		return sqlf(column+" < ?", value)
	case OpLte:
		return sqlf(column+" <= ?", value)
	}
	panic("segments: not a comparison: " + op)
}

// property compiles a condition on a HubSpot or Klaviyo property, a row of
// friend_integration_properties: value_text is its text, value_number its number when it
// is one or reads as one.
func (c compiler) property(p parsed) expr {
	has := func(cond expr) expr {
		return sqlf(`EXISTS (SELECT 1 FROM friend_integration_properties seg_p
			WHERE seg_p.friend_id = friends.id AND seg_p.service = ? AND seg_p.name = ? AND (`+cond.sql+`))`,
			append([]any{p.service, p.name}, cond.args...)...)
	}
	equal := func() expr {
		if p.numeric {
			return sqlf("seg_p.value_text = ? OR seg_p.value_number = ?", p.text, p.number)
		}
		return sqlf("seg_p.value_text = ?", p.text)
	}
	switch p.Op {
	case OpEq:
		return has(equal())
	case OpNe:
		return has(equal()).not()
	case OpGt, OpGte, OpLt, OpLte:
		return has(compare("seg_p.value_number", p.Op, p.number))
	case OpExists:
		return has(sqlf("seg_p.value_text <> ''"))
	case OpContainsAny, OpContainsAll, OpContainsNone:
		return c.contains(p, func(sub string) expr {
			return has(sqlf(`LOWER(seg_p.value_text) LIKE LOWER(?) ESCAPE '\'`, likeContains(sub)))
		})
	}
	panic("segments: not a property operator: " + p.Op)
}

// contains compiles contains_any/all/none from "the text contains sub".
func (c compiler) contains(p parsed, holds func(sub string) expr) expr {
	subs := distinct(p.list)
	each := make([]expr, len(subs))
	for i, s := range subs {
		each[i] = holds(s)
	}
	switch p.Op {
	case OpContainsAll:
		return join(" AND ", each)
	case OpContainsNone:
		return join(" OR ", each).not()
	}
	return join(" OR ", each)
}

// field compiles a condition on one of the friend's custom fields (friends.fields, a
// JSON object): the field's name is a bound parameter, a key (PostgreSQL) or a JSON path
// of an identifier (SQLite), never SQL.
//
// eq holds for a text field equal to the value, a number field numerically equal to it
// (the value a number, or text that reads as one), and a true/false field equal to true
// or false (or "true"/"false"); gt to lte hold for number fields; contains_* compare the
// field's text ignoring ASCII case; exists holds for a field set to anything but null or
// "".
func (c compiler) field(p parsed) expr {
	f := c.fieldAccess(p.name)
	switch p.Op {
	case OpEq:
		return f.equal(p)
	case OpNe:
		return sqlf("NOT COALESCE(("+f.equal(p).sql+"), FALSE)", f.equal(p).args...)
	case OpGt, OpGte, OpLt, OpLte:
		n := f.number()
		return compare(n.sql, p.Op, p.number).withArgsFirst(n.args)
	case OpExists:
		t := f.text()
		return sqlf("COALESCE("+t.sql+", '') <> ''", t.args...)
	case OpContainsAny, OpContainsAll, OpContainsNone:
		e := c.contains(p, func(sub string) expr {
			t := f.text()
			return sqlf("COALESCE(LOWER("+t.sql+`) LIKE LOWER(?) ESCAPE '\', FALSE)`, append(t.args, likeContains(sub))...)
		})
		return e
	}
	panic("segments: not a field operator: " + p.Op)
}

// withArgsFirst puts args before e's own: for an expression built around SQL whose
// placeholders come first.
func (e expr) withArgsFirst(args []any) expr {
	return expr{sql: e.sql, args: append(slices.Clone(args), e.args...)}
}

// fieldAccess reads one custom field in the dialect at hand.
type fieldAccess struct {
	dialect dialect
	name    string
}

func (c compiler) fieldAccess(name string) fieldAccess { return fieldAccess{c.dialect, name} }

// path is SQLite's JSON path of the field: the name is an identifier (Validate and
// parseCondition insist), so quoting it cannot be escaped from.
func (f fieldAccess) path() string { return `$."` + f.name + `"` }

// text is the field's text: strings as they are, numbers and true/false written out,
// NULL when the field is absent or null.
func (f fieldAccess) text() expr {
	if f.dialect == sqlite {
		return sqlf(`(CASE json_type(friends.fields, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
			WHEN 'null' THEN NULL ELSE CAST(json_extract(friends.fields, ?) AS TEXT) END)`, f.path(), f.path())
	}
	return sqlf("(friends.fields ->> ?)", f.name)
}

// number is the field's number, NULL unless it holds a number.
func (f fieldAccess) number() expr {
	if f.dialect == sqlite {
		return sqlf(`(CASE WHEN json_type(friends.fields, ?) IN ('integer', 'real')
			THEN json_extract(friends.fields, ?) END)`, f.path(), f.path())
	}
	return sqlf(`(CASE WHEN jsonb_typeof(friends.fields -> ?) = 'number'
		THEN (friends.fields ->> ?)::numeric END)`, f.name, f.name)
}

// equal is the eq test. On PostgreSQL it is JSON containment, which the GIN index on
// friends.fields answers; on SQLite it compares by the field's JSON type.
func (f fieldAccess) equal(p parsed) expr {
	var candidates []any // the JSON values the field may hold to be equal
	candidates = append(candidates, p.text)
	if p.numeric {
		candidates = append(candidates, p.number)
	}
	if p.text == "true" || p.text == "false" {
		candidates = append(candidates, p.text == "true")
	}
	if f.dialect == sqlite {
		var es []expr
		for _, v := range candidates {
			switch v := v.(type) {
			case string:
				es = append(es, sqlf("json_type(friends.fields, ?) = 'text' AND json_extract(friends.fields, ?) = ?", f.path(), f.path(), v))
			case float64:
				es = append(es, sqlf("json_type(friends.fields, ?) IN ('integer', 'real') AND json_extract(friends.fields, ?) = ?", f.path(), f.path(), v))
			case bool:
				es = append(es, sqlf("json_type(friends.fields, ?) = ?", f.path(), fmt.Sprint(v)))
			}
		}
		return join(" OR ", es)
	}
	es := make([]expr, len(candidates))
	for i, v := range candidates {
		doc, _ := json.Marshal(map[string]any{f.name: v}) // strings, finite numbers, bools: cannot fail
		es[i] = sqlf("friends.fields @> CAST(? AS jsonb)", string(doc))
	}
	return join(" OR ", es)
}

// likeContains is the LIKE pattern of "contains s", with s's own % _ and \ literal.
func likeContains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// distinct returns list sorted without repeats, so that equal definitions compile to
// equal SQL.
func distinct(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}
