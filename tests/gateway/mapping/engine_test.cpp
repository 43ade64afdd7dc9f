// The engine end to end on small in-memory mappings: JSON, HL7 and XML in; JSON, XML and HL7 out; errors that
// name the output field, the input location and the value.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/mapping/mapping.hpp"

namespace gw::mapping {
namespace {

std::shared_ptr<const Mapping> compile(const std::string& yaml) {
    auto r = load_mapping_text(yaml, "test.yaml");
    for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
    return r.mapping;
}

Output run_ok(const Mapping& m, std::string_view input, const Params& params = {}) {
    RunOptions o;
    o.params = &params;
    o.now = "2026-11-25T12:00:00+01:00";
    auto r = m.run(input, o);
    if (!r) {
        ADD_FAILURE() << r.error().to_string();
        return {};
    }
    return std::move(r).value();
}

std::string run_error(const Mapping& m, std::string_view input) {
    auto r = m.run(input);
    if (r) {
        ADD_FAILURE() << "expected an error, got " << r->to_string();
        return {};
    }
    return r.error().to_string();
}

TEST(Engine, JsonToJsonWithEachWhenAndFunctions) {
    auto m = compile(R"(
input: json
output: json
params: [prefix]
maps: {units: {stk: EA, kg: KGM}}
template:
  ref: =concat($prefix, '-', /order/id | upper)
  total: =count(all(/order/items))
  items:
    - $each: /order/items
      $when: =gt(./qty, 0)
      sku: =./sku | trim
      qty: =./qty | decimal(2)
      unit: =map('units', ./unit)
      big: =gt(./qty, 5)
  fixed: [1, two, true]
)");
    ASSERT_TRUE(m);
    const auto out = run_ok(*m, R"({"order":{"id":"ab12","items":[{"sku":" A ","qty":"1.5","unit":"kg"},
        {"sku":"B","qty":0,"unit":"stk"},{"sku":"C","qty":7,"unit":"stk"}]}})",
                            {{"prefix", "X"}});
    EXPECT_EQ(out.to_string(),
              R"({"ref":"X-AB12","total":3,"items":[{"sku":"A","qty":1.5,"unit":"KGM","big":false},)"
              R"({"sku":"C","qty":7,"unit":"EA","big":true}],"fixed":[1,"two",true]})");
}

TEST(Engine, JsonErrorNamesOutputFieldPointerAndValue) {
    auto m = compile("input: json\noutput: json\ntemplate:\n  items:\n    - $each: /items\n      qty: =./q | number\n");
    ASSERT_TRUE(m);
    const auto e = run_error(*m, R"({"items":[{"q":"1"},{"q":"abc"}]})");
    EXPECT_NE(e.find("items[1].qty: not a number"), std::string::npos) << e;
    EXPECT_NE(e.find("/items/1/q"), std::string::npos) << e;
    EXPECT_NE(e.find("\"abc\""), std::string::npos) << e;
}

constexpr const char* kOms =
    "MSH|^~\\&|A|B|C|D|20261125140300+0100||OMS^O05|CTRL1|P|2.5\r"
    "PID|1||PSN-1||Nordmann^Kari\r"
    "ORC|NW|PLACER-9\r"
    "RQD|1|7038010000102^Melk^GTIN|||2|stk\r"
    "NTE|1|L|kald|LIN\r"
    "RQD|2|7038010000119^Br\\T\\d^GTIN|||abc|stk\r";

TEST(Engine, Hl7GroupsAndErrors) {
    auto m = compile(R"(
input: hl7
output: json
template:
  placer: =ORC-2
  lines:
    - $each: RQD
      $group: [NTE]
      n: =RQD-1 | int
      gtin: =RQD-2.1 | gtin14
      name: =RQD-2.2
      note: =NTE-3
)");
    ASSERT_TRUE(m);
    const auto out = run_ok(*m, kOms);
    EXPECT_EQ(out.to_string(),
              R"({"placer":"PLACER-9","lines":[{"n":1,"gtin":"07038010000102","name":"Melk","note":"kald"},)"
              R"({"n":2,"gtin":"07038010000119","name":"Br&d"}]})");

    auto q = compile("input: hl7\noutput: json\ntemplate:\n  l:\n    - $each: RQD\n      q: =RQD-5 | number\n");
    const auto e = run_error(*q, kOms);
    EXPECT_NE(e.find("l[1].q: not a number (input RQD[2]-5 = \"abc\")"), std::string::npos) << e;
}

TEST(Engine, XmlInNamespacesNormalisedAndXmlOut) {
    auto m = compile(R"(
input: xml
output: xml
namespaces:
  "": urn:out
  a: urn:in
  x: urn:extra
template:
  Result:
    "@count": =count(all(//a:Line))
    x:First: =/a:Doc/a:Line[1]/a:Name
    Item:
      - $each: //a:Line
        "@n": =@no
        $text: =a:Name | upper
    Missing: =//a:Nope
)");
    ASSERT_TRUE(m);
    // The sender's prefixes differ from the mapping's: names are matched by namespace URI.
    const auto out = run_ok(*m, R"(<?xml version="1.0"?><p:Doc xmlns:p="urn:in"><p:Line no="1"><p:Name>eple</p:Name></p:Line>
        <Line xmlns="urn:in" no="2"><Name>pære</Name></Line></p:Doc>)");
    EXPECT_EQ(out.text,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<Result xmlns=\"urn:out\" xmlns:a=\"urn:in\" xmlns:x=\"urn:extra\" count=\"2\">\n"
              "  <x:First>eple</x:First>\n  <Item n=\"1\">EPLE</Item>\n  <Item n=\"2\">PÆRE</Item>\n</Result>\n");
}

TEST(Engine, XmlWithEntitiesIsRefused) {
    auto m = compile("input: xml\noutput: json\ntemplate:\n  a: =/a\n");
    const auto e = run_error(*m, "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>");
    EXPECT_NE(e.find("entities"), std::string::npos) << e;
}

TEST(Engine, Hl7OutputEscapesValues) {
    auto m = compile(R"(
input: json
output: hl7
template:
  - MSH: {"9.1": ORS, "9.2": O06, "10": =/id, "12": "2.5"}
  - $each: /lines
    NTE: {"1": =./n, "3": =./text}
)");
    ASSERT_TRUE(m);
    const auto out = run_ok(*m, R"({"id":"M1","lines":[{"n":1,"text":"a|b^c&d"},{"n":2,"text":"ok"}]})");
    EXPECT_EQ(out.text, "MSH|^~\\&|||||||ORS^O06|M1||2.5\rNTE|1||a\\F\\b\\S\\c\\T\\d\rNTE|2||ok\r");
}

TEST(Engine, DatesAndTimeZones) {
    auto m = compile(R"(
input: json
output: json
template:
  winter: =datetime(/a, '%Y%m%d%H%M')
  summer: =datetime(/b, '%Y%m%d%H%M')
  overlap: =datetime(/c, '%Y%m%d%H%M')
  utc_to_oslo: =datetime(/d, 'iso') | format_datetime('%d.%m.%Y %H:%M')
  day: =datetime(/d, 'iso') | local_date
  now: =now()
)");
    ASSERT_TRUE(m);
    const auto out = run_ok(*m, R"({"a":"202601151030","b":"202607151030","c":"202610250230","d":"2026-03-29T23:30:00Z"})");
    const auto& o = out.json.as_object();
    EXPECT_EQ(o.at("winter").as_string(), "2026-01-15T10:30:00+01:00");
    EXPECT_EQ(o.at("summer").as_string(), "2026-07-15T10:30:00+02:00");
    EXPECT_EQ(o.at("overlap").as_string(), "2026-10-25T02:30:00+02:00");  // first occurrence
    EXPECT_EQ(o.at("utc_to_oslo").as_string(), "30.03.2026 01:30");
    EXPECT_EQ(o.at("day").as_string(), "2026-03-30");
    EXPECT_EQ(o.at("now").as_string(), "2026-11-25T12:00:00+01:00");
    const auto e = run_error(*m, R"({"a":"202603290230","b":"202607151030","c":"202610250230","d":"2026-01-01T00:00:00Z"})");
    EXPECT_NE(e.find("does not exist in Europe/Oslo"), std::string::npos) << e;
}

TEST(Engine, NumbersGtinUnitsHashing) {
    auto m = compile(R"(
input: json
output: json
template:
  r1: =decimal('2.345', 2)
  r2: =decimal('2.345', 2, 'half_even')
  r3: =decimal('-2.5', 0)
  comma: =number('1,5')
  grams: =convert('1.25', 'KGM', 'GRM')
  kilos: =convert('750', 'GRM', 'KGM')
  g14: =gtin14('7038010000102')
  g13: =gtin13('07038010000102')
  valid: =is_gtin('7038010000103')
  sha: =sha256('abc')
  hmac: =hmac_sha256('The quick brown fox jumps over the lazy dog', 'key')
  sub: =substring('Bærum kommune', 1, 5)
  up: =upper('bærum')
)");
    ASSERT_TRUE(m);
    const auto out = run_ok(*m, "{}");
    const auto& o = out.json.as_object();
    const std::string text = out.to_string();
    EXPECT_NE(text.find(R"("r1":2.35,"r2":2.34,"r3":-3,"comma":1.5,"grams":1250,"kilos":0.75)"), std::string::npos)
        << text;
    EXPECT_EQ(boost::json::serialize(o.at("r1")), "2.35E0");
    EXPECT_EQ(o.at("g14").as_string(), "07038010000102");
    EXPECT_EQ(o.at("g13").as_string(), "7038010000102");
    EXPECT_EQ(o.at("valid").as_bool(), false);
    EXPECT_EQ(o.at("sha").as_string(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(o.at("hmac").as_string(), "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    EXPECT_EQ(o.at("sub").as_string(), "Bærum");
    EXPECT_EQ(o.at("up").as_string(), "BÆRUM");
}

TEST(Engine, CanonicalOutputIsValidatedByTheModel) {
    auto m = compile(R"(
input: json
output: canonical:order_event
template:
  order_id: =/id
  vendor: example
  state: =/state
  occurred_at: =/at | datetime
  lines:
    - $each: /lines
      line_number: =./n
      outcome: =./o
      new_quantity: =./q
)");
    ASSERT_TRUE(m);
    const auto out = run_ok(*m, R"({"id":"G1","state":"partially_accepted","at":"2026-11-26T09:00",
        "lines":[{"n":1,"o":"quantity_changed","q":"2"}]})");
    EXPECT_EQ(out.json.at("occurred_at").as_string(), "2026-11-26T09:00:00+01:00");
    const auto e = run_error(*m, R"({"id":"G1","state":"partially_accepted","at":"2026-11-26T09:00",
        "lines":[{"n":1,"o":"quantity_changed","q":"0"}]})");
    EXPECT_NE(e.find("lines[0].new_quantity"), std::string::npos) << e;
    EXPECT_NE(e.find("/lines/0/q"), std::string::npos) << e;
    const auto bad_state = run_error(*m, R"({"id":"G1","state":"lost","at":"2026-11-26T09:00"})");
    EXPECT_NE(bad_state.find("state: not a valid value"), std::string::npos) << bad_state;
}

TEST(Engine, ShippedInboundMappingTranslatesAFrame) {
    auto loaded = load_mapping("mappings/inbound/oms-o05.yaml");
    ASSERT_TRUE(loaded.mapping);
    std::string frame =
        "MSH|^~\\&|GERICA|BAERUM_HJT|MATGATEWAY|GATEWAY|20261125140300+0100||OMS^O05^OMS_O05|M1|P|2.5\r"
        "PID|1||PSN-1^^^X^PN||Hansen^Kari||||||Kirkeveien 1^^Sandvika^^1337^NO\r"
        "ORC|NW|BK-1|||||||20261125140000+0100|||H1^Nilsen^Anne|||||3201\r"
        "TQ1|1||||||202611261000|202611261200\r"
        "RQD|1|7038010000102^Lettmelk^GTIN|||2|stk\r";
    auto order = translate_hl7_to_care_order(*loaded.mapping, frame);
    ASSERT_TRUE(order) << order.error().to_string();
    EXPECT_EQ(order->at("source").at("placer_order_number").as_string(), "BK-1");
    EXPECT_EQ(order->at("lines").at(0).at("unit").at("code").as_string(), "EA");
}

}  // namespace
}  // namespace gw::mapping
