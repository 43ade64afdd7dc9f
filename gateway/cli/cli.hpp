#pragma once

namespace gw::cli {

// Parses argv and runs the chosen subcommand; returns the process exit code.
int run(int argc, char** argv);

}  // namespace gw::cli
