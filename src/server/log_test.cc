#include "server/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

namespace auditlog::server {
namespace {

using ::testing::HasSubstr;

std::string Capture(bool json, LogLevel level, const std::function<void(Logger&)>& write) {
  std::FILE* file = std::tmpfile();
  {
    Logger log(level, json, file);
    write(log);
  }
  std::rewind(file);
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  std::fclose(file);
  return text;
}

TEST(LoggerTest, JsonLinesWithTypedFields) {
  const std::string text = Capture(true, LogLevel::kInfo, [](Logger& log) {
    log.Info(
        "request",
        {{"path", "/v1/events"}, {"status", 200}, {"ms", 1.5}, {"note", "a \"quoted\"\nline"}});
  });
  ASSERT_EQ(text.back(), '\n');
  ASSERT_EQ(text.find('\n'), text.size() - 1);  // one line, newlines escaped
  const nlohmann::json line = nlohmann::json::parse(text);
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "request");
  EXPECT_EQ(line["path"], "/v1/events");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["ms"], 1.5);
  EXPECT_EQ(line["note"], "a \"quoted\"\nline");
  EXPECT_THAT(line["ts"].get<std::string>(), HasSubstr("T"));
}

TEST(LoggerTest, TextLinesAndLevels) {
  const std::string text = Capture(false, LogLevel::kWarn, [](Logger& log) {
    log.Info("hidden");
    log.Warn("shown", {{"k", "v"}});
    log.Error("also shown");
  });
  EXPECT_THAT(text, ::testing::Not(HasSubstr("hidden")));
  EXPECT_THAT(text, HasSubstr(" warn shown k=v\n"));
  EXPECT_THAT(text, HasSubstr(" error also shown\n"));
}

TEST(LoggerTest, ParsesLevels) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud").ok());
}

}  // namespace
}  // namespace auditlog::server
