// Package architecture compares ways of fusing images and tabular values on the same
// data: which predicts best, and which inputs each actually uses. It answers the paper's
// second purpose, "to guide architecture selection".
//
// # The variants
//
//   - early: the inputs are joined before any learned layer: each image is reduced to
//     EarlySize x EarlySize by area averaging and flattened, the pixels and the tabular
//     values standardised over the training cases, and one MLP reads them all.
//   - hybrid: the paper's network (fusion.Net with one encoder shared by the images of
//     equal shape): image features fused with the raw tabular values, a post-fusion head.
//   - separate: fusion.Net with one encoder per image input.
//   - late: one model per modality (a one-image fusion.Net per image, an MLP per tabular
//     group), each giving class log-probabilities; their combination is learned on the
//     validation cases, class score s_k = b_k + sum over modalities m of w_m log p_m(k).
//
// # One view of every variant
//
// Every variant maps a case, modality by modality, to a representation whose block m is
// a function of modality m's inputs only (the image encoder's features, the reduced
// pixels, the unimodal model's log-probabilities, or the tabular values), and then maps
// the whole representation to class probabilities through its Head. Replacing a
// modality's inputs by another case's therefore replaces exactly its block by that case's
// block, so the model-agnostic modality methods (permutation, exact Shapley over
// modalities, occlusion) run on the representation and its Head, at a head's cost, and
// equal the same methods run on the inputs through the whole model. Occlusion replaces a
// modality's inputs by their cohort mean, so its block becomes the representation of the
// mean inputs (for an image encoder that differs from the mean of the encodings).
//
// The paper's gradient, dp/dz at the fusion layer, exists only where there is a learned
// fusion layer: hybrid and separate.
//
// # Comparing
//
// Run trains each variant on the same split of each scenario for each seed, scores its
// test accuracy and AUC, measures its modality importances, compares them with the
// ground truth where it is known, and raises the warnings a user can act on (see
// Warnings).
//
// Training the image networks is most of a comparison's time. Scenarios of one run
// share one draw of cases per size and seed (cohort.Relabel: the cases do not depend on
// the scenario, only their labels and truth do), and Options.Patience stops an image
// network whose validation figure (Options.SelectBy) has stopped improving, keeping its
// best epoch. Every variant is trained the same way (Options: decoupled weight decay,
// kept epoch, selection; input sparsity for the variants with a fusion head), and the
// Report records how. Options.Jobs trainings (a variant with a seed) run side by side, one per core by
// default, and each job makes one inference pass over the test cases, with the batch
// norms folded into the convolutions, for its accuracy and all its importance methods.
package architecture
