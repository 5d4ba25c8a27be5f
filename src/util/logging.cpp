#include "moss/util/logging.h"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "moss/util/json_text.h"
#include "util/access_line_formatter.h"

namespace moss {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::shared_ptr<spdlog::logger> g_access;  // atomic_load / atomic_store only

// %* in a pattern: the message as the contents of a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto escaped = json_escape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// Writes through stdio's buffer and flushes on demand (every second, on
// warnings, at exit; every line on a terminal), not after each line as
// spdlog's stdout sink does: a write(2) and a logger-thread wakeup per access
// log line cost more than serving a small object.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    // One buffer kept across lines (the sink's lock guards it): a fresh one
    // holds 250 bytes inline and an access line is longer, a malloc per line.
    formatted_.clear();
    formatter_->format(msg, formatted_);
    std::fwrite(formatted_.data(), 1, formatted_.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }

 private:
  spdlog::memory_buf_t formatted_;
};

std::shared_ptr<spdlog::logger> make_logger(const std::string& name,
                                            std::unique_ptr<spdlog::formatter> formatter) {
  auto sink = std::make_shared<BufferedStdoutSink>();
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  logger->set_formatter(std::move(formatter));
  logger->flush_on(isatty(STDOUT_FILENO) ? spdlog::level::trace : spdlog::level::warn);
  return logger;
}

std::unique_ptr<spdlog::formatter> pattern(const std::string& pattern, bool escape_message) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (escape_message) formatter->add_flag<JsonMessageFlag>('*');
  formatter->set_pattern(pattern);
  return formatter;
}

}  // namespace

void append_json_escaped(fmt::memory_buffer& out, std::string_view text) {
  // Nearly every field of an access line is plain: copied whole.
  if (is_plain_json_text(text)) {
    out.append(text);
    return;
  }
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

std::string json_escape(std::string_view text) {
  fmt::memory_buffer out;
  append_json_escaped(out, text);
  return fmt::to_string(out);
}

void setup_logging(LogFormat format, const std::string& level) {
  g_format = format;
  static std::once_flag buffer_once;
  std::call_once(buffer_once, [] {
    if (!isatty(STDOUT_FILENO)) std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  });
  std::shared_ptr<spdlog::logger> app;
  if (format == LogFormat::kJson) {
    app = make_logger(
        "moss",
        pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"moss","msg":"%*"})",
                true));
  } else {
    app = make_logger("moss", pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", false));
  }
  auto access = make_logger("access", make_access_line_formatter(format));
  app->set_level(spdlog::level::from_str(level));
  access->set_level(spdlog::level::info);
  spdlog::drop("moss");
  spdlog::drop("access");
  spdlog::register_logger(access);
  std::atomic_store(&g_access, access);
  spdlog::set_default_logger(app);
  spdlog::flush_every(std::chrono::seconds(1));
}

std::shared_ptr<spdlog::logger> access_logger() {
  // Looked up once per setup, not per request: spdlog::get takes the
  // registry's mutex, which every network thread would contend for.
  std::shared_ptr<spdlog::logger> logger = std::atomic_load(&g_access);
  return logger ? logger : spdlog::default_logger();
}

LogFormat log_format() { return g_format.load(); }

}  // namespace moss
