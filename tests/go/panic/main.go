// Panics in a goroutine other than main: the runtime prints "panic: ..." and a goroutine
// trace (with addresses, so the runner compares only the first stderr line) and exits 2.
package main

import (
	"fmt"
	"sync"
)

func main() {
	fmt.Println("before the panic")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		panic("deliberate failure")
	}()
	wg.Wait()
	fmt.Println("not reached")
}
