package loadtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// defaultClockTicks is USER_HZ on every Linux architecture Go supports; it
// is used when `getconf CLK_TCK` cannot be run.
const defaultClockTicks = 100

// clockTicks is the unit of the CPU times in /proc/<pid>/stat, read once
// from `getconf CLK_TCK`.
var clockTicks = sync.OnceValue(func() int {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return defaultClockTicks
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || n <= 0 {
		return defaultClockTicks
	}
	return n
})

// procDir is /proc/<pid>, or /proc/self for pid 0.
func procDir(pid int) string {
	if pid == 0 {
		return "/proc/self"
	}
	return "/proc/" + strconv.Itoa(pid)
}

// readCPUTicks returns the user + system CPU time of a process, in clock
// ticks, from /proc/<pid>/stat (pid 0: this process).
func readCPUTicks(pid int) (uint64, error) {
	data, err := os.ReadFile(procDir(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("loadtest: cpu time: %w", err)
	}
	utime, stime, err := parseStat(data)
	if err != nil {
		return 0, fmt.Errorf("loadtest: %s/stat: %w", procDir(pid), err)
	}
	return utime + stime, nil
}

// parseStat extracts utime and stime (fields 14 and 15, proc(5)) from the
// contents of /proc/<pid>/stat. The command name (field 2) is in
// parentheses and may itself contain spaces and parentheses, so fields are
// counted from the last ')'.
func parseStat(data []byte) (utime, stime uint64, err error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, 0, errors.New("no command name")
	}
	// Field 3 (state) is the first after the name; utime is field 14.
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 13 {
		return 0, 0, fmt.Errorf("only %d fields after the command name", len(fields))
	}
	if utime, err = strconv.ParseUint(fields[11], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("utime: %w", err)
	}
	if stime, err = strconv.ParseUint(fields[12], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("stime: %w", err)
	}
	return utime, stime, nil
}

// memory is a process's resident set size now and at its peak, in bytes.
type memory struct {
	RSS, Peak int64
}

// readMemory reads VmRSS and VmHWM from /proc/<pid>/status (pid 0: this
// process).
func readMemory(pid int) (memory, error) {
	data, err := os.ReadFile(procDir(pid) + "/status")
	if err != nil {
		return memory{}, fmt.Errorf("loadtest: memory: %w", err)
	}
	var m memory
	if m.RSS, err = statusKB(data, "VmRSS"); err != nil {
		return memory{}, fmt.Errorf("loadtest: %s/status: %w", procDir(pid), err)
	}
	if m.Peak, err = statusKB(data, "VmHWM"); err != nil {
		m.Peak = m.RSS // not every kernel has it
	}
	return m, nil
}

// statusKB returns the value of a "Key:  1234 kB" line of /proc/<pid>/status
// in bytes.
func statusKB(data []byte, key string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != key {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%s: unexpected value %q", key, rest)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", key, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no %s line", key)
}

// machineCPU is the aggregate line of /proc/stat: busy and total ticks
// summed over all cores.
type machineCPU struct {
	Busy, Total uint64
}

// readMachineCPU reads the first ("cpu ") line of /proc/stat.
func readMachineCPU() (machineCPU, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}, fmt.Errorf("loadtest: machine cpu: %w", err)
	}
	m, err := parseMachineCPU(data)
	if err != nil {
		return machineCPU{}, fmt.Errorf("loadtest: /proc/stat: %w", err)
	}
	return m, nil
}

// parseMachineCPU parses "cpu  user nice system idle iowait irq softirq
// steal ..." (proc(5)); idle and iowait count as not busy. guest and
// guest_nice are already included in user and nice, so they are left out.
func parseMachineCPU(data []byte) (machineCPU, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return machineCPU{}, fmt.Errorf("first line %q is not the cpu total", line)
	}
	var m machineCPU
	for i, s := range f[1:min(len(f), 9)] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return machineCPU{}, fmt.Errorf("field %d: %w", i+1, err)
		}
		m.Total += v
		if i != 3 && i != 4 { // idle, iowait
			m.Busy += v
		}
	}
	return m, nil
}
