package python_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestSyncBatchNormBack checks the step train.py --sync-bn takes before saving:
// fusionlens_torch.model.plain_batch_norms turns a network whose batch norms were
// converted to SyncBatchNorm back into the plain FusionNet with the same tensors, so the
// saved file has the names fusion.Load expects. Training with SyncBatchNorm itself needs
// GPUs in Debian's torch 1.13 and does not run here; this conversion runs on the CPU.
func TestSyncBatchNormBack(t *testing.T) {
	requireTorch(t)
	for name, cfg := range shapes(t) {
		t.Run(name, func(t *testing.T) {
			js, err := json.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, js, 0o644); err != nil {
				t.Fatal(err)
			}
			const script = `
import copy, json, sys, torch
from torch import nn
from fusionlens_torch import model
cfg = json.load(open(sys.argv[1]))
torch.manual_seed(3)
orig = model.FusionNet(cfg)
for m in orig.modules():  # running statistics and affine terms away from their defaults
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        m.running_mean.uniform_(-1, 1); m.running_var.uniform_(0.5, 2)
        m.weight.data.uniform_(0.5, 1.5); m.bias.data.uniform_(-0.5, 0.5)
orig.eval()
synced = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(orig))
plain = model.plain_batch_norms(synced)
images = [torch.rand(3, im["channels"], im["size"], im["size"]) for im in cfg["schema"]["images"]]
tab = torch.randn(3, model.tabular_width(cfg["schema"]))
with torch.no_grad():
    diff = (plain(images, tab) - orig(images, tab)).abs().max().item()
count = lambda net, kind: sum(isinstance(m, kind) for m in net.modules())
print(json.dumps({"batch_norms": count(orig, nn.modules.batchnorm._BatchNorm),
    "synced": count(synced, nn.SyncBatchNorm), "left_synced": count(plain, nn.SyncBatchNorm),
    "keys_equal": sorted(plain.state_dict()) == sorted(orig.state_dict()), "max_diff": diff}))
`
			var r struct {
				BatchNorms int     `json:"batch_norms"`
				Synced     int     `json:"synced"`
				LeftSynced int     `json:"left_synced"`
				KeysEqual  bool    `json:"keys_equal"`
				MaxDiff    float64 `json:"max_diff"`
			}
			if err := json.Unmarshal(runPython(t, "-c", script, path), &r); err != nil {
				t.Fatal(err)
			}
			if r.BatchNorms == 0 || r.Synced != r.BatchNorms {
				t.Fatalf("the network has %d batch norms and %d were converted to SyncBatchNorm; want all, and at least one", r.BatchNorms, r.Synced)
			}
			if r.LeftSynced != 0 || !r.KeysEqual {
				t.Fatalf("after plain_batch_norms: %d SyncBatchNorm left, state_dict keys equal to the original: %v", r.LeftSynced, r.KeysEqual)
			}
			if r.MaxDiff > 1e-6 {
				t.Fatalf("outputs differ from the original network's by %g after the round trip", r.MaxDiff)
			}
		})
	}
}
