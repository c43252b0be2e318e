package segments

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary says d's conditions in words, groups separated by ", or " and conditions by
// " and ": `tag "vip" and added after 2026-01-01, or Shopify orders ≥ 3`. A condition
// that does not parse is written as it was given.
func (d Definition) Summary() string {
	groups := make([]string, 0, len(d.Groups))
	for _, g := range d.Groups {
		conds := make([]string, 0, len(g.Conditions))
		for _, c := range g.Conditions {
			conds = append(conds, describe(c))
		}
		groups = append(groups, strings.Join(conds, " and "))
	}
	if len(groups) == 0 {
		return "nobody"
	}
	return strings.Join(groups, ", or ")
}

var serviceNames = map[string]string{ServiceShopify: "Shopify", ServiceHubSpot: "HubSpot", ServiceKlaviyo: "Klaviyo"}

var comparisonWords = map[string]string{
	OpEq: "=", OpNe: "≠", OpGt: ">", OpGte: "≥", OpLt: "<", OpLte: "≤",
}

func describe(c Condition) string {
	p, err := parseCondition(c)
	if err != nil {
		return strings.TrimSpace(fmt.Sprintf("%s %s %s", c.Property, c.Op, string(c.Value)))
	}
	service := serviceNames[p.service]
	switch p.key {
	case PropFriendAddedAt:
		return "added " + describeTime(p)
	case PropTag:
		return describeSet(p, "tag", "tags")
	case PropShopifyTag:
		return describeSet(p, "Shopify tag", "Shopify tags")
	case PropHubSpotList, PropKlaviyoList:
		return describeSet(p, service+" list", service+" lists")
	case PropField:
		return describeValue(p, "field "+p.name)
	case PropHubSpotProperty, PropKlaviyoProperty:
		return describeValue(p, fmt.Sprintf("%s property %q", service, p.name))
	case PropBlocked:
		if p.boolean {
			return "blocked"
		}
		return "not blocked"
	case PropLineAccount:
		switch p.Op {
		case OpEq:
			return fmt.Sprintf("on LINE account %q", p.text)
		case OpNe:
			return fmt.Sprintf("not on LINE account %q", p.text)
		case OpContainsAny:
			return "on one of LINE accounts " + quoteList(p.list)
		default:
			return "on none of LINE accounts " + quoteList(p.list)
		}
	case PropWorkflowEnrolled:
		if p.Op == OpNe {
			return fmt.Sprintf("not enrolled in workflow %q", p.text)
		}
		return fmt.Sprintf("enrolled in workflow %q", p.text)
	case PropWorkflowCompleted:
		if p.Op == OpNe {
			return fmt.Sprintf("has not completed workflow %q", p.text)
		}
		return fmt.Sprintf("completed workflow %q", p.text)
	case PropShopifyIntegrated, PropHubSpotIntegrated, PropKlaviyoIntegrated:
		if p.boolean {
			return "linked to " + service
		}
		return "not linked to " + service
	case PropShopifyOrdersCount:
		return fmt.Sprintf("Shopify orders %s %d", comparisonWords[p.Op], p.whole)
	case PropShopifyDaysSinceLastOrder:
		return fmt.Sprintf("days since last Shopify order %s %d", comparisonWords[p.Op], p.whole)
	case PropShopifyAbandonedCart:
		switch {
		case p.Op == OpWithinDays:
			return fmt.Sprintf("abandoned a Shopify cart in the last %s", days(p.whole))
		case p.boolean:
			return "has an abandoned Shopify cart"
		default:
			return "has no abandoned Shopify cart"
		}
	}
	return c.Property
}

func describeTime(p parsed) string {
	when := p.at.Format("2006-01-02T15:04:05Z07:00")
	if p.dateOnly {
		when = p.at.Format("2006-01-02")
	}
	switch p.Op {
	case OpBefore:
		return "before " + when
	case OpAfter:
		return "after " + when
	}
	return "in the last " + days(p.whole)
}

func describeSet(p parsed, one, many string) string {
	switch p.Op {
	case OpEq:
		return fmt.Sprintf("%s %q", one, p.text)
	case OpNe:
		return fmt.Sprintf("not %s %q", one, p.text)
	case OpContainsAny:
		return fmt.Sprintf("any of %s %s", many, quoteList(p.list))
	case OpContainsAll:
		return fmt.Sprintf("all of %s %s", many, quoteList(p.list))
	}
	return fmt.Sprintf("none of %s %s", many, quoteList(p.list))
}

func describeValue(p parsed, subject string) string {
	switch p.Op {
	case OpEq:
		return fmt.Sprintf("%s is %s", subject, scalarWords(p))
	case OpNe:
		return fmt.Sprintf("%s is not %s", subject, scalarWords(p))
	case OpExists:
		return subject + " is set"
	case OpContainsAny:
		return fmt.Sprintf("%s contains any of %s", subject, quoteList(p.list))
	case OpContainsAll:
		return fmt.Sprintf("%s contains all of %s", subject, quoteList(p.list))
	case OpContainsNone:
		return fmt.Sprintf("%s contains none of %s", subject, quoteList(p.list))
	}
	return fmt.Sprintf("%s %s %s", subject, comparisonWords[p.Op], strconv.FormatFloat(p.number, 'f', -1, 64))
}

// scalarWords writes an eq/ne value as it was given: strings quoted, numbers and
// true/false bare.
func scalarWords(p parsed) string {
	if len(p.Value) > 0 && strings.TrimSpace(string(p.Value))[0] == '"' {
		return strconv.Quote(p.text)
	}
	return p.text
}

func quoteList(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = strconv.Quote(s)
	}
	return strings.Join(quoted, ", ")
}

func days(n int64) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
