package casefile

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Uploads are files a user handed over together with a CSV (a browser's multiple-file
// input or a dropped folder), as an fs.FS for Table.Files. A cell's relative path finds
// its file by the whole path; else by a path that ends with it (a dropped folder's files
// carry the folder's name in front); else by its base name when exactly one file has it.
// Two files that match equally well are an error naming both, never a guess.
type Uploads struct {
	files map[string][]byte // by cleaned name
}

// Add adds a file under name: its name, or its relative path (slash-separated; a
// backslash counts as a slash). A later file of the same name replaces an earlier one.
func (u *Uploads) Add(name string, data []byte) {
	if u.files == nil {
		u.files = map[string][]byte{}
	}
	u.files[cleanUpload(name)] = data
}

// Len returns how many files were added.
func (u *Uploads) Len() int { return len(u.files) }

// cleanUpload turns a file name or CSV cell into a slash-separated relative path.
func cleanUpload(name string) string {
	p := path.Clean("/" + strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	return strings.TrimPrefix(p, "/")
}

// Open finds the file a CSV cell names (see Uploads). Its errors say which files were
// looked for and, for a name that matches two files, which.
func (u *Uploads) Open(name string) (fs.File, error) {
	want := cleanUpload(name)
	if want == "" || want == "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := u.files[want]; ok {
		return newUploadFile(want, data), nil
	}
	for _, suffix := range []string{"/" + want, "/" + path.Base(want)} {
		var hits []string
		for k := range u.files {
			if strings.HasSuffix("/"+k, suffix) {
				hits = append(hits, k)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return newUploadFile(hits[0], u.files[hits[0]]), nil
		default:
			sort.Strings(hits)
			return nil, fmt.Errorf("%s matches %d of the chosen files (%s): give each image file a distinct name", quote(name), len(hits), strings.Join(quoteAll(hits[:min(len(hits), 3)]), ", "))
		}
	}
	return nil, fmt.Errorf("%s is not among the %d files chosen with the CSV: choose its image files too", quote(name), len(u.files))
}

func quoteAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = quote(s)
	}
	return out
}

// uploadFile is an open upload: fs.File over its bytes.
type uploadFile struct {
	*bytes.Reader
	name string
	size int64
}

func newUploadFile(name string, data []byte) *uploadFile {
	return &uploadFile{Reader: bytes.NewReader(data), name: name, size: int64(len(data))}
}

func (f *uploadFile) Stat() (fs.FileInfo, error) { return uploadInfo{f}, nil }
func (f *uploadFile) Close() error               { return nil }

// uploadInfo is an upload's fs.FileInfo.
type uploadInfo struct{ f *uploadFile }

func (i uploadInfo) Name() string       { return path.Base(i.f.name) }
func (i uploadInfo) Size() int64        { return i.f.size }
func (i uploadInfo) Mode() fs.FileMode  { return 0o444 }
func (i uploadInfo) ModTime() time.Time { return time.Time{} }
func (i uploadInfo) IsDir() bool        { return false }
func (i uploadInfo) Sys() any           { return nil }
