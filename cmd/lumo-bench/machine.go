package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// machine describes where the benchmark ran.
type machine struct {
	cpu      string
	cores    int
	memory   string
	os       string
	goVer    string
	versions map[string]string // module path to version, for the Temporal modules
}

func describeMachine() machine {
	m := machine{cores: runtime.NumCPU(), goVer: runtime.Version(), versions: map[string]string{}}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		scanner := bufio.NewScanner(f)
		processors := 0
		for scanner.Scan() {
			name, value, _ := strings.Cut(scanner.Text(), ":")
			switch strings.TrimSpace(name) {
			case "processor":
				processors++
			case "model name":
				if m.cpu == "" {
					m.cpu = strings.TrimSpace(value)
				}
			}
		}
		f.Close()
		if processors > 0 {
			m.cores = processors
		}
	}
	if m.cpu == "" {
		m.cpu = runtime.GOARCH
	}
	if kb := meminfo("MemTotal"); kb > 0 {
		m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	m.os = runtime.GOOS
	if raw, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				m.os = strings.Trim(v, `"`)
			}
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.os += ", Linux " + strings.TrimSpace(string(raw))
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if strings.HasPrefix(dep.Path, "go.temporal.io/") {
				m.versions[dep.Path] = dep.Version
			}
		}
	}
	return m
}

// meminfo reads a kB line of /proc/meminfo.
func meminfo(field string) uint64 {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && name == field {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// cpuSnapshot is the machine's CPU time (all processes) and this process's, to tell
// how much of the machine others used while the benchmark ran.
type cpuSnapshot struct {
	busy, total uint64 // clock ticks of all CPUs, from /proc/stat
	// steal is time the hypervisor gave to other machines while this one wanted the CPU.
	steal uint64
	own   float64
	load  string
}

func takeCPUSnapshot() cpuSnapshot {
	s := cpuSnapshot{own: cpuTime().Seconds()}
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(raw), "\n")
		fields := strings.Fields(line)
		for i, f := range fields[1:] {
			v, _ := strconv.ParseUint(f, 10, 64)
			s.total += v
			switch i {
			case 3, 4: // idle, iowait
			case 7: // steal
				s.steal += v
				s.busy += v
			default:
				s.busy += v
			}
		}
	}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(raw)); len(f) >= 3 {
			s.load = strings.Join(f[:3], " ")
		}
	}
	return s
}

// clockTicks is USER_HZ, the unit of /proc/stat; 100 on Linux.
const clockTicks = 100

// shares are the shares of the machine's CPU capacity (0 to 1) between two snapshots
// that other processes used (steal included), that the hypervisor gave to other
// machines (steal), and that this process used.
func shares(from, to cpuSnapshot) (others, steal, own float64) {
	capacity := float64(to.total-from.total) / clockTicks
	if capacity == 0 {
		return 0, 0, 0
	}
	busy := float64(to.busy-from.busy) / clockTicks
	mine := to.own - from.own
	return max(0, busy-mine) / capacity, float64(to.steal-from.steal) / clockTicks / capacity, mine / capacity
}
