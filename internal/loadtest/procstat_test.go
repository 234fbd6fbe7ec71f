package loadtest

import (
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		utime, stime uint64
		wantErr      bool
	}{
		{name: "plain", in: "4242 (confer) S 1 4242 4242 0 -1 4194560 1500 0 0 0 731 52 0 0 20 0 9 0 3131 1296723968 8021 18446744073709551615",
			utime: 731, stime: 52},
		{name: "name with spaces and parens", in: "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 12 34 0 0 20 0 1 0 1 1 1 1",
			utime: 12, stime: 34},
		{name: "no name", in: "7 a R 1 7", wantErr: true},
		{name: "truncated", in: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 12", wantErr: true},
		{name: "not a number", in: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 x 34 0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, s, err := parseStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if u != tt.utime || s != tt.stime {
				t.Errorf("utime, stime = %d, %d; want %d, %d", u, s, tt.utime, tt.stime)
			}
		})
	}
}

func TestStatusKB(t *testing.T) {
	status := "Name:\tconfer\nVmPeak:\t 1300000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   80000 kB\nThreads:\t9\n"
	if got, err := statusKB([]byte(status), "VmRSS"); err != nil || got != 80000*1024 {
		t.Errorf("VmRSS = %d, %v; want %d", got, err, 80000*1024)
	}
	if got, err := statusKB([]byte(status), "VmHWM"); err != nil || got != 81234*1024 {
		t.Errorf("VmHWM = %d, %v; want %d", got, err, 81234*1024)
	}
	if _, err := statusKB([]byte(status), "VmSwap"); err == nil {
		t.Error("missing key: no error")
	}
	if _, err := statusKB([]byte(status), "Threads"); err == nil {
		t.Error("value without kB: no error")
	}
}

func TestParseMachineCPU(t *testing.T) {
	m, err := parseMachineCPU([]byte("cpu  100 5 50 1000 20 3 2 1 7 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	// busy = user+nice+system+irq+softirq+steal; guest is inside user.
	if want := (machineCPU{Busy: 100 + 5 + 50 + 3 + 2 + 1, Total: 100 + 5 + 50 + 1000 + 20 + 3 + 2 + 1}); m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	if _, err := parseMachineCPU([]byte("intr 1 2 3\n")); err == nil {
		t.Error("no cpu line: no error")
	}
}

// TestProcSelf reads this test process's own /proc/self files.
func TestProcSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc:", err)
	}
	if hz := clockTicks(); hz <= 0 || hz > 10000 {
		t.Errorf("clock ticks = %d", hz)
	}
	before, err := readCPUTicks(0)
	if err != nil {
		t.Fatal(err)
	}
	// Burn CPU until the counter moves (a tick is 10 ms at USER_HZ 100).
	deadline := time.Now().Add(10 * time.Second)
	after, x := before, 0
	for after == before && time.Now().Before(deadline) {
		for i := range 5_000_000 {
			x ^= i * i
		}
		if after, err = readCPUTicks(0); err != nil {
			t.Fatal(err)
		}
	}
	if after <= before {
		t.Errorf("cpu ticks did not grow while busy: %d -> %d (%d)", before, after, x)
	}
	if pidTicks, err := readCPUTicks(os.Getpid()); err != nil || pidTicks < after {
		t.Errorf("by pid: %d, %v; want >= %d", pidTicks, err, after)
	}
	m, err := readMemory(0)
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS < 1<<20 || m.Peak < m.RSS {
		t.Errorf("memory = %+v: want RSS >= 1 MiB and peak >= RSS", m)
	}
	mc, err := readMachineCPU()
	if err != nil {
		t.Fatal(err)
	}
	if mc.Busy == 0 || mc.Total < mc.Busy {
		t.Errorf("machine cpu = %+v", mc)
	}
}
