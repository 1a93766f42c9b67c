// Signals in a Go program: os/signal.Notify for SIGUSR1, SIGINT and SIGTERM sent by
// another process (a child running `kill` on this one), signal.Ignore, and CPU profiling
// with runtime/pprof (SIGPROF from a per-thread timer). Only run-independent facts are
// printed.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

func killFromChild(sig string) error {
	// busybox-static's kill: a separate process, as a shell user would send it.
	return exec.Command("/bin/busybox", "kill", "-"+sig, strconv.Itoa(os.Getpid())).Run()
}

func notify() {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGUSR1, syscall.SIGINT, syscall.SIGTERM)
	for _, name := range []string{"USR1", "INT", "TERM"} {
		if err := killFromChild(name); err != nil {
			fmt.Println("kill failed:", err)
			os.Exit(1)
		}
		select {
		case s := <-ch:
			fmt.Println("received", s)
		case <-time.After(20 * time.Second):
			fmt.Println("no signal arrived for", name)
			os.Exit(1)
		}
	}
	signal.Stop(ch)
	signal.Ignore(syscall.SIGUSR2)
	if err := killFromChild("USR2"); err != nil {
		fmt.Println("kill failed:", err)
	}
	time.Sleep(50 * time.Millisecond)
	fmt.Println("ignored SIGUSR2 did not end the process")
}

func spin(d time.Duration) int {
	n := 0
	for start := time.Now(); time.Since(start) < d; n++ {
	}
	return n
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Spins until the process has used d of CPU time (at most a minute of wall time): a
// profile samples CPU time, so on a loaded machine a fixed wall time may give it too few
// samples, natively as under enclos.
func spinCPU(d time.Duration) {
	start, wall := cpuTime(), time.Now()
	for cpuTime()-start < d && time.Since(wall) < time.Minute {
		spin(10 * time.Millisecond)
	}
}

func profile() {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		fmt.Println("StartCPUProfile:", err)
		return
	}
	spinCPU(1500 * time.Millisecond)
	pprof.StopCPUProfile()
	// The profile is gzip-compressed protobuf; samples make it grow well past its empty
	// size (a few hundred bytes).
	fmt.Println("profile has samples:", buf.Len() > 600)
}

func main() {
	notify()
	profile()
}
