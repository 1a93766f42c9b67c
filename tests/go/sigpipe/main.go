// Writes to a pipe and to a TCP connection whose other end is closed. Linux raises SIGPIPE
// and returns EPIPE; the Go runtime's handler ignores SIGPIPE for descriptors other than
// stdout and stderr, so the program sees the error and goes on. This needs SIGPIPE
// delivered to the app's handler instead of the default action killing the process.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

func brokenPipe() {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipe:", err)
		os.Exit(1)
	}
	r.Close()
	_, err = w.Write([]byte("x"))
	fmt.Println("pipe without readers: EPIPE:", errors.Is(err, syscall.EPIPE))
	w.Close()
}

func closedConnection() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	defer listener.Close()
	go func() {
		if conn, err := listener.Accept(); err == nil {
			conn.Close()
		}
	}()
	conn, err := net.Dial("tcp", listener.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	defer conn.Close()
	block := make([]byte, 64<<10)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err = conn.Write(block); err != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Println("TCP connection closed by the peer: a write failed with EPIPE or ECONNRESET:",
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET))
}

func main() {
	brokenPipe()
	closedConnection()
	fmt.Println("still running")
}
