// An HTTP server and its client in one process over loopback: net/http listens on
// 127.0.0.1:0 and 16 client goroutines make 10,000 requests in total over kept-alive
// connections (GET with a computed body, POST echoing a body), checking every answer.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const (
	requests = 10000
	clients  = 16
)

func body(n int) []byte {
	return bytes.Repeat([]byte(strconv.Itoa(n)+","), n%200+1)
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			http.Error(w, "bad n", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body(n))
	})
	mux.HandleFunc("/post", func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(w, "%x", sum)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	go server.Serve(listener)
	base := "http://" + listener.Addr().String()

	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true},
		Timeout:   30 * time.Second,
	}
	var next, ok, bad, bytesIn int64
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(atomic.AddInt64(&next, 1))
				if n > requests {
					return
				}
				var got, want []byte
				var resp *http.Response
				var err error
				if n%4 == 0 {
					payload := body(n)
					resp, err = client.Post(base+"/post", "application/octet-stream", bytes.NewReader(payload))
					want = []byte(fmt.Sprintf("%x", sha256.Sum256(payload)))
				} else {
					resp, err = client.Get(base + "/get?n=" + strconv.Itoa(n))
					want = body(n)
				}
				if err == nil {
					got, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
					if atomic.AddInt64(&bad, 1) <= 5 {
						fmt.Fprintf(os.Stderr, "request %d failed: %v\n", n, err)
					}
					continue
				}
				atomic.AddInt64(&ok, 1)
				atomic.AddInt64(&bytesIn, int64(len(got)))
			}
		}()
	}
	wg.Wait()
	server.Close()
	fmt.Printf("requests: %d ok, %d failed, %d body bytes\n", ok, bad, bytesIn)
	if bad != 0 {
		os.Exit(1)
	}
}
