package local

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter prefixes every line written to it with "<name> | " and writes
// whole lines to a shared output, so the logs of several functions
// interleave line by line and JSON lines stay intact.
type lineWriter struct {
	out    *syncWriter
	prefix []byte
	mu     sync.Mutex
	buf    []byte
}

// syncWriter serializes writes of several lineWriters to one writer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func newLineWriter(out *syncWriter, name string) *lineWriter {
	return &lineWriter{out: out, prefix: []byte(name + " | ")}
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := append(append([]byte(nil), l.prefix...), l.buf[:i+1]...)
		l.buf = l.buf[i+1:]
		if _, err := l.out.Write(line); err != nil {
			return len(p), err
		}
	}
}

// Flush writes a last line that has no newline yet.
func (l *lineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		_, _ = l.out.Write(append(append(append([]byte(nil), l.prefix...), l.buf...), '\n'))
		l.buf = nil
	}
}
