#include "kiln/cli/commands.h"

int main(int argc, char** argv) { return kiln::cli::RunCli(argc, argv); }
