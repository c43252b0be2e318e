// Package faults holds the fault suite: end-to-end tests that break what the product
// runs on while friends go through their journeys, and check that no message is lost or
// sent twice. It has no code of its own, only tests; run them with
//
//	go test ./faults
//
// Each test gets a fresh PostgreSQL database and the fake LINE (internal/linefake); the
// package shares one in-process Temporal server (internal/temporaltest). The product's
// processes are the real ones: the test binary runs itself again as `lumo worker` or
// `lumo api` (app.RunWorker, app.RunAPI, configured through the environment exactly as
// cmd/lumo is), so a test can SIGKILL them and start them again.
//
//	TestWorkerKilled_...   the worker, a process of its own, is killed ten times while 200
//	                       journeys run (send, question, branch, tag, send)
//	TestWorkerKilled_TwiceWhileABroadcast...
//	                       the worker is killed twice while a broadcast to 2,000 friends
//	                       sends; each friend gets it once, and its progress adds up at
//	                       every read
//	TestAPIKilled_...      the API, a process of its own, is killed while LINE webhooks
//	                       arrive; deliveries that got no 200 are redelivered, as LINE does
//	TestLineFaults_...     one LINE call in five fails: 5xx, 429 with Retry-After, 3-second
//	                       stalls, before and after LINE did the work
//	TestPostgresRestart_.. PostgreSQL is stopped and started again with runs parked and in
//	                       flight
//
// Every test compares each friend's messages, as the fake LINE recorded them, with the
// exact list the journey sends: a message lost, doubled or out of order fails it.
//
// The PostgreSQL test restarts the server every other package's tests use, so it runs
// only with LUMO_FAULTS_RESTART_POSTGRES=1, which scripts/test sets in a step of its own
// after the rest of the tests. It needs pg_ctlcluster and the right to use it (root or
// the cluster's owner), and skips, saying why, without them.
package faults
