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
	db stores,
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

	const store, visibilityStore = "sqlite", "sqlite-visibility"
	cfg := &config.Config{
		Persistence: config.Persistence{
			DefaultStore:    store,
			VisibilityStore: visibilityStore,
			// SQLite serves one connection at a time, so more shards would only
			// queue on it. The count is fixed when a database is first used.
			NumHistoryShards: 1,
			DataStores: map[string]config.DataStore{
				store:           {SQL: db.main},
				visibilityStore: {SQL: db.visibility},
			},
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
		// a cluster host. Lumo's runs spend most of their life parked on a
		// question or a delay, and a parked run's state is read back from the
		// database when it wakes: 1,024 holds the runs that are moving (and the
		// ones the history service's task workers hold at once). With 10,000
		// runs parked, this and the worker's smaller cache (app.StartDev) took
		// the process from 1.4 GiB to about 500 MiB (cmd/lumo-bench, P3).
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 1024,
		// One shard reads its new tasks (a workflow task to dispatch, an
		// activity to start) at most this often; the default 20 a second is
		// per shard, sized for hosts with hundreds of them, and with this
		// server's one shard every dispatch waited about 25 ms for its turn.
		// The reader reads when told of new tasks, so a high limit costs
		// nothing when idle. With WAL on (database.go), this took the journey
		// latency (cmd/lumo-bench, P1) from about 145 to 60 ms at the median.
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): 1000,
		// One matching host with a worker's few pollers: partitions (4 by
		// default) only forward tasks between themselves and spill them to
		// the database when no poller waits on the right one. One partition
		// parked runs about twice as fast (24 to 45 a second, P3).
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
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
