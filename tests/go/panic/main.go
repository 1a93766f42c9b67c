// Panics in a goroutine other than main: the runtime prints "panic: ..." and a goroutine
// trace (with addresses, so the runner compares only the first stderr line) and exits 2.
package main

import "fmt"

func main() {
	fmt.Println("before the panic")
	go func() {
		panic("deliberate failure")
	}()
	select {} // the panic ends the process
}
