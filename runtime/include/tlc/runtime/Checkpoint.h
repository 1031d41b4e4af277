//===- Checkpoint.h - resumable training ------------------------*- C++ -*-===//
//
// A training run that writes OUT keeps, after every epoch, OUT.ckpt (the
// artifact with that epoch's head) and OUT.ckpt.state.npy (the optimizer's
// step and moments). Resuming restores both and continues at the next
// epoch; with the same seed the result equals an uninterrupted run.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_CHECKPOINT_H
#define TLC_RUNTIME_CHECKPOINT_H

#include "tlc/runtime/Train.h"

#include <string>
#include <vector>

namespace tlc::runtime {

/// The optimizer state as one float64 .npy: [step, tensors, sizes...,
/// first moments..., second moments..., parameters...] (the parameters
/// optional).
Status writeOptimizerState(const std::string &path,
                           const OptimizerState &state);
StatusOr<OptimizerState> readOptimizerState(const std::string &path);

class Checkpoint {
public:
  /// The checkpoint of a run that writes `output`, training the head of
  /// the artifact at `model`.
  Checkpoint(std::string model, const std::string &output);

  const std::string &artifactPath() const { return artifact_; }
  const std::string &statePath() const { return state_; }

  /// Writes the head after `epoch` and the optimizer state.
  Status save(const Head &head, const std::vector<std::string> &classNames,
              const OptimizerState &state, int64_t epoch) const;
  /// Loads the saved head's weights into `head` (which must have the same
  /// layers) and the optimizer state into `state`; returns the epoch to
  /// continue at.
  StatusOr<int64_t> restore(Head &head, OptimizerState &state) const;

private:
  std::string model_, artifact_, state_;
};

} // namespace tlc::runtime

#endif // TLC_RUNTIME_CHECKPOINT_H
