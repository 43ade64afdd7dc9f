// `gateway translate --mapping FILE INPUT`: dry-runs one mapping on one input file and prints the result.
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/cli/commands.hpp"
#include "gateway/mapping/mapping.hpp"

namespace gw::cli {

void add_translate_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("translate", "Run one mapping on one input file and print the output (dry run)");
    struct Options {
        std::string mapping;
        std::string input;
        std::vector<std::string> params;
        std::string now;
    };
    auto o = std::make_shared<Options>();
    cmd->add_option("--mapping,-m", o->mapping, "Mapping file (YAML)")->required();
    cmd->add_option("input", o->input, "Input document (HL7, XML or JSON); - for stdin")->required();
    cmd->add_option("--param,-p", o->params, "NAME=VALUE for the mapping's params (repeatable)");
    cmd->add_option("--now", o->now, "Pin now() to this RFC 3339 instant");
    cmd->callback([o] {
        auto loaded = mapping::load_mapping(o->mapping);
        if (!loaded.mapping) {
            for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
            std::cerr << loaded.errors.size() << (loaded.errors.size() == 1 ? " error" : " errors") << " in "
                      << o->mapping << "\n";
            set_exit_code(1);
            return;
        }
        std::ostringstream ss;
        if (o->input == "-") {
            ss << std::cin.rdbuf();
        } else {
            std::ifstream in(o->input, std::ios::binary);
            if (!in) {
                std::cerr << "error: cannot read '" << o->input << "'\n";
                set_exit_code(1);
                return;
            }
            ss << in.rdbuf();
        }
        mapping::Params params;
        for (const auto& p : o->params) {
            const auto eq = p.find('=');
            if (eq == std::string::npos) {
                std::cerr << "error: --param needs NAME=VALUE, got '" << p << "'\n";
                set_exit_code(2);
                return;
            }
            params[p.substr(0, eq)] = p.substr(eq + 1);
        }
        mapping::RunOptions options;
        options.params = &params;
        if (!o->now.empty()) options.now = o->now;
        auto out = loaded.mapping->run(ss.str(), options);
        if (!out) {
            std::cerr << out.error().to_string() << "\n";
            set_exit_code(1);
            return;
        }
        std::cout << out->to_string(true);
        if (out->format == mapping::Format::xml && !out->text.empty() && out->text.back() != '\n') std::cout << "\n";
        set_exit_code(0);
    });
}

}  // namespace gw::cli
