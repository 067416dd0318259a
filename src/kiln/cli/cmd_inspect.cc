#include <fmt/format.h>

#include "kiln/cli/commands.h"
#include "kiln/format/faiss/inspect.h"
#include "kiln/job/load_index.h"

namespace kiln::cli {

void AddInspectCommand(CLI::App& app, const GlobalOptions&, int& exit_code) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("inspect", "Print the structure of a Faiss index file");
  cmd->add_option("path", *path, "Index file or build directory")->required();
  cmd->callback([path, &exit_code] {
    auto mapped = job::MapIndexFile(*path);
    if (!mapped.ok()) {
      exit_code = ReportError("inspect", mapped.status(), false);
      return;
    }
    auto text = format::DescribeFaissFile(mapped->file->data(), mapped->file->size(), mapped->path);
    if (!text.ok()) {
      exit_code = ReportError("inspect", text.status(), false);
      return;
    }
    fmt::print("{}", *text);
    if (mapped->built_metric) fmt::print("built with metric: {}\n", MetricName(*mapped->built_metric));
    exit_code = kExitOk;
  });
}

}  // namespace kiln::cli
