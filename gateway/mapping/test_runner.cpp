#include "gateway/mapping/test_runner.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/mapping/json_text.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/output_diff.hpp"
#include "gateway/mapping/plan.hpp"
#include "gateway/mapping/xml_input.hpp"

namespace gw::mapping {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFileKeys{"mapping", "now", "params", "cases"};
const std::vector<std::string> kCaseKeys{"name",          "input",         "input_text", "params", "now",
                                         "expect",        "expect_subset", "expect_values", "expect_error",
                                         "validate_xsd",  "item"};

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

std::string resolve(const std::string& base, const std::string& p) {
    return fs::path(p).is_absolute() ? p : (fs::path(base) / p).lexically_normal().string();
}

std::string where(const std::string& file, const YAML::Node& n) {
    return fmt::format("{}:{}:{}", file, n.Mark().line + 1, n.Mark().column + 1);
}

// YAML (as written in a test) to JSON: quoted scalars are strings, plain ones keep their YAML type.
boost::json::value yaml_to_json(const YAML::Node& n) {
    if (n.IsMap()) {
        boost::json::object o;
        for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = yaml_to_json(it->second);
        return o;
    }
    if (n.IsSequence()) {
        boost::json::array a;
        for (const auto& item : n) a.push_back(yaml_to_json(item));
        return a;
    }
    if (n.IsNull()) return nullptr;
    const std::string& s = n.Scalar();
    if (n.Tag() == "!") return boost::json::string(s);
    if (s == "true" || s == "false") return s == "true";
    return boost::json::string(s);
}

Params read_params(const YAML::Node& n) {
    Params p;
    if (n && n.IsMap())
        for (auto it = n.begin(); it != n.end(); ++it) p[it->first.Scalar()] = it->second.Scalar();
    return p;
}

std::vector<std::string> as_list(const YAML::Node& n) {
    std::vector<std::string> out;
    if (n.IsSequence()) {
        for (const auto& i : n) out.push_back(i.Scalar());
    } else if (n.IsScalar()) {
        out.push_back(n.Scalar());
    }
    return out;
}

// Value at `path` in the output: JSON pointer for JSON, XPath (mapping prefixes) for XML, HL7 path for HL7.
std::optional<std::string> value_at(const Mapping& m, const Output& out, const std::string& path, std::string& problem) {
    switch (out.format) {
        case Format::hl7: {
            auto msg = hl7::parse_view(out.text);
            if (!msg) {
                problem = "output is not valid HL7: " + msg.error().message;
                return std::nullopt;
            }
            auto p = hl7::compile_path(path);
            if (!p) {
                problem = fmt::format("'{}' is not an HL7 path", path);
                return std::nullopt;
            }
            return msg->get(*p);
        }
        case Format::xml: {
            auto doc = parse_xml_input(out.text, m.plan().namespaces);
            if (!doc) {
                problem = "output is not valid XML";
                return std::nullopt;
            }
            try {
                pugi::xpath_query q(path.c_str());
                return std::string(q.evaluate_string(**doc));
            } catch (const pugi::xpath_exception& e) {
                problem = fmt::format("bad XPath '{}': {}", path, e.what());
                return std::nullopt;
            }
        }
        default: {
            boost::system::error_code ec;
            const auto* v = out.json.find_pointer(path, ec);
            if (!v) return std::string();
            if (v->is_string()) return std::string(v->get_string());
            if (v->is_null()) return std::string();
            return to_json_text(*v);
        }
    }
}

bool validate_xsd(const std::string& xml, const std::string& xsd, std::vector<std::string>& diff) {
    char tmpl[] = "/tmp/gw-mapping-test-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) {
        diff.push_back("  cannot create a temporary file for xmllint");
        return false;
    }
    const std::string file = tmpl;
    if (::write(fd, xml.data(), xml.size()) != static_cast<ssize_t>(xml.size())) {
        ::close(fd);
        diff.push_back("  cannot write a temporary file for xmllint");
        return false;
    }
    ::close(fd);
    const std::string log = file + ".log";
    const std::string cmd = fmt::format("xmllint --noout --nonet --schema '{}' '{}' > '{}' 2>&1", xsd, file, log);
    const int rc = std::system(cmd.c_str());
    std::string text;
    read_file(log, text);
    fs::remove(file);
    fs::remove(log);
    if (rc == 0) return true;
    diff.push_back(fmt::format("  xmllint --schema {} rejected the output:", xsd));
    std::istringstream lines(text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line) && n++ < 10) diff.push_back("    " + line);
    return false;
}

class Runner {
public:
    explicit Runner(std::ostream& out) : out_(out) {}

    void file(const std::string& path) {
        config::Diagnostics diag(path);
        auto root = config::load_yaml_file(path, diag);
        if (!root || !root->IsMap()) {
            for (const auto& e : diag.sorted()) out_ << "FAIL " << e.to_string() << "\n";
            if (diag.ok()) out_ << "FAIL " << path << ": a test file must be a mapping with mapping: and cases:\n";
            ++summary.failed;
            return;
        }
        const std::string dir = fs::path(path).parent_path().string();
        bool ok = true;
        for (auto it = root->begin(); it != root->end(); ++it) {
            const auto key = it->first.Scalar();
            if (std::find(kFileKeys.begin(), kFileKeys.end(), key) == kFileKeys.end()) {
                out_ << "FAIL " << where(path, it->first) << ": error: unknown key '" << key << "' "
                     << config::did_you_mean(key, kFileKeys) << "\n";
                ok = false;
            }
        }
        const YAML::Node mapping_node = (*root)["mapping"];
        const YAML::Node cases = (*root)["cases"];
        if (!mapping_node || !cases || !cases.IsSequence()) {
            out_ << "FAIL " << path << ": needs 'mapping: FILE' and a list 'cases:'\n";
            ++summary.failed;
            return;
        }
        const std::string mapping_path = resolve(dir, mapping_node.Scalar());
        auto mapping = load(mapping_path);
        if (!mapping) {
            out_ << "FAIL " << where(path, mapping_node) << ": mapping does not load:\n";
            for (const auto& e : errors_[mapping_path]) out_ << "  " << e.to_string() << "\n";
            summary.failed += static_cast<int>(std::max<std::size_t>(cases.size(), 1));
            return;
        }
        if (!ok) {
            ++summary.failed;
            return;
        }
        const Params file_params = read_params((*root)["params"]);
        const std::optional<std::string> file_now =
            (*root)["now"] ? std::optional<std::string>((*root)["now"].Scalar()) : std::nullopt;
        std::size_t index = 0;
        for (const auto& c : cases) run_case(path, dir, *mapping, c, ++index, file_params, file_now);
    }

    TestSummary summary;

private:
    std::shared_ptr<const Mapping> load(const std::string& path) {
        auto it = cache_.find(path);
        if (it != cache_.end()) return it->second;
        auto loaded = load_mapping(path);
        errors_[path] = loaded.errors;
        cache_[path] = loaded.mapping;
        return loaded.mapping;
    }

    void report(bool passed, const std::string& label, const std::vector<std::string>& diff) {
        if (passed) {
            ++summary.passed;
            out_ << "ok   " << label << "\n";
            return;
        }
        ++summary.failed;
        out_ << "FAIL " << label << "\n";
        for (const auto& line : diff) out_ << line << "\n";
    }

    void run_case(const std::string& file, const std::string& dir, const Mapping& mapping, const YAML::Node& c,
                  std::size_t index, const Params& file_params, const std::optional<std::string>& file_now) {
        const std::string name = c["name"] ? c["name"].Scalar() : fmt::format("case {}", index);
        const std::string label = fmt::format("{}: {}", file, name);
        std::vector<std::string> diff;
        if (!c.IsMap()) {
            report(false, label, {"  " + where(file, c) + ": error: a case must be a mapping"});
            return;
        }
        for (auto it = c.begin(); it != c.end(); ++it) {
            const auto key = it->first.Scalar();
            if (std::find(kCaseKeys.begin(), kCaseKeys.end(), key) == kCaseKeys.end())
                diff.push_back(fmt::format("  {}: error: unknown key '{}' {}", where(file, it->first), key,
                                           config::did_you_mean(key, kCaseKeys)));
        }
        std::string input;
        if (c["input"]) {
            if (!read_file(resolve(dir, c["input"].Scalar()), input))
                diff.push_back(fmt::format("  {}: error: cannot read input '{}'", where(file, c["input"]), c["input"].Scalar()));
        } else if (c["input_text"]) {
            input = c["input_text"].Scalar();
        } else {
            diff.push_back(fmt::format("  {}: error: a case needs input: FILE or input_text:", where(file, c)));
        }
        if (!diff.empty()) {
            report(false, label, diff);
            return;
        }
        Params params = file_params;
        for (const auto& [k, v] : read_params(c["params"])) params[k] = v;
        RunOptions options;
        options.params = &params;
        options.now = c["now"] ? std::optional<std::string>(c["now"].Scalar()) : file_now;
        // Mappings with `item:` render one list element; a case picks it (0-based), the first by default.
        if (c["item"]) {
            const auto& text = c["item"].Scalar();
            if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos) {
                report(false, label, {fmt::format("  {}: error: item must be a 0-based index", where(file, c["item"]))});
                return;
            }
            options.item = static_cast<std::size_t>(std::stoul(text));
        } else if (!mapping.item_list().empty()) {
            options.item = 0;
        }
        auto result = mapping.run(input, options);

        if (c["expect_error"]) {
            if (result) {
                diff.push_back("  expected an error, but the mapping succeeded with:");
                std::istringstream lines(result->to_string(true));
                std::string line;
                int n = 0;
                while (std::getline(lines, line) && n++ < 12) diff.push_back("    " + line);
            } else {
                const std::string msg = result.error().to_string();
                for (const auto& want : as_list(c["expect_error"]))
                    if (msg.find(want) == std::string::npos)
                        diff.push_back(fmt::format("  error does not mention \"{}\":\n    {}", want, msg));
            }
            report(diff.empty(), label, diff);
            return;
        }
        if (!result) {
            report(false, label, {"  unexpected error: " + result.error().to_string()});
            return;
        }
        const Output& out = *result;
        if (c["expect"]) {
            std::string expected;
            const std::string expected_path = resolve(dir, c["expect"].Scalar());
            if (!read_file(expected_path, expected)) {
                diff.push_back(fmt::format("  {}: error: cannot read expected output '{}'", where(file, c["expect"]),
                                           c["expect"].Scalar()));
            } else if (out.format == Format::xml) {
                for (auto& l : diff_text_lines(normalise_xml(expected), normalise_xml(out.text))) diff.push_back(l);
            } else if (out.format == Format::hl7) {
                for (auto& l : diff_text_lines(expected, out.text)) diff.push_back(l);
            } else {
                boost::system::error_code ec;
                auto ej = boost::json::parse(expected, ec);
                if (ec) {
                    diff.push_back(fmt::format("  {}: error: expected output is not JSON", expected_path));
                } else {
                    for (auto& l : diff_json(ej, out.json)) diff.push_back(l);
                }
            }
            if (!diff.empty()) diff.insert(diff.begin(), fmt::format("  output differs from {} (- expected, + actual):", c["expect"].Scalar()));
        }
        if (c["expect_subset"]) {
            if (out.format == Format::xml || out.format == Format::hl7) {
                diff.push_back("  expect_subset is for JSON outputs; use expect_values for XML/HL7");
            } else {
                for (auto& l : diff_json_subset(yaml_to_json(c["expect_subset"]), out.json)) diff.push_back(l);
            }
        }
        if (const YAML::Node values = c["expect_values"]) {
            for (auto it = values.begin(); it != values.end(); ++it) {
                std::string problem;
                const auto got = value_at(mapping, out, it->first.Scalar(), problem);
                if (!got) {
                    diff.push_back("  " + problem);
                } else if (*got != it->second.Scalar()) {
                    diff.push_back(fmt::format("  {}: expected \"{}\", got \"{}\"", it->first.Scalar(),
                                               it->second.Scalar(), *got));
                }
            }
        }
        if (c["validate_xsd"]) {
            if (out.format != Format::xml) {
                diff.push_back("  validate_xsd needs XML output");
            } else {
                validate_xsd(out.text, resolve(dir, c["validate_xsd"].Scalar()), diff);
            }
        }
        report(diff.empty(), label, diff);
    }

    std::ostream& out_;
    std::map<std::string, std::shared_ptr<const Mapping>> cache_;
    std::map<std::string, std::vector<Error>> errors_;
};

bool is_test_file(const fs::path& p) {
    const auto name = p.filename().string();
    return name.size() > 10 && name.substr(name.size() - 10) == ".test.yaml";
}

}  // namespace

TestSummary run_mapping_tests(const std::vector<std::string>& paths, std::ostream& out) {
    Runner runner(out);
    for (const auto& p : paths) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) {
            runner.file(p);
            continue;
        }
        if (!fs::is_directory(p, ec)) {
            out << "FAIL " << p << ": no such file or folder\n";
            ++runner.summary.failed;
            continue;
        }
        std::vector<std::string> files;
        for (const auto& entry : fs::recursive_directory_iterator(p, ec))
            if (entry.is_regular_file() && is_test_file(entry.path())) files.push_back(entry.path().string());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) runner.file(f);
    }
    return runner.summary;
}

}  // namespace gw::mapping
