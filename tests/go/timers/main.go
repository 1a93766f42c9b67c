// time.Sleep, time.Ticker, time.AfterFunc, time.Timer.Stop and time.After. Durations vary
// from run to run, so it prints only facts about order and lower bounds.
package main

import (
	"fmt"
	"sync"
	"time"
)

func sleeps() {
	durations := []time.Duration{time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond}
	for _, d := range durations {
		start := time.Now()
		time.Sleep(d)
		fmt.Printf("sleep %v: slept at least that long: %v\n", d, time.Since(start) >= d)
	}
}

func ticker() {
	const period = 10 * time.Millisecond
	start := time.Now() // before the ticker, so that its first period counts
	t := time.NewTicker(period)
	defer t.Stop()
	previous := start
	increasing := true
	for i := 0; i < 10; i++ {
		tick := <-t.C
		if !tick.After(previous) {
			increasing = false
		}
		previous = tick
	}
	fmt.Println("ticker: 10 ticks, each later than the one before:", increasing)
	fmt.Println("ticker: 10 ticks took at least 10 periods:", time.Since(start) >= 10*period)
}

func afterFuncs() {
	var mu sync.Mutex
	var order []int
	early := false
	var wg sync.WaitGroup
	// 50 ms apart, so that a loaded host does not reorder them.
	delays := []int{210, 10, 110, 60, 160}
	start := time.Now()
	for _, ms := range delays {
		ms := ms
		delay := time.Duration(ms) * time.Millisecond
		wg.Add(1)
		time.AfterFunc(delay, func() {
			mu.Lock()
			order = append(order, ms)
			if time.Since(start) < delay {
				early = true
			}
			mu.Unlock()
			wg.Done()
		})
	}
	stopped := time.AfterFunc(time.Hour, func() { fmt.Println("never") })
	fmt.Println("AfterFunc: Stop before it fires returns", stopped.Stop())
	wg.Wait()
	fmt.Println("AfterFunc: fired in order of delay:", order)
	fmt.Println("AfterFunc: none fired early:", !early)
}

func timers() {
	short := time.NewTimer(10 * time.Millisecond)
	long := time.NewTimer(200 * time.Millisecond)
	select {
	case <-short.C:
		fmt.Println("select: the shorter timer fired first")
	case <-long.C:
		fmt.Println("select: the longer timer fired first")
	}
	fmt.Println("Timer: Stop of a pending timer returns", long.Stop())
	fmt.Println("Timer: Stop of a fired timer returns", short.Stop())
	reset := time.NewTimer(time.Hour)
	reset.Reset(5 * time.Millisecond)
	select {
	case <-reset.C:
		fmt.Println("Timer: a reset timer fires at its new time")
	case <-time.After(5 * time.Second):
		fmt.Println("Timer: a reset timer did not fire")
	}
	deadline := time.Now().Add(30 * time.Millisecond)
	<-time.After(time.Until(deadline))
	fmt.Println("time.After: not early:", !time.Now().Before(deadline))
}

func main() {
	sleeps()
	ticker()
	afterFuncs()
	timers()
}
