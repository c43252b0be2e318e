package devserver

import (
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

// internalServices run beside the frontend, each on a port of its own.
var internalServices = []primitives.ServiceName{
	primitives.HistoryService,
	primitives.MatchingService,
	primitives.WorkerService,
}

// internalEndpoints picks free loopback ports for the services only the server
// itself talks to, so they are never exposed, whatever the frontend binds.
func internalEndpoints() (map[primitives.ServiceName]endpoint, error) {
	eps := make(map[primitives.ServiceName]endpoint, len(internalServices))
	for _, svc := range internalServices {
		addr, err := FreeAddr("127.0.0.1")
		if err != nil {
			return nil, err
		}
		ep, err := parseEndpoint(addr)
		if err != nil {
			return nil, err
		}
		eps[svc] = ep
	}
	return eps, nil
}

// serverOptions configures one process running all four services on SQLite,
// as a single-node, single-cluster deployment with static membership.
func serverOptions(
	front endpoint,
	frontHTTP endpoint,
	internal map[primitives.ServiceName]endpoint,
	sql *config.SQL,
	logger serverLogger,
	dynamic map[string]any,
) []temporal.ServerOption {
	services := map[string]config.Service{
		// The frontend's HTTP API (and Nexus endpoints) listens beside its gRPC port.
		string(primitives.FrontendService): {RPC: config.RPC{GRPCPort: front.port, HTTPPort: frontHTTP.port, BindOnIP: front.ip}},
	}
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: static.SingleLocalHost(front.dial),
	}
	for svc, ep := range internal {
		services[string(svc)] = config.Service{RPC: config.RPC{GRPCPort: ep.port, BindOnIP: ep.ip}}
		hosts[svc] = static.SingleLocalHost(ep.dial)
	}

	const store = "sqlite"
	cfg := &config.Config{
		Persistence: config.Persistence{
			DefaultStore:    store,
			VisibilityStore: store,
			// SQLite serves one connection at a time, so more shards would only
			// queue on it. The count is fixed when a database is first used.
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{store: {SQL: sql}},
		},
		ClusterMetadata: &cluster.Config{
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: front.dial, HTTPAddress: frontHTTP.dial},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services:            services,
		// The server's own system workers dial the frontend here. Temporalite
		// notes the server fails to start without it.
		PublicClient: config.PublicClient{HostPort: front.dial},
	}
	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"

	return []temporal.ServerOption{
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicConfig(dynamic)),
	}
}

// dynamicConfig is what a server on a laptop needs beyond the defaults, then
// the caller's overrides.
func dynamicConfig(overrides map[string]any) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		// The default caches up to 128,000 workflows' mutable state, sized for
		// a cluster host; 8,192 bounds a laptop's memory and still holds every
		// workflow a developer has open.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8192,
		// The Web UI lists and counts workflows on every page and refresh, and
		// end-to-end tests poll visibility; the default 10 requests a second
		// per namespace soon answers them with ResourceExhausted.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// The scanners tidy task queues and history branches that a cluster
		// accumulates over months. A laptop database does not need them, and
		// the server never stops their SDK workers (a TODO in its scanner), so
		// every Start and Stop in one process, as in tests, would leave them
		// behind polling a frontend that is gone.
		dynamicconfig.TaskQueueScannerEnabled.Key(): false,
		dynamicconfig.HistoryScannerEnabled.Key():   false,
	}
	for key, value := range overrides {
		dc[dynamicconfig.MakeKey(key)] = value
	}
	return dc
}
