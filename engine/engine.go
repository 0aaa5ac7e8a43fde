// Package engine is the contract between the page and an explanation engine: what the
// UI (package site) asks of a trained fusion network (Engine, and the optional Preparer
// and TruthChecker), and what it gets back (ModelInfo, Method, Explanation, TruthCheck,
// Progress). Package explainer implements it; the wasm entry point hands the page an
// Opener. The types sit below both, so the UI imports no engine and the engine no UI.
package engine

import "github.com/fusionlens/fusionlens/schema"

// Engine is what the page needs from a trained fusion network. The wasm entry point
// supplies an Opener that turns a model file into an Engine; until one is supplied the
// page says that no model is loaded and shows no results at all.
//
// Vectors follow ARCHITECTURE.md: images are 28x28 float32 in [0,1] (784 values,
// row-major); the fusion vector is z = [enc(axial) (10), enc(coronal) (10), clinical (20)];
// clinical values are the standardised values the network sees.
type Engine interface {
	// Info describes the loaded model for the page.
	Info() ModelInfo
	// Methods lists the attribution methods Explain accepts, the default first.
	Methods() []Method
	// Encode runs the shared image encoder on one image (784 values) and returns its
	// ten fusion features. The page caches the result per image.
	Encode(img []float32) ([]float32, error)
	// Explain predicts from the fusion vector assembled from the two image encodings
	// (10 each) and the twenty standardised clinical values, and attributes the
	// prediction with the named method.
	Explain(zAxial, zCoronal, clinical []float32, method string) (Explanation, error)
	// Saliency returns dp(class 1)/dpixel for both images of the case (784 values
	// each), the gradient carried back through the head and the shared encoder. The page
	// calls it off the event handler, after showing the prediction.
	Saliency(axial, coronal, clinical []float32) (salAxial, salCoronal []float32, err error)
}

// Opener turns the bytes of a model file into an Engine. name is the file name, for
// error messages.
type Opener func(name string, data []byte) (Engine, error)

// ModelInfo describes a loaded model.
type ModelInfo struct {
	Name        string // short name, e.g. "F3: clinical values only"
	Description string // one or two sentences: what the model decides, how it was trained
	Positive    string // what class 1 is called, e.g. "positive"; "" reads as "class 1"
	ClassNote   string // one sentence on what class 1 means, shown with the prediction
	Accuracy    float64
	HasAccuracy bool // Accuracy (test accuracy in [0,1]) is known
	AUC         float64
	HasAUC      bool   // AUC (test AUC in [0,1]) is known
	DataSource  string // what the model was trained on, e.g. "synthetic CT phantom ..."
	Command     string // the command that reproduces the model, when the file says
	Synthetic   bool   // trained on synthetic data only: say so wherever its results show
}

// Method is one attribution method as the page offers it.
type Method struct {
	ID          string // stable identifier passed to Explain, e.g. "gradient"
	Label       string // short human name
	Description string // one sentence shown under the method select
	// Reference is set for methods that compare the case with the engine's reference
	// cohort of synthetic cases (see Preparer); until that is ready, Explain gives the
	// prediction with Pending set.
	Reference bool
	// Global is set for methods with no per-case form: their scores describe the
	// reference cohort, and Explanation.Scope says so.
	Global bool
	// Fast is set for per-case methods that Explain answers within a frame (once the
	// reference cohort is ready, for Reference methods), so the page can re-explain at
	// every keystroke; the others are completed through Finish, off the event handler.
	Fast bool
}

// Explanation is one prediction and its attribution.
type Explanation struct {
	Method string  // the Method.ID used
	P      float64 // p(class 1)

	// Modalities holds one score per modality in fusion-vector order (package modality:
	// ct_axial, ct_coronal, clinical_a, clinical_b). For additive methods (Signed) a score is the
	// modality's contribution to P; for sensitivity methods it is non-negative.
	Modalities []float64
	// Features holds one score per fusion feature (40), or nil for methods that score
	// modalities only.
	Features []float64
	// Signed reports whether the sign of a score means something (raises or lowers P).
	Signed bool
	// Scope is "" when the scores explain this case; otherwise it says what they explain
	// instead, e.g. "cohort of 500 reference cases" for methods with no per-case form.
	Scope string

	// Gradient is dp(class 1)/dz at this case (40 values), whatever the method; nil when
	// the engine did not compute it.
	Gradient []float64

	// Pending, when set, says what the method still waits for (e.g. the reference cohort
	// being encoded); P and Gradient are valid, the scores are nil.
	Pending string
	// Background is the number of reference cases the method compared the case with (0
	// when it needs none).
	Background int

	// Class is the class whose probability P is and whose attribution the scores are
	// (1 for Engine.Explain; chosen by Case.Class for Family.ExplainCase).
	Class int
	// Probs holds every class probability, in the schema's class order; nil when the
	// engine did not compute them.
	Probs []float64
}

// Family is an Engine for any network of the fusion family (package schema): image
// inputs of their own sizes and channels, tabular groups of numeric and categorical
// variables, 2 to 10 classes. The page lays itself out from Schema and explains a case
// through ExplainCase; Engine's methods remain for the paper's layout (two 28x28 images,
// twenty clinical values) and refuse other layouts.
type Family interface {
	Engine
	// Schema is what the model reads and decides.
	Schema() schema.Schema
	// Offers says which parts of the paper's synthetic world apply to the model.
	Offers() Offers
	// EncodeImage returns the fusion features of one image of input k (the schema's
	// Pixels() values in [0,1], channel-major). The page caches the result per image.
	EncodeImage(k int, img []float32) ([]float32, error)
	// ExplainCase predicts the case from its image features and tabular vector and
	// attributes p(c.Class) with the named method, leaving it Pending as Explain does.
	ExplainCase(c Case, method string) (Explanation, error)
	// SaliencyCase returns dp(c.Class)/dpixel for each image input (from c.Images).
	SaliencyCase(c Case) ([][]float32, error)
}

// BatchEncoder is an Engine that encodes several images of one case at once, the images
// that share an encoder as one batch through it (cheaper than one Encode or EncodeImage
// call each). The page uses it when more than one image of a case is new.
type BatchEncoder interface {
	// EncodeImages returns, per image input, the fusion features of imgs[k] (the
	// schema's Pixels() values; the paper's 784), or nil where imgs[k] is nil.
	EncodeImages(imgs [][]float32) ([][]float32, error)
}

// CasePreparer is a Family whose pending explanations are completed off the event
// handler, as Preparer.Finish does for Engine.Explain.
type CasePreparer interface {
	FinishCase(c Case, method string, pace Pace) (Explanation, error)
}

// Case is one case as a Family reads it.
type Case struct {
	Features [][]float32 // per image input, its EncodeImage features
	Images   [][]float32 // per image input, its pixels (SaliencyCase only)
	Tabular  []float32   // the schema's tabular vector: standardised values, one-hot levels
	Class    int         // the class to explain: 0..K-1, or -1 for the predicted one
}

// Offers says which of the paper's synthetic-world features a model can use. They need
// the paper's layout (two 28x28 grey CT images and the twenty simulated clinical
// values): the synthetic example case, the reference cohort of synthetic cases that the
// comparison methods (Method.Reference, Method.Global) use, and the ground-truth check.
type Offers struct {
	Example   bool // the synthetic example case fits the model's inputs
	Reference bool // Methods includes methods that compare with the synthetic reference cohort
	Truth     bool // TruthChecker can check the model (its file names a known scenario)
	// Class is the class explained until the user chooses one: -1, the predicted one,
	// except for the paper's binary models, which explain class 1 (positive) as they
	// always have.
	Class int
}

// Progress says how far a long computation has come.
type Progress struct {
	What        string // what is being done, e.g. "Encoding the reference cohort"
	Done, Total int    // units done and to do; Total 0 when the amount is not known
}

// Pace is called by long computations between slices of a few milliseconds of work. It
// shows the progress, lets the browser draw and handle input, and returns an error when
// the work is no longer wanted (another model was chosen); the computation then stops
// and returns that error.
type Pace func(Progress) error

// Preparer is an Engine with slow work that the page runs off the event handler, in
// slices: encoding its reference cohort after loading, and completing explanations that
// Explain left Pending.
type Preparer interface {
	// Prepare encodes the reference cohort (once), calling pace between slices.
	Prepare(pace Pace) error
	// Finish completes an explanation Explain left Pending (the reference cohort, a
	// Global method's scores over it, or a slow per-case method), calling pace between
	// slices. Work shared between cases is kept for the next call.
	Finish(zAxial, zCoronal, clinical []float32, method string, pace Pace) (Explanation, error)
}

// Warmer is an Engine that can run its explanation path on a synthetic case before the
// user's first one. In a browser the first explanations after a page loads run on the
// JavaScript engine's baseline code, up to 2-3 times slower, until its optimizing
// compiler has seen the code run often enough (BENCHMARKS.md, "Issue 16: the full
// explanation"); a page that calls Warm off the event handler once its first screen is
// drawn gives the user's first case the optimized code.
type Warmer interface {
	// Warm encodes, explains (gradient) and computes the pixel saliency of a synthetic
	// case several times, calling pace between rounds, and discards the results: the
	// engine's answers are unchanged.
	Warm(pace Pace) error
}

// TruthChecker is an Engine that can compare a method with the ground truth of the
// synthetic world its model was trained in.
type TruthChecker interface {
	// TruthScenario names the decision function the model was trained for, or "" when
	// the model file does not say (then there is nothing to check against).
	TruthScenario() string
	// CheckTruth draws a small cohort of that world with the ground-truth autoencoder
	// (the bytes of its model file), computes method's global modality importance over
	// it and compares it with the exact ground truth, calling pace between slices.
	CheckTruth(autoencoder []byte, method string, pace Pace) (TruthCheck, error)
}

// TruthCheck is a method's global modality importance set beside the ground truth of
// the same synthetic cases.
type TruthCheck struct {
	Scenario    string // the decision function, e.g. "F3-clinical"
	Description string // what it is, one sentence
	Method      string // Method.ID
	Cases       int    // synthetic cases drawn
	Source      string // how they were drawn (images, seed)
	// Truth and Estimate are modality importances in fusion-vector order, each summing
	// to 1: the exact ground truth (mean |dF/dx| per modality) and the method's.
	Truth, Estimate []float64
	RMSE            float64 // root mean squared difference over the four modalities
	RBO             float64 // rank-biased overlap of the two modality rankings
	Persistence     float64 // RBO's p
	Accuracy        float64 // the network's accuracy on these cases
	// DrawMS is how long drawing the cases and their ground truth took, one step that
	// cannot pause (0 when the cohort was already drawn). In the browser it runs in the
	// check's Web Worker, so the page goes on meanwhile.
	DrawMS float64
}

// Detailer is an engine that adds to a finished explanation what costs more than a
// frame: intervals on its modality shares and the modalities' pairwise interactions. The
// page asks for them after the explanation is on screen, off the event handler, and
// calls pace between slices of work.
type Detailer interface {
	// Intervals resamples what the method's explanation of c depends on and returns the
	// spread of its modality (and feature) shares.
	Intervals(c Case, method string, pace Pace) (Uncertainty, error)
	// Interactions returns the pairwise interactions of the modalities for c.
	Interactions(c Case, pace Pace) (Interactions, error)
}

// Interval is a closed interval [Lo, Hi] of a share, as [lo, hi].
type Interval [2]float64

// Uncertainty is the spread of one explanation's shares (|score| over the sum of
// |scores|) over resamples: percentile bootstrap intervals, and which places of the
// modalities' ranking the resamples support.
type Uncertainty struct {
	Method string // the Method.ID whose shares these are
	// Over says what was resampled, e.g. "the 200 reference cases, drawn with
	// replacement, and the method's random draws".
	Over      string
	Resamples int     // resamples made
	Level     float64 // nominal coverage of each interval, e.g. 0.95
	// Exact is set when the method draws nothing that could be resampled (it reads no
	// background cases and has no random draws): every interval is the point itself.
	Exact bool
	// MethodRuns is how many more runs of the method the intervals cost.
	MethodRuns int
	// Modalities and Features hold one interval per modality and per fusion feature
	// (Features nil when the method scores modalities only).
	Modalities []Interval
	Features   []Interval
	// Ranks are the orders of neighbouring modalities in the explanation's ranking,
	// highest first, each with the fraction of resamples that keep it; RankSupported
	// says per modality whether its orders against both neighbours are kept by at least
	// RankSupportLevel of the resamples.
	Ranks            []RankOrder
	RankSupported    []bool
	RankSupportLevel float64
}

// RankOrder is one order of two modalities: Higher ranked above Lower (indices in
// fusion-vector order), kept by the fraction Support of the resamples.
type RankOrder struct {
	Higher, Lower int
	Support       float64
	Supported     bool
}

// Interactions are the pairwise interactions of the modalities for one case: the
// Shapley interaction index of the log-odds of the explained class, absent modalities
// taken from background cases. A positive index says two modalities reinforce each
// other, a negative one that they stand in for each other.
type Interactions struct {
	Class int    // the class whose log-odds the index reads
	Value string // what the index is of, in words
	// Index is the symmetric matrix of the signed index, in fusion-vector order, with
	// zeros on the diagonal.
	Index [][]float64
	// Shapley is each modality's Shapley value in the same log-odds, from the same
	// coalitions; nil when the index is sampled.
	Shapley    []float64
	Exact      bool // every coalition was evaluated
	Background int  // background cases standing for an absent modality
}

// InteractionMatrix is a matrix of modality interactions as JSON: the pairwise Shapley
// interaction index of a log-odds over the modalities, pairs named "A|B" (A before B in
// the model's order). It is the shape of explainer/cases's and cmd/explain's
// "modality_interactions", which the page's cohort worker sends and the page reads: one
// type on both sides of the worker.
type InteractionMatrix struct {
	Value string `json:"value"` // what the index is of, in words
	// Class is the class whose log-odds (against the rest) the index reads (a CSV of
	// cases only).
	Class      string   `json:"class,omitempty"`
	Modalities []string `json:"modalities"`
	// Index is the signed index per pair: positive where the two modalities reinforce
	// each other, negative where they stand in for each other.
	Index map[string]float64 `json:"index"`
	// Shares is each pair's |index| over the sum over pairs.
	Shares map[string]float64 `json:"shares"`
	// Matrix is the symmetric matrix of the signed index (zero diagonal), in the order of
	// Modalities.
	Matrix    [][]float64 `json:"matrix"`
	Strongest string      `json:"strongest,omitempty"`
	// Strength is the total |index| over the total |Shapley value| of the modalities.
	Strength *float64 `json:"strength,omitempty"`
	Exact    bool     `json:"exact"`
	// SE is each pair's standard error when the index is sampled (more modalities than
	// are enumerated exactly).
	SE map[string]float64 `json:"se,omitempty"`
	// BackgroundSE is each pair's standard error from drawing the background sample (a
	// cohort's exact index): how far another sample of as many background cases might
	// move Index.
	BackgroundSE map[string]float64 `json:"background_se,omitempty"`
	// Cases is the number of cases averaged (a CSV of cases only: the cohort's, or 1 for
	// one case).
	Cases      int `json:"cases,omitempty"`
	Background int `json:"background_cases"`
}
