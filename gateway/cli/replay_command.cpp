// `gateway replay --config FILE ID...`: re-runs stored inbound messages from their raw bytes through the current
// mappings and routes (a message that failed on a mapping error, after the mapping was fixed), or with
// --dead-letters requeues dead-lettered deliveries by outbox id. Every replay is written to the audit log with the
// acting user. A running gateway picks the new work up on its next outbox poll.
#include <iostream>

#include <fmt/format.h>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/configured_store.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/pipeline/order_pipeline.hpp"

namespace gw::cli {

namespace {

struct ReplayArgs {
    std::string config;
    std::vector<std::int64_t> ids;
    bool dead_letters = false;
    std::string actor;
    std::string reason;
};

int replay(const ReplayArgs& args) {
    auto loaded = config::load_gateway_config(args.config);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.config) return 2;
    const auto& cfg = *loaded.config;
    auto opened = open_configured_store(cfg);
    if (!opened) return 2;
    auto& db = *opened;
    const std::string actor = args.actor.empty() ? "cli:" + std::string(std::getenv("USER") ? std::getenv("USER") : "?")
                                                 : args.actor;

    if (args.dead_letters) {
        auto requeued = db.requeue_dead(args.ids, actor);
        if (!requeued) {
            std::cerr << requeued.error().to_string() << "\n";
            return 1;
        }
        std::cout << "requeued " << *requeued << " of " << args.ids.size() << " dead letters\n";
        return *requeued == args.ids.size() ? 0 : 1;
    }

    pipeline::PipelineOptions pipeline_options;
    for (const auto& section : cfg.mllp) {
        auto mapping = mapping::load_mapping(section.mapping);
        for (const auto& e : mapping.errors) std::cerr << e.to_string() << "\n";
        if (!mapping.mapping) return 2;
        pipeline_options.channels.emplace(section.name, mapping.mapping);
    }
    pipeline_options.router = std::make_shared<routing::Router>(cfg.routes);
    pipeline::OrderPipeline pipe(db, std::move(pipeline_options));
    int failures = 0;
    for (const auto id : args.ids) {
        auto processed = pipe.process(id);
        const std::string detail = processed ? fmt::format("order {} for vendor {}", processed->order_id,
                                                           processed->vendor)
                                             : processed.error().to_string();
        auto audited = db.append_audit({actor, "message.replay", fmt::format("message:{}", id),
                                        args.reason.empty() ? detail : args.reason + ": " + detail});
        if (!audited) std::cerr << "audit: " << audited.error().to_string() << "\n";
        if (processed) {
            std::cout << "message " << id << ": " << detail << "\n";
        } else {
            std::cerr << "message " << id << ": " << detail << "\n";
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace

void add_replay_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("replay", "Re-run stored messages through the current mappings, or requeue dead "
                                             "letters; exit 0 when every id was replayed");
    auto args = std::make_shared<ReplayArgs>();
    cmd->add_option("--config,-c", args->config, "Path to gateway.yaml")->required();
    cmd->add_option("ids", args->ids, "Inbound message ids (or outbox ids with --dead-letters)")->required();
    cmd->add_flag("--dead-letters", args->dead_letters, "The ids are dead-lettered deliveries to requeue");
    cmd->add_option("--actor", args->actor, "Who replays, for the audit log (default: cli:$USER)");
    cmd->add_option("--reason", args->reason, "Why, for the audit log");
    cmd->callback([args] { set_exit_code(replay(*args)); });
}

}  // namespace gw::cli
