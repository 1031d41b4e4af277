//===- Progress.h - a progress bar on stderr --------------------*- C++ -*-===//

#ifndef TLC_TOOLS_TLC_PROGRESS_H
#define TLC_TOOLS_TLC_PROGRESS_H

#include "llvm/Support/Format.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <string>

namespace tlc::tool {

/// A progress bar on stderr: redrawn in place on a terminal, a line per
/// tenth otherwise (logs stay readable).
class Progress {
public:
  explicit Progress(std::string label) : label(std::move(label)) {}
  void update(size_t done, size_t total) {
    bool tty = llvm::sys::Process::StandardErrIsDisplayed();
    int tenth = total ? int(10 * done / total) : 10;
    if (!tty && tenth == lastTenth && done != total)
      return;
    lastTenth = tenth;
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    constexpr int width = 30;
    int filled = total ? int(width * done / total) : width;
    llvm::errs() << (tty ? "\r" : "") << label << " ["
                 << std::string(filled, '#') << std::string(width - filled, ' ')
                 << "] " << done << "/" << total
                 << llvm::format(" %.0f img/s", secs > 0 ? done / secs : 0.0)
                 << (tty && done != total ? "" : "\n");
  }

private:
  std::string label;
  int lastTenth = -1;
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
};

} // namespace tlc::tool

#endif // TLC_TOOLS_TLC_PROGRESS_H
