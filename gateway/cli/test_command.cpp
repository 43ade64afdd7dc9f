// `gateway test [PATH...]`: runs mapping test cases (*.test.yaml); the last line is "N passed, N failed".
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/mapping/test_runner.hpp"

namespace gw::cli {

void add_test_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("test", "Run mapping tests (*.test.yaml) under the given files or folders");
    auto paths = std::make_shared<std::vector<std::string>>();
    cmd->add_option("paths", *paths, "Test files or folders (default: mappings/)");
    cmd->callback([paths] {
        if (paths->empty()) paths->push_back("mappings");
        const auto summary = mapping::run_mapping_tests(*paths, std::cout);
        std::cout << summary.passed << " passed, " << summary.failed << " failed\n";
        set_exit_code(summary.failed == 0 && summary.passed > 0 ? 0 : 1);
    });
}

}  // namespace gw::cli
