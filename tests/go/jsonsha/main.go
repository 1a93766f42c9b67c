// encoding/json and crypto/sha256 over a large input: encodes 100,000 records (about 18
// MB of JSON), hashes the encoding, decodes it, checks that it round-trips, and hashes
// 256 MiB of generated data in a stream. The digests are deterministic.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
)

type Record struct {
	ID      int               `json:"id"`
	Name    string            `json:"name"`
	Score   float64           `json:"score"`
	Tags    []string          `json:"tags"`
	Active  bool              `json:"active"`
	Attrs   map[string]string `json:"attrs,omitempty"`
	Parent  *int              `json:"parent"`
	Comment string            `json:"comment,omitempty"`
}

func records(n int) []Record {
	out := make([]Record, n)
	for i := range out {
		r := Record{
			ID:     i,
			Name:   fmt.Sprintf("record-%d \"quoted\" <tag> & ünïcödé", i),
			Score:  float64(i) / 7,
			Tags:   []string{"a", fmt.Sprint(i % 13), "tab\tnewline\n"},
			Active: i%3 == 0,
		}
		if i%5 == 0 {
			r.Attrs = map[string]string{"k": fmt.Sprint(i), "z": "last", "a": "first"}
		}
		if i > 0 {
			parent := i / 2
			r.Parent = &parent
		}
		if i%11 == 0 {
			r.Comment = string([]byte{0x01, 0x7f}) + "\u2028"
		}
		out[i] = r
	}
	return out
}

func main() {
	input := records(100000)
	encoded, err := json.Marshal(input)
	if err != nil {
		fmt.Fprintln(os.Stderr, "marshal:", err)
		os.Exit(1)
	}
	fmt.Printf("json: %d bytes, sha256 %x\n", len(encoded), sha256.Sum256(encoded))

	var decoded []Record
	if err := json.Unmarshal(encoded, &decoded); err != nil {
		fmt.Fprintln(os.Stderr, "unmarshal:", err)
		os.Exit(1)
	}
	fmt.Println("round trip equal:", reflect.DeepEqual(input, decoded))

	var indented bytes.Buffer
	if err := json.Indent(&indented, encoded, "", "  "); err != nil {
		fmt.Fprintln(os.Stderr, "indent:", err)
		os.Exit(1)
	}
	fmt.Printf("indented: %d bytes, sha256 %x\n", indented.Len(), sha256.Sum256(indented.Bytes()))

	var generic interface{}
	decoder := json.NewDecoder(bytes.NewReader(indented.Bytes()))
	decoder.UseNumber()
	if err := decoder.Decode(&generic); err != nil {
		fmt.Fprintln(os.Stderr, "decode:", err)
		os.Exit(1)
	}
	fmt.Println("generic decode: elements", len(generic.([]interface{})))

	hash := sha256.New()
	block := make([]byte, 1<<20)
	for i := 0; i < 256; i++ {
		for j := range block {
			block[j] = byte(i ^ j ^ j>>8)
		}
		hash.Write(block)
	}
	fmt.Printf("256 MiB stream sha256 %x\n", hash.Sum(nil))
}
