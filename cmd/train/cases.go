package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/fusionlens/fusionlens/casefile"
	"github.com/fusionlens/fusionlens/cohort"
	"github.com/fusionlens/fusionlens/fusion"
	"github.com/fusionlens/fusionlens/modelfile"
	"github.com/fusionlens/fusionlens/schema"
)

// Encoder layout for images of other sizes than the paper's (see the usage text).
const (
	poolFirstAbove = 64 // images larger than this pool after the first convolution too
	maxFinalSide   = 7  // extra conv + pool stages until the last map is at most this wide
)

// encoderConv returns the convolution stages of the encoder of size x size images: the
// paper's four, pooling after the first as well when size > poolFirstAbove, then conv3x3
// 64 pad 1 + maxpool stages while the last map is wider than maxFinalSide.
func encoderConv(size int) []fusion.ConvLayer {
	conv := append([]fusion.ConvLayer(nil), fusion.PaperConv...)
	if size > poolFirstAbove {
		conv[0].Pool = true
	}
	h := size
	for _, l := range conv {
		h = h + 2*l.Pad - l.Kernel + 1
		if l.Pool {
			h /= 2
		}
	}
	for h > maxFinalSide {
		conv = append(conv, fusion.ConvLayer{Out: 64, Kernel: 3, Pad: 1, Pool: true})
		h /= 2
	}
	return conv
}

// casesConfig is the network for schema s: encoders "shared" (one for the image inputs of
// equal size and channels, as fusion.NewConfig shares them) or "separate", each with the
// layout of encoderConv for its image size and the paper's dense layers, and the paper's
// head ending in one score per class.
func casesConfig(s schema.Schema, encoders string) (fusion.Config, error) {
	head := append([]int(nil), fusion.PaperHead...)
	head[len(head)-1] = len(s.Classes)
	cfg := fusion.Config{Schema: s.Clone(), Encoder: make([]int, len(s.Images)), Head: head}
	for k, im := range s.Images {
		e := -1
		for j, x := range cfg.Encoders {
			if encoders == "shared" && x.Size == im.Size && x.Channels == im.Channels {
				e = j
			}
		}
		if e < 0 {
			e = len(cfg.Encoders)
			cfg.Encoders = append(cfg.Encoders, fusion.Encoder{Size: im.Size, Channels: im.Channels,
				Conv: encoderConv(im.Size), Dense: append([]int(nil), fusion.PaperDense...)})
		}
		cfg.Encoder[k] = e
	}
	if err := cfg.Validate(); err != nil {
		return fusion.Config{}, err
	}
	return cfg, nil
}

// readCases reads the CSV of -data: the table, the schema inferred from its training
// split, and the loaded cases with the split.
func readCases(o options, out io.Writer, tty bool) (schema.Schema, *casefile.Cases, cohort.Split, error) {
	var none cohort.Split
	tab, err := casefile.Read(o.data, casefile.Limits{})
	if err != nil {
		return schema.Schema{}, nil, none, err
	}
	_, labels, err := casefile.Labels(tab)
	if err != nil {
		return schema.Schema{}, nil, none, err
	}
	split, err := cohort.SplitLabels(labels, o.seed, cohort.ValShare, cohort.TestShare)
	if err != nil {
		return schema.Schema{}, nil, none, err
	}
	if len(split.Train) < 2 {
		return schema.Schema{}, nil, none, fmt.Errorf("%s: %d cases leave %d for training: want more cases", o.data, len(tab.Rows), len(split.Train))
	}
	io := casefile.InferOptions{Images: strings.Split(o.images, ","), ImageSize: o.imageSize, Train: split.Train}
	for i, c := range io.Images {
		io.Images[i] = strings.TrimSpace(c)
	}
	if o.groups != "" {
		if io.Groups, err = casefile.ParseGroups(o.groups); err != nil {
			return schema.Schema{}, nil, none, fmt.Errorf("-groups: %w", err)
		}
	}
	s, err := casefile.Infer(tab, io)
	if err != nil {
		return schema.Schema{}, nil, none, err
	}
	p := &loadBar{w: out, tty: tty}
	cases, err := casefile.Load(tab, s, casefile.LoadOptions{Resize: o.imageSize > 0, Progress: p.report})
	if err != nil {
		return schema.Schema{}, nil, none, err
	}
	return s, cases, split, nil
}

// loadBar reports reading the images: on a terminal a count redrawn in place.
type loadBar struct {
	w    io.Writer
	tty  bool
	last time.Time
}

func (b *loadBar) report(done, total int) {
	if done == total {
		if b.tty {
			fmt.Fprintf(b.w, "\r\033[K")
		}
		fmt.Fprintf(b.w, "read the images of %d cases\n", total)
		return
	}
	if !b.tty || time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.last = time.Now()
	fmt.Fprintf(b.w, "\r\033[Kreading images: case %d of %d", done, total)
}

// casesDataset is the fusion dataset of the cases idx.
func casesDataset(c *casefile.Cases, idx []int) fusion.Dataset {
	s := c.Subset(idx)
	return fusion.Dataset{N: s.N, Inputs: s.Images, Clinical: s.Tabular, Labels: s.Labels}
}

// runCases trains a network for the CSV of -data.
func runCases(ctx context.Context, o options, args []string, out io.Writer, tty bool) error {
	if o.out == "" {
		o.out = strings.TrimSuffix(filepath.Base(o.data), filepath.Ext(o.data)) + ".flns"
	}
	s, cases, split, err := readCases(o, out, tty)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "cases: %d from %s (%d train, %d validation, %d test)\n", cases.N, o.data, len(split.Train), len(split.Val), len(split.Test))
	fmt.Fprintf(out, "schema: %s\n", describe(s))
	cfg, err := casesConfig(s, o.encoders)
	if err != nil {
		return err
	}
	meta := modelfile.Meta{DataSource: fmt.Sprintf("CSV %s (%d cases)", filepath.Base(o.data), cases.N), Seed: o.seed, Command: command(args)}
	return trainAndSave(ctx, o, out, tty, cfg, casesDataset(cases, split.Train), casesDataset(cases, split.Val), casesDataset(cases, split.Test), meta)
}

// describe summarises a schema in one line.
func describe(s schema.Schema) string {
	var parts []string
	for _, im := range s.Images {
		kind := "grey"
		if im.Channels == 3 {
			kind = "RGB"
		}
		parts = append(parts, fmt.Sprintf("%s %dx%d %s", im.Name, im.Size, im.Size, kind))
	}
	for _, g := range s.Groups {
		parts = append(parts, fmt.Sprintf("%s (%d variables, %d values)", g.Name, len(g.Variables), g.Width()))
	}
	return fmt.Sprintf("%s; classes %s", strings.Join(parts, ", "), strings.Join(s.Classes, ", "))
}
