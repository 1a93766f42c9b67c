// Dereferences a nil pointer: the Go runtime turns the SIGSEGV into a run-time panic, so
// this needs synchronous signal delivery to the app's handler. Exits 2; the runner
// compares only the first stderr line.
package main

import "fmt"

type node struct{ value int }

//go:noinline
func read(n *node) int { return n.value }

func main() {
	fmt.Println("before the nil dereference")
	fmt.Println(read(nil))
}
