package config_test

import (
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/config"
)

// The Web UI `lumo dev` serves has no authentication: it may listen on loopback only.
func TestLoad_TemporalUIAddrMustBeLoopback(t *testing.T) {
	cases := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8233", true},
		{"127.0.0.2:8233", true},
		{"localhost:8233", true},
		{"[::1]:8233", true},
		{"0.0.0.0:8233", false},
		{":8233", false},
		{"[::]:8233", false},
		{"192.168.1.20:8233", false},
		{"[::ffff:10.0.0.1]:8233", false},
		{"temporal-ui.internal:8233", false},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			cfg, err := config.Load(env(map[string]string{"LUMO_TEMPORAL_UI_ADDR": c.addr}))
			if c.ok {
				if err != nil || cfg.TemporalUIAddr != c.addr {
					t.Fatalf("Load = %q, %v; want it accepted", cfg.TemporalUIAddr, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("LUMO_TEMPORAL_UI_ADDR=%s accepted", c.addr)
			}
			for _, want := range []string{"LUMO_TEMPORAL_UI_ADDR", "loopback", "no authentication"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}
