// Garbage-collector stress: several goroutines allocate about 4 GiB in total in chunks of
// varying size while keeping a small live set whose contents they verify, binary trees
// of small objects exercise pointer scanning, and the program forces collections
// (runtime.GC), returns memory to the OS (debug.FreeOSMemory) and runs finalizers.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

const (
	allocators      = 4
	chunksPerWorker = 2500
	liveChunks      = 32
)

// xorshift: deterministic sizes and contents without math/rand's global lock.
type xorshift uint64

func (x *xorshift) next() uint64 {
	*x ^= *x << 13
	*x ^= *x >> 7
	*x ^= *x << 17
	return uint64(*x)
}

type chunk struct {
	data []byte
	seed uint64
}

// One byte a page, and the last byte, carry the chunk's seed.
func fill(c *chunk) {
	last := len(c.data) - 1
	for i := 0; i < last; i += 4096 {
		c.data[i] = byte(c.seed + uint64(i)/4096)
	}
	c.data[last] = byte(c.seed >> 8)
}

func intact(c *chunk) bool {
	last := len(c.data) - 1
	for i := 0; i < last; i += 4096 {
		if c.data[i] != byte(c.seed+uint64(i)/4096) {
			return false
		}
	}
	return c.data[last] == byte(c.seed>>8)
}

func allocate(worker int, total *int64, corrupt *int32) {
	rng := xorshift(worker*7919 + 1)
	var live [liveChunks]*chunk
	for i := 0; i < chunksPerWorker; i++ {
		size := 64<<10 + int(rng.next()%(1<<20)) // 64 KiB .. 1 MiB + 64 KiB
		c := &chunk{data: make([]byte, size), seed: rng.next()}
		fill(c)
		atomic.AddInt64(total, int64(size))
		slot := i % liveChunks
		if old := live[slot]; old != nil && !intact(old) {
			atomic.AddInt32(corrupt, 1)
		}
		live[slot] = c
		if i%500 == 499 {
			runtime.GC()
		}
	}
	for _, c := range live {
		if !intact(c) {
			atomic.AddInt32(corrupt, 1)
		}
	}
}

type tree struct{ left, right *tree }

func build(depth int) *tree {
	if depth == 0 {
		return &tree{}
	}
	return &tree{build(depth - 1), build(depth - 1)}
}

func (t *tree) count() int {
	if t.left == nil {
		return 1
	}
	return 1 + t.left.count() + t.right.count()
}

func trees() int {
	longLived := build(16)
	nodes := 0
	for i := 0; i < 40; i++ {
		nodes += build(14).count()
	}
	return nodes + longLived.count()
}

func finalizers() bool {
	var ran int32
	for i := 0; i < 100; i++ {
		object := new([64]byte)
		runtime.SetFinalizer(object, func(*[64]byte) { atomic.AddInt32(&ran, 1) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for atomic.LoadInt32(&ran) == 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	return atomic.LoadInt32(&ran) > 0
}

func main() {
	var total int64
	var corrupt int32
	var wg sync.WaitGroup
	for w := 0; w < allocators; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			allocate(w, &total, &corrupt)
		}(w)
	}
	nodes := trees()
	wg.Wait()
	runtime.GC()
	debug.FreeOSMemory()

	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	fmt.Println("tree nodes:", nodes)
	fmt.Println("large chunks allocated (GiB):", total>>30)
	fmt.Println("live chunks intact:", corrupt == 0)
	fmt.Println("total allocated at least 4 GiB:", stats.TotalAlloc >= 4<<30)
	fmt.Println("at least 20 collections:", stats.NumGC >= 20)
	fmt.Println("a finalizer ran:", finalizers())
	if corrupt != 0 {
		os.Exit(1)
	}
}
