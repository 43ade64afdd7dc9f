// `gateway scorecard --config FILE --from YYYY-MM-DD --to YYYY-MM-DD [--vendor NAME] [--output FILE]`: the vendor
// scorecard for procurement as CSV (one row per vendor; see gateway/ops/scorecard.hpp for what each column means).
// Both days are Europe/Oslo calendar days and both are included. Reads the store only; the gateway may be running.
#include <fstream>
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/configured_store.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/ops/scorecard.hpp"

namespace gw::cli {

namespace {

struct ScorecardArgs {
    std::string config;
    std::string from;
    std::string to;
    std::string vendor;
    std::string output;
    std::size_t max_orders = 500'000;
};

int scorecard(const ScorecardArgs& args) {
    auto period = ops::oslo_days(args.from, args.to);
    if (!period) {
        std::cerr << period.error().to_string() << "\n";
        return 2;
    }
    auto loaded = config::load_gateway_config(args.config);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.config) return 2;
    const auto& cfg = *loaded.config;
    auto opened = open_configured_store(cfg);
    if (!opened) return 2;
    auto orders = ops::load_scorecard_orders(*opened, *period, args.vendor, args.max_orders);
    if (!orders) {
        std::cerr << orders.error().to_string() << "\n";
        return 1;
    }
    const auto csv = ops::scorecard_csv(ops::compute_scorecard(*orders, *period), *period);
    if (args.output.empty() || args.output == "-") {
        std::cout << csv;
        return std::cout ? 0 : 1;
    }
    std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
    out << csv;
    out.close();
    if (!out) {
        std::cerr << "error: cannot write " << args.output << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

void add_scorecard_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("scorecard", "Vendor scorecard for procurement as CSV: acceptance, fill, "
                                                "substitution and out-of-stock rates, time to accept, on-time delivery, "
                                                "error and retry rates, per vendor");
    auto args = std::make_shared<ScorecardArgs>();
    cmd->add_option("--config,-c", args->config, "Path to gateway.yaml")->required();
    cmd->add_option("--from", args->from, "First day of the period (YYYY-MM-DD, Europe/Oslo)")->required();
    cmd->add_option("--to", args->to, "Last day of the period, included (YYYY-MM-DD, Europe/Oslo)")->required();
    cmd->add_option("--vendor", args->vendor, "Only this vendor");
    cmd->add_option("--output,-o", args->output, "Write the CSV here instead of standard output");
    cmd->add_option("--max-orders", args->max_orders, "Refuse periods with more orders than this")
        ->capture_default_str();
    cmd->callback([args] { set_exit_code(scorecard(*args)); });
}

}  // namespace gw::cli
