// File I/O with os and bufio in the current directory (a fresh scratch directory): nested
// directories, buffered writes and reads, appends, seeks, ReadAt, truncation, renames,
// symlinks, directory listings, a large copy, and removal. Prints only facts that do not
// depend on where the directory is.
package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func writeLines(path string, lines int) {
	f, err := os.Create(path)
	check(err)
	w := bufio.NewWriterSize(f, 8192)
	for i := 0; i < lines; i++ {
		fmt.Fprintf(w, "line %06d %s\n", i, strings.Repeat(string(rune('a'+i%26)), i%40))
	}
	check(w.Flush())
	check(f.Sync())
	check(f.Close())
}

func readLines(path string) (count, sum int) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		var n int
		var rest string
		fmt.Sscanf(scanner.Text(), "line %d %s", &n, &rest)
		count++
		sum += n
	}
	check(scanner.Err())
	return count, sum
}

func bigCopy() {
	data := make([]byte, 32<<20)
	for i := range data {
		data[i] = byte(i*7 + i>>12)
	}
	check(os.WriteFile("big.bin", data, 0o644))
	src, err := os.Open("big.bin")
	check(err)
	dst, err := os.Create("big.copy")
	check(err)
	n, err := io.Copy(dst, src)
	check(err)
	check(src.Close())
	check(dst.Close())
	copied, err := os.ReadFile("big.copy")
	check(err)
	fmt.Printf("copy: %d bytes, same sha256: %v\n", n, sha256.Sum256(data) == sha256.Sum256(copied))
}

func main() {
	check(os.MkdirAll("data/a/b/c", 0o755))
	writeLines("data/lines.txt", 100000)
	info, err := os.Stat("data/lines.txt")
	check(err)
	fmt.Println("lines.txt: size", info.Size(), "regular:", info.Mode().IsRegular())
	count, sum := readLines("data/lines.txt")
	fmt.Println("scanner: lines", count, "sum", sum)

	f, err := os.OpenFile("data/lines.txt", os.O_APPEND|os.O_WRONLY, 0)
	check(err)
	_, err = f.WriteString("appended line\n")
	check(err)
	check(f.Close())

	f, err = os.Open("data/lines.txt")
	check(err)
	end, err := f.Seek(-14, io.SeekEnd)
	check(err)
	tail := make([]byte, 14)
	_, err = io.ReadFull(f, tail)
	check(err)
	fmt.Printf("seek: offset %d holds %q\n", end, tail)
	at := make([]byte, 16)
	_, err = f.ReadAt(at, 12345)
	check(err)
	fmt.Printf("ReadAt 12345: %q\n", at)
	_, err = f.Seek(0, io.SeekStart)
	check(err)
	reader := bufio.NewReader(f)
	first, err := reader.ReadString('\n')
	check(err)
	fmt.Printf("first line: %q\n", first)
	check(f.Close())

	check(os.WriteFile("data/utf8.txt", []byte("héllo, wörld: ✓\n"), 0o600))
	utf8, err := os.Open("data/utf8.txt")
	check(err)
	runes := bufio.NewReader(utf8)
	var decoded []rune
	for {
		r, _, err := runes.ReadRune()
		if err == io.EOF {
			break
		}
		check(err)
		decoded = append(decoded, r)
	}
	check(utf8.Close())
	fmt.Println("runes:", len(decoded), "last visible:", string(decoded[len(decoded)-2]))

	check(os.Truncate("data/lines.txt", 1000))
	info, err = os.Stat("data/lines.txt")
	check(err)
	fmt.Println("truncated size:", info.Size())

	check(os.Rename("data/lines.txt", "data/a/b/c/moved.txt"))
	_, err = os.Stat("data/lines.txt")
	fmt.Println("old name gone after rename:", os.IsNotExist(err))
	check(os.Symlink("a/b/c/moved.txt", "data/link"))
	target, err := os.Readlink("data/link")
	check(err)
	linked, err := os.ReadFile("data/link")
	check(err)
	fmt.Println("symlink:", target, "reads", len(linked), "bytes")

	entries, err := os.ReadDir("data")
	check(err)
	for _, e := range entries {
		fmt.Printf("data/%s dir=%v symlink=%v\n", e.Name(), e.IsDir(), e.Type()&fs.ModeSymlink != 0)
	}
	check(filepath.WalkDir("data", func(path string, d fs.DirEntry, err error) error {
		check(err)
		fmt.Println("walk:", path)
		return nil
	}))

	bigCopy()

	_, err = os.Open("does-not-exist")
	fmt.Println("open of a missing file:", err)
	err = os.Remove("data")
	fmt.Println("remove of a non-empty directory fails:", err != nil)
	check(os.RemoveAll("data"))
	check(os.Remove("big.bin"))
	check(os.Remove("big.copy"))
	left, err := os.ReadDir(".")
	check(err)
	fmt.Println("entries left:", len(left))
}
