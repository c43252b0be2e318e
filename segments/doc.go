// Package segments is the segment language: a saved audience described as condition
// groups over a workspace's friends, its validation, its description in words, and its
// compiler to SQL.
//
// A Definition is a list of groups; a friend is a member when every condition of at
// least one group holds (AND inside a group, OR across groups):
//
//	{"groups": [
//	  {"conditions": [
//	    {"property": "tag", "op": "contains_any", "value": ["vip", "gold"]},
//	    {"property": "friend_added_at", "op": "after", "value": "2026-01-01"}
//	  ]},
//	  {"conditions": [
//	    {"property": "shopify.orders_count", "op": "gte", "value": 3}
//	  ]}
//	]}
//
// Properties and operators come from closed lists (Properties, and the operators each
// property takes), and each value is checked for its property and operator: Validate
// names every problem by its path ("groups[1].conditions[0].value"). Conditions on a
// service the workspace has not connected (shopify.*, hubspot.*, klaviyo.*) are refused.
//
// Where turns a Definition into the WHERE clauses of a query over the friends table
// (which must be named, or aliased, "friends"). The same compiler serves PostgreSQL and
// SQLite: it uses EXISTS subqueries over the tag, execution and integration tables and
// only the JSON functions that differ between the two, and every value, tag name and
// field name reaches the database as a bound parameter, never as SQL text.
//
//	var n int64
//	err := segments.Where(db.Table("friends"), workspaceID, def).Count(&n).Error
//
// The package reads no rows itself; package models runs the queries (Store.CountSegment,
// Store.IsSegmentMember, Store.SegmentRecipients) and owns the tables they read.
package segments
