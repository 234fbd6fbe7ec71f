package web

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestExternalAPIWireFormat runs the Node tests of external_api.js: the exact
// iframe URL and postMessage JSON strings of Jitsi's IFrame API.
func TestExternalAPIWireFormat(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("CONFER_INTEGRATION") == "1" {
			t.Fatal("node is missing; ./scripts/test installs it")
		}
		t.Skip("node not installed")
	}
	var out bytes.Buffer
	cmd := exec.Command(node, "--test", "api/")
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err != nil || !strings.Contains(out.String(), "# fail 0") {
		t.Fatalf("node --test api/: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "# pass 7") {
		t.Errorf("expected 7 passing Node tests:\n%s", out.String())
	}
}

func TestEmbeddedAssets(t *testing.T) {
	for _, name := range []string{"meet/index.html", "meet/app.js", "meet/conn.js", "meet/params.js", "meet/embed.js", "meet/style.css"} {
		if _, err := Meet.ReadFile(name); err != nil {
			t.Errorf("%s not embedded: %v", name, err)
		}
	}
	if !bytes.Contains(ExternalAPI, []byte("JitsiMeetExternalAPI")) {
		t.Error("external_api.js not embedded")
	}
}
