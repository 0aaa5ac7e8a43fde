// Package explainer is the browser explainer's engine: it opens a fusion model file and
// answers the page (engine.Engine) with the same packages the command line uses (fusion
// for the network, importance for the methods), so a case explained in
// the browser gets the numbers `go run ./cmd/explain -json` prints for it.
//
// # Any model of the family
//
// Open takes any network of the fusion family (package schema: image inputs of their own
// sizes and channels, tabular groups, 2 to 10 classes) and answers engine.Family:
// EncodeImage per image input, ExplainCase and SaliencyCase for a chosen class (-1, the
// predicted one). The synthetic world (the reference cohort, the methods that compare a
// case with it, the example case and the ground-truth check) fits only the paper's
// layout (Paper); Offers says which parts apply, and Methods lists, for other layouts,
// the methods that explain a case from the head alone. The paper's models explain class
// 1, through Explain or ExplainCase alike, as they always have.
//
// # What is cached
//
// Encode runs the shared image encoder once per image; the page keeps the ten features,
// so a changed clinical value costs only the head (microseconds for the gradient). The
// reference cohort, ReferenceN synthetic cases (phantom images and simulated clinical
// values, ReferenceCases: cmd/explain's background for the same size and seed), is encoded once
// per model after it loads (or taken from the model's reference file, SetReference; its
// images are drawn by Options.Draw, which the page hands to its image worker so that
// main.wasm links no phantom generator); the methods that compare a case with other cases (occlusion,
// integrated gradients, KernelSHAP, ...) wait for it, the gradient methods do not. The
// methods with no per-case form (permutation, mean of four) are computed once over the
// reference cohort and shown with their scope stated.
//
// # Staying responsive
//
// js/wasm runs Go on the page's only thread, so long work must stop every few
// milliseconds to let the browser draw and handle input. Prepare and Finish take a
// engine.Pace and call it between slices of about SliceBudget of work (encoding a couple of
// cases, or a batch of head evaluations inside an importance method); the page's pace
// redraws progress and sleeps briefly, which hands the thread back to the browser. When
// pace returns an error (the user chose another model) the work stops and returns it.
// No lock is held while pace runs, so the page's own calls (Explain on a clinical edit)
// are answered in between.
//
// # The ground-truth check
//
// A model file whose Meta.Scenario names the decision function it was trained for can be
// checked in the browser: CheckTruth hands the model file, the shipped ground-truth
// autoencoder and the method to Options.Check, which runs package truthcheck: it draws
// a small cohort of that synthetic world (cohort.Build), encodes it with the model, runs
// the method's global modality importance over it and compares it with the exact ground
// truth by RMSE and rank-biased overlap (validation.Compare), as the validation platform
// does on a larger scale. In the browser Options.Check is a client of a Web Worker
// running truthcheck in a wasm program of its own (wasm/check): this package does not
// import the check's packages, so the page's main.wasm does not carry them, and the
// check's one long step (drawing the cases) runs off the page's thread.
package explainer
