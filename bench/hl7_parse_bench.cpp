// HL7 v2 codec throughput: parse + read 10 paths + re-encode, on a ~1 KB Norwegian grocery OMS^O05
// (bench/hl7_oms_o05_1k.hl7) and on the whole shared corpus. Every benchmark checks its results before timing.
// Target: >= 300,000 iterations/s on one core for the 1 KB message.

#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/hl7/message.hpp"

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const std::string& oms_message() {
    static const std::string bytes = read_file(std::filesystem::path(GATEWAY_SOURCE_DIR) / "bench/hl7_oms_o05_1k.hl7");
    return bytes;
}

struct Expect {
    const char* path;
    const char* value;
};

constexpr std::array<Expect, 10> kExpected = {{
    {"MSH-9.1", "OMS"},
    {"MSH-9.2", "O05"},
    {"MSH-10", "GER-20261111-0042"},
    {"MSH-12", "2.5"},
    {"PID-3.1", "PSN-88231"},
    {"PID-5.2", "Åse"},
    {"ORC-2", "BK-2026-004211"},
    {"TQ1-7", "202611121000+0100"},
    {"RQD[3]-2.2", "Bananer løsvekt"},
    {"NTE-3",
     "Nøkkelboks ved døra, kode i kommunens system. Ring på før du går inn\nBruker hører dårlig & trenger tid."},
}};

std::vector<gw::hl7::Path> compiled_paths() {
    std::vector<gw::hl7::Path> paths;
    for (const auto& e : kExpected) paths.push_back(gw::hl7::compile_path(e.path).value());
    return paths;
}

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "hl7_parse_bench: wrong result before timing: %s\n", what.c_str());
    std::abort();
}

// One iteration of the measured work; returns the encoded size so the compiler cannot drop it.
std::size_t parse_read_encode(std::string_view bytes, const std::vector<gw::hl7::Path>& paths, std::string& value,
                              std::string& encoded) {
    auto msg = gw::hl7::parse_view(bytes);
    if (!msg) return 0;
    std::size_t total = 0;
    for (const auto& p : paths) {
        msg->get_into(p, value);
        total += value.size();
    }
    encoded.clear();
    msg->encode_to(encoded);
    return total + encoded.size();
}

void verify_oms() {
    const auto& bytes = oms_message();
    if (bytes.size() < 900 || bytes.size() > 1200) fail("message is not ~1 KB");
    const auto msg = gw::hl7::parse_view(bytes);
    if (!msg) fail(msg.error().to_string());
    if (msg->segment_count() != 15) fail("segment count");
    for (const auto& e : kExpected) {
        if (msg->get(gw::hl7::compile_path(e.path).value()) != e.value) fail(e.path);
    }
    if (msg->encode() != bytes) fail("re-encode is not byte-identical");
}

void BM_Oms1K_ParseRead10Encode(benchmark::State& state) {
    verify_oms();
    const auto paths = compiled_paths();
    const auto& bytes = oms_message();
    std::string value;
    std::string encoded;
    for (auto _ : state) benchmark::DoNotOptimize(parse_read_encode(bytes, paths, value, encoded));
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_Oms1K_ParseRead10Encode);

void BM_Oms1K_ParseOnly(benchmark::State& state) {
    verify_oms();
    const auto& bytes = oms_message();
    for (auto _ : state) {
        auto msg = gw::hl7::parse_view(bytes);
        benchmark::DoNotOptimize(msg);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Oms1K_ParseOnly);

std::vector<std::string> corpus_files() {
    std::vector<std::string> files;
    const auto dir = std::filesystem::path(GATEWAY_SOURCE_DIR) / "../shared/data/hl7";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".hl7") files.push_back(read_file(entry.path()));
    }
    return files;
}

void BM_Corpus_ParseRead10Encode(benchmark::State& state) {
    const auto files = corpus_files();
    const auto paths = compiled_paths();
    std::size_t parsed = 0;
    std::int64_t bytes_total = 0;
    for (const auto& f : files) {
        const auto msg = gw::hl7::parse_view(f);
        if (msg && msg->encode() != f) fail("corpus re-encode");
        parsed += msg.ok() ? 1 : 0;
        bytes_total += static_cast<std::int64_t>(f.size());
    }
    if (files.size() < 25 || parsed != files.size() - 3)
        fail("corpus: expected all but the 3 MUST_FAIL files to parse");
    std::string value;
    std::string encoded;
    for (auto _ : state) {
        for (const auto& f : files) benchmark::DoNotOptimize(parse_read_encode(f, paths, value, encoded));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(files.size()));
    state.SetBytesProcessed(state.iterations() * bytes_total);
}
BENCHMARK(BM_Corpus_ParseRead10Encode);

}  // namespace

BENCHMARK_MAIN();
