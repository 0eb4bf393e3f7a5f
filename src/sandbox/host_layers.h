#pragma once
// The probe's cached answer, for the launcher: which layers this host offers.

#include "sandbox/sandbox.h"

namespace bastion::sandbox {

// From probe(), which runs once per process.
bool hostHasLayer(Layer layer);

}  // namespace bastion::sandbox
