// Exits with status 3 through os.Exit, after writing to both stdout and stderr.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("about to exit with status 3")
	fmt.Fprintln(os.Stderr, "this line goes to stderr")
	defer fmt.Println("deferred calls do not run on os.Exit")
	os.Exit(3)
}
