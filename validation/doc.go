// Package validation is fusionlens's validation platform: it measures how close each
// importance method comes to the known answer of synthetic scenarios.
//
// For each scenario (a groundtruth.Scenario: the eight built-ins or a scenario file) Run
// builds the cohort (package cohort: phantom CT images, simulated clinical values, the
// autoencoder's latent features, F, labels), splits it 70/10/20, trains the paper's
// fusion network on the training part (or uses a given model whose stored scenario is
// the same), and embeds the held-out test cases into fusion vectors. Every method then
// computes a global modality importance over those fusion vectors (with the labels,
// where the method uses them), which is compared with the ground-truth modality
// importance of the same test cases (mean |dF/dx_j| summed per modality, normalised):
// RMSE over the four modalities, rank-biased overlap and Spearman correlation of the
// rankings (see Compare). Three sanity checks run for every method: parameter
// randomisation (the head's weights are re-initialised from seeds and the importance must
// change; Adebayo et al. 2018), the same with the whole network re-initialised (encoder
// too, the test cases embedded again), which is the fair test for a method that reads
// the encoder as well, and, where the scenario ignores a modality entirely, that the
// ignored modality ranks last. The Report summarises each method over the scenarios
// beside the paper's figures.
//
// # RBO
//
// Rank-biased overlap is RBO_ext (Webber, Moffat & Zobel 2010, eq. 32) with persistence
// p = 0.9. For two full rankings of four items it lies in [p^4, 1] = [0.656, 1], so a mean
// near 0.93 is less than it sounds. Modalities the truth ties (F0's four, the ignored ones
// of F1..F4) are ranked in the estimate's order, since any order among equals is right;
// RBOIndexTies, with ties broken by index as importance.ImportanceRBO does, is reported
// too.
//
// # Methods
//
// The methods are package importance's registry (importance.AllMethods): the paper's
// (importance.Methods), the ones this project adds (importance.Added, computed from
// log-odds gradients at the fusion layer: the paper's gradient corrected for case
// weighting and feature scale, the contribution methods, the whitened gradient) and the
// reference gradient (importance.ReferenceMethods), which the platform gives the ground
// truth's own features: each image's autoencoder latents and the clinical values; and its
// two fair twins, given only what a user has: each image's radiomics measurements
// (Cohort.Measured) and each image's standardised scores on the first ten principal
// components of its input over the test cases (Cohort.Basis, package pca). The network's
// head reaches them as a fusion.DenseHead (fusion.HeadOf).
//
// # Determinism
//
// Everything is drawn from PCG streams of Options.Seed (the cohort, its split, the
// network's initial weights and shuffling, the methods' samples, the randomised heads
// and networks),
// so equal options give equal reports on one machine with one GOMAXPROCS (package nn's
// sums depend on both); only the timings differ.
package validation
