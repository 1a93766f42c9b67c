// Dereferences a nil pointer twice: the Go runtime turns each SIGSEGV into a run-time
// panic, so this needs synchronous signal delivery to the app's handler and a correct
// return from it. The first panic is recovered; the second ends the program with exit
// status 2 and a trace with addresses (the runner compares only the first stderr line).
package main

import "fmt"

type node struct{ value int }

//go:noinline
func read(n *node) int { return n.value }

func recovered() (message string) {
	defer func() { message = fmt.Sprint(recover()) }()
	read(nil)
	return "no panic"
}

func main() {
	fmt.Println("recovered:", recovered())
	fmt.Println(read(nil))
}
