package config_test

import (
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/config"
)

func TestLoad_SendDataAllowList(t *testing.T) {
	cfg, err := config.Load(env(nil))
	if err != nil || !cfg.SendDataAllow.IsEmpty() {
		t.Fatalf("by default send_data reaches no internal address: %q, %v", cfg.SendDataAllow, err)
	}
	cfg, err = config.Load(env(map[string]string{"LUMO_SEND_DATA_ALLOW": "billing.corp.example, 10.20.0.0/16"}))
	if err != nil || cfg.SendDataAllow.String() != "billing.corp.example,10.20.0.0/16" {
		t.Fatalf("SendDataAllow = %q, %v", cfg.SendDataAllow, err)
	}
	_, err = config.Load(env(map[string]string{"LUMO_SEND_DATA_ALLOW": "billing.corp.example:8443"}))
	if err == nil || !strings.Contains(err.Error(), "LUMO_SEND_DATA_ALLOW") || !strings.Contains(err.Error(), "billing.corp.example:8443") {
		t.Fatalf("a bad entry: %v", err)
	}
}
