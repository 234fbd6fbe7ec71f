package test

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/confer-video/confer/internal/store/storetest"
)

// tcpOnlyNamespace makes a network namespace whose only way out is TCP to
// the server addresses given (each "127.0.0.1:port", reached inside at the
// same address, forwarded by the test to the server outside): no UDP, no
// other port. It returns the namespace's name.
func tcpOnlyNamespace(t *testing.T, addrs ...string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if storetest.Required() && os.Getenv("CI") == "true" {
			t.Fatal("network namespaces need root; CI runs as root")
		}
		t.Skip("network namespaces need root")
	}
	ns := "confer-" + randomName()
	run(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	run(t, "ip", "-n", ns, "link", "set", "lo", "up")
	for _, addr := range addrs {
		ln := listenIn(t, ns, addr)
		go forward(ln, addr)
		t.Cleanup(func() { ln.Close() })
	}
	return ns
}

// tcpOnlyNetwork is tcpOnlyNamespace with a script that runs Chromium in it.
func tcpOnlyNetwork(t *testing.T, addrs ...string) string {
	t.Helper()
	ns := tcpOnlyNamespace(t, addrs...)
	script := filepath.Join(t.TempDir(), "chromium-in-"+ns)
	body := "#!/bin/sh\nexec ip netns exec " + ns + " " + chromiumPath(t) + " \"$@\"\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

func randomName() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
}

// listenIn opens a TCP listener at addr inside the namespace ns: one OS
// thread enters it for the listen call only.
func listenIn(t *testing.T, ns, addr string) net.Listener {
	t.Helper()
	type result struct {
		ln  net.Listener
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread() // not unlocked: a thread that fails to come back dies with this goroutine
		back, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer back.Close()
		target, err := os.Open(filepath.Join("/var/run/netns", ns))
		if err != nil {
			done <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{err: err}
			return
		}
		ln, err := net.Listen("tcp4", addr)
		if serr := unix.Setns(int(back.Fd()), unix.CLONE_NEWNET); serr == nil {
			runtime.UnlockOSThread()
		}
		done <- result{ln, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatalf("listen on %s in namespace %s: %v", addr, ns, r.err)
	}
	return r.ln
}

// forward copies every connection accepted on ln to and from target.
func forward(ln net.Listener, target string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			s, err := net.Dial("tcp4", target)
			if err != nil {
				return
			}
			defer s.Close()
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(s, c); s.(*net.TCPConn).CloseWrite() }()
			go func() { defer wg.Done(); io.Copy(c, s); c.(*net.TCPConn).CloseWrite() }()
			wg.Wait()
		}()
	}
}
