// kiln's command-line interface as a library: main() only calls RunCli.
// Exit codes: 0 success, 1 failure (one line on stderr naming the cause),
// 2 usage error (bad flags, unparsable or unsupported factory string).
#pragma once

#include <CLI/CLI.hpp>

#include "kiln/base/status.h"

namespace kiln::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  int threads = 0;  // 0: all cores
  bool quiet = false;
};

// Each Add* registers a subcommand whose callback stores its exit code.
void AddBuildCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddSearchCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddEvalCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddInspectCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddPartitionCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddLoadCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddServeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);

// Prints "kiln <command>: <message>" and maps the status to an exit code
// (InvalidArgument/Unimplemented from argument parsing → 2, else 1).
int ReportError(std::string_view command, const Status& status, bool usage_error);

int RunCli(int argc, char** argv);

}  // namespace kiln::cli
