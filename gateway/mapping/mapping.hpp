#pragma once
// The mapping engine's public API. A mapping file (YAML, see mappings/README.md) turns one document into another:
// HL7 v2 / XML / JSON into the canonical CareOrder or OrderEvent, canonical into vendor JSON/XML, vendor responses
// into OrderEvent, OrderEvent into HL7 ORS^O06 or AppRec XML.
//
//   auto loaded = gw::mapping::load_mapping("mappings/inbound/oms-o05.yaml");
//   if (!loaded.errors.empty()) { for (auto& e : loaded.errors) log(e.to_string()); }   // FILE:LINE:COL: error: ...
//   auto order = gw::mapping::translate_hl7_to_care_order(*loaded.mapping, frame_bytes);  // Result<json::value>
//
// A loaded Mapping is immutable and thread-safe: compile once at start-up (or config reload), run from any thread.
// Running never throws; data problems come back as an Error (code invalid_value / parse_error) whose message names
// the output field, the input location (HL7 path, XPath, JSON pointer) and the offending value, e.g.
//   lines[2].quantity: not a number (input RQD[3]-5 = "abc")
// and whose where.path is that input location.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "gateway/core/result.hpp"
#include "gateway/hl7/message.hpp"
#include "gateway/mapping/value.hpp"

namespace gw::mapping {

struct Plan;

struct RunOptions {
    const Params* params = nullptr;   // values for the mapping's `params:`
    std::optional<std::string> now;   // RFC 3339 instant for now(); the system clock when absent (tests pin it)
    // Mappings with `item: {each: lines, as: line}`: the 0-based element of that list the run renders (an adapter's
    // `for_each: lines` step renders one request per line). Required by such mappings, refused by the others.
    std::optional<std::size_t> item;
};

struct Output {
    Format format = Format::json;
    boost::json::value json;  // json and canonical outputs (canonical: normalised by the model, validated)
    std::string text;         // xml and hl7 outputs (HL7 segments end with CR)

    // The output as text: JSON serialised (pretty when asked), XML as is, HL7 with CR (or LF when `readable`).
    std::string to_string(bool readable = false) const;
};

class Mapping {
public:
    explicit Mapping(std::shared_ptr<const Plan> plan);

    const std::string& name() const noexcept;
    const std::string& file() const noexcept;
    Format input() const noexcept;
    Format output() const noexcept;
    std::vector<std::string> params() const;
    // The canonical list a mapping with `item:` renders one element of ("lines"); empty for whole-document mappings.
    const std::string& item_list() const noexcept;

    // Runs on input bytes: HL7 ER7 (CR or LF separated), XML text, or JSON text. Canonical input is checked with
    // the model's parser first.
    Result<Output> run(std::string_view input, const RunOptions& options = {}) const;
    // Runs on input that is already parsed (no copy, no re-parse): the pipeline's hot path.
    Result<Output> run_hl7(const hl7::Message& message, const RunOptions& options = {}) const;
    Result<Output> run_json(const boost::json::value& input, const RunOptions& options = {}) const;

    const Plan& plan() const noexcept { return *plan_; }

private:
    Result<Output> finish(Result<Output> out, const void* input_hint) const;
    std::shared_ptr<const Plan> plan_;
};

struct LoadResult {
    std::shared_ptr<const Mapping> mapping;  // null when errors is not empty
    std::vector<Error> errors;               // every problem, FILE:LINE:COL with hints
};
LoadResult load_mapping(const std::string& path);
// Same from text (tests, embedded mappings); `file` names it in errors, lookup tables resolve against `base_dir`.
LoadResult load_mapping_text(std::string_view yaml, const std::string& file, const std::string& base_dir = ".");

struct FolderLoadResult {
    std::map<std::string, std::shared_ptr<const Mapping>> mappings;  // by file stem: "order", "order-response"
    std::vector<Error> errors;
};
// Every *.yaml in `dir` (not recursive) except test files (*.test.yaml) and adapter.yaml.
FolderLoadResult load_mapping_folder(const std::string& dir);

// Intake: one HL7 frame (ER7 bytes as received) through an hl7 -> canonical:care_order mapping; returns the
// validated canonical CareOrder JSON (gateway_id still empty).
Result<boost::json::value> translate_hl7_to_care_order(const Mapping& mapping, std::string_view frame,
                                                       const RunOptions& options = {});

// Vendor adapters: canonical order (or event) JSON plus captured variables through a canonical -> json/xml
// mapping; returns the request body text (compact JSON, or XML).
// `item`: for mappings with `item:`, which element of the list (e.g. the order line of a for_each step).
Result<std::string> render_vendor_request(const Mapping& mapping, const boost::json::value& canonical,
                                          const Params& params = {}, std::optional<std::size_t> item = {});

}  // namespace gw::mapping
