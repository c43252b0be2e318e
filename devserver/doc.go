// Package devserver runs a real Temporal server inside the current process, with
// its state in SQLite, and optionally the Temporal Web UI beside it.
//
// It is what `lumo dev` and the end-to-end tests run instead of a Temporal
// cluster: the same go.temporal.io/server code a cluster runs (frontend, history,
// matching and worker services, one history shard), embedded the way temporalite
// and the Temporal CLI's `temporal server start-dev` embed it, plus the Web UI
// from github.com/temporalio/ui-server/v2. Workers and clients talk to it over
// gRPC like to any other Temporal server, so nothing in the engine knows it is
// embedded.
//
// Start returns once an SDK client can use the namespace:
//
//	srv, err := devserver.Start(ctx, devserver.Options{
//		FrontendAddr: "127.0.0.1:7233",
//		UIAddr:       "127.0.0.1:8233",
//		DatabaseFile: "lumo-temporal.db", // "" keeps everything in memory
//		Namespace:    "default",
//		SearchAttributes: map[string]enums.IndexedValueType{
//			"LumoWorkspace": enums.INDEXED_VALUE_TYPE_KEYWORD,
//		},
//	})
//	if err != nil {
//		return err
//	}
//	defer srv.Stop()
//
//	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Namespace: srv.Namespace()})
//
// # Persistence
//
// With a DatabaseFile the schema is created when the file does not exist yet,
// and workflow histories survive a restart. Without one the database lives in
// memory; the server's SQLite driver keeps that memory for the life of the
// process, even after Stop, so tests should not start thousands of servers.
//
// # Search attributes
//
// The namespace gets the custom search attributes of Options.SearchAttributes
// when it is created, and attributes added to the list later are registered on
// the next Start, so an existing database file keeps up with the code. SQLite
// visibility has a fixed number of columns per type: at most 10 Keyword
// attributes and 3 of each other type. An attribute that already exists with
// another type is an error: delete the database file to start over.
//
// # Stopping
//
// Stop releases the ports, so a new server can start on the same addresses at
// once. It cannot release everything: the server never stops the SDK worker of
// its parent-close-policy processor nor closes its internal gRPC clients, so
// each Start and Stop leaves about fifty idle goroutines behind. That is nothing
// for `lumo dev`, which runs one server per process, and little for a test
// binary that starts a handful.
//
// # Ports
//
// The frontend binds FrontendAddr; the history, matching and worker services
// bind free ports on the loopback interface, and their addresses are given to
// the server as static membership, so nothing else on the network is involved.
package devserver
