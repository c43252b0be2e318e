package testenv

// SurveyDefinition is API.md's example journey, complete, without a lineAccountId (each
// test puts in its own account): greet, ask coffee or tea (7 days to answer), sort by
// the answer, tag, and thank. Unit, end-to-end and fault tests run it.
const SurveyDefinition = `{
  "name": "Welcome survey",
  "trigger": {"type": "manual"},
  "start": "hello",
  "nodes": [
    {"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Welcome, {{friend.displayName}}!"}], "next": "ask"},
    {"id": "ask", "type": "question", "message": {"type": "text", "text": "Coffee or tea?"},
     "answer": {"type": "choice", "choices": ["Coffee", "Tea"]}, "saveTo": {"field": "drink"},
     "timeout": "168h", "next": "sort", "invalid": "again", "timedOut": "bye"},
    {"id": "again", "type": "send_message", "messages": [{"type": "text", "text": "Please pick Coffee or Tea."}]},
    {"id": "bye", "type": "send_message", "messages": [{"type": "text", "text": "Maybe next time."}]},
    {"id": "sort", "type": "branch",
     "branches": [{"when": {"field": "drink", "op": "eq", "value": "Coffee"}, "next": "coffee"}], "else": "tea"},
    {"id": "coffee", "type": "tag", "add": ["coffee"], "next": "thanks"},
    {"id": "tea", "type": "tag", "add": ["tea"], "next": "thanks"},
    {"id": "thanks", "type": "send_message", "messages": [{"type": "text", "text": "Enjoy your {{friend.fields.drink}}, {{friend.displayName}}!"}]}
  ]
}`
