// Many processes started at once from several goroutines: os.StartProcess of a path that
// cannot run (the vfork child fails its execve and exits) and exec.Command of a program that
// runs. The children's SIGCHLDs land on threads that wait for their vfork child with every
// signal blocked; a wait that could not make progress with such a signal recorded once spun
// forever (found as an intermittent hang of Go's TestExecErrPermutedFds).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				attr := &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stderr, os.Stdout}}
				if _, err := os.StartProcess("/", []string{"/"}, attr); err == nil {
					fmt.Println("unexpected success")
				}
				exec.Command("/bin/busybox", "true").Run()
			}
		}()
	}
	wg.Wait()
	fmt.Println("done")
}
