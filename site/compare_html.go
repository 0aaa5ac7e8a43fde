package site

import (
	"strconv"
	"strings"
)

// The comparisons are written as HTML here and set in one go (vg-html), rather than
// built node by node from a Vugu template: Vugu generates Go code for every element
// and attribute of a template, and a template of these tables and figures cost main.wasm
// about 25 kB gzip against under 2 kB for this writer. Every text from the file is
// escaped (esc); the page's Content-Security-Policy runs no inline script anyway.

// escaper escapes the five characters that matter in HTML text and quoted attribute
// values, as html.EscapeString does (that package's entity table would cost main.wasm
// about 20 kB).
var escaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;")

// esc escapes s for HTML text and double-quoted attribute values.
func esc(s string) string { return escaper.Replace(s) }

// compareHTML writes every comparison of r: a section each with its warnings first,
// its table and its figure.
func compareHTML(r *CompareReport) string {
	var b strings.Builder
	for i := range r.Comparisons {
		writeComparison(&b, r, &r.Comparisons[i], i)
	}
	return b.String()
}

func writeComparison(b *strings.Builder, r *CompareReport, c *CompareComparison, i int) {
	id := "cmp-" + strconv.Itoa(i)
	b.WriteString(`<section class="card comparison" data-testid="comparison" aria-labelledby="` + id + `" data-name="` + esc(c.Name) + `">`)
	b.WriteString(`<h3 id="` + id + `">` + esc(c.Name) + `</h3>`)
	if c.Description != "" {
		b.WriteString(`<p class="note">` + esc(c.Description) + `</p>`)
	}
	b.WriteString(`<p class="note">` + esc(comparisonCases(c)) + `</p>`)

	if ws := compareWarnings(c); len(ws) > 0 {
		title := strconv.Itoa(len(ws)) + " warnings"
		if len(ws) == 1 {
			title = "1 warning"
		}
		b.WriteString(`<div class="warnings" role="region" data-testid="compare-warnings" aria-label="Warnings for ` + esc(c.Name) + `">`)
		b.WriteString(`<h4><span aria-hidden="true">⚠ </span>` + title + `</h4><ul>`)
		for _, w := range ws {
			b.WriteString(`<li data-architecture="` + esc(w.Architecture) + `"><strong>` + esc(w.Architecture) + `: </strong>` + esc(w.Text) + `</li>`)
		}
		b.WriteString(`</ul></div>`)
	} else {
		b.WriteString(`<p class="note ok" data-testid="compare-no-warnings">No warnings: no architecture ignores a modality the decision needs, none is clearly less accurate than the best, and where there is a fusion layer the paper's gradient agrees with the model-agnostic method.</p>`)
	}

	b.WriteString(`<div class="tablewrap" tabindex="0" role="region" aria-label="Architectures on ` + esc(c.Name) + `">`)
	b.WriteString(`<table class="numbers compare-table" data-testid="compare-table"><caption class="note">`)
	caption := "Test accuracy and AUC (mean over the seeds) and each modality's share of the importance by " + r.Method
	if c.Truth != nil {
		caption += "; the first row is the ground truth, and RMSE compares each architecture's shares with it"
	}
	b.WriteString(esc(caption) + `. The most accurate is marked ★.</caption><thead><tr><th scope="col">Architecture</th><th scope="col">Accuracy ± SD</th><th scope="col">AUC</th>`)
	for _, m := range c.Modalities {
		b.WriteString(`<th scope="col">` + esc(compareLabel(m)) + ` share ± SD</th>`)
	}
	if c.Truth != nil {
		b.WriteString(`<th scope="col">RMSE to truth</th>`)
	}
	b.WriteString(`<th scope="col">Warnings</th></tr></thead><tbody>`)
	for _, row := range compareRows(c) {
		class, name, warn := "", row.Name, strconv.Itoa(row.Warnings)
		switch {
		case row.Truth:
			class, warn = ` class="truth"`, "–"
		case row.Best:
			class, name = ` class="chosen"`, row.Name+" ★"
		}
		b.WriteString(`<tr` + class + ` data-architecture="` + esc(row.Name) + `"><th scope="row">` + esc(name) + `</th>`)
		b.WriteString(`<td class="num" data-field="accuracy">` + row.Accuracy + `</td><td class="num" data-field="auc">` + row.AUC + `</td>`)
		for _, cell := range row.Cells {
			b.WriteString(`<td class="num" data-modality="` + esc(cell.ID) + `" data-value="` + cell.Value + `">` + cell.Text + `</td>`)
		}
		if c.Truth != nil {
			b.WriteString(`<td class="num" data-field="rmse">` + row.RMSE + `</td>`)
		}
		b.WriteString(`<td class="num" data-field="warnings">` + warn + `</td></tr>`)
	}
	b.WriteString(`</tbody></table></div>`)
	writeChart(b, r, c)
	b.WriteString(`</section>`)
}

// comparisonCases says how many cases a comparison had, which cross-modal products its
// decision has, and which architecture is the most accurate.
func comparisonCases(c *CompareComparison) string {
	s := strconv.Itoa(c.Cases.N) + " cases: " + strconv.Itoa(c.Cases.Train) + " train, " +
		strconv.Itoa(c.Cases.Val) + " validation, " + strconv.Itoa(c.Cases.Test) + " test."
	if len(c.CrossModal) > 0 {
		s += " The decision multiplies features across modalities: " + strings.Join(c.CrossModal, ", ") + "."
	}
	if c.Best != "" {
		s += " Most accurate: " + c.Best + "."
	}
	return s
}

// writeChart writes the grouped-bar figure of c (chartOf) with its legend.
func writeChart(b *strings.Builder, r *CompareReport, c *CompareComparison) {
	ch := chartOf(c)
	f := func(v float64) string { return ftoa(v, 2) }
	b.WriteString(`<figure class="compare-figure"><svg class="chart grouped" data-testid="compare-chart" role="img" viewBox="0 0 ` +
		strconv.Itoa(ch.W) + ` ` + strconv.Itoa(ch.H) + `" width="` + strconv.Itoa(ch.W) + `" height="` + strconv.Itoa(ch.H) + `" aria-label="` + esc(ch.Label) + `">`)
	for _, tk := range ch.Ticks {
		b.WriteString(`<line class="grid" x1="` + strconv.Itoa(cmpLeft-4) + `" x2="` + strconv.Itoa(ch.W) + `" y1="` + f(tk.Y) + `" y2="` + f(tk.Y) + `"></line>`)
		b.WriteString(`<text class="tick" x="` + strconv.Itoa(cmpLeft-6) + `" y="` + f(tk.Y+4) + `">` + tk.Label + `</text>`)
	}
	for _, bar := range ch.Bars {
		b.WriteString(`<g class="` + esc(bar.Class) + `" data-group="` + esc(bar.Grp) + `" data-modality="` + esc(bar.ID) + `" data-value="` + bar.Value + `">`)
		b.WriteString(`<rect class="bar" x="` + f(bar.X) + `" y="` + f(bar.Y) + `" width="` + f(bar.W) + `" height="` + f(bar.H) + `"><title>` + esc(bar.Title) + `</title></rect>`)
		if bar.Whisker {
			b.WriteString(`<line class="whisker" x1="` + f(bar.WX) + `" x2="` + f(bar.WX) + `" y1="` + f(bar.WY1) + `" y2="` + f(bar.WY2) + `"></line>`)
		}
		b.WriteString(`</g>`)
	}
	for _, g := range ch.Groups {
		b.WriteString(`<text class="glabel" x="` + f(g.X) + `" y="` + strconv.Itoa(ch.H-10) + `">` + esc(g.Label) + `</text>`)
	}
	b.WriteString(`</svg><figcaption class="legend-row">`)
	for j, m := range c.Modalities {
		b.WriteString(`<span class="key ` + compareModClass(m, j) + `"><span class="swatch"></span><span>` + esc(compareLabel(m)) + `</span></span>`)
	}
	b.WriteString(`<span class="note">bars: share by ` + esc(r.Method) + `; whiskers: ± one SD over the seeds</span></figcaption></figure>`)
}
