package devserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// startUI serves the Temporal Web UI on ep in the background; done closes when
// the UI server has stopped. The UI's Start blocks while serving and ends the
// whole process if it cannot bind, which is why Start checks the port first.
func startUI(ep endpoint, frontend, namespace string) (ui *uiserver.Server, done <-chan struct{}) {
	host := ep.ip
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // the UI joins host and port with a bare colon
	}
	ui = uiserver.NewServer(server_options.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                ep.port,
		TemporalGRPCAddress: frontend,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// Served over plain HTTP, where a browser drops a Secure CSRF cookie.
		CORS:     uiconfig.CORS{CookieInsecure: true},
		HideLogs: true,
		// A local tool has no use for the news feed the UI would fetch.
		DisableNewsFetch: true,
	}))
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = ui.Start() // nil once Stop closes it; other errors exit the process
	}()
	return ui, stopped
}

// waitForUI returns once the UI answers its health check.
func waitForUI(ctx context.Context, baseURL string) error {
	return poll(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s/healthz: %s", baseURL, resp.Status)
		}
		return nil
	})
}
