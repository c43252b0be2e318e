// Package definition is the workflow definition language: the JSON a marketer's editor
// saves, the API validates and the interpreter walks. It is plain data with its own
// validation and imports neither Temporal nor the database; the API and the
// interpreter depend on it, never the other way round.
//
// # A definition
//
// A workflow is one trigger and a graph of steps (nodes). Each node has a unique id, a
// type (its kind) and outlets naming the node to go to next; an absent outlet ends the
// run there.
//
//	{
//	  "name": "Welcome survey",
//	  "trigger": {"type": "friend_added"},
//	  "start": "hello",
//	  "nodes": [
//	    {"id": "hello", "type": "send_message",
//	     "messages": [{"type": "text", "text": "Welcome, {{friend.displayName}}!"}],
//	     "next": "ask"},
//	    {"id": "ask", "type": "question",
//	     "message": {"type": "text", "text": "Coffee or tea?"},
//	     "answer": {"type": "choice", "choices": ["Coffee", "Tea"]},
//	     "saveTo": {"field": "drink"}, "timeout": "168h",
//	     "next": "sort", "invalid": "ask", "timedOut": "bye"},
//	    {"id": "sort", "type": "branch",
//	     "branches": [{"when": {"field": "drink", "op": "eq", "value": "Coffee"}, "next": "coffee"}],
//	     "else": "bye"},
//	    {"id": "coffee", "type": "tag", "add": ["coffee"], "next": "bye"},
//	    {"id": "bye", "type": "send_message", "messages": [{"type": "text", "text": "Thanks!"}]}
//	  ]
//	}
//
// Top-level fields: name (required), description, lineAccountId, trigger, start, nodes,
// vars (names a caller may pass at enrollment, for {{vars.X}}) and settings
// ({"exitOn": ["incoming_message", "manual_message", "shopify.purchase"]}: events that
// end a friend's run early).
//
// # Triggers
//
//	{"type": "friend_added"}
//	{"type": "message_received", "match": {"mode": "exact"|"contains"|"regex", "keywords": ["..."]}}
//	{"type": "postback_received", "data": "prefix"}
//	{"type": "qr_code_scanned", "qrCodeId": "..."}      (qrCodeId optional: any QR code)
//	{"type": "video_view_completed", "trackingId": "..."}
//	{"type": "blocked"}, {"type": "manual"}
//	{"type": "shopify.cart_abandoned"|"shopify.restock"|"shopify.purchase"|
//	         "shopify.shipping_completed"|"shopify.browsing_reminder"}
//	{"type": "klaviyo.flow_webhook"}, {"type": "hubspot.workflow_action"}
//
// A workflow has exactly one trigger; a field its type does not take is an unknown
// field. TriggerProvides lists the {{trigger.X}} names each type fills in.
//
// # Steps
//
// Every kind takes id, type and next, except branch (branches[].next and else); kinds
// that call another system also take failed. The kinds, with their own fields:
//
//	send_message             messages (1 to 5 LINE messages)
//	send_auto_message        autoMessageId
//	question                 message, answer {type, choices, min, max}, saveTo, timeout,
//	                         invalid, timedOut
//	branch                   branches [{when, next}] (1 to 20), else
//	delay                    duration (1s to 2160h, 90 days)
//	tag                      add, remove
//	rich_menu                action (link, unlink), richMenuId
//	customer_agent           endpoint, model, systemPrompt, handBackKeyword, timeout, secretRef
//	send_data                url, payload, secretRef
//	start_workflow           workflowId, vars
//	hubspot.update_property  property, value
//	hubspot.add_to_list      listId
//	klaviyo.update_property  property, value
//	klaviyo.add_to_list      listId
//
// Messages are LINE's message objects (text, image, template with buttons, confirm or
// carousel, flex) plus Lumo's product card, each optionally with a quickReply; see
// Message. Branch conditions are described at Condition, saveTo at SaveTo.
//
// # Texts
//
// Texts shown to friends may hold placeholders: {{friend.displayName}},
// {{friend.fields.X}}, {{trigger.X}}, {{vars.X}}. Validation reports names that cannot
// be known; Render fills them in, an unknown name with nothing.
//
// # Reading, checking and writing
//
// Parse reads a file strictly (unknown fields, duplicate keys, wrong JSON types are
// problems) and checks everything that needs no workspace, reporting every problem at
// once by JSON path, the way the API answers with 422:
//
//	d, problems := definition.Parse(body, definition.DefaultLimits)
//	if d == nil { ... } // not a JSON object, or too large
//	problems = append(problems, definition.CheckReferences(d.References(), workspace.Has)...)
//
// The checks include a limit of 100 steps and 400 KB, node IDs, outlets naming nodes,
// steps unreachable from start, and loops a run could go round without ever waiting
// (Loops). FindWorkflowCycle finds workflows that start each other in a circle.
//
// Marshal writes a definition back as canonical JSON; Parse(Marshal(d)) equals d. A
// Definition also travels through encoding/json as it is (for Temporal payloads).
//
// Templates lists built-in workflows to start from (templates/*.json).
package definition
