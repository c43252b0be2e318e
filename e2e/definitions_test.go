package e2e_test

// shortSurveyDoc asks with a one-second timeout, to time out for real.
const shortSurveyDoc = `{
  "name": "Quick question",
  "trigger": {"type": "manual"},
  "start": "ask",
  "nodes": [
    {"id": "ask", "type": "question", "message": {"type": "text", "text": "Still there?"},
     "answer": {"type": "text"}, "saveTo": {"tag": "here"}, "timeout": "1s", "next": "thanks", "timedOut": "bye"},
    {"id": "thanks", "type": "send_message", "messages": [{"type": "text", "text": "Thanks!"}]},
    {"id": "bye", "type": "send_message", "messages": [{"type": "text", "text": "Bye for now."}]}
  ]
}`

// delayDoc waits, switches the rich menu, and moves tags.
const delayDoc = `{
  "name": "Later menu",
  "trigger": {"type": "manual"},
  "start": "wait",
  "nodes": [
    {"id": "wait", "type": "delay", "duration": "1s", "next": "menu"},
    {"id": "menu", "type": "rich_menu", "action": "unlink", "next": "retag"},
    {"id": "retag", "type": "tag", "add": ["later"], "remove": ["coffee"], "next": "done"},
    {"id": "done", "type": "send_message", "messages": [{"type": "text", "text": "Your menu changed."}]}
  ]
}`

// exitDoc greets, waits a day and asks; a message from the friend ends it early.
const exitDoc = `{
  "name": "Patient survey",
  "trigger": {"type": "manual"},
  "settings": {"exitOn": ["incoming_message"]},
  "start": "hello",
  "nodes": [
    {"id": "hello", "type": "send_message", "messages": [{"type": "text", "text": "Hello!"}], "next": "pause"},
    {"id": "pause", "type": "delay", "duration": "24h", "next": "ask"},
    {"id": "ask", "type": "question", "message": {"type": "text", "text": "How was it?"},
     "answer": {"type": "text"}, "saveTo": {"field": "review"}, "next": "thanks"},
    {"id": "thanks", "type": "send_message", "messages": [{"type": "text", "text": "Thanks!"}]}
  ]
}`
