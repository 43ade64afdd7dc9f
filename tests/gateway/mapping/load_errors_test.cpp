// Broken mapping files: every kind of mistake is reported at load time with FILE:LINE:COL and a hint.
#include <gtest/gtest.h>

#include <string>

#include "gateway/mapping/mapping.hpp"

namespace gw::mapping {
namespace {

struct Case {
    const char* name;
    const char* yaml;
    int line;             // expected 1-based line of the first error
    int column;           // expected 1-based column, 0 = any
    const char* message;  // substring of the message
    const char* hint;     // substring of the hint, or ""
};

constexpr const char* kHl7Head = "mapping: t\ninput: hl7\noutput: json\n";

class LoadErrors : public ::testing::TestWithParam<Case> {};

TEST_P(LoadErrors, ReportsPositionMessageAndHint) {
    const Case& c = GetParam();
    auto r = load_mapping_text(c.yaml, "broken.yaml");
    ASSERT_FALSE(r.mapping) << c.name;
    ASSERT_FALSE(r.errors.empty());
    // The error this case is about (others may follow from the same mistake, e.g. a field then counts as unmapped).
    const Error* found = &r.errors.front();
    for (const auto& err : r.errors)
        if (err.message.find(c.message) != std::string::npos) {
            found = &err;
            break;
        }
    const Error& e = *found;
    EXPECT_EQ(e.where.file, "broken.yaml");
    EXPECT_EQ(e.where.line, c.line) << e.to_string();
    if (c.column > 0) {
        EXPECT_EQ(e.where.column, c.column) << e.to_string();
    }
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.to_string();
    if (*c.hint) {
        EXPECT_NE(e.hint.find(c.hint), std::string::npos) << e.to_string();
    }
    EXPECT_EQ(e.to_string().rfind("broken.yaml:", 0), 0u) << e.to_string();
}

const std::string unknown_function = std::string(kHl7Head) + "template:\n  a: =PID-5.1 | trimm\n";
const std::string hl7_xpath = std::string(kHl7Head) + "template:\n  a: =/Order/cbc:ID\n";
const std::string unknown_variable = std::string(kHl7Head) + "template:\n  a: =$orderno\n";
const std::string arity = std::string(kHl7Head) + "template:\n  a: =substring(PID-5.1)\n";
const std::string unknown_map = std::string(kHl7Head) + "template:\n  a: =map('unitz', RQD-6)\n";
const std::string bad_path = std::string(kHl7Head) + "template:\n  a: =PID-x\n";
const std::string bad_pattern = std::string(kHl7Head) + "template:\n  a: =date(TQ1-7, '%Y%q')\n";
const std::string bad_zone = std::string(kHl7Head) + "template:\n  a: =datetime(TQ1-7, 'hl7', 'Europe/Olso')\n";
const std::string type_mismatch = std::string(kHl7Head) + "template:\n  a: =add(date(TQ1-7, 'hl7'), 1)\n";
const std::string unterminated = std::string(kHl7Head) + "template:\n  a: =concat('abc, PID-5)\n";
const std::string bad_rounding = std::string(kHl7Head) + "template:\n  a: =decimal(RQD-5, 2, 'nearest')\n";
const std::string each_on_object = std::string(kHl7Head) + "template:\n  a:\n    $each: RQD\n    b: =RQD-1\n";
const std::string missing_table =
    std::string(kHl7Head) + "tables:\n  sku: no-such-file.csv\ntemplate:\n  a: =lookup('sku', RQD-2.1)\n";

const Case kCases[] = {
    {"unknown top-level key", "mapping: t\ninput: hl7\noutput: json\ntemplat: {}\n", 4, 1, "unknown key 'templat'",
     "template"},
    {"unknown function", unknown_function.c_str(), 5, 17, "unknown function 'trimm'", "trim"},
    {"XPath in an HL7 mapping", hl7_xpath.c_str(), 5, 7, "can never match", "HL7 paths"},
    {"unknown variable", unknown_variable.c_str(), 5, 7, "unknown variable '$orderno'", "vars"},
    {"wrong argument count", arity.c_str(), 5, 7, "wrong number of arguments", ""},
    {"unknown value map", unknown_map.c_str(), 5, 7, "unknown map 'unitz'", ""},
    {"invalid HL7 path", bad_path.c_str(), 5, 7, "is not an HL7 path", ""},
    {"bad date pattern", bad_pattern.c_str(), 5, 7, "unknown directive '%q'", ""},
    {"unknown time zone", bad_zone.c_str(), 5, 7, "unknown time zone 'Europe/Olso'", ""},
    {"type mismatch", type_mismatch.c_str(), 5, 7, "type mismatch", ""},
    {"unterminated string", unterminated.c_str(), 5, 14, "unterminated string", ""},
    {"bad rounding mode", bad_rounding.c_str(), 5, 7, "unknown rounding 'nearest'", ""},
    {"$each on an object", each_on_object.c_str(), 6, 12, "$each is only allowed on a list item", ""},
    {"missing lookup file", missing_table.c_str(), 5, 8, "lookup table file 'no-such-file.csv' not found",
     "relative to the mapping"},
    {"unknown input format", "mapping: t\ninput: hl8\noutput: json\ntemplate: {}\n", 2, 8, "unknown input format 'hl8'",
     "hl7"},
    {"unknown canonical field in the output",
     "input: hl7\noutput: canonical:order_event\ntemplate:\n  order_id: =MSH-10\n  vendr: x\n", 5, 3,
     "unknown canonical field 'vendr'", "vendor"},
    {"unknown canonical field read from the input",
     "input: canonical:care_order\noutput: json\ntemplate:\n  a: =recipient.adress.street\n", 4, 17,
     "unknown canonical field 'adress'", "address"},
    {"personal data outside the vendor's allow-list",
     "input: canonical:care_order\noutput: json\npersonal_data: [recipient.address]\ntemplate:\n  phone: =recipient.phone\n",
     5, 11, "'recipient.phone' is personal data", "allow"},
    {"canonical field of the wrong type",
     "input: hl7\noutput: canonical:order_event\ntemplate:\n  order_id: =MSH-10\n  vendor: v\n  state: accepted\n"
     "  occurred_at: =int(MSH-7)\n",
     7, 16, "type mismatch", ""},
    {"invalid enumeration constant",
     "input: hl7\noutput: canonical:order_event\ntemplate:\n  order_id: =MSH-10\n  vendor: v\n  state: acepted\n"
     "  occurred_at: =datetime(MSH-7, 'hl7')\n",
     6, 10, "'acepted' is not a valid state", "accepted"},
    {"required canonical field not mapped",
     "input: hl7\noutput: canonical:order_event\ntemplate:\n  order_id: =MSH-10\n  vendor: v\n  state: accepted\n", 4, 3,
     "required canonical field 'occurred_at' is not mapped", ""},
    {"undeclared XML namespace prefix",
     "input: xml\noutput: json\nnamespaces: {cbc: urn:x}\ntemplate:\n  a: =/Order/cac:ID\n", 5, 14,
     "namespace prefix 'cac' is not declared", ""},
    {"invalid YAML", "input: hl7\noutput: json\ntemplate:\n  a: [1, 2\n", 5, 0, "invalid YAML", ""},
    {"relative JSON pointer outside $each", "input: json\noutput: json\ntemplate:\n  a: =./sku\n", 4, 7,
     "no $each around it", ""},
};

INSTANTIATE_TEST_SUITE_P(Mistakes, LoadErrors, ::testing::ValuesIn(kCases));

TEST(LoadErrorsAll, ReportsEveryMistakeAtOnce) {
    const std::string yaml = std::string(kHl7Head) +
                             "template:\n"
                             "  a: =PID-5.1 | trimm\n"
                             "  b: =$nope\n"
                             "  c: =datetime(TQ1-7, 'hl7', 'Mars/Olympus')\n";
    auto r = load_mapping_text(yaml, "three.yaml");
    ASSERT_EQ(r.errors.size(), 3u);
    EXPECT_EQ(r.errors[0].where.line, 5);
    EXPECT_EQ(r.errors[1].where.line, 6);
    EXPECT_EQ(r.errors[2].where.line, 7);
}

TEST(LoadErrorsAll, ShippedMappingsLoad) {
    for (const char* f : {"mappings/inbound/oms-o05.yaml", "mappings/inbound/msghead-order.yaml",
                          "mappings/outbound/ors-o06.yaml", "mappings/outbound/apprec.yaml",
                          "mappings/vendors/peppol-bis/order.yaml", "mappings/vendors/peppol-bis/order-response.yaml",
                          "mappings/vendors/example-json/order.yaml"}) {
        auto r = load_mapping(f);
        for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
        EXPECT_TRUE(r.mapping) << f;
    }
}

}  // namespace
}  // namespace gw::mapping
