package main

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procStatus reads a "kB" line of /proc/self/status (VmRSS, VmHWM) in bytes; 0 where
// there is no such file.
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		name, value, ok := strings.Cut(scanner.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memory is the process's memory at one moment: what the kernel counts (RSS, split
// into the mapped binary and anonymous memory) and what the Go runtime holds.
type memory struct {
	rss, peak        uint64 // VmRSS, VmHWM
	rssFile, rssAnon uint64
	// Go runtime: live heap (after a collection when gc was asked for), heap spans in
	// use (live and garbage), goroutine stacks, everything obtained from the OS.
	heapLive, heapInuse, stacks, goSys uint64
	goroutines                         int
}

// readMemory reads RSS first, then (after a collection if gc) the Go runtime's figures.
func readMemory(gc bool) memory {
	m := memory{
		rss: procStatus("VmRSS"), peak: procStatus("VmHWM"),
		rssFile: procStatus("RssFile"), rssAnon: procStatus("RssAnon"),
	}
	if gc {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.heapLive, m.heapInuse, m.stacks, m.goSys = ms.HeapAlloc, ms.HeapInuse, ms.StackInuse, ms.Sys
	m.goroutines = runtime.NumGoroutine()
	return m
}

// settle waits until the process is nearly idle (under a quarter of a core for a
// second: the server has worked off what the previous measurement left behind), or
// until limit, and returns how long it waited.
func settle(ctx context.Context, limit time.Duration) time.Duration {
	began := time.Now()
	const window = 500 * time.Millisecond
	quiet := 0
	for quiet < 2 && time.Since(began) < limit {
		before := cpuTime()
		if err := sleep(ctx, window); err != nil {
			break
		}
		if cpuTime()-before < window/4 {
			quiet++
		} else {
			quiet = 0
		}
	}
	return time.Since(began)
}
