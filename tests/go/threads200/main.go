// Holds 200 OS threads blocked in read(2) at once: each goroutine locks itself to its
// thread and reads from its own blocking pipe through syscall.Read (not the netpoller), so
// the Go runtime must create a thread per goroutine. Then main releases them one by one
// by writing to each pipe. Under sgx.max_threads = 8 the runtime cannot create the
// threads and aborts.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const threads = 200

func main() {
	pipes := make([][2]int, threads)
	for i := range pipes {
		var fds [2]int
		if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
			fmt.Fprintln(os.Stderr, "pipe2:", err)
			os.Exit(1)
		}
		pipes[i] = fds
	}
	var blocked, released int32
	var wg sync.WaitGroup
	results := make([]byte, threads)
	for i := 0; i < threads; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			atomic.AddInt32(&blocked, 1)
			var b [1]byte
			n, err := syscall.Read(pipes[i][0], b[:])
			if n == 1 && err == nil {
				results[i] = b[0]
				atomic.AddInt32(&released, 1)
			}
		}(i)
	}
	for atomic.LoadInt32(&blocked) < threads {
		time.Sleep(time.Millisecond)
	}
	// Every goroutine has reached its read; give the last ones time to enter it.
	time.Sleep(50 * time.Millisecond)
	fmt.Println("threads blocked in read at once:", atomic.LoadInt32(&blocked))
	fmt.Println("released before any write:", atomic.LoadInt32(&released))
	for i := 0; i < threads; i++ {
		if _, err := syscall.Write(pipes[i][1], []byte{byte(i)}); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(1)
		}
	}
	wg.Wait()
	correct := 0
	for i, b := range results {
		if b == byte(i) {
			correct++
		}
	}
	fmt.Println("threads released:", released, "each read its own byte:", correct == threads)
	for _, fds := range pipes {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
	}
}
