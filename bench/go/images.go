// The Go side of the CLI comparison (bench/cli_bench.ts): what containerd 1.6's CRI does to list
// the images of an OCI layout, with containerd's own images/platforms/identity packages.
// For every index.json entry named by io.containerd.image.name: images.Manifest for the platform,
// the config for the chain ID, images.Size for the compressed size; then the images by ID as JSON.
// Build: GOPATH=/usr/share/gocode GO111MODULE=off go build -o OUT bench/go/images.go
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/platforms"
	"github.com/opencontainers/image-spec/identity"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

type layout struct{ root string }

type readerAt struct {
	*os.File
	size int64
}

func (r readerAt) Size() int64 { return r.size }

func (l layout) ReaderAt(ctx context.Context, desc ocispec.Descriptor) (content.ReaderAt, error) {
	f, err := os.Open(filepath.Join(l.root, "blobs", desc.Digest.Algorithm().String(), desc.Digest.Encoded()))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return readerAt{f, st.Size()}, nil
}

type image struct {
	ID       string   `json:"id"`
	RepoTags []string `json:"repoTags"`
	Size     int64    `json:"size,string"`
	ChainID  string   `json:"chainId"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: images LAYOUT PLATFORM")
		os.Exit(2)
	}
	ctx := context.Background()
	root := os.Args[1]
	platform := platforms.Only(platforms.MustParse(os.Args[2]))
	data, err := os.ReadFile(filepath.Join(root, "index.json"))
	if err != nil {
		panic(err)
	}
	var index ocispec.Index
	if err := json.Unmarshal(data, &index); err != nil {
		panic(err)
	}
	provider := layout{root}
	byID := map[string]*image{}
	var order []string
	for _, entry := range index.Manifests {
		name := entry.Annotations[images.AnnotationImageName]
		if name == "" {
			continue
		}
		target := ocispec.Descriptor{MediaType: entry.MediaType, Digest: entry.Digest, Size: entry.Size}
		manifest, err := images.Manifest(ctx, provider, target, platform)
		if err != nil {
			fmt.Fprintf(os.Stderr, "warning: %s: %v\n", name, err)
			continue
		}
		blob, err := content.ReadBlob(ctx, provider, manifest.Config)
		if err != nil {
			fmt.Fprintf(os.Stderr, "warning: %s: %v\n", name, err)
			continue
		}
		var config ocispec.Image
		if err := json.Unmarshal(blob, &config); err != nil {
			fmt.Fprintf(os.Stderr, "warning: %s: %v\n", name, err)
			continue
		}
		size, err := (&images.Image{Name: name, Target: target}).Size(ctx, provider, platform)
		if err != nil {
			fmt.Fprintf(os.Stderr, "warning: %s: %v\n", name, err)
			continue
		}
		id := manifest.Config.Digest.String()
		if found, ok := byID[id]; ok {
			found.RepoTags = append(found.RepoTags, name)
			continue
		}
		byID[id] = &image{ID: id, RepoTags: []string{name}, Size: size,
			ChainID: identity.ChainID(config.RootFS.DiffIDs).String()}
		order = append(order, id)
	}
	out := make([]*image, 0, len(order))
	for _, id := range order {
		sort.Strings(byID[id].RepoTags)
		out = append(out, byID[id])
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]interface{}{"images": out}); err != nil {
		panic(err)
	}
}
