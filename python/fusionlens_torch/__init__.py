"""fusionlens_torch: fusionlens's hybrid fusion network family in PyTorch.

A model trained here opens in fusionlens (the browser page, cmd/explain) like a native one,
and a fusionlens model opens here, because both sides agree on three things:

* the network (model.FusionNet): built from the configuration JSON fusionlens writes into
  every model file, with module names chosen so that state_dict keys are fusionlens's
  tensor names exactly;
* the file (safetensors.save/load): safetensors with the configuration and the training
  record in its __metadata__, under the keys "fusionlens.config" and "fusionlens.meta";
* the data (cases): the CSV of cases that cmd/train reads, with the same schema
  inference and the same standardisation as Go's package casefile.

Only the standard library, numpy, torch and (for PNG/JPEG images) PIL are used.
"""

from .model import FusionNet, new_config, cases_config
from .safetensors import save, load, save_model, load_model

__all__ = ["FusionNet", "new_config", "cases_config", "save", "load", "save_model", "load_model"]
