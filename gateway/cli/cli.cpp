#include "gateway/cli/cli.hpp"

#include <iostream>

#include "gateway/cli/commands.hpp"

namespace gw::cli {

int run(int argc, char** argv) {
    CLI::App app{
        "Care-to-grocer gateway: takes grocery orders from municipal home-care record systems (HL7 v2 over MLLP,\n"
        "MsgHead XML over HTTP), stores them durably, routes them to the contracted grocer and reports status back.\n"
        "\nStart with:  gateway check --config config/gateway.yaml   then   gateway serve --config config/gateway.yaml",
        "gateway"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "gateway 0.1.0");
    add_serve_command(app);
    add_check_command(app);
    add_hl7_command(app);
    add_translate_command(app);
    add_test_command(app);
    add_replay_command(app);
    add_routes_command(app);
    add_scorecard_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    // Each subcommand stores its exit code through its callback; CLI11 runs the callback during parse().
    return exit_code();
}

namespace {
int g_exit_code = 0;
}

void set_exit_code(int code) { g_exit_code = code; }
int exit_code() { return g_exit_code; }

}  // namespace gw::cli
