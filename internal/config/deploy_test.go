package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/confer-video/confer/internal/config"
)

// TestDeployExamples: the example cluster configs in deploy/ load and
// validate, and make each node a cluster member with its own id.
func TestDeployExamples(t *testing.T) {
	files, err := filepath.Glob("../../deploy/node*.yaml")
	if err != nil || len(files) != 3 {
		t.Fatalf("deploy/node*.yaml: %v %v", files, err)
	}
	ids := map[string]bool{}
	for _, f := range files {
		cfg, err := config.Load(f, func(string) string { return "" })
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if cfg.Redis.URL == "" || cfg.Node.ID == "" || cfg.Node.URL == "" || ids[cfg.Node.ID] {
			t.Errorf("%s: redis %q node %+v", f, cfg.Redis.URL, cfg.Node)
		}
		ids[cfg.Node.ID] = true
	}
	if _, err := os.Stat("../../deploy/confer.service"); err != nil {
		t.Fatal(err)
	}
}
