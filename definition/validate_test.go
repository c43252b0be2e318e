package definition

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParse_AcceptsValidDefinitions(t *testing.T) {
	for name, data := range validFixtures(t) {
		t.Run(name, func(t *testing.T) {
			mustParse(t, data)
		})
	}
}

// TestParse_ReportsEachRule has a case per validation rule: an input, the path of the
// problem, and a piece of its message.
func TestParse_ReportsEachRule(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	nTimes := func(n int, item string) string {
		items := make([]string, n)
		for i := range items {
			items[i] = item
		}
		return strings.Join(items, ",")
	}
	action := `{"type":"message","label":"Go","text":"go"}`
	question := func(fields string) string {
		return steps(`{"id":"a","type":"question","message":{"type":"text","text":"?"},` + fields + `}`)
	}

	cases := []struct {
		name, input, path, message string
	}{
		// The file.
		{"not JSON", `{"name":`, "definition", "invalid JSON"},
		{"not an object", `[1]`, "definition", "must be a JSON object"},
		{"name required", `{"trigger":{"type":"friend_added"},"start":"a","nodes":[` + hello("a") + `]}`, "name", "required"},
		{"name blank", strings.Replace(steps(hello("a")), `"Test"`, `"  "`, 1), "name", "blank"},
		{"name too long", strings.Replace(steps(hello("a")), `"Test"`, `"`+long(101)+`"`, 1), "name", "101 characters; the limit is 100"},
		{"name one line", strings.Replace(steps(hello("a")), `"Test"`, `"a\nb"`, 1), "name", "one line"},
		{"name of the wrong type", strings.Replace(steps(hello("a")), `"Test"`, `7`, 1), "name", "must be a string, not a number"},
		{"unknown top-level field", strings.Replace(steps(hello("a")), `{"name"`, `{"colour":"red","name"`, 1), "colour", "unknown field"},
		{"a key twice", strings.Replace(steps(hello("a")), `{"name":"Test"`, `{"name":"Test","name":"Again"`, 1), "definition", `duplicate key "name"`},
		{"a key twice in a node", steps(`{"id":"a","type":"delay","duration":"1h","duration":"2h"}`), "nodes[0]", `duplicate key "duration"`},
		{"vars are names", strings.Replace(steps(hello("a")), `"start"`, `"vars":["my var"],"start"`, 1), "vars[0]", "letters, digits and _"},
		{"vars unique", strings.Replace(steps(hello("a")), `"start"`, `"vars":["x","x"],"start"`, 1), "vars", "must not repeat"},
		{"exit conditions known", strings.Replace(steps(hello("a")), `"start"`, `"settings":{"exitOn":["reply"]},"start"`, 1), "settings.exitOn[0]", `"reply" is not one of`},
		{"settings strict", strings.Replace(steps(hello("a")), `"start"`, `"settings":{"exit":[]},"start"`, 1), "settings.exit", "unknown field"},

		// One trigger.
		{"trigger required", `{"name":"T","start":"a","nodes":[` + hello("a") + `]}`, "trigger", "required"},
		{"a triggers list", `{"name":"T","triggers":[{"type":"friend_added"},{"type":"blocked"}],"start":"a","nodes":[` + hello("a") + `]}`, "triggers", "exactly one trigger"},
		{"two trigger objects", `{"name":"T","trigger":{"type":"friend_added"},"trigger":{"type":"blocked"},"start":"a","nodes":[` + hello("a") + `]}`, "trigger", "exactly one trigger, and this file has 2"},
		{"trigger as a list", file(`[{"type":"friend_added"},{"type":"blocked"}]`, hello("a")), "trigger", "exactly one trigger, and this file lists 2"},
		{"trigger type required", file(`{"data":"x"}`, hello("a")), "trigger.type", "required"},
		{"trigger type known", file(`{"type":"friend_joined"}`, hello("a")), "trigger.type", `unknown trigger type "friend_joined"; use one of: friend_added`},
		{"trigger takes only its fields", file(`{"type":"friend_added","data":"x"}`, hello("a")), "trigger.data", "unknown field: a friend_added trigger takes no other fields"},
		{"trigger takes only its fields even empty", file(`{"type":"blocked","qrCodeId":""}`, hello("a")), "trigger.qrCodeId", "unknown field"},
		{"keywords required", file(`{"type":"message_received","match":{"mode":"exact","keywords":[]}}`, hello("a")), "trigger.match.keywords", "needs at least 1 item"},
		{"keywords not blank", file(`{"type":"message_received","match":{"mode":"exact","keywords":["hi"," "]}}`, hello("a")), "trigger.match.keywords[1]", "blank"},
		{"keywords unique", file(`{"type":"message_received","match":{"mode":"exact","keywords":["hi","hi"]}}`, hello("a")), "trigger.match.keywords", "must not repeat"},
		{"match mode known", file(`{"type":"message_received","match":{"mode":"fuzzy","keywords":["hi"]}}`, hello("a")), "trigger.match.mode", `"fuzzy" is not one of: exact, contains, regex`},
		{"match strict", file(`{"type":"message_received","match":{"mode":"exact","keywords":["hi"],"case":true}}`, hello("a")), "trigger.match.case", "unknown field"},
		{"regex compiles", file(`{"type":"message_received","match":{"mode":"regex","keywords":["^hi$","(unclosed"]}}`, hello("a")), "trigger.match.keywords[1]", "not a valid regular expression"},
		{"postback data required", file(`{"type":"postback_received"}`, hello("a")), "trigger.data", "required"},
		{"postback data length", file(`{"type":"postback_received","data":"`+long(301)+`"}`, hello("a")), "trigger.data", "the limit is 300"},
		{"video trackingId required", file(`{"type":"video_view_completed"}`, hello("a")), "trigger.trackingId", "required"},

		// The graph.
		{"a step required", steps(), "nodes", "at least one step"},
		{"nodes an array", `{"name":"T","trigger":{"type":"friend_added"},"start":"a","nodes":{"a":1}}`, "nodes", "must be an array, not an object"},
		{"start required", strings.Replace(steps(hello("a")), `"start":"a",`, ``, 1), "start", "required"},
		{"start names a node", strings.Replace(steps(hello("a")), `"start":"a"`, `"start":"zz"`, 1), "start", `unknown node "zz"`},
		{"outlet names a node", steps(`{"id":"a","type":"delay","duration":"1h","next":"x"}`), "nodes[0].next", `unknown node "x"`},
		{"step is an object", steps(hello("a"), `"b"`), "nodes[1]", "must be an object"},
		{"step type required", steps(hello("a"), `{"id":"b"}`), "nodes[1].type", "required; one of: send_message"},
		{"step type known", steps(`{"id":"a","type":"send_sms"}`), "nodes[0].type", `unknown step type "send_sms"; use one of: send_message, send_auto_message`},
		{"step id required", steps(`{"type":"delay","duration":"1h"}`), "nodes[0].id", "required"},
		{"step id characters", steps(hello("a"), hello("b c")), "nodes[1].id", "letters, digits, _ or -"},
		{"step id too long", steps(hello("a"), hello(long(65))), "nodes[1].id", "1 to 64"},
		{"step id unique", steps(`{"id":"a","type":"delay","duration":"1h","next":"a2"}`, hello("a2"), hello("a2")), "nodes[2].id", `duplicate id "a2": nodes[1] has it too`},
		{"unreachable step", steps(hello("a"), hello("b")), "nodes[1]", "unreachable from start"},
		{"field a kind does not take", steps(`{"id":"a","type":"send_message","messages":[{"type":"text","text":"hi"}],"duration":"1h"}`), "nodes[0].duration", "unknown field: a send_message step takes id, type, next, failed, messages"},
		{"no next on a branch", steps(`{"id":"a","type":"branch","branches":[{"when":{"tag":"x"}}],"next":"a"}`), "nodes[0].next", "unknown field"},
		{"no failed on a delay", steps(`{"id":"a","type":"delay","duration":"1h","failed":"a"}`), "nodes[0].failed", "unknown field"},
		{"no failed on a tag step", steps(`{"id":"a","type":"tag","add":["x"],"failed":""}`), "nodes[0].failed", "unknown field"},
		{"wrong JSON type in a step", steps(`{"id":"a","type":"delay","duration":5}`), "nodes[0].duration", "must be a string, not a number"},
		{"wrong JSON type deep in a step", withMessage(`{"type":"text","text":["hi"]}`), "nodes[0].messages[0].text", "must be a string, not an array"},
		{"loop that never waits", steps(`{"id":"a","type":"tag","add":["x"],"next":"b"}`, `{"id":"b","type":"tag","remove":["x"],"next":"a"}`), "nodes[0]", "workflow loop detected: a → b → a never waits"},
		{"loop through a failed outlet never waits", steps(`{"id":"a","type":"question","message":{"type":"text","text":"?"},"answer":{"type":"text"},"failed":"b"}`, `{"id":"b","type":"tag","add":["x"],"next":"a"}`), "nodes[0]", "a → b → a never waits"},

		// send_message and messages.
		{"messages required", steps(`{"id":"a","type":"send_message"}`), "nodes[0].messages", "required"},
		{"messages not empty", steps(`{"id":"a","type":"send_message","messages":[]}`), "nodes[0].messages", "needs at least 1 item"},
		{"at most 5 messages", steps(`{"id":"a","type":"send_message","messages":[` + nTimes(6, `{"type":"text","text":"hi"}`) + `]}`), "nodes[0].messages", "6 items; the limit is 5"},
		{"message type required", withMessage(`{"text":"hi"}`), "nodes[0].messages[0].type", "required"},
		{"message type known", withMessage(`{"type":"sticker"}`), "nodes[0].messages[0].type", `"sticker" is not one of: text, image, template, flex, product`},
		{"text required", withMessage(`{"type":"text"}`), "nodes[0].messages[0].text", "required"},
		{"text at most 5000", withMessage(`{"type":"text","text":"` + long(5001) + `"}`), "nodes[0].messages[0].text", "5001 characters; the limit is 5000"},
		{"message takes only its type's fields", withMessage(`{"type":"text","text":"hi","originalContentUrl":""}`), "nodes[0].messages[0].originalContentUrl", "unknown field: a text message takes text, quickReply"},
		{"image urls required", withMessage(`{"type":"image","originalContentUrl":"https://e.com/a.jpg"}`), "nodes[0].messages[0].previewImageUrl", "required"},
		{"image urls https", withMessage(`{"type":"image","originalContentUrl":"http://e.com/a.jpg","previewImageUrl":"https://e.com/a.jpg"}`), "nodes[0].messages[0].originalContentUrl", "https://"},
		{"altText required", withMessage(`{"type":"template","template":{"type":"confirm","text":"ok?","actions":[` + action + `,` + action + `]}}`), "nodes[0].messages[0].altText", "required"},
		{"altText at most 400", withMessage(`{"type":"flex","altText":"` + long(401) + `","contents":{"type":"bubble"}}`), "nodes[0].messages[0].altText", "the limit is 400"},
		{"template required", withMessage(`{"type":"template","altText":"x"}`), "nodes[0].messages[0].template", "required"},
		{"template type known", withMessage(`{"type":"template","altText":"x","template":{"type":"image_carousel"}}`), "nodes[0].messages[0].template.type", "is not one of: buttons, confirm, carousel"},
		{"buttons at most 4 actions", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"t","actions":[` + nTimes(5, action) + `]}}`), "nodes[0].messages[0].template.actions", "5 actions; the limit is 4"},
		{"buttons text at most 160", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"` + long(161) + `","actions":[` + action + `]}}`), "nodes[0].messages[0].template.text", "the limit is 160"},
		{"buttons text at most 60 with a title", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","title":"T","text":"` + long(61) + `","actions":[` + action + `]}}`), "nodes[0].messages[0].template.text", "the limit is 60"},
		{"buttons title at most 40", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","title":"` + long(41) + `","text":"t","actions":[` + action + `]}}`), "nodes[0].messages[0].template.title", "the limit is 40"},
		{"buttons background color", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","imageBackgroundColor":"white","text":"t","actions":[` + action + `]}}`), "nodes[0].messages[0].template.imageBackgroundColor", "#RRGGBB"},
		{"confirm exactly 2 actions", withMessage(`{"type":"template","altText":"x","template":{"type":"confirm","text":"ok?","actions":[` + nTimes(3, action) + `]}}`), "nodes[0].messages[0].template.actions", "exactly 2 actions"},
		{"confirm takes only its fields", withMessage(`{"type":"template","altText":"x","template":{"type":"confirm","title":"T","text":"ok?","actions":[` + nTimes(2, action) + `]}}`), "nodes[0].messages[0].template.title", "unknown field: a confirm template takes text, actions"},
		{"carousel at most 10 columns", withMessage(`{"type":"template","altText":"x","template":{"type":"carousel","columns":[` + nTimes(11, `{"text":"t","actions":[`+action+`]}`) + `]}}`), "nodes[0].messages[0].template.columns", "11 columns; the limit is 10"},
		{"carousel column at most 3 actions", withMessage(`{"type":"template","altText":"x","template":{"type":"carousel","columns":[{"text":"t","actions":[` + nTimes(4, action) + `]}]}}`), "nodes[0].messages[0].template.columns[0].actions", "4 actions; the limit is 3"},
		{"carousel columns alike", withMessage(`{"type":"template","altText":"x","template":{"type":"carousel","columns":[{"text":"t","actions":[` + action + `]},{"text":"t","actions":[` + nTimes(2, action) + `]}]}}`), "nodes[0].messages[0].template.columns[1].actions", "same number of actions"},
		{"carousel column text at most 120", withMessage(`{"type":"template","altText":"x","template":{"type":"carousel","columns":[{"text":"` + long(121) + `","actions":[` + action + `]}]}}`), "nodes[0].messages[0].template.columns[0].text", "the limit is 120"},
		{"action label required", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"t","actions":[{"type":"message","text":"go"}]}}`), "nodes[0].messages[0].template.actions[0].label", "required"},
		{"action label at most 20", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"t","actions":[{"type":"message","label":"` + long(21) + `","text":"go"}]}}`), "nodes[0].messages[0].template.actions[0].label", "the limit is 20"},
		{"action type known", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"t","actions":[{"type":"camera","label":"c"}]}}`), "nodes[0].messages[0].template.actions[0].type", "is not one of: message, postback, uri"},
		{"action takes only its fields", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"t","actions":[{"type":"uri","label":"c","uri":"https://e.com","data":"x"}]}}`), "nodes[0].messages[0].template.actions[0].data", "unknown field: a uri action takes label, uri"},
		{"postback data required", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"t","actions":[{"type":"postback","label":"c"}]}}`), "nodes[0].messages[0].template.actions[0].data", "required"},
		{"uri scheme", withMessage(`{"type":"template","altText":"x","template":{"type":"buttons","text":"t","actions":[{"type":"uri","label":"c","uri":"ftp://e.com/f"}]}}`), "nodes[0].messages[0].template.actions[0].uri", "http, https, line or tel"},
		{"flex contents required", withMessage(`{"type":"flex","altText":"x"}`), "nodes[0].messages[0].contents", "required"},
		{"flex contents an object", withMessage(`{"type":"flex","altText":"x","contents":"bubble"}`), "nodes[0].messages[0].contents", "flex container object"},
		{"flex contents bubble or carousel", withMessage(`{"type":"flex","altText":"x","contents":{"type":"box"}}`), "nodes[0].messages[0].contents.type", `"bubble" or "carousel"`},
		{"flex carousel of bubbles", withMessage(`{"type":"flex","altText":"x","contents":{"type":"carousel","contents":[{"type":"box"}]}}`), "nodes[0].messages[0].contents.contents[0].type", `must be "bubble"`},
		{"flex placeholders", withMessage(`{"type":"flex","altText":"x","contents":{"type":"bubble","body":{"type":"text","text":"{{friend.age}}"}}}`), "nodes[0].messages[0].contents.body.text", `unknown name "friend.age"`},
		{"product price required", withMessage(`{"type":"product","title":"Tea","imageUrl":"https://e.com/t.jpg","url":"https://e.com/t"}`), "nodes[0].messages[0].price", "required"},
		{"product url http", withMessage(`{"type":"product","title":"Tea","price":"¥1","imageUrl":"https://e.com/t.jpg","url":"e.com/t"}`), "nodes[0].messages[0].url", "http:// or https://"},
		{"quick reply at most 13", withMessage(`{"type":"text","text":"hi","quickReply":{"items":[` + nTimes(14, `{"type":"action","action":`+action+`}`) + `]}}`), "nodes[0].messages[0].quickReply.items", "14 items; the limit is 13"},
		{"quick reply items required", withMessage(`{"type":"text","text":"hi","quickReply":{"items":[]}}`), "nodes[0].messages[0].quickReply.items", "needs at least 1 item"},
		{"quick reply item type", withMessage(`{"type":"text","text":"hi","quickReply":{"items":[{"type":"button","action":` + action + `}]}}`), "nodes[0].messages[0].quickReply.items[0].type", `must be "action"`},
		{"quick reply postback displayText", withMessage(`{"type":"text","text":"hi","quickReply":{"items":[{"type":"action","action":{"type":"postback","label":"a","data":"d"}}]}}`), "nodes[0].messages[0].quickReply.items[0].action.displayText", "required"},

		// Placeholders.
		{"placeholder friend property", withMessage(`{"type":"text","text":"Hi {{friend.nickname}}"}`), "nodes[0].messages[0].text", `unknown name "friend.nickname"; friend has displayName, lineUserId, pictureUrl, language`},
		{"placeholder field name", withMessage(`{"type":"text","text":"Hi {{friend.fields.2nd}}"}`), "nodes[0].messages[0].text", `"friend.fields.2nd" is not a name`},
		{"placeholder var declared", withMessage(`{"type":"text","text":"Code {{vars.coupon}}"}`), "nodes[0].messages[0].text", `declare "coupon" in vars`},
		{"placeholder trigger property", withMessage(`{"type":"text","text":"You said {{trigger.text}}"}`), "nodes[0].messages[0].text", `a friend_added trigger provides isUnblocked`},
		{"placeholder trigger of another type", file(`{"type":"shopify.purchase"}`, `{"id":"a","type":"send_message","messages":[{"type":"text","text":"{{trigger.checkoutUrl}}"}]}`), "nodes[0].messages[0].text", "provides orderId"},
		{"placeholder root", withMessage(`{"type":"text","text":"{{shop.name}}"}`), "nodes[0].messages[0].text", "names start with friend., trigger. or vars."},
		{"placeholder unclosed", withMessage(`{"type":"text","text":"Hi {{friend.displayName"}`), "nodes[0].messages[0].text", `unclosed "{{" at character 4`},
		{"placeholder empty", withMessage(`{"type":"text","text":"Hi {{ }}"}`), "nodes[0].messages[0].text", "empty placeholder"},
		{"answer only in saveTo.tag", withMessage(`{"type":"text","text":"{{answer}}"}`), "nodes[0].messages[0].text", "only known in a question's saveTo.tag"},
		{"placeholder in a URL", withMessage(`{"type":"image","originalContentUrl":"https://e.com/{{vars.img}}.jpg","previewImageUrl":"https://e.com/p.jpg"}`), "nodes[0].messages[0].originalContentUrl", `declare "img" in vars`},

		// send_auto_message.
		{"auto message required", steps(`{"id":"a","type":"send_auto_message"}`), "nodes[0].autoMessageId", "required"},

		// question.
		{"question message required", steps(`{"id":"a","type":"question","answer":{"type":"text"}}`), "nodes[0].message", "required"},
		{"question message checked", steps(`{"id":"a","type":"question","message":{"type":"text"},"answer":{"type":"text"}}`), "nodes[0].message.text", "required"},
		{"answer required", steps(`{"id":"a","type":"question","message":{"type":"text","text":"?"}}`), "nodes[0].answer", "required"},
		{"answer type known", question(`"answer":{"type":"color"}`), "nodes[0].answer.type", `"color" is not one of: text, number, email, phone, date, choice`},
		{"choices required", question(`"answer":{"type":"choice"}`), "nodes[0].answer.choices", "at least 1 choice"},
		{"choices at most 13", question(`"answer":{"type":"choice","choices":["c1","c2","c3","c4","c5","c6","c7","c8","c9","c10","c11","c12","c13","c14"]}`), "nodes[0].answer.choices", "14 items; the limit is 13"},
		{"choices unique", question(`"answer":{"type":"choice","choices":["Tea","Tea"]}`), "nodes[0].answer.choices", "must not repeat"},
		{"choices not blank", question(`"answer":{"type":"choice","choices":["Tea",""]}`), "nodes[0].answer.choices[1]", "blank"},
		{"choices at most 20 characters", question(`"answer":{"type":"choice","choices":["` + long(21) + `"]}`), "nodes[0].answer.choices[0]", "the limit is 20"},
		{"choices only on a choice answer", question(`"answer":{"type":"text","choices":["a"]}`), "nodes[0].answer.choices", "unknown field: a text answer takes no other fields"},
		{"min and max only on a number", question(`"answer":{"type":"email","min":1}`), "nodes[0].answer.min", "unknown field"},
		{"min not above max", question(`"answer":{"type":"number","min":5,"max":1}`), "nodes[0].answer.min", "min 5 is greater than max 1"},
		{"saveTo one form", question(`"answer":{"type":"text"},"saveTo":{"field":"drink","tag":"x"}`), "nodes[0].saveTo", "exactly one of field, tag, tagPrefix"},
		{"saveTo field a name", question(`"answer":{"type":"text"},"saveTo":{"field":"my drink"}`), "nodes[0].saveTo.field", "letters, digits and _"},
		{"saveTo strict", question(`"answer":{"type":"text"},"saveTo":{"list":"x"}`), "nodes[0].saveTo.list", "unknown field"},
		{"timeout a duration", question(`"answer":{"type":"text"},"timeout":"a week"`), "nodes[0].timeout", "Go duration"},
		{"timeout at most 7 days", question(`"answer":{"type":"text"},"timeout":"169h"`), "nodes[0].timeout", `at most "168h" (7 days)`},
		{"timeout positive", question(`"answer":{"type":"text"},"timeout":"0s"`), "nodes[0].timeout", "at least 1s"},
		{"timeout not negative", question(`"answer":{"type":"text"},"timeout":"-1h"`), "nodes[0].timeout", "at least 1s"},

		// branch and conditions.
		{"branches required", steps(`{"id":"a","type":"branch","else":"a"}`), "nodes[0].branches", "required"},
		{"at most 20 branches", steps(`{"id":"a","type":"branch","branches":[` + nTimes(21, `{"when":{"tag":"x"}}`) + `]}`), "nodes[0].branches", "21 items; the limit is 20"},
		{"branch next names a node", steps(`{"id":"a","type":"branch","branches":[{"when":{"tag":"x"},"next":"nowhere"}]}`), "nodes[0].branches[0].next", `unknown node "nowhere"`},
		{"else names a node", steps(`{"id":"a","type":"branch","branches":[{"when":{"tag":"x"}}],"else":"nowhere"}`), "nodes[0].else", `unknown node "nowhere"`},
		{"condition has a form", withCondition(`{}`), "nodes[0].branches[0].when", "needs exactly one of: tag, notTag, segment, field, trigger, all, any"},
		{"trigger condition names what the trigger provides", withCondition(`{"trigger":"text","op":"eq","value":"hi"}`), "nodes[0].branches[0].when.trigger", `unknown trigger value "text": a friend_added trigger provides isUnblocked`},
		{"trigger condition has an op", withCondition(`{"trigger":"isUnblocked","value":true}`), "nodes[0].branches[0].when.op", "required"},
		{"trigger and field are two forms", withCondition(`{"trigger":"isUnblocked","field":"x","op":"eq","value":true}`), "nodes[0].branches[0].when", "several forms (field, trigger)"},
		{"condition has one form", withCondition(`{"tag":"vip","segment":"s"}`), "nodes[0].branches[0].when", "several forms (tag, segment)"},
		{"condition strict", withCondition(`{"label":"vip"}`), "nodes[0].branches[0].when.label", "unknown field"},
		{"condition op known", withCondition(`{"field":"age","op":"between","value":3}`), "nodes[0].branches[0].when.op", `"between" is not one of: eq, ne`},
		{"condition op required", withCondition(`{"field":"age","value":3}`), "nodes[0].branches[0].when.op", "required"},
		{"condition field required", withCondition(`{"op":"eq","value":3}`), "nodes[0].branches[0].when.field", "required"},
		{"condition value required", withCondition(`{"field":"age","op":"gt"}`), "nodes[0].branches[0].when.value", "required"},
		{"condition value a scalar", withCondition(`{"field":"age","op":"eq","value":{"n":1}}`), "nodes[0].branches[0].when.value", "a string, a number or true/false"},
		{"exists takes no value", withCondition(`{"field":"age","op":"exists","value":1}`), "nodes[0].branches[0].when.value", "exists takes no value"},
		{"all not empty", withCondition(`{"all":[]}`), "nodes[0].branches[0].when.all", "at least 1 condition"},
		{"any checks each", withCondition(`{"any":[{"tag":"a"},{}]}`), "nodes[0].branches[0].when.any[1]", "needs exactly one of"},
		{"conditions nest at most 5 deep", withCondition(`{"all":[{"all":[{"all":[{"all":[{"all":[{"tag":"x"}]}]}]}]}]}`), "nodes[0].branches[0].when.all[0].all[0].all[0].all[0].all[0]", "nest at most 5 deep"},

		// delay.
		{"duration required", steps(`{"id":"a","type":"delay"}`), "nodes[0].duration", "required"},
		{"duration a Go duration", steps(`{"id":"a","type":"delay","duration":"1 day"}`), "nodes[0].duration", "Go duration"},
		{"duration at most 90 days", steps(`{"id":"a","type":"delay","duration":"2161h"}`), "nodes[0].duration", `at most "2160h" (90 days)`},

		// tag.
		{"tag step changes a tag", steps(`{"id":"a","type":"tag"}`), "nodes[0]", "at least one tag"},
		{"tag names not blank", steps(`{"id":"a","type":"tag","add":[" "]}`), "nodes[0].add[0]", "blank"},
		{"tag names unique", steps(`{"id":"a","type":"tag","add":["x","x"]}`), "nodes[0].add", "must not repeat"},
		{"tag added and removed", steps(`{"id":"a","type":"tag","add":["x"],"remove":["x"]}`), "nodes[0].remove", `adds and removes the same tag "x"`},

		// rich_menu.
		{"rich menu action required", steps(`{"id":"a","type":"rich_menu"}`), "nodes[0].action", "required"},
		{"rich menu action known", steps(`{"id":"a","type":"rich_menu","action":"swap"}`), "nodes[0].action", "is not one of: link, unlink"},
		{"rich menu id for link", steps(`{"id":"a","type":"rich_menu","action":"link"}`), "nodes[0].richMenuId", "required"},
		{"rich menu id format", steps(`{"id":"a","type":"rich_menu","action":"link","richMenuId":"menu-1"}`), "nodes[0].richMenuId", `"richmenu-" and 32 hexadecimal digits`},
		{"no rich menu id to unlink", steps(`{"id":"a","type":"rich_menu","action":"unlink","richMenuId":"richmenu-0123456789abcdef0123456789abcdef"}`), "nodes[0].richMenuId", "only a link action"},

		// customer_agent.
		{"agent endpoint required", steps(`{"id":"a","type":"customer_agent"}`), "nodes[0].endpoint", "required"},
		{"agent endpoint http", steps(`{"id":"a","type":"customer_agent","endpoint":"ws://ai.example.com"}`), "nodes[0].endpoint", "http:// or https://"},
		{"agent endpoint without placeholders", steps(`{"id":"a","type":"customer_agent","endpoint":"https://{{vars.host}}/v1"}`), "nodes[0].endpoint", "http:// or https://"},
		{"agent timeout at most 7 days", steps(`{"id":"a","type":"customer_agent","endpoint":"https://ai.example.com","timeout":"200h"}`), "nodes[0].timeout", `"168h" (7 days)`},
		{"agent secretRef a name", steps(`{"id":"a","type":"customer_agent","endpoint":"https://ai.example.com","secretRef":"sk-live key"}`), "nodes[0].secretRef", "letters, digits, _ or -"},

		// send_data.
		{"send data url required", steps(`{"id":"a","type":"send_data"}`), "nodes[0].url", "required"},
		{"send data url http", steps(`{"id":"a","type":"send_data","url":"mailto:x@example.com"}`), "nodes[0].url", "http:// or https://"},
		{"send data url template in the host", steps(`{"id":"a","type":"send_data","url":"https://{{friend.fields.site}}/hook"}`), "nodes[0].url", "scheme, host and port must be written out"},
		{"send data url that is a template", steps(`{"id":"a","type":"send_data","url":"{{friend.fields.site}}"}`), "nodes[0].url", "scheme, host and port must be written out"},
		{"send data url template in the scheme", steps(`{"id":"a","type":"send_data","url":"{{vars.scheme}}://hooks.example/x"}`), "nodes[0].url", "scheme, host and port must be written out"},
		{"send data url template in the port", steps(`{"id":"a","type":"send_data","url":"https://hooks.example:{{vars.port}}/x"}`), "nodes[0].url", "scheme, host and port must be written out"},
		{"send data url template in part of the host", steps(`{"id":"a","type":"send_data","url":"https://{{vars.shop}}.hooks.example/x"}`), "nodes[0].url", "scheme, host and port must be written out"},
		{"send data url template after user info", steps(`{"id":"a","type":"send_data","url":"https://hooks.example@{{vars.host}}/x"}`), "nodes[0].url", "scheme, host and port must be written out"},
		{"send data url credentials", steps(`{"id":"a","type":"send_data","url":"https://user:pass@hooks.example/x"}`), "nodes[0].url", "credentials"},
		{"send data url user only", steps(`{"id":"a","type":"send_data","url":"https://token@hooks.example/x"}`), "nodes[0].url", "credentials"},
		{"send data url template over http", steps(`{"id":"a","type":"send_data","url":"http://hooks.example/u/{{friend.lineUserId}}"}`), "nodes[0].url", "https://"},
		{"send data url template in a query name", steps(`{"id":"a","type":"send_data","url":"https://hooks.example/x?{{vars.k}}=1"}`), "nodes[0].url", "query value"},
		{"send data url fragment", steps(`{"id":"a","type":"send_data","url":"https://hooks.example/x#top"}`), "nodes[0].url", "#fragment"},
		{"send data url dot segments", steps(`{"id":"a","type":"send_data","url":"https://hooks.example/a/../admin"}`), "nodes[0].url", ". or .. segment"},
		{"send data url encoded dot segments", steps(`{"id":"a","type":"send_data","url":"https://hooks.example/a/%2e%2E/admin"}`), "nodes[0].url", ". or .. segment"},
		{"send data url no host", steps(`{"id":"a","type":"send_data","url":"https:///x"}`), "nodes[0].url", "host"},
		{"send data url host name", steps(`{"id":"a","type":"send_data","url":"https://hooks_example\\x/y"}`), "nodes[0].url", "host"},
		{"send data payload keys", steps(`{"id":"a","type":"send_data","url":"https://e.com","payload":{"user id":"x"}}`), "nodes[0].payload[user id]", "letters, digits, _ or -"},
		{"send data payload placeholders", steps(`{"id":"a","type":"send_data","url":"https://e.com","payload":{"u":"{{friend.id}}"}}`), "nodes[0].payload[u]", `unknown name "friend.id"`},
		{"send data payload strings", steps(`{"id":"a","type":"send_data","url":"https://e.com","payload":{"n":1}}`), "nodes[0].payload[n]", "must be a string, not a number"},

		// start_workflow.
		{"workflow required", steps(`{"id":"a","type":"start_workflow"}`), "nodes[0].workflowId", "required"},
		{"workflow vars are names", steps(`{"id":"a","type":"start_workflow","workflowId":"wf","vars":{"1x":"y"}}`), "nodes[0].vars[1x]", "letters, digits and _"},

		// HubSpot and Klaviyo.
		{"hubspot property required", steps(`{"id":"a","type":"hubspot.update_property","value":"x"}`), "nodes[0].property", "required"},
		{"hubspot property internal name", steps(`{"id":"a","type":"hubspot.update_property","property":"Favorite Drink","value":"x"}`), "nodes[0].property", "HubSpot internal property name"},
		{"hubspot list numeric", steps(`{"id":"a","type":"hubspot.add_to_list","listId":"abc"}`), "nodes[0].listId", "digits only"},
		{"klaviyo property required", steps(`{"id":"a","type":"klaviyo.update_property"}`), "nodes[0].property", "required"},
		{"klaviyo list id", steps(`{"id":"a","type":"klaviyo.add_to_list","listId":"Xy-12"}`), "nodes[0].listId", "letters and digits only"},
		{"klaviyo list required", steps(`{"id":"a","type":"klaviyo.add_to_list"}`), "nodes[0].listId", "required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := Parse([]byte(tc.input), DefaultLimits)
			if os.Getenv("DUMP") != "" {
				fmt.Printf("%s\n%s", tc.name, describe(problems))
			}
			for _, p := range problems.At(tc.path) {
				if strings.Contains(p.Message, tc.message) {
					return
				}
			}
			t.Errorf("want a problem at %q containing %q; got:\n%s", tc.path, tc.message, describe(problems))
		})
	}
}

func TestParse_ReportsEveryTriggerTypeFieldRule(t *testing.T) {
	for _, typ := range TriggerTypes() {
		t.Run(typ, func(t *testing.T) {
			trigger := fmt.Sprintf(`{"type":%q}`, typ)
			switch typ {
			case TriggerPostbackReceived:
				trigger = `{"type":"postback_received","data":"x"}`
			case TriggerVideoViewCompleted:
				trigger = `{"type":"video_view_completed","trackingId":"v1"}`
			}
			mustParse(t, []byte(file(trigger, hello("a"))))
		})
	}
}

// TestParse_RefusesControlAndDirectionCharactersInNamesAndTags: every tag a definition
// names (a tag step's, a question's saveTo, a condition's) and its name hold one line of
// plain text: no control characters, line breaks or invisible direction marks.
func TestParse_RefusesControlAndDirectionCharactersInNamesAndTags(t *testing.T) {
	question := func(saveTo string) string {
		return steps(`{"id":"a","type":"question","message":{"type":"text","text":"?"},"answer":{"type":"text"},"saveTo":` + saveTo + `}`)
	}
	places := []struct {
		name, path string
		input      func(bad string) string
	}{
		{"name", "name", func(bad string) string { return strings.Replace(steps(hello("a")), `"Test"`, bad, 1) }},
		{"tag step adds", "nodes[0].add[0]", func(bad string) string { return steps(`{"id":"a","type":"tag","add":[` + bad + `]}`) }},
		{"tag step removes", "nodes[0].remove[0]", func(bad string) string { return steps(`{"id":"a","type":"tag","remove":[` + bad + `]}`) }},
		{"saveTo tag", "nodes[0].saveTo.tag", func(bad string) string { return question(`{"tag":` + bad + `}`) }},
		{"saveTo tagPrefix", "nodes[0].saveTo.tagPrefix", func(bad string) string { return question(`{"tagPrefix":` + bad + `}`) }},
		{"condition tag", "nodes[0].branches[0].when.tag", func(bad string) string {
			return steps(`{"id":"a","type":"branch","branches":[{"when":{"tag":` + bad + `}}]}`)
		}},
		{"condition notTag", "nodes[0].branches[0].when.notTag", func(bad string) string {
			return steps(`{"id":"a","type":"branch","branches":[{"when":{"notTag":` + bad + `}}]}`)
		}},
	}
	// As JSON escapes: the file is text, and these are what a pasted name carries.
	characters := []string{`\u0000`, `\u0009`, `\n`, `\r`, `\u001f`, `\u007f`, `\u0085`, `\u009f`,
		`\u202a`, `\u202e`, `\u2066`, `\u2069`, `\u200e`, `\u200f`, `\ufeff`}
	for _, place := range places {
		for _, char := range characters {
			t.Run(place.name+"/"+char, func(t *testing.T) {
				_, problems := Parse([]byte(place.input(`"vip`+char+`gold"`)), DefaultLimits)
				for _, p := range problems.At(place.path) {
					if strings.Contains(p.Message, "U+") && strings.Contains(p.Message, "at character 4") {
						return
					}
				}
				t.Errorf("want a problem at %q naming the character; got:\n%s", place.path, describe(problems))
			})
		}
	}
}
