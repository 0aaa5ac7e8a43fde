package medmnist

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fusionlens/fusionlens/internal/quote"
)

// Where the official files are published.
const (
	// DownloadURL is the MedMNIST v3 (MedMNIST+) record: every 2-D set at 28, 64, 128 and
	// 224 pixels.
	DownloadURL = "https://zenodo.org/records/10519652"
	// DownloadURLv2 is the earlier MedMNIST v2 record (28-pixel files only).
	DownloadURLv2 = "https://zenodo.org/records/6496656"
)

// OfficialFile is one published MedMNIST file and its MD5.
type OfficialFile struct {
	Name    string // file name, e.g. "organamnist_64.npz"
	MD5     string // lowercase hex
	Release string // "v2" (DownloadURLv2) or "v3" (DownloadURL)
}

// Official lists the MD5s of the 2-D MedMNIST files as the MedMNIST project publishes
// them in its Python package (medmnist/info.py: version 3.0.2 for v3, 2.1.0 for v2).
// The 28-pixel files of the organ sets were re-released in v3 with new contents, so those
// names have two entries; the other 28-pixel files are the same in both releases.
var Official = []OfficialFile{
	{"organamnist.npz", "866b832ed4eeba67bfb9edee1d5544e6", "v2"},
	{"organcmnist.npz", "0afa5834fb105f7705a7d93372119a21", "v2"},
	{"organsmnist.npz", "e5c39f1af030238290b9557d9503af9d", "v2"},

	{"organamnist.npz", "68e3f8846a6bd62f0c9bf841c0d9eacc", "v3"},
	{"organamnist_64.npz", "2dcccc29b88e6da5a01161ef20cda288", "v3"},
	{"organamnist_128.npz", "eeae80d0a227a8d099027e1b3cfd3b60", "v3"},
	{"organamnist_224.npz", "50747347e05c87dd3aaf92c49f9f3170", "v3"},
	{"organcmnist.npz", "b9ceb9546e10131b32923c5bbeaea2b1", "v3"},
	{"organcmnist_64.npz", "3ce34a8724ea6f548e6db4744d03b6a9", "v3"},
	{"organcmnist_128.npz", "773c1f009daa3fe5d9a2a201b2a7ed94", "v3"},
	{"organcmnist_224.npz", "050f5e875dc056f6768abf94ec9995d1", "v3"},
	{"organsmnist.npz", "9ab87b696fb54e2a387ebe992d6ed5f1", "v3"},
	{"organsmnist_64.npz", "53a6d115339d874c25e309a994ff46d3", "v3"},
	{"organsmnist_128.npz", "ded0c5fa01a95dc4978b956f613e9b8e", "v3"},
	{"organsmnist_224.npz", "b354719e553fbbb2513d5533f52a4cb1", "v3"},

	{"pathmnist.npz", "a8b06965200029087d5bd730944a56c1", "v3"},
	{"pathmnist_64.npz", "55aa9c1e0525abe5a6b9d8343a507616", "v3"},
	{"pathmnist_128.npz", "ac42d08fb904d92c244187169d1fd1d9", "v3"},
	{"pathmnist_224.npz", "2c51a510bcdc9cf8ddb2af93af1eadec", "v3"},
	{"chestmnist.npz", "02c8a6516a18b556561a56cbdd36c4a8", "v3"},
	{"chestmnist_64.npz", "9de6cd0b934ebb5b7426cfba5efbae16", "v3"},
	{"chestmnist_128.npz", "db107e5590b27930b62dbaf558aebee3", "v3"},
	{"chestmnist_224.npz", "45bd33e6f06c3e8cdb481c74a89152aa", "v3"},
	{"dermamnist.npz", "0744692d530f8e62ec473284d019b0c7", "v3"},
	{"dermamnist_64.npz", "b70a2f5635c6199aeaa28c31d7202e1f", "v3"},
	{"dermamnist_128.npz", "2defd784463fa5243564e855ed717de1", "v3"},
	{"dermamnist_224.npz", "8974907d8e169bef5f5b96bc506ae45d", "v3"},
	{"octmnist.npz", "c68d92d5b585d8d81f7112f81e2d0842", "v3"},
	{"octmnist_64.npz", "e229e9440236b774d9f0dfef9d07bdaf", "v3"},
	{"octmnist_128.npz", "0a97e76651ace45c5d943ee3f65b63ae", "v3"},
	{"octmnist_224.npz", "abc493b6d529d5de7569faaef2773ba3", "v3"},
	{"pneumoniamnist.npz", "28209eda62fecd6e6a2d98b1501bb15f", "v3"},
	{"pneumoniamnist_64.npz", "8f4eceb4ccffa70c672198ea285246c6", "v3"},
	{"pneumoniamnist_128.npz", "05b46931834c231683c68f40c47b2971", "v3"},
	{"pneumoniamnist_224.npz", "d6a3c71de1b945ea11211b03746c1fe1", "v3"},
	{"retinamnist.npz", "bd4c0672f1bba3e3a89f0e4e876791e4", "v3"},
	{"retinamnist_64.npz", "afda852cc34dcda56f86ad2b2457dbcc", "v3"},
	{"retinamnist_128.npz", "e48e916a24454daf90583d4e6efb1a18", "v3"},
	{"retinamnist_224.npz", "eae7e3b6f3fcbda4ae613ebdcbe35348", "v3"},
	{"breastmnist.npz", "750601b1f35ba3300ea97c75c52ff8f6", "v3"},
	{"breastmnist_64.npz", "742edef2a1fd1524b2efff4bd7ba9364", "v3"},
	{"breastmnist_128.npz", "363e4b3f8d712e9b5de15470a2aaadf1", "v3"},
	{"breastmnist_224.npz", "b56378a6eefa9fed602bb16d192d4c8b", "v3"},
	{"bloodmnist.npz", "7053d0359d879ad8a5505303e11de1dc", "v3"},
	{"bloodmnist_64.npz", "2b94928a2ae4916078ca51e05b6b800b", "v3"},
	{"bloodmnist_128.npz", "adace1e0ed228fccda1f39692059dd4c", "v3"},
	{"bloodmnist_224.npz", "b718ff6835fcbdb22ba9eacccd7b2601", "v3"},
	{"tissuemnist.npz", "ebe78ee8b05294063de985d821c1c34b", "v3"},
	{"tissuemnist_64.npz", "123ece2eba09d0aa5d698fda57103344", "v3"},
	{"tissuemnist_128.npz", "61b955355d7425a89687b06cca3ce0c2", "v3"},
	{"tissuemnist_224.npz", "b077128c4a949f0a4eb01517f9037b9c", "v3"},
}

// Errors Verify wraps.
var (
	ErrUnknownFile = errors.New("medmnist: no official MD5 known for this file name")
	ErrMD5Mismatch = errors.New("medmnist: MD5 differs from the official file")
)

// KnownMD5s returns the official entries for a file name (only its base name counts).
func KnownMD5s(name string) []OfficialFile {
	base := filepath.Base(name)
	var out []OfficialFile
	for _, f := range Official {
		if f.Name == base {
			out = append(out, f)
		}
	}
	return out
}

// FileMD5 returns the lowercase hex MD5 of the file at path.
func FileMD5(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Verify checks the file at path against the official MD5s for its name. It returns the
// matching entry, or an error wrapping ErrUnknownFile (the name is not an official one;
// keep the official name to verify a file) or ErrMD5Mismatch (a partial or altered
// download).
func Verify(path string) (OfficialFile, error) {
	known := KnownMD5s(path)
	base := filepath.Base(path)
	if len(known) == 0 {
		return OfficialFile{}, fmt.Errorf("%w: %s (official names look like organamnist.npz or organamnist_64.npz)", ErrUnknownFile, quote.Short(base))
	}
	sum, err := FileMD5(path)
	if err != nil {
		return OfficialFile{}, err
	}
	for _, k := range known {
		if k.MD5 == sum {
			return k, nil
		}
	}
	var want []string
	for _, k := range known {
		want = append(want, k.MD5+" ("+k.Release+")")
	}
	size := int64(-1)
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	return OfficialFile{}, fmt.Errorf("%w: %s (%d bytes) has MD5 %s, the official file has %s; partial download? "+
		"Download it again from %s (or %s for v2), or with `pip install medmnist`",
		ErrMD5Mismatch, base, size, sum, strings.Join(want, " or "), DownloadURL, DownloadURLv2)
}
