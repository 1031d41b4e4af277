//===- Batching.h - whether a model treats samples independently -*- C++
//-*-===//
//
// A batch of N samples can run as several passes over smaller batches when
// every kernel computes each sample from that sample alone (convs, pools,
// elementwise math, concat along channels, ...), and not when one mixes
// samples (a reshape that folds the batch into another dim, a reduction or
// a slice over it). Session uses this to run large batches in cache-sized
// passes (SessionOptions::microBatch).
//
//===----------------------------------------------------------------------===//

#ifndef TLC_RUNTIME_BATCHING_H
#define TLC_RUNTIME_BATCHING_H

#include "Artifact.h"

#include <string>

namespace tlc::runtime {

/// Whether dim 0 of every graph input is a dynamic batch that flows,
/// sample by sample, to dim 0 of every graph output. Conservative: an op
/// it does not know, or an attribute it cannot read, makes it false, and
/// `why` then names the kernel.
bool samplesAreIndependent(const fb::Model &model, std::string *why = nullptr);

} // namespace tlc::runtime

#endif // TLC_RUNTIME_BATCHING_H
