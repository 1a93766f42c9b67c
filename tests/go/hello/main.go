// Hello world: the smallest Go program; it is also built stripped (-ldflags='-s -w').
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
