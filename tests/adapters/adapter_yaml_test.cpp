// adapter.yaml through the registry: the shipped vendor folders check clean; every mistake is reported with
// FILE:LINE:COL and a hint (unknown keys, kinds, placeholders, mappings that do not fit their step).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adapters/http/adapter_yaml.hpp"
#include "adapters/registry.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw::adapters {
namespace {

namespace fs = std::filesystem;

VendorSettings shipped(const std::string& name) {
    VendorSettings s;
    s.name = name;
    s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/" + name;
    s.base_url = "http://127.0.0.1:9/" + name;
    s.secrets = {{"username", "care"}, {"password", "pw"}, {"client_id", "gw"}, {"client_secret", "s3cret"}};
    s.params = {{"seller_org_number", "987654321"}, {"seller_name", "Grocer AS"}};
    return s;
}

std::string all(const std::vector<Error>& errors) {
    std::string s;
    for (const auto& e : errors) s += e.to_string() + "\n";
    return s;
}

TEST(AdapterYaml, ShippedFoldersCheckClean) {
    for (const auto* name : {"oda-web", "kroger-cart", "instacart-connect", "peppol-bis"}) {
        const auto errors = check_adapter_folder(shipped(name));
        EXPECT_TRUE(errors.empty()) << name << ":\n" << all(errors);
    }
    EXPECT_EQ(adapter_kinds(), (std::vector<std::string_view>{"http_json", "http_xml", "mllp_out"}));
}

TEST(AdapterYaml, ShippedOdaConfigIsTyped) {
    auto loaded = http::read_adapter_yaml(shipped("oda-web"));
    ASSERT_TRUE(loaded.config) << all(loaded.errors);
    const auto& c = *loaded.config;
    EXPECT_EQ(c.vendor, "oda-web");
    EXPECT_EQ(c.concurrency, 1u);
    EXPECT_EQ(c.auth.scheme, auth::SchemeKind::session_login);
    const auto& submit = c.operations.at(Operation::submit);
    ASSERT_EQ(submit.steps.size(), 2u);
    EXPECT_TRUE(submit.steps[0].for_each_line);
    EXPECT_EQ(submit.steps[0].body->item_list(), "lines");
    EXPECT_TRUE(submit.steps[1].idempotent);
    ASSERT_TRUE(submit.outcome.partial);
    EXPECT_EQ(submit.outcome.partial->sent_step, "add_line");
}

// A vendor folder in a temp dir with one adapter.yaml and a couple of mappings.
class Folder {
public:
    explicit Folder(const std::string& adapter_yaml) : root_(gw::testing::temp_dir()) {
        dir_ = root_ + "/acme";
        fs::create_directories(dir_);
        write("adapter.yaml", adapter_yaml);
        write("order.yaml", "input: canonical:care_order\noutput: json\ntemplate: {ref: =source.placer_order_number}\n");
        write("line.yaml", "input: canonical:care_order\noutput: json\nitem: {each: lines, as: line}\n"
                           "template: {gtin: =line.gtin}\n");
        write("ubl.yaml", "input: canonical:care_order\noutput: xml\ntemplate: {Order: {ID: =source.placer_order_number}}\n");
    }
    ~Folder() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }
    std::vector<Error> check() const {
        VendorSettings s;
        s.name = "acme";
        s.folder = dir_;
        s.base_url = "http://127.0.0.1:9";
        s.secrets = {{"token", "t"}};
        s.params = {{"customer", "C1"}};
        return check_adapter_folder(s);
    }
    std::string file() const { return dir_ + "/adapter.yaml"; }

private:
    std::string root_;
    std::string dir_;
};

// Every expected "LINE:COL: error: TEXT" must be among the errors (as FILE:LINE:COL: ...).
void expect_errors(const Folder& f, const std::vector<std::string>& wanted) {
    const auto errors = f.check();
    const auto text = all(errors);
    for (const auto& w : wanted) EXPECT_NE(text.find(f.file() + ":" + w), std::string::npos) << "missing: " << w << "\nin:\n" << text;
}

TEST(AdapterYaml, UnknownKeysAndValuesAtTheirPosition) {
    Folder f(R"(adapter: acme
kind: http_json
capabilities: {cancel: false, stauts: none}
timeouts: {request: 10s}
operations:
  submit:
    steps:
      - name: send
        method: POTS
        path: /orders
        body: order.yaml
        idempotnet: true
    outcome:
      state: acepted
)");
    expect_errors(f, {"3:31: error: unknown key 'stauts' in 'capabilities' (hint: did you mean 'status'?)",
                      "9:17: error: unsupported method 'POTS' (hint: did you mean 'POST'?)",
                      "12:9: error: unknown key 'idempotnet'",
                      "14:14: error: "});
}

TEST(AdapterYaml, UnknownKindWithHint) {
    Folder f("adapter: acme\nkind: http_jsn\noperations: {}\n");
    expect_errors(f, {"2:7: error: unknown adapter kind 'http_jsn' (hint: did you mean 'http_json'?)"});
}

TEST(AdapterYaml, PlaceholdersAreChecked) {
    Folder f(R"(adapter: acme
kind: http_json
operations:
  submit:
    steps:
      - name: send
        path: /c/{{param.custmer}}/orders
        body: order.yaml
        headers: {Authorization: "Bearer {{secret.tokn}}", X-Line: "{{line.gtin}}"}
      - name: confirm
        path: /orders/{{var.order_ref}}
        capture: {order_ref: /id}
)");
    expect_errors(f, {"7:15: error: 'path': unknown param 'custmer' (hint: did you mean 'customer'?)",
                      "9:34: error: 'Authorization': unknown secret 'tokn' (hint: did you mean 'token'?)",
                      "9:68: error: 'X-Line': '{{line.gtin}}' is only available in a `for_each: lines` step",
                      "11:15: error: 'path': unknown variable 'order_ref'"});
}

TEST(AdapterYaml, MappingsMustFitTheirStep) {
    Folder f(R"(adapter: acme
kind: http_json
operations:
  submit:
    steps:
      - {name: per_line, for_each: lines, path: /cart, body: order.yaml}
      - {name: whole, path: /checkout, body: line.yaml}
      - {name: xml, path: /doc, body: ubl.yaml}
      - {name: gone, path: /x, body: nothere.yaml}
    outcome:
      partial_when: {response_list: /items, sent_step: whole}
)");
    expect_errors(f, {"6:62: error: step 'per_line' runs for each line, but 'order.yaml' renders the whole order",
                      "7:46: error: 'line.yaml' renders one element of lines (item:), but step 'whole' has no for_each",
                      "8:39: error: body mapping 'ubl.yaml' writes xml, but kind http_json sends json",
                      "9:38: error: body mapping 'nothere.yaml' not found",
                      "11:56: error: sent_step 'whole' is not a for_each step of this operation"});
}

TEST(AdapterYaml, MappingErrorsArePassedThrough) {
    Folder f("adapter: acme\nkind: http_json\noperations:\n  submit:\n    steps: [{name: s, path: /o, body: bad.yaml}]\n");
    f.write("bad.yaml", "input: canonical:care_order\noutput: json\ntemplate:\n  ref: =source.placer_ordr_number\n");
    const auto text = all(f.check());
    EXPECT_NE(text.find("/acme/bad.yaml:4:"), std::string::npos) << text;
    EXPECT_NE(text.find("did you mean 'placer_order_number'"), std::string::npos) << text;
}

TEST(AdapterYaml, FolderNameAndSubmitAreRequired) {
    Folder f("adapter: other\nkind: http_json\noperations:\n  cancle: {steps: [{path: /x}]}\n");
    expect_errors(f, {"1:10: error: adapter 'other' does not match its folder 'acme'",
                      "4:11: error: unknown operation 'cancle' (hint: did you mean 'cancel'?)",
                      "4:3: error: operations has no 'submit'"});
}

}  // namespace
}  // namespace gw::adapters
