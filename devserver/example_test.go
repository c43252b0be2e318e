package devserver_test

import (
	"context"
	"log"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/lumoworkflows/lumo/devserver"
)

// A server with the Web UI, its state kept in a file across runs.
func Example() {
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Options{
		FrontendAddr: "127.0.0.1:7233",
		UIAddr:       "127.0.0.1:8233",
		DatabaseFile: "lumo-temporal.db",
		Namespace:    "default",
		SearchAttributes: map[string]enums.IndexedValueType{
			"LumoWorkspace": enums.INDEXED_VALUE_TYPE_KEYWORD,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Stop()
	log.Printf("Temporal at %s, Web UI at %s", srv.FrontendAddr(), srv.UIURL())

	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Namespace: srv.Namespace()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// Register workers and start workflows with c.
}
