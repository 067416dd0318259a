#include <cstdio>

#include <fmt/format.h>

#include "kiln/cli/commands.h"

namespace kiln::cli {

int ReportError(std::string_view command, const Status& status, bool usage_error) {
  fmt::print(stderr, "kiln {}: {}\n", command, status.message());
  return usage_error ? kExitUsage : kExitFailure;
}

int RunCli(int argc, char** argv) {
  CLI::App app{"kiln: build vector indexes that Faiss, OpenSearch and PostgreSQL load as-is"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags such as --threads may follow the subcommand
  app.footer(
      "Examples:\n"
      "  kiln build --input /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\\n"
      "             --factory IVF256,Flat --metric l2 --output out/fmnist\n"
      "  kiln search --index out/fmnist --queries queries.npy -k 10 --nprobe 16 --output hits.npy\n"
      "  kiln eval --index out/fmnist --base train.npy --queries queries.npy -k 10 --nprobe 1,4,16\n"
      "  kiln inspect out/fmnist/faiss.index\n"
      "  kiln partition --input base.npy --lists 64,4096 --metric l2 --output postgresql://postgres@127.0.0.1:5432/db \\\n"
      "                 --table public.t_build\n"
      "  kiln load --input base.npy --output postgresql://postgres@127.0.0.1:5432/db --table public.items\n"
      "  kiln serve --listen 127.0.0.1:8080 --data-dir kiln-data\n"
      "Exit codes: 0 ok, 1 failure, 2 usage error.");
  GlobalOptions global;
  app.add_option("--threads", global.threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quiet,-q", global.quiet, "No progress output");
  int exit_code = kExitOk;
  AddBuildCommand(app, global, exit_code);
  AddSearchCommand(app, global, exit_code);
  AddEvalCommand(app, global, exit_code);
  AddInspectCommand(app, global, exit_code);
  AddPartitionCommand(app, global, exit_code);
  AddLoadCommand(app, global, exit_code);
  AddServeCommand(app, global, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports usage problems by exception; turn them into exit code 2.
    fmt::print(stderr, "kiln: {}\nRun 'kiln --help' for usage.\n", e.what());
    return kExitUsage;
  }
  return exit_code;
}

}  // namespace kiln::cli
