//===- CoreLinkCheck.cpp - the core links without any backend -------------===//
//
// Linked against tlc_core alone: it builds only while the core depends on
// nothing but flatbuffers. Run, it finds no backend to make a session with.
//
//===----------------------------------------------------------------------===//

#include "tlc/runtime/Session.h"

#include <cstdio>

int main() {
  if (!tlc::runtime::availableDevices().empty()) {
    std::fprintf(stderr, "the core alone registered a backend\n");
    return 1;
  }
  auto session = tlc::runtime::Session::load("/nonexistent.tlb");
  return session ? 1 : 0;
}
