#include "common/config/config_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace mxd {
namespace {

void Write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::trunc) << text; }

// The helper reads what the service started with, again on every request:
// main.cf (the -o overrides still win) and the tables it names.
TEST(ConfigReader, ReadsMainCfAndItsTablesAgain) {
  char dir[] = "/tmp/config_reader_testXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string cf = std::string(dir) + "/main.cf", table = std::string(dir) + "/pix";
  Write(table, "192.0.2.1 delay_dotcrlf\n");
  Write(cf, "relayhost = [one.example]\nsmtp_pix_workaround_maps = texthash:" + table + "\n");
  auto reader = ConfigReader::Start(cf, {"smtp_helo_name=fixed.example"});
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto first = (*reader)->Read(absl::Seconds(10));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->config.GetString("relayhost"), "[one.example]");
  EXPECT_EQ(first->tables.at(table), "192.0.2.1 delay_dotcrlf\n");

  Write(cf, "relayhost = [two.example]\nsmtp_helo_name = ignored\nsmtp_pix_workaround_maps = texthash:" +
                table + "\n");
  Write(table, "192.0.2.2 disable_esmtp\n");
  auto second = (*reader)->Read(absl::Seconds(10));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->config.GetString("relayhost"), "[two.example]");
  EXPECT_EQ(second->config.GetString("smtp_helo_name"), "fixed.example");  // -o wins, as at start
  EXPECT_THAT(ConfigChanges(first->config, first->tables, second->config, second->tables),
              testing::UnorderedElementsAre("relayhost = [two.example]", "table " + table + " changed"));

  Write(cf, "relayhost = [three.example]\nno_such_parameter = 1\n");
  auto bad = (*reader)->Read(absl::Seconds(10));
  EXPECT_THAT(bad.status().message(),
              testing::HasSubstr(cf + " line 2: unknown parameter 'no_such_parameter'"));
  std::system(("rm -rf " + std::string(dir)).c_str());
}

}  // namespace
}  // namespace mxd
