#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "gateway/cli/commands.hpp"
#include "gateway/hl7/tool.hpp"

namespace gw::cli {
namespace {

struct Hl7Options {
    std::string file;
    std::vector<std::string> paths;
};

// Reads the whole file as bytes; false (with a message on stderr) when it cannot be read.
bool read_file(const std::string& name, std::string& bytes) {
    std::ifstream in(name, std::ios::binary);
    if (!in) {
        std::cerr << name << ": error: cannot open file\n";
        return false;
    }
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

// CLI11 reports failure by exception; the exit code travels in CLI::RuntimeError.
void exit_with(int code) {
    if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

void add_hl7_command(CLI::App& app) {
    auto* hl7 = app.add_subcommand("hl7", "Read HL7 v2 messages (ER7 or v2.xml)");
    hl7->require_subcommand(1);
    auto options = std::make_shared<Hl7Options>();

    auto* get = hl7->add_subcommand("get", "Print each PATH's unescaped value on its own line");
    get->add_option("FILE", options->file, "HL7 v2 message (ER7, or v2.xml when it starts with '<')")->required();
    get->add_option("PATH", options->paths, "paths such as MSH-9.2, PID-3[2].1, OBX[3]-5")->required();
    get->callback([options] {
        std::string bytes;
        if (!read_file(options->file, bytes)) exit_with(1);
        exit_with(gw::hl7::run_get(options->file, bytes, options->paths, std::cout, std::cerr));
    });

    auto* roundtrip = hl7->add_subcommand("roundtrip", "Parse and re-encode to stdout");
    roundtrip->add_option("FILE", options->file, "HL7 v2 message")->required();
    roundtrip->callback([options] {
        std::string bytes;
        if (!read_file(options->file, bytes)) exit_with(1);
        exit_with(gw::hl7::run_roundtrip(options->file, bytes, std::cout, std::cerr));
    });
}

}  // namespace gw::cli
