// Asynchronous preemption: goroutines spin in loops without calls (no cooperative
// preemption points), while main needs the world stopped (runtime.GC) or needs their
// processor back (GOMAXPROCS=1). The Go runtime then preempts them by sending SIGURG to
// their threads and redirecting the interrupted context, so this needs signals delivered
// to the app's handler with a correct signal frame and sigreturn. Without them it hangs.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var stop int32

//go:noinline
func spin(counter *uint64) {
	// atomic.LoadInt32 is an intrinsic: the loop has no call and no preemption point.
	for atomic.LoadInt32(&stop) == 0 {
		*counter++
	}
}

func spinners(n int, work func()) {
	atomic.StoreInt32(&stop, 0)
	counters := make([]uint64, n)
	var started, wg sync.WaitGroup
	for i := 0; i < n; i++ {
		started.Add(1)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			started.Done()
			spin(&counters[i])
		}(i)
	}
	started.Wait()
	work()
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
}

func main() {
	spinners(runtime.GOMAXPROCS(0), func() {
		for i := 0; i < 3; i++ {
			runtime.GC()
		}
	})
	fmt.Println("runtime.GC while every processor runs a loop without calls: done")

	previous := runtime.GOMAXPROCS(1)
	spinners(1, func() { time.Sleep(20 * time.Millisecond) })
	runtime.GOMAXPROCS(previous)
	fmt.Println("GOMAXPROCS=1, main slept while a goroutine spun: done")
}
