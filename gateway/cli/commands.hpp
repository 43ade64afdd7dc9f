#pragma once
// Each subcommand lives in its own file (gateway/cli/<name>_command.cpp) and registers itself on the root app.
// A subcommand's callback runs during parsing and reports its result through set_exit_code().

#include <CLI/CLI.hpp>

namespace gw::cli {

void add_serve_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_hl7_command(CLI::App& app);
void add_translate_command(CLI::App& app);
void add_test_command(CLI::App& app);
void add_replay_command(CLI::App& app);
void add_routes_command(CLI::App& app);
void add_scorecard_command(CLI::App& app);

void set_exit_code(int code);
int exit_code();

}  // namespace gw::cli
