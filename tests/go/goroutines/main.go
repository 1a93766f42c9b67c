// 10,000 goroutines at once: a fan-out/fan-in over channels with a WaitGroup, then a
// daisy chain where each goroutine passes a token to the next. Prints only totals.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

const workers = 10000

func fanOut() (sum int64, count int) {
	jobs := make(chan int, 64)
	results := make(chan int64, 64)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start // every worker exists before the first job is sent
			for n := range jobs {
				results <- int64(n) * int64(n)
			}
		}()
	}
	go func() {
		close(start)
		for n := 1; n <= 100000; n++ {
			jobs <- n
		}
		close(jobs)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		sum += r
		count++
	}
	return sum, count
}

func daisyChain() int {
	first := make(chan int)
	in := first
	for i := 0; i < workers; i++ {
		out := make(chan int)
		go func(in <-chan int, out chan<- int) { out <- 1 + <-in }(in, out)
		in = out
	}
	first <- 0
	return <-in
}

func main() {
	// The default is the host's CPU count, which enclos must report as Linux does.
	fmt.Println("GOMAXPROCS:", runtime.GOMAXPROCS(0))
	sum, count := fanOut()
	fmt.Printf("fan-out: %d results, sum of squares %d\n", count, sum)
	fmt.Println("daisy chain:", daisyChain())
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	fmt.Println("mutex counter:", counter)
}
